"""OpenAIBackend against a real OpenAI-compatible server process over HTTP (agents.llm.server)."""

from __future__ import annotations

import json
import socket
import threading
import time
from typing import Any

import pytest

from agents.llm.base import ChatRequest, LLMError, Message, TransientLLMError
from agents.llm.openai import OpenAIBackend, ServerUsage

pytestmark = pytest.mark.slow

SCHEMA = {
    "type": "object",
    "properties": {"service": {"enum": ["geo", "rate"]}},
    "required": ["service"],
    "additionalProperties": False,
}


def ask(text: str, **fields: Any) -> ChatRequest:
    return ChatRequest(messages=(Message("system", "You are terse."), Message("user", text)), **fields)


def test_streams_each_delta_and_reports_usage_and_latency(echo_server):
    pieces: list[str] = []
    with OpenAIBackend(echo_server.base_url, "scripted-echo") as backend:
        completion = backend.complete(ask("the geo service is down"), on_token=pieces.append)

    assert pieces == ["the", " geo", " service", " is", " down"]
    assert completion.text == "the geo service is down"
    assert completion.usage == ServerUsage(prompt_tokens=8, completion_tokens=5)
    assert completion.usage.reported is True
    assert completion.finish_reason == "stop"
    assert completion.model == "scripted-echo"
    assert completion.backend == "openai"
    assert completion.constrained is False
    assert 0 < completion.latency_s < 5


def test_max_tokens_and_stop_reach_the_model(echo_server):
    with OpenAIBackend(echo_server.base_url, "scripted-echo") as backend:
        long = backend.complete(ask("one two three four five", max_tokens=3))
        stopped = backend.complete(ask("one two. three four", stop=(".",)))

    assert (long.text, long.finish_reason, long.usage.completion_tokens) == ("one two three", "length", 3)
    assert (stopped.text, stopped.finish_reason) == ("one two", "stop")


@pytest.mark.parametrize(
    ("structured", "constrained"),
    [("json_schema", True), ("structured_outputs", True), ("guided_json", True), ("none", False)],
)
def test_the_schema_reaches_the_backend_in_every_dialect(llm_server, structured, constrained):
    server = llm_server("--backend", "scripted-request")
    request = ask("name the service", json_schema=SCHEMA, seed=7, temperature=0.0)
    with OpenAIBackend(server.base_url, "scripted-request", structured=structured) as backend:
        completion = backend.complete(request)

    received = json.loads(completion.text)
    assert received["json_schema"] == (SCHEMA if constrained else None)
    assert received["messages"] == [m.as_dict() for m in request.messages]
    assert (received["seed"], received["temperature"], received["max_tokens"]) == (7, 0.0, 256)
    assert completion.constrained is constrained
    assert backend.supports_json_schema is constrained


def test_the_request_the_server_rebuilds_has_the_clients_key(llm_server):
    server = llm_server("--backend", "scripted-request")
    request = ask("same key on both sides", json_schema=SCHEMA, stop=("\n",), seed=3, temperature=0.0)
    with OpenAIBackend(server.base_url, "scripted-request") as backend:
        received = json.loads(backend.complete(request).text)

    assert received == request.canonical()


def test_retries_after_503_then_succeeds(llm_server):
    server = llm_server("--backend", "scripted-echo", "--fail-first", "2")
    with OpenAIBackend(server.base_url, "scripted-echo", max_retries=2, backoff_s=0.01) as backend:
        completion = backend.complete(ask("hello"))

    assert completion.text == "hello"
    assert server.requests() == [503, 503, 200]


def test_gives_up_after_max_retries_with_the_servers_message(llm_server):
    server = llm_server("--backend", "scripted-echo", "--fail-first", "5", "--fail-status", "429")
    with (
        OpenAIBackend(server.base_url, "scripted-echo", max_retries=2, backoff_s=0.01) as backend,
        pytest.raises(TransientLLMError) as raised,
    ):
        backend.complete(ask("hello"))

    assert "after 3 attempts" in str(raised.value)
    assert "429 Too Many Requests: the server is failing on purpose" in str(raised.value)
    assert server.requests() == [429, 429, 429]


def test_backoff_doubles_between_attempts(llm_server):
    server = llm_server("--backend", "scripted-echo", "--fail-first", "2")
    with OpenAIBackend(server.base_url, "scripted-echo", max_retries=2, backoff_s=0.2) as backend:
        started = time.perf_counter()
        completion = backend.complete(ask("hello"))

    assert time.perf_counter() - started >= 0.2 + 0.4
    assert completion.latency_s >= 0.6


