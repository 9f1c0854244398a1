"""How the llamacpp backend fails: timeouts, schemas it cannot enforce, requests it refuses. The process survives
each, and the engine answers the next request."""

from __future__ import annotations

import time

import pytest

from agents.llm.base import LLMError, TransientLLMError
from agents.llm.llamacpp_backend import LlamaCppBackend
from tests.llm_llamacpp.conftest import DECISION_SCHEMA, ask


def _slots_free_within(backend: LlamaCppBackend, seconds: float) -> bool:
    """True once every slot of the engine is free again (a stopped generation has let go of its slot)."""
    engine = backend.load()
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        taken = [engine.slots.acquire(blocking=False) for _ in range(engine.settings.n_parallel)]
        for _ in range(sum(taken)):
            engine.slots.release()
        if all(taken):
            return True
        time.sleep(0.02)
    return False


def test_a_request_past_its_timeout_raises_transient_and_really_stops(backend):
    hasty = LlamaCppBackend(threads=1, n_parallel=2, timeout_s=0.4)
    began = time.monotonic()

    with pytest.raises(TransientLLMError, match=r"did not answer within 0\.4 s; the request was stopped"):
        hasty.complete(ask("Write a very long story about a cluster.", max_tokens=800))

    assert time.monotonic() - began < 2.0
    assert _slots_free_within(backend, 3.0)  # 800 tokens take 13 s or more: it was stopped
    assert backend.complete(ask("Say hello.", max_tokens=3)).usage.completion_tokens == 3


def test_a_batch_past_its_timeout_stops_every_request(backend):
    hasty = LlamaCppBackend(threads=1, n_parallel=2, timeout_s=0.5)
    story = ask("Write a very long story about a cluster.", max_tokens=800)

    with pytest.raises(TransientLLMError):
        hasty.complete_batch([story, story, story])

    assert _slots_free_within(backend, 3.0)
    assert len(backend.complete_batch([ask("Say hi.", max_tokens=2)] * 2)) == 2


def test_a_malformed_schema_is_refused_with_the_reason(backend):
    schema = {"type": "object", "properties": {"a": {"type": "strin"}}}

    with pytest.raises(LLMError, match=r"^The JSON schema is malformed at properties/a/type: 'strin' is not valid"):
        backend.complete(ask("Anything.", json_schema=schema))

    assert backend.complete(ask("Say hello.", max_tokens=3)).finish_reason == "length"


@pytest.mark.parametrize(
    "schema",
    [
        {"type": "array", "items": {"type": "integer"}, "uniqueItems": True},
        {"type": "object", "properties": {"a": {"$ref": "#/$defs/missing"}}},
        {"type": "array", "items": {"type": "string"}, "minItems": 3, "maxItems": 1},
    ],
    ids=["unsupported keyword", "dangling $ref", "unsatisfiable"],
)
def test_a_schema_the_engine_cannot_compile_is_refused_not_ignored(backend, schema):
    # The engine itself would log the failure and answer without any constraint.
    with pytest.raises(LLMError, match=r"^The llama\.cpp engine cannot compile this JSON schema into a grammar"):
        backend.complete(ask("Anything.", json_schema=schema))
    with pytest.raises(LLMError, match=r"cannot compile"):  # the verdict is kept: refused at once
        backend.complete(ask("Anything else.", json_schema=schema))


def test_a_schema_beyond_the_plain_keywords_is_probed_and_then_used(backend):
    code = {"type": "string", "pattern": "^[a-z]{3}$"}
    schema = {"type": "object", "properties": {"code": code}, "required": ["code"]}

    completion = backend.complete(ask("Give a three-letter code.", json_schema=schema))

    assert completion.text.startswith('{"code":"')
    assert len(completion.text) == len('{"code":"abc"}')


def test_a_prompt_longer_than_the_context_is_refused():
    small = LlamaCppBackend(threads=1, n_parallel=1, n_ctx=256)

    with pytest.raises(LLMError, match=r"exceeds the available context size \(256 tokens\)") as raised:
        small.complete(ask("pods " * 400))

    assert not isinstance(raised.value, TransientLLMError)
    assert small.complete(ask("Say hi.", max_tokens=2)).usage.completion_tokens == 2


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"max_tokens": 0}, "max_tokens must be at least 1, not 0."),
        ({"temperature": -0.5}, "temperature must not be negative, not -0.5."),
    ],
)
def test_invalid_requests_are_refused_before_the_engine(backend, fields, message):
    with pytest.raises(LLMError, match=f"^{message}$"):
        backend.complete(ask("x", **fields))


def test_a_listener_exception_stops_the_generation_and_reaches_the_caller(backend):
    def broken(piece: str) -> None:
        raise BrokenPipeError("the client left")

    with pytest.raises(BrokenPipeError):
        backend.complete(ask("Write a very long story.", max_tokens=800), on_token=broken)

    assert _slots_free_within(backend, 3.0)
    assert backend.complete(ask(DECISION_SCHEMA["required"][0], max_tokens=2)).usage.completion_tokens == 2
