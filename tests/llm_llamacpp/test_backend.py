"""The llamacpp backend on the real engine: structured output, streaming, batches, usage, limits."""

from __future__ import annotations

import json

import jsonschema
import pytest

from agents.llm.base import Completion, LLMBackend
from agents.llm.llamacpp_backend import EngineUsage, LlamaCppBackend
from tests.llm_llamacpp.conftest import DECISION_SCHEMA, ask

QUESTIONS = (
    "Pods of mongodb-geo restart every minute. What do you check first?",
    "The frontend returns HTTP 500 on every request since the last deploy.",
    "Service user-service cannot reach its database; connections time out.",
)


def _compact(text: str) -> str:
    return json.dumps(json.loads(text), separators=(",", ":"), ensure_ascii=False)


def test_it_is_an_llm_backend_that_enforces_schemas(backend):
    assert isinstance(backend, LLMBackend)
    assert backend.name == "llamacpp"
    assert backend.model == "SmolLM2-135M-Instruct"
    assert backend.supports_json_schema is True


@pytest.mark.parametrize("question", QUESTIONS)
def test_a_constrained_answer_is_compact_json_valid_for_its_schema(backend, question):
    completion = backend.complete(ask(question, json_schema=DECISION_SCHEMA, max_tokens=120))

    decision = json.loads(completion.text)
    jsonschema.validate(decision, DECISION_SCHEMA)
    assert completion.text == _compact(completion.text)  # no whitespace between tokens
    assert list(decision) == list(DECISION_SCHEMA["properties"])  # the schema's order, nothing more
    assert decision["action"] in ("probe", "answer")
    assert decision["service"] in ("frontend", "geo", "mongodb-geo", "user-service")
    assert (completion.finish_reason, completion.constrained, completion.backend) == ("stop", True, "llamacpp")


def test_objects_admit_no_property_the_schema_does_not_name(backend):
    schema = {"type": "object", "properties": {"note": {"type": "string", "maxLength": 8}}}

    completion = backend.complete(ask("Describe the cluster in JSON with many fields.", json_schema=schema))

    assert set(json.loads(completion.text)) <= {"note"}


def test_an_enumeration_alone_is_honoured(backend):
    schema = {"enum": ["geo", "frontend"]}

    completion = backend.complete(ask("Which service is at fault? Say 'database'.", json_schema=schema))

    assert json.loads(completion.text) in ("geo", "frontend")


@pytest.mark.parametrize("schema", [None, DECISION_SCHEMA])
def test_streamed_pieces_add_up_to_the_text(backend, schema):
    pieces: list[str] = []

    completion = backend.complete(ask(QUESTIONS[0], json_schema=schema, max_tokens=40), on_token=pieces.append)

    assert len(pieces) > 1
    assert "".join(pieces) == completion.text


def test_a_batch_answers_in_request_order_as_single_requests_would(backend):
    requests = [ask(question, json_schema=DECISION_SCHEMA, max_tokens=80) for question in QUESTIONS]
    heard: dict[int, list[str]] = {0: [], 1: [], 2: []}

    batch = backend.complete_batch(requests, on_token=lambda index, piece: heard[index].append(piece))
    singles = [backend.complete(request) for request in requests]

    assert [completion.text for completion in batch] == [completion.text for completion in singles]
    assert ["".join(heard[index]) for index in range(3)] == [completion.text for completion in batch]
    assert [completion.usage.completion_tokens for completion in batch] == [
        completion.usage.completion_tokens for completion in singles
    ]


def test_an_empty_batch_is_an_empty_list(backend):
    assert backend.complete_batch([]) == []


def test_usage_and_the_prompt_cache_are_reported(backend):
    request = ask("Which pods restarted in the last hour?", max_tokens=6)

    first = backend.complete(request)
    again = backend.complete(request)

    assert isinstance(first.usage, EngineUsage)
    assert isinstance(again.usage, EngineUsage)
    assert first.usage.prompt_tokens == again.usage.prompt_tokens > 20
    assert first.usage.completion_tokens == again.usage.completion_tokens == 6
    assert again.usage.cached_tokens >= again.usage.prompt_tokens - 1  # all but the last token, at least
    assert again.text == first.text
    assert first.latency_s > 0


def test_without_the_prompt_cache_nothing_is_taken_from_it(backend):
    uncached = LlamaCppBackend(threads=1, n_parallel=2, cache_prompt=False)
    request = ask("Which pods restarted in the last hour?", max_tokens=3)

    uncached.complete(request)
    completion = uncached.complete(request)

    assert uncached.load() is backend.load()  # the same engine: caching is chosen per request
    assert completion.usage == EngineUsage(completion.usage.prompt_tokens, 3, cached_tokens=0)


def test_the_token_budget_cuts_the_answer_off_with_finish_reason_length(backend):
    completion = backend.complete(ask("Write a long story about a cluster.", max_tokens=5))

    assert (completion.finish_reason, completion.usage.completion_tokens) == ("length", 5)


def test_a_constrained_answer_cut_off_is_not_checked_as_json(backend):
    completion = backend.complete(ask(QUESTIONS[1], json_schema=DECISION_SCHEMA, max_tokens=4))

    assert completion.finish_reason == "length"
    assert completion.text.startswith('{"')


def test_a_stop_string_ends_the_answer_before_it(backend):
    request = ask("Count from one to ten in words, separated by commas.", max_tokens=40, stop=("four",))

    completion = backend.complete(request)

    assert "four" not in completion.text
    assert completion.finish_reason == "stop"


def test_sampling_follows_the_seed(backend: LlamaCppBackend) -> None:
    def sample(seed: int) -> Completion:
        return backend.complete(ask(QUESTIONS[2], max_tokens=12, temperature=1.0, seed=seed))

    first, again, other = sample(7), sample(7), sample(8)

    assert first.text == again.text
    assert other.text != first.text


def test_greedy_decoding_is_deterministic(backend):
    request = ask(QUESTIONS[0], max_tokens=16)

    assert backend.complete(request).text == backend.complete(request).text
