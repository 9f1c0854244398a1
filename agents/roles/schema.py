"""JSON schemas of the roles' decisions, with enumerations built from the live cluster, and their validator.

A decision names something that exists (a service of the namespace, a read command the Probe may run, a
label of the RCA taxonomy) by choosing from an ``enum`` built from what the environment reports at the
start of a run. Under grammar-constrained decoding the model cannot write anything else; a backend without
grammar support gets the same schema as an instruction, and ``validate`` checks what came back.
The validator covers exactly the subset of JSON Schema these builders emit.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from agents.sim.grading import FAULT_TYPES, SYSTEM_LEVELS

Schema = dict[str, Any]


class DecisionError(ValueError):
    """A completion is not a valid decision; the message says where, for the repair prompt and the record."""


def string(max_length: int) -> Schema:
    return {"type": "string", "maxLength": max_length}


def choice(options: Sequence[str]) -> Schema:
    return {"type": "string", "enum": list(dict.fromkeys(options))}


def obj(properties: Mapping[str, Schema]) -> Schema:
    """An object with exactly these properties, all required, in this order (the order the model writes)."""
    return {
        "type": "object",
        "properties": dict(properties),
        "required": list(properties),
        "additionalProperties": False,
    }


def array(items: Schema, *, min_items: int = 0, max_items: int) -> Schema:
    return {"type": "array", "items": items, "minItems": min_items, "maxItems": max_items}


def token_bound(schema: Schema) -> int:
    """An upper bound on the tokens a complete value of ``schema`` needs (a character per token, worst case).

    Used as the decision's ``max_tokens``, so that a constrained model that fills every string to its
    maximum still closes the JSON instead of being cut off mid-value.
    """
    if "enum" in schema:
        return max((len(json.dumps(option)) for option in schema["enum"]), default=2)
    kind = schema.get("type")
    if kind == "object":
        properties = schema.get("properties", {})
        return 2 + sum(len(name) + 4 + token_bound(sub) for name, sub in properties.items())
    if kind == "array":
        return 2 + int(schema.get("maxItems", 8)) * (token_bound(schema.get("items", {})) + 2)
    if kind == "string":
        return int(schema.get("maxLength", 256)) + 2
    return 24


def answer_schema(
    task: str,
    services: Sequence[str],
    *,
    levels: Sequence[str] = SYSTEM_LEVELS,
    fault_types: Sequence[str] = FAULT_TYPES,
    detection: Sequence[str] = ("Yes", "No"),
) -> Schema:
    """The final answer of each task, in the shape ``submit`` takes. Enumerations are listed in the order
    given (the Observer's: what the evidence supports first); every label stays allowed.

    Localization names one service: a list invites a small model to pad it, and a padded list fails."""
    if task == "detection":
        return obj({"answer": choice(detection)})
    if task == "localization":
        return obj({"service": choice(services)})
    if task == "analysis":
        return obj({"system_level": choice(levels), "fault_type": choice(fault_types)})
    if task in ("incident", "mitigation"):
        return obj({"component": choice(services), "system_level": choice(levels), "fault_type": choice(fault_types)})
    raise ValueError(f"no answer schema for task {task!r}")


def options_text(schema: Schema, *, limit: int = 6, notes: Mapping[str, Sequence[str]] | None = None) -> str:
    """Each enumerated field of a decision schema with its options in order, one line each, for a prompt
    (a grammar enforces the options; the model sees their order only if the prompt shows it). ``notes``:
    what supports an option (the kinds of finding it fits), shown beside it."""
    lines = []
    for name, sub in schema.get("properties", {}).items():
        options = sub.get("enum")
        if options:
            shown = ", ".join(_noted(str(option), (notes or {}).get(str(option), ())) for option in options[:limit])
            lines.append(f"{name}: {shown}{', ...' if len(options) > limit else ''}")
    return "\n".join(lines)


def _noted(option: str, note: Sequence[str]) -> str:
    return f"{option} (fits: {', '.join(note[:3])})" if note else option


def submission_of(task: str, answer: Mapping[str, Any]) -> Any:
    """An answer decision (``answer_schema``'s shape) in the shape ``submit`` takes for the task. A
    localization decision of the earlier shape (``services``, a list) is read as it was."""
    if task == "detection":
        return answer["answer"]
    if task == "localization":
        return [answer["service"]] if "service" in answer else list(answer["services"])
    return dict(answer)


def parse_decision(text: str, schema: Schema) -> dict[str, Any]:
    """The JSON object in ``text`` if it satisfies ``schema``; ``DecisionError`` saying why otherwise."""
    candidate = text.strip()
    if candidate.startswith("```"):
        candidate = candidate.strip("`").removeprefix("json").strip()
    start, end = candidate.find("{"), candidate.rfind("}")
    if start < 0 or end < start:
        raise DecisionError("no JSON object found")
    try:
        value = json.loads(candidate[start : end + 1])
    except json.JSONDecodeError as error:
        raise DecisionError(f"invalid JSON: {error.msg} at character {error.pos}") from None
    validate(value, schema)
    assert isinstance(value, dict)
    return value


def validate(value: Any, schema: Schema, path: str = "$") -> None:
    """Check ``value`` against ``schema`` (type, enum, properties, required, extra keys, lengths, bounds)."""
    kind = schema.get("type")
    if "enum" in schema and value not in schema["enum"]:
        raise DecisionError(f"{path}: {value!r} is not one of the allowed values")
    if kind == "object":
        _validate_object(value, schema, path)
    elif kind == "array":
        _validate_array(value, schema, path)
    elif kind == "string":
        if not isinstance(value, str):
            raise DecisionError(f"{path}: expected a string")
        if len(value) > schema.get("maxLength", len(value)):
            raise DecisionError(f"{path}: longer than {schema['maxLength']} characters")
    elif kind in ("number", "integer"):
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or (kind == "integer" and not isinstance(value, int))
        ):
            raise DecisionError(f"{path}: expected a {kind}")
        if value < schema.get("minimum", value) or value > schema.get("maximum", value):
            raise DecisionError(f"{path}: {value} is out of range")
    elif kind == "boolean" and not isinstance(value, bool):
        raise DecisionError(f"{path}: expected true or false")


def _validate_object(value: Any, schema: Schema, path: str) -> None:
    if not isinstance(value, dict):
        raise DecisionError(f"{path}: expected an object")
    properties = schema.get("properties", {})
    for name in schema.get("required", []):
        if name not in value:
            raise DecisionError(f"{path}: missing {name!r}")
    if schema.get("additionalProperties") is False:
        extra = sorted(set(value) - set(properties))
        if extra:
            raise DecisionError(f"{path}: unexpected {', '.join(repr(name) for name in extra)}")
    for name, item in value.items():
        if name in properties:
            validate(item, properties[name], f"{path}.{name}")


def _validate_array(value: Any, schema: Schema, path: str) -> None:
    if not isinstance(value, list):
        raise DecisionError(f"{path}: expected an array")
    if len(value) < schema.get("minItems", 0) or len(value) > schema.get("maxItems", len(value)):
        raise DecisionError(f"{path}: needs {schema.get('minItems', 0)} to {schema.get('maxItems')} items")
    for index, item in enumerate(value):
        validate(item, schema.get("items", {}), f"{path}[{index}]")
