"""The transformers backend on a tiny random Llama: schema-valid JSON by construction, batching, streaming,
stop strings, usage, seeded sampling, threads."""

import json
import threading
from collections import defaultdict
from typing import Any

import jsonschema
import pytest
import torch

from agents.llm.base import ChatRequest, LLMBackend, LLMError, Message
from agents.llm.transformers_backend import TransformersBackend, render_prompt
from tests.llm_transformers.conftest import TINY_CONTEXT

SERVICES = ["frontend", "geo", "user-db", "mongodb-geo", "reservation"]
COMMANDS = ["kubectl get pods -n {namespace}", "kubectl logs {pod} -n {namespace} --tail 100", 'say "hi"\\n']
SCHEMAS: dict[str, dict[str, Any]] = {
    "object with enums": {
        "type": "object",
        "properties": {"service": {"enum": SERVICES}, "command": {"enum": COMMANDS}},
        "required": ["service", "command"],
    },
    "array of enum strings": {
        "type": "array",
        "items": {"type": "string", "enum": SERVICES},
        "minItems": 1,
        "maxItems": 4,
    },
    "nested object": {
        "type": "object",
        "properties": {
            "diagnosis": {
                "type": "object",
                "properties": {
                    "fault": {"enum": ["misconfig", "crash", "network"]},
                    "evidence": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "properties": {"pod": {"type": "string", "maxLength": 12}, "ok": {"type": "boolean"}},
                            "required": ["pod", "ok"],
                        },
                        "maxItems": 2,
                    },
                },
                "required": ["fault", "evidence"],
            },
            "done": {"type": "boolean"},
        },
        "required": ["diagnosis", "done"],
    },
    "integer ranges": {
        "type": "object",
        "properties": {
            "replicas": {"type": "integer", "minimum": 0, "maximum": 5},
            "port": {"type": "integer", "minimum": 1024, "maximum": 65535},
            "delta": {"type": "integer", "minimum": -10, "maximum": -1},
        },
        "required": ["replicas", "port", "delta"],
    },
}


def _request(text: str, **options: Any) -> ChatRequest:
    return ChatRequest(messages=(Message("system", "Answer in JSON."), Message("user", text)), **options)


def _assert_valid(completions: list[Any], schema: dict[str, Any]) -> list[Any]:
    documents = []
    for completion in completions:
        assert (completion.finish_reason, completion.constrained) == ("stop", True)
        document = json.loads(completion.text)
        jsonschema.validate(document, schema)
        documents.append(document)
    return documents


def test_it_is_an_llm_backend_enforcing_schemas(tiny_backend: TransformersBackend, tiny_model_dir: Any) -> None:
    assert isinstance(tiny_backend, LLMBackend)
    assert tiny_backend.supports_json_schema is True
    assert (tiny_backend.name, tiny_backend.model) == ("transformers", tiny_model_dir.name)


@pytest.mark.parametrize("name", list(SCHEMAS))
def test_greedy_output_is_valid_for_the_schema_alone(tiny_backend: TransformersBackend, name: str) -> None:
    completion = tiny_backend.complete(_request("Which service?", max_tokens=160, json_schema=SCHEMAS[name]))

    _assert_valid([completion], SCHEMAS[name])


@pytest.mark.parametrize("name", list(SCHEMAS))
def test_batched_output_is_valid_for_the_schema_in_every_row(tiny_backend: TransformersBackend, name: str) -> None:
    prompts = ["Which service?", "A much longer question, so that this row is padded least of all.", "Now?"]
    requests = [_request(text, max_tokens=160, json_schema=SCHEMAS[name]) for text in prompts]

    _assert_valid(tiny_backend.complete_batch(requests), SCHEMAS[name])


@pytest.mark.parametrize("name", list(SCHEMAS))
def test_sampled_output_is_valid_for_the_schema_whatever_the_seed(tiny_backend: TransformersBackend, name: str) -> None:
    requests = [
        _request("Which service?", max_tokens=160, temperature=1.0, seed=seed, json_schema=SCHEMAS[name])
        for seed in range(6)
    ]

    _assert_valid(tiny_backend.complete_batch(requests), SCHEMAS[name])


def test_sampling_ranges_over_the_enumeration(tiny_backend: TransformersBackend) -> None:
    schema = SCHEMAS["object with enums"]
    requests = [_request("?", max_tokens=160, temperature=1.0, seed=seed, json_schema=schema) for seed in range(8)]

    documents = _assert_valid(tiny_backend.complete_batch(requests), schema)

    assert len({document["service"] for document in documents}) > 1
    assert {document["command"] for document in documents} <= set(COMMANDS)


def test_constrained_and_free_rows_share_a_batch_and_end_on_their_own(tiny_backend: TransformersBackend) -> None:
    schema = SCHEMAS["integer ranges"]
    requests = [
        _request("JSON please", max_tokens=160, json_schema=schema),
        _request("Say anything", max_tokens=5),
        _request("Say more", max_tokens=12),
    ]

    constrained, short, longer = tiny_backend.complete_batch(requests)

    _assert_valid([constrained], schema)
    assert (short.finish_reason, short.usage.completion_tokens, short.constrained) == ("length", 5, False)
    assert (longer.finish_reason, longer.usage.completion_tokens) == ("length", 12)


