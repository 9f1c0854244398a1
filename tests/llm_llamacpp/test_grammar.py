"""Schemas into llama.cpp grammars, without the engine: closing objects, the plain keywords, the text."""

from __future__ import annotations

import json

import pytest

from agents.llm.llamacpp_grammar import COMPACT, PROBE_MARKER, closed, grammar, plain, probe_grammar
from tests.llm_llamacpp.conftest import DECISION_SCHEMA


def test_every_object_schema_is_closed_unless_it_says_otherwise():
    schema = {
        "type": "object",
        "properties": {
            "inner": {"type": "object", "properties": {"a": {"type": "string"}}},
            "open": {"type": "object", "properties": {}, "additionalProperties": True},
            "list": {"type": "array", "items": {"properties": {"b": {"type": "integer"}}}},
        },
        "anyOf": [{"type": "object", "properties": {"c": {}}}],
    }

    found = closed(schema)

    assert found["additionalProperties"] is False
    assert found["properties"]["inner"]["additionalProperties"] is False
    assert found["properties"]["open"]["additionalProperties"] is True
    assert found["properties"]["list"]["items"]["additionalProperties"] is False
    assert found["anyOf"][0]["additionalProperties"] is False
    assert "additionalProperties" not in schema  # the caller's schema is left alone


def test_the_grammar_is_compact_json_for_the_closed_schema():
    text = grammar(DECISION_SCHEMA)
    head, _, document = text.partition("start: %json ")

    assert head == "%llguidance {}\n"
    assert json.loads(document) == {**closed(DECISION_SCHEMA), "x-guidance": COMPACT}
    assert probe_grammar(DECISION_SCHEMA).endswith(document)
    assert f'start: "{PROBE_MARKER}" document' in probe_grammar(DECISION_SCHEMA)


@pytest.mark.parametrize(
    ("schema", "expected"),
    [
        (DECISION_SCHEMA, True),
        ({"enum": ["a", "b"]}, True),
        ({"type": "string", "pattern": "^[a-z]+$"}, False),
        ({"type": "array", "items": {"type": "integer"}, "uniqueItems": True}, False),
        ({"type": "object", "properties": {"a": {"$ref": "#/$defs/a"}}}, False),
        ({"type": "array", "items": {"type": "string"}, "minItems": 3, "maxItems": 1}, False),
        ({"enum": []}, False),
    ],
    ids=["decision", "enum", "pattern", "uniqueItems", "$ref", "unsatisfiable", "empty enum"],
)
def test_only_plain_satisfiable_schemas_skip_the_probe(schema, expected):
    assert plain(schema) is expected