@pytest.mark.parametrize(
    ("request_", "model", "status", "message"),
    [
        (ask("x", max_tokens=0), "scripted-echo", 400, "'max_tokens' must be at least 1."),
        (ask("x", temperature=3.0), "scripted-echo", 400, "'temperature' must be a number from 0 to 2."),
        (ask("x"), "no-such-model", 404, "The model `no-such-model` does not exist."),
    ],
)
def test_a_4xx_is_final_and_carries_the_servers_message(llm_server, request_, model, status, message):
    server = llm_server("--backend", "scripted-echo")
    with (
        OpenAIBackend(server.base_url, model, max_retries=3, backoff_s=0.01) as backend,
        pytest.raises(LLMError) as raised,
    ):
        backend.complete(request_)

    assert not isinstance(raised.value, TransientLLMError)
    assert str(raised.value).endswith(message)
    assert f" {status} " in str(raised.value)
    assert server.requests() == [status]


def test_a_slow_server_times_out_and_is_retried(llm_server):
    server = llm_server("--backend", "scripted-echo", "--delay-s", "1.5")
    with OpenAIBackend(server.base_url, "scripted-echo", timeout_s=0.3, max_retries=1, backoff_s=0.01) as backend:
        started = time.perf_counter()
        with pytest.raises(TransientLLMError) as raised:
            backend.complete(ask("hello"))
        elapsed = time.perf_counter() - started

    assert "failed after 2 attempts: timed out (ReadTimeout)" in str(raised.value)
    assert 0.6 <= elapsed < 1.4


def test_a_timeout_after_tokens_arrived_is_not_retried(llm_server):
    server = llm_server("--backend", "scripted-echo", "--token-delay-s", "1.0")
    pieces: list[str] = []
    with (
        OpenAIBackend(server.base_url, "scripted-echo", timeout_s=0.4, max_retries=3, backoff_s=0.01) as backend,
        pytest.raises(TransientLLMError) as raised,
    ):
        backend.complete(ask("one two three"), on_token=pieces.append)

    assert pieces == ["one"]
    assert "failed after 1 attempt: timed out (ReadTimeout)" in str(raised.value)
    assert len(server.requests()) == 1


def _refusing_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port  # closed again: nothing listens there


def test_connection_refused_is_transient_after_retries():
    url = f"http://127.0.0.1:{_refusing_port()}/v1"
    with OpenAIBackend(url, "m", max_retries=2, backoff_s=0.05, connect_timeout_s=1) as backend:
        started = time.perf_counter()
        with pytest.raises(TransientLLMError) as raised:
            backend.complete(ask("hello"))

    assert "failed after 3 attempts: ConnectError" in str(raised.value)
    assert time.perf_counter() - started >= 0.05 + 0.1


def test_a_server_without_usage_counts_nothing_and_says_so(llm_server):
    server = llm_server("--backend", "scripted-echo", "--omit-usage")
    with OpenAIBackend(server.base_url, "scripted-echo") as backend:
        completion = backend.complete(ask("four words right here"))

    assert completion.text == "four words right here"
    assert completion.usage == ServerUsage(0, 0, reported=False)
    assert completion.usage.reported is False


def test_a_batch_runs_concurrently_and_keeps_request_order(llm_server):
    server = llm_server("--backend", "scripted-echo", "--delay-s", "0.5")
    heard: dict[int, list[str]] = {}
    lock = threading.Lock()

    def on_token(index: int, piece: str) -> None:
        with lock:
            heard.setdefault(index, []).append(piece)

    requests = [ask(f"answer number {n}") for n in range(4)]
    with OpenAIBackend(server.base_url, "scripted-echo", max_concurrency=4) as backend:
        started = time.perf_counter()
        completions = backend.complete_batch(requests, on_token=on_token)
        elapsed = time.perf_counter() - started

    assert [c.text for c in completions] == [f"answer number {n}" for n in range(4)]
    assert {index: "".join(pieces) for index, pieces in heard.items()} == {n: f"answer number {n}" for n in range(4)}
    assert elapsed < 1.5  # four requests delayed 0.5 s each, in parallel
    assert server.requests() == [200, 200, 200, 200]


def test_the_api_key_is_sent_as_a_bearer_token(echo_server):
    with OpenAIBackend(echo_server.base_url, "scripted-echo", api_key="sk-test") as backend:
        body = backend.request_body(ask("x"))
        header = backend._client.headers["authorization"]
        completion = backend.complete(ask("fine"))

    assert header == "Bearer sk-test"
    assert "api_key" not in json.dumps(body)
    assert completion.text == "fine"


def test_an_unknown_dialect_is_refused():
    with pytest.raises(LLMError, match="unknown structured dialect 'grammar'; known: json_schema, "):
        OpenAIBackend("http://127.0.0.1:1/v1", "m", structured="grammar")
