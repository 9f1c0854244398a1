"""JSON schemas as llama.cpp grammars: compact JSON, no properties beyond the schema's, checked before use.

llama.cpp's own ``response_format`` grammar lets the model write free whitespace between tokens (a small
model pads with newlines and indentation, and pays for every one). Its llguidance grammars take options
instead: ``%json`` with ``x-guidance`` separators and no flexible whitespace gives the compact JSON the
transformers backend produces (``agents.llm.grammar``). As there, objects admit no properties beyond those
the schema names, unless the schema says otherwise (``additionalProperties``).

A grammar the engine cannot compile does not fail the request: the engine logs the error and generates
without any constraint. So a schema is checked before its first use: against the JSON Schema meta-schema
(a malformed schema is refused with the reason); then, unless it uses only the common keywords the engine
is known to compile (``PLAIN_KEYWORDS``: the agents' schemas do), by a probe, a two-token request whose
grammar puts a marker before the document: the answer begins with the marker only where the grammar held.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError

from agents.llm.base import LLMError

COMPACT = {"whitespace_flexible": False, "item_separator": ",", "key_separator": ":"}
PROBE_MARKER = "\u00a7"
# Where a schema nests others: a keyword holding one schema, or a list or mapping of them.
_ONE = ("items", "additionalItems", "contains", "not", "if", "then", "else", "propertyNames")
_MANY = ("anyOf", "oneOf", "allOf", "prefixItems")
_NAMED = ("properties", "$defs", "definitions", "patternProperties", "dependentSchemas")
# Keywords llguidance compiles whenever the schema is valid: a schema of these alone needs no probe.
PLAIN_KEYWORDS = frozenset(
    {
        "type",
        "properties",
        "required",
        "additionalProperties",
        "items",
        "enum",
        "const",
        "minItems",
        "maxItems",
        "minLength",
        "maxLength",
        "minimum",
        "maximum",
        "anyOf",
        "title",
        "description",
    }
)


def schema_key(schema: Mapping[str, Any]) -> str:
    """The schema as compact JSON, keys in their order (the order the output follows): a cache key."""
    return json.dumps(schema, separators=(",", ":"), ensure_ascii=False)


def closed(schema: Any) -> Any:
    """A copy of ``schema`` where every object schema without ``additionalProperties`` gets ``false``."""
    if not isinstance(schema, Mapping):
        return schema
    copy = dict(schema)
    for keyword in _ONE:
        if keyword in copy:
            copy[keyword] = closed(copy[keyword])
    for keyword in _MANY:
        if isinstance(copy.get(keyword), list):
            copy[keyword] = [closed(item) for item in copy[keyword]]
    for keyword in _NAMED:
        if isinstance(copy.get(keyword), Mapping):
            copy[keyword] = {name: closed(item) for name, item in copy[keyword].items()}
    is_object = copy.get("type") == "object" or "properties" in copy
    if is_object and "additionalProperties" not in copy:
        copy["additionalProperties"] = False
    return copy


_BOUNDS = (("minItems", "maxItems"), ("minLength", "maxLength"), ("minimum", "maximum"))


def _satisfiable(schema: Mapping[str, Any]) -> bool:
    # The engine refuses a schema nothing can satisfy; these are the plain keywords' ways to be one.
    if "enum" in schema and not schema["enum"]:
        return False
    return all(not (low in schema and high in schema and schema[low] > schema[high]) for low, high in _BOUNDS)


def plain(schema: Any) -> bool:
    """True when ``schema`` and every schema inside it use ``PLAIN_KEYWORDS`` only, satisfiably."""
    if isinstance(schema, bool):
        return True
    if not isinstance(schema, Mapping) or not set(schema) <= PLAIN_KEYWORDS or not _satisfiable(schema):
        return False
    inner: list[Any] = list((schema.get("properties") or {}).values()) + list(schema.get("anyOf") or [])
    for keyword in ("items", "additionalProperties"):
        if keyword in schema:
            inner.append(schema[keyword])
    return all(plain(item) for item in inner)


def check_schema(schema: Mapping[str, Any]) -> None:
    """Raise LLMError, with the reason and where, if ``schema`` is not a valid JSON Schema."""
    try:
        Draft202012Validator.check_schema(dict(schema))
    except SchemaError as error:
        where = "/".join(str(part) for part in error.path) or "the top level"
        raise LLMError(f"The JSON schema is malformed at {where}: {error.message}") from error


def _document(schema: Mapping[str, Any]) -> str:
    return json.dumps({**closed(schema), "x-guidance": COMPACT}, separators=(",", ":"), ensure_ascii=False)


def grammar(schema: Mapping[str, Any]) -> str:
    """The llguidance grammar of ``schema``: compact JSON valid for it, nothing before or after."""
    return "%llguidance {}\nstart: %json " + _document(schema)


def probe_grammar(schema: Mapping[str, Any]) -> str:
    """The same document as ``grammar``, after ``PROBE_MARKER``: an answer that begins with the marker
    shows that the engine compiled the grammar."""
    return f'%llguidance {{}}\nstart: "{PROBE_MARKER}" document\ndocument: %json ' + _document(schema)