def test_usage_counts_the_rendered_prompt_and_the_sampled_tokens(
    tiny_backend: TransformersBackend, smollm_tokenizer: Any
) -> None:
    request = _request("How many tokens?", max_tokens=7)
    expected_prompt = len(smollm_tokenizer(render_prompt(smollm_tokenizer, request.messages))["input_ids"])

    completion = tiny_backend.complete_batch(
        [request, _request("A far longer prompt than the first one.", max_tokens=3)]
    )[0]

    assert completion.usage.prompt_tokens == expected_prompt
    assert completion.usage.completion_tokens == 7
    assert completion.latency_s > 0
    assert (completion.backend, completion.model) == ("transformers", tiny_backend.model)


def test_streamed_pieces_rebuild_every_text_with_the_callers_indices(tiny_backend: TransformersBackend) -> None:
    schema = SCHEMAS["nested object"]
    requests = [
        _request("a", max_tokens=160, json_schema=schema),
        _request("b", max_tokens=9, temperature=0.8, seed=1),
        _request("c", max_tokens=20),
        _request("d", max_tokens=160, json_schema=schema, temperature=0.8, seed=1),
        _request("e", max_tokens=14),
        _request("f", max_tokens=11),
    ]
    pieces: dict[int, list[str]] = defaultdict(list)

    completions = tiny_backend.complete_batch(requests, on_token=lambda index, piece: pieces[index].append(piece))

    assert sorted(pieces) == list(range(6))
    assert ["".join(pieces[index]) for index in range(6)] == [completion.text for completion in completions]
    assert [completion.usage.completion_tokens for completion in completions][1:3] == [9, 20]
    _assert_valid([completions[0], completions[3]], schema)


def test_complete_streams_through_a_single_stream_callback(tiny_backend: TransformersBackend) -> None:
    pieces: list[str] = []

    completion = tiny_backend.complete(
        _request("go", max_tokens=160, json_schema=SCHEMAS["object with enums"]), on_token=pieces.append
    )

    assert len(pieces) > 1
    assert "".join(pieces) == completion.text


def test_a_stop_string_cuts_the_text_where_it_begins(tiny_backend: TransformersBackend) -> None:
    free = tiny_backend.complete(_request("Tell me a story", max_tokens=40, temperature=1.0, seed=11))
    stop = free.text[10:14]
    pieces: list[str] = []

    stopped = tiny_backend.complete(
        _request("Tell me a story", max_tokens=40, temperature=1.0, seed=11, stop=(stop,)), on_token=pieces.append
    )

    assert stopped.text == free.text[: free.text.index(stop)]
    assert "".join(pieces) == stopped.text
    assert stopped.finish_reason == "stop"
    assert stopped.usage.completion_tokens < free.usage.completion_tokens


def test_seeded_sampling_repeats_and_leaves_the_global_generator_alone(tiny_backend: TransformersBackend) -> None:
    torch.manual_seed(123)
    expected_draw = torch.rand(3)
    torch.manual_seed(123)

    first = tiny_backend.complete(_request("Roll", max_tokens=20, temperature=1.0, seed=5))
    draw = torch.rand(3)
    again = tiny_backend.complete(_request("Roll", max_tokens=20, temperature=1.0, seed=5))
    other = tiny_backend.complete(_request("Roll", max_tokens=20, temperature=1.0, seed=6))

    assert torch.equal(draw, expected_draw)
    assert first.text == again.text
    assert other.text != first.text


def test_threads_share_one_instance(tiny_backend: TransformersBackend) -> None:
    schema = SCHEMAS["array of enum strings"]
    requests = [_request(f"Question {index}", max_tokens=160, json_schema=schema) for index in range(4)]
    expected = [tiny_backend.complete(request).text for request in requests]
    found: dict[int, str] = {}

    def ask(index: int) -> None:
        found[index] = tiny_backend.complete(requests[index]).text

    threads = [threading.Thread(target=ask, args=(index,)) for index in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert [found[index] for index in range(4)] == expected


def test_instances_sharing_a_model_share_its_lock(tiny_backend: TransformersBackend, tiny_model_dir: Any) -> None:
    twin = TransformersBackend(str(tiny_model_dir))
    requests = [_request(f"Twin {index}", max_tokens=30, json_schema=SCHEMAS["integer ranges"]) for index in range(4)]
    expected = [tiny_backend.complete(request).text for request in requests]
    found: dict[int, str] = {}

    def ask(index: int) -> None:
        found[index] = (tiny_backend if index % 2 else twin).complete(requests[index]).text

    threads = [threading.Thread(target=ask, args=(index,)) for index in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert twin.load().network is tiny_backend.load().network
    assert twin.load().lock is tiny_backend.load().lock
    assert [found[index] for index in range(4)] == expected


@pytest.mark.parametrize(
    ("request_", "message"),
    [
        (_request("x", max_tokens=0), "max_tokens must be at least 1, not 0"),
        (_request("x", temperature=-0.5), "temperature must not be negative"),
        (ChatRequest(messages=()), "at least one message"),
        (_request("x", max_tokens=TINY_CONTEXT), f"need {TINY_CONTEXT + 19} positions; the model has {TINY_CONTEXT}"),
        (_request("x", json_schema={"type": "nonsense"}), 'Unsupported type "nonsense"'),
    ],
)
def test_bad_requests_are_llm_errors(tiny_backend: TransformersBackend, request_: ChatRequest, message: str) -> None:
    with pytest.raises(LLMError, match=message):
        tiny_backend.complete(request_)


def test_empty_batch_is_empty(tiny_backend: TransformersBackend) -> None:
    assert tiny_backend.complete_batch([]) == []


def test_max_batch_must_be_positive(tiny_model_dir: Any) -> None:
    with pytest.raises(ValueError, match="max_batch must be at least 1"):
        TransformersBackend(str(tiny_model_dir), max_batch=0)
