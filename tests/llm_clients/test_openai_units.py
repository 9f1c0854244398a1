"""The OpenAI backend's pure parts: SSE parsing, error messages, request bodies."""

from __future__ import annotations

import httpx
import pytest

from agents.llm.base import ChatRequest, Message
from agents.llm.openai import OpenAIBackend, server_message, sse_data

SCHEMA = {"type": "object", "properties": {"ok": {"type": "boolean"}}}
REQUEST = ChatRequest(messages=(Message("user", "hi"),), json_schema=SCHEMA, stop=("\n",), seed=1, max_tokens=9)


def test_sse_data_follows_the_event_stream_format():
    lines = [
        ": keep-alive comment",
        "event: message",
        "id: 7",
        'data: {"a": 1}',
        "",
        "",
        "data:first line",
        "data: second line",
        "",
        "retry: 100",
        "data: [DONE]",
    ]

    assert list(sse_data(lines)) == ['{"a": 1}', "first line\nsecond line", "[DONE]"]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b'{"error": {"message": "bad schema", "type": "invalid_request_error"}}', "bad schema"),
        (b'{"object": "error", "message": "vLLM said no", "code": 400}', "vLLM said no"),
        (b'{"detail": "Not Found"}', "Not Found"),
        (b'{"error": "plain"}', "plain"),
        (b"<html>Bad Gateway</html>", "<html>Bad Gateway</html>"),
        (b"", "Bad Gateway"),
    ],
)
def test_server_message_finds_the_servers_words(body, message):
    response = httpx.Response(502, content=body, request=httpx.Request("POST", "http://h/v1/chat/completions"))

    assert server_message(response) == message


def _body(structured: str) -> dict[str, object]:
    with OpenAIBackend("http://h/v1", "m", structured=structured) as backend:
        return backend.request_body(REQUEST)


def test_the_body_asks_for_a_stream_with_usage():
    body = _body("none")

    assert body == {
        "model": "m",
        "messages": [{"role": "user", "content": "hi"}],
        "max_tokens": 9,
        "temperature": 0.0,
        "stream": True,
        "stream_options": {"include_usage": True},
        "stop": ["\n"],
        "seed": 1,
    }


def test_each_dialect_carries_the_schema_its_own_way():
    assert _body("json_schema")["response_format"] == {
        "type": "json_schema",
        "json_schema": {"name": "decision", "schema": SCHEMA, "strict": True},
    }
    assert _body("structured_outputs")["structured_outputs"] == {"json": SCHEMA}
    assert _body("guided_json")["guided_json"] == SCHEMA
    assert not {"response_format", "structured_outputs", "guided_json"} & set(_body("none"))


def test_a_base_url_with_a_trailing_slash_is_normalised():
    with OpenAIBackend("http://h:8000/v1/", "m") as backend:
        assert backend.base_url == "http://h:8000/v1"
