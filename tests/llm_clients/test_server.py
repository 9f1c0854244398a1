"""The OpenAI-compatible server's protocol, byte for byte, served in-process on a thread."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from agents.llm.base import ChatRequest, Completion, LLMBackend, LLMError, Message, TokenCallback, TransientLLMError
from agents.llm.openai import OpenAIBackend
from agents.llm.replay import ScriptedBackend, last_user_message, request_json
from agents.llm.server import ChatServer, Faults, make_server

MESSAGES = [{"role": "user", "content": "pods are pending"}]


def _serve(backend: LLMBackend, **options: Any) -> Iterator[ChatServer]:
    server = make_server(backend, **options)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


@pytest.fixture
def echo() -> Iterator[ChatServer]:
    yield from _serve(ScriptedBackend(last_user_message, model="echo"))


@pytest.fixture
def received() -> Iterator[ChatServer]:
    yield from _serve(ScriptedBackend(request_json, model="mirror"))


def url(server: ChatServer, path: str = "/v1/chat/completions") -> str:
    return f"http://127.0.0.1:{server.port}{path}"


def post(server: ChatServer, body: object, path: str = "/v1/chat/completions", **kwargs: Any) -> httpx.Response:
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    return httpx.post(url(server, path), content=content, timeout=5, **kwargs)


def events(response: httpx.Response) -> list[str]:
    """The raw ``data:`` payloads, checking the exact framing (every event is one line and a blank line)."""
    assert response.text.endswith("data: [DONE]\n\n")
    frames = response.text.split("\n\n")[:-1]
    assert all(frame.startswith("data: ") and "\n" not in frame for frame in frames)
    return [frame.removeprefix("data: ") for frame in frames]


def test_a_streamed_answer_is_framed_as_openai_frames_it(echo):
    response = post(
        echo, {"model": "echo", "messages": MESSAGES, "stream": True, "stream_options": {"include_usage": True}}
    )

    assert response.status_code == 200
    assert response.headers["content-type"] == "text/event-stream; charset=utf-8"
    assert response.headers["transfer-encoding"] == "chunked"
    payloads = events(response)
    assert payloads[-1] == "[DONE]"
    chunks = [json.loads(payload) for payload in payloads[:-1]]
    assert [chunk["choices"][0]["delta"] if chunk["choices"] else None for chunk in chunks] == [
        {"role": "assistant", "content": ""},
        {"content": "pods"},
        {"content": " are"},
        {"content": " pending"},
        {},
        None,
    ]
    assert [chunk["choices"][0]["finish_reason"] for chunk in chunks[:-1]] == [None, None, None, None, "stop"]
    assert [chunk["usage"] for chunk in chunks[:-1]] == [None] * 5
    assert chunks[-1]["usage"] == {"prompt_tokens": 3, "completion_tokens": 3, "total_tokens": 6}
    assert {chunk["object"] for chunk in chunks} == {"chat.completion.chunk"}
    assert len({chunk["id"] for chunk in chunks}) == 1
    assert chunks[0]["id"].startswith("chatcmpl-")
    assert {chunk["model"] for chunk in chunks} == {"echo"}


def test_without_include_usage_no_usage_is_streamed(echo):
    response = post(echo, {"model": "echo", "messages": MESSAGES, "stream": True})

    chunks = [json.loads(payload) for payload in events(response)[:-1]]
    assert all("usage" not in chunk for chunk in chunks)
    assert all(chunk["choices"] for chunk in chunks)


def test_a_plain_answer_is_one_chat_completion(echo):
    response = post(echo, {"model": "echo", "messages": MESSAGES})

    body = response.json()
    assert response.status_code == 200
    assert body["object"] == "chat.completion"
    assert body["choices"] == [
        {
            "index": 0,
            "message": {"role": "assistant", "content": "pods are pending"},
            "logprobs": None,
            "finish_reason": "stop",
        }
    ]
    assert body["usage"] == {"prompt_tokens": 3, "completion_tokens": 3, "total_tokens": 6}


def test_models_are_listed(echo):
    response = httpx.get(url(echo, "/v1/models"), timeout=5)

    assert response.json() == {
        "object": "list",
        "data": [{"id": "echo", "object": "model", "created": 0, "owned_by": "aoi"}],
    }


@pytest.mark.parametrize(
    ("body", "status", "message", "param"),
    [
        (b"{not json", 400, "We could not parse the JSON body of your request: it is not valid JSON.", None),
        ([1, 2], 400, "The request body must be a JSON object.", None),
        ({"model": "echo"}, 400, "'messages' must be a non-empty array.", "messages"),
        ({"messages": []}, 400, "'messages' must be a non-empty array.", "messages"),
        (
            {"messages": [{"role": "tool", "content": "x"}]},
            400,
            "messages[0] needs a role among system, developer, user, assistant.",
            "messages[0].role",
        ),
        (
            {"messages": [{"role": "user", "content": 5}]},
            400,
            "messages[0].content must be a string or text parts.",
            "messages[0].content",
        ),
        ({"messages": MESSAGES, "max_tokens": "many"}, 400, "'max_tokens' must be an integer.", "max_tokens"),
        (
            {"messages": MESSAGES, "max_completion_tokens": 0},
            400,
            "'max_completion_tokens' must be at least 1.",
            "max_completion_tokens",
        ),
        (
            {"messages": MESSAGES, "temperature": True},
            400,
            "'temperature' must be a number from 0 to 2.",
            "temperature",
        ),
        ({"messages": MESSAGES, "stop": [1]}, 400, "'stop' must be a string or an array of strings.", "stop"),
        ({"messages": MESSAGES, "n": 2}, 400, "Only n=1 is supported.", "n"),
        ({"messages": MESSAGES, "stream": "yes"}, 400, "'stream' must be a boolean.", "stream"),
        (
            {"messages": MESSAGES, "response_format": {"type": "xml"}},
            400,
            "response_format.type must be text, json_object or json_schema.",
            "response_format",
        ),
        (
            {"messages": MESSAGES, "response_format": {"type": "json_schema", "json_schema": {"name": "d"}}},
            400,
            "response_format.json_schema needs a 'schema'.",
            "response_format",
        ),
        ({"messages": MESSAGES, "guided_json": "{oops"}, 400, "'guided_json' is not valid JSON.", "guided_json"),
        ({"messages": MESSAGES, "model": "gpt-9"}, 404, "The model `gpt-9` does not exist.", "model"),
    ],
)
def test_malformed_bodies_get_openais_error_object(echo, body, status, message, param):
    response = post(echo, body)

    assert response.status_code == status
    error = response.json()["error"]
    assert error["message"] == message
    assert error["param"] == param
    assert error["type"] == ("not_found_error" if status == 404 else "invalid_request_error")


def test_unknown_paths_are_404(echo):
    assert post(echo, {"messages": MESSAGES}, path="/v1/completions").status_code == 404
    assert httpx.get(url(echo, "/v2/models"), timeout=5).status_code == 404


@pytest.mark.parametrize(
    ("extra", "schema"),
    [
        (
            {"response_format": {"type": "json_schema", "json_schema": {"name": "d", "schema": {"type": "integer"}}}},
            {"type": "integer"},
        ),
        ({"response_format": {"type": "json_object"}}, {"type": "object"}),
        ({"response_format": {"type": "text"}}, None),
        ({"structured_outputs": {"json": {"enum": ["a"]}}}, {"enum": ["a"]}),
        ({"guided_json": '{"type": "string"}'}, {"type": "string"}),
        ({}, None),
    ],
)
def test_every_schema_form_reaches_the_backend(received, extra, schema):
    response = post(received, {"messages": MESSAGES, **extra})

    request = json.loads(response.json()["choices"][0]["message"]["content"])
    assert request["json_schema"] == schema


def test_message_forms_and_defaults_are_read_as_openai_defines_them(received):
    body = {
        "messages": [
            {"role": "developer", "content": "be brief"},
            {"role": "user", "content": [{"type": "text", "text": "part one, "}, {"type": "text", "text": "part two"}]},
        ],
        "stop": "\n",
        "max_completion_tokens": 99,
        "seed": 4,
    }
    request = json.loads(post(received, body).json()["choices"][0]["message"]["content"])

    assert request == {
        "messages": [{"role": "system", "content": "be brief"}, {"role": "user", "content": "part one, part two"}],
        "max_tokens": 99,
        "temperature": 1.0,
        "json_schema": None,
        "stop": ["\n"],
        "seed": 4,
    }


def test_one_connection_serves_several_requests(echo):
    with httpx.Client(timeout=5) as client:
        answers = [
            client.post(url(echo), json={"messages": [{"role": "user", "content": f"n {n}"}], "stream": n % 2 == 0})
            for n in range(4)
        ]

    assert [answer.status_code for answer in answers] == [200] * 4
    assert answers[1].json()["choices"][0]["message"]["content"] == "n 1"
    deltas = [json.loads(payload)["choices"][0]["delta"] for payload in events(answers[2])[1:3]]
    assert deltas == [{"content": "n"}, {"content": " 2"}]


class Failing:
    """A backend failing after ``pieces_first`` pieces, transiently or not."""

    name = "failing"
    model = "failing"
    supports_json_schema = False

    def __init__(self, pieces_first: int, error: LLMError) -> None:
        self.pieces_first = pieces_first
        self.error = error

    def complete(self, request: ChatRequest, *, on_token: TokenCallback | None = None) -> Completion:
        for n in range(self.pieces_first):
            if on_token is not None:
                on_token(f"w{n} ")
        raise self.error

    def complete_batch(self, requests, *, on_token=None):
        raise NotImplementedError


@pytest.mark.parametrize(("error", "status"), [(TransientLLMError("model busy"), 503), (LLMError("model broke"), 500)])
def test_a_backend_failing_before_its_first_token_answers_an_error_status(error, status):
    for server in _serve(Failing(0, error)):
        streamed = post(server, {"messages": MESSAGES, "stream": True})
        plain = post(server, {"messages": MESSAGES})

    assert (streamed.status_code, plain.status_code) == (status, status)
    assert streamed.json()["error"]["message"] == str(error)
    assert plain.json()["error"]["type"] == "server_error"


def test_a_backend_bug_is_a_500_with_its_type_not_a_dropped_connection():
    for server in _serve(ScriptedBackend(lambda request: str(1 / 0))):
        response = post(server, {"messages": MESSAGES})

    assert response.status_code == 500
    assert response.json()["error"]["message"] == "the backend failed: ZeroDivisionError: division by zero"


def test_a_backend_failing_mid_stream_ends_the_stream_with_an_error_event():
    for server in _serve(Failing(2, LLMError("out of memory"))):
        response = post(server, {"messages": MESSAGES, "stream": True})

    payloads = events(response)
    assert response.status_code == 200
    assert json.loads(payloads[-2]) == {"error": {"message": "out of memory", "type": "server_error", "code": 500}}
    assert [json.loads(p)["choices"][0]["delta"].get("content") for p in payloads[1:3]] == ["w0 ", "w1 "]


def test_an_api_key_is_required_when_configured():
    for server in _serve(ScriptedBackend(last_user_message, model="echo"), api_key="s3cret-key"):
        missing = post(server, {"messages": MESSAGES})
        wrong = post(server, {"messages": MESSAGES}, headers={"Authorization": "Bearer nope"})
        right = post(server, {"messages": MESSAGES}, headers={"Authorization": "Bearer s3cret-key"})
        health = httpx.get(url(server, "/health"), timeout=5)

    assert (missing.status_code, wrong.status_code, right.status_code, health.status_code) == (401, 401, 200, 200)
    assert missing.json()["error"] == {
        "message": "Incorrect or missing API key.",
        "type": "authentication_error",
        "param": None,
        "code": None,
    }


def test_planned_failures_are_used_up_in_order():
    for server in _serve(
        ScriptedBackend(last_user_message, model="echo"), faults=Faults(fail_first=2, fail_status=502)
    ):
        statuses = [post(server, {"messages": MESSAGES}).status_code for _ in range(3)]

    assert statuses == [502, 502, 200]


class Silent(ScriptedBackend):
    """A backend that does not stream: it never calls ``on_token``."""

    def complete(self, request: ChatRequest, *, on_token: TokenCallback | None = None) -> Completion:
        return super().complete(request)


def test_a_backend_that_does_not_stream_still_streams_its_whole_text():
    for server in _serve(Silent(last_user_message, model="silent")):
        response = post(server, {"messages": MESSAGES, "stream": True})

    contents = [json.loads(payload)["choices"][0]["delta"].get("content") for payload in events(response)[:-1]]
    assert contents == ["", "pods are pending", None]


def test_the_openai_client_reports_a_mid_stream_failure_without_retrying():
    pieces: list[str] = []
    for server in _serve(Failing(2, LLMError("out of memory"))):
        with (
            OpenAIBackend(f"http://127.0.0.1:{server.port}/v1", "failing", max_retries=3, backoff_s=0.01) as backend,
            pytest.raises(TransientLLMError, match=r"^the server failed mid-stream: out of memory$"),
        ):
            backend.complete(ChatRequest(messages=(Message("user", "x"),)), on_token=pieces.append)

    assert pieces == ["w0 ", "w1 "]
