"""backend_from_config: names, options, lazy imports, recording."""

from __future__ import annotations

import importlib.util
import json
import sys
import types
from pathlib import Path

import pytest

from agents.llm.base import ChatRequest, Completion, LLMError, Message, Usage
from agents.llm.factory import backend_from_config
from agents.llm.openai import OpenAIBackend
from agents.llm.replay import RecordingBackend, ReplayBackend, ScriptedBackend

REQUEST = ChatRequest(messages=(Message("user", "hello factory"),))


def test_an_unknown_backend_is_refused_with_the_known_names():
    with pytest.raises(LLMError) as raised:
        backend_from_config({"backend": "llama"})

    assert str(raised.value) == (
        "unknown LLM backend 'llama'; known: transformers, llamacpp, openai, vllm, replay, scripted, scripted-echo, "
        "scripted-request, schema-filler"
    )


def test_a_missing_backend_name_is_refused():
    with pytest.raises(LLMError, match=r"^unknown LLM backend None; known: transformers, "):
        backend_from_config({"model": "x"})


def test_openai_takes_its_options():
    backend = backend_from_config(
        {
            "backend": "openai",
            "base_url": "http://vllm:8000/v1/",
            "model": "Qwen/Qwen2.5-7B-Instruct",
            "max_retries": 1,
            "structured": "guided_json",
            "max_concurrency": 2,
        }
    )

    assert isinstance(backend, OpenAIBackend)
    assert (backend.base_url, backend.model, backend.max_retries, backend.structured, backend.max_concurrency) == (
        "http://vllm:8000/v1",
        "Qwen/Qwen2.5-7B-Instruct",
        1,
        "guided_json",
        2,
    )


def test_openai_reads_its_key_from_the_named_variable(monkeypatch):
    monkeypatch.setenv("AOI_TEST_LLM_KEY", "sk-from-env")
    backend = backend_from_config(
        {"backend": "openai", "base_url": "http://h/v1", "model": "m", "api_key_env": "AOI_TEST_LLM_KEY"}
    )

    assert isinstance(backend, OpenAIBackend)
    assert backend._client.headers["authorization"] == "Bearer sk-from-env"


def test_openai_refuses_an_unset_key_variable(monkeypatch):
    monkeypatch.delenv("AOI_TEST_LLM_KEY", raising=False)

    with pytest.raises(LLMError, match=r"^the environment variable AOI_TEST_LLM_KEY is not set$"):
        backend_from_config(
            {"backend": "openai", "base_url": "http://h/v1", "model": "m", "api_key_env": "AOI_TEST_LLM_KEY"}
        )


def test_a_misspelt_option_is_refused_with_the_options_taken():
    with pytest.raises(LLMError) as raised:
        backend_from_config({"backend": "openai", "base_url": "http://h/v1", "model": "m", "timeout": 5})

    assert str(raised.value) == (
        "the openai backend takes no option timeout; it takes: base_url, model, api_key, api_key_env, timeout_s, "
        "connect_timeout_s, max_retries, backoff_s, structured, max_concurrency"
    )


def test_required_options_are_named():
    with pytest.raises(LLMError, match=r"^the openai backend needs base_url, model$"):
        backend_from_config({"backend": "openai"})
    with pytest.raises(LLMError, match=r"^the replay backend needs path$"):
        backend_from_config({"backend": "replay"})


def test_replay_reads_its_recording(tmp_path: Path) -> None:
    path = tmp_path / "run.jsonl"
    RecordingBackend(ScriptedBackend(lambda request: "recorded answer"), path).complete(REQUEST)

    backend = backend_from_config({"backend": "replay", "path": str(path), "strict": False})

    assert isinstance(backend, ReplayBackend)
    assert backend.strict is False
    assert backend.complete(REQUEST).text == "recorded answer"


def test_record_to_wraps_any_backend(tmp_path: Path) -> None:
    path = tmp_path / "run.jsonl"
    backend = backend_from_config({"backend": "scripted-echo", "record_to": str(path)})

    assert isinstance(backend, RecordingBackend)
    assert backend.complete(REQUEST).text == "hello factory"
    assert ReplayBackend(path).complete(REQUEST).text == "hello factory"


def test_scripted_takes_a_callable_or_a_dotted_path():
    by_callable = backend_from_config({"backend": "scripted", "responder": lambda request: "fixed", "model": "m1"})
    by_path = backend_from_config({"backend": "scripted", "responder": "agents.llm.replay:last_user_message"})

    assert (by_callable.complete(REQUEST).text, by_callable.model) == ("fixed", "m1")
    assert (by_path.complete(REQUEST).text, by_path.model) == ("hello factory", "scripted")


@pytest.mark.parametrize(
    ("responder", "message"),
    [
        ("agents.llm.replay", "^the scripted backend needs a responder: a callable or 'package.module:function'$"),
        ("agents.llm.replay:nothing_here", "^cannot load the responder agents.llm.replay:nothing_here: "),
        ("agents.llm.replay:NO_RECORDING", "^the responder agents.llm.replay:NO_RECORDING is not callable$"),
    ],
)
def test_a_bad_responder_is_refused(responder, message):
    with pytest.raises(LLMError, match=message):
        backend_from_config({"backend": "scripted", "responder": responder})


def test_scripted_request_answers_with_the_request_it_received():
    backend = backend_from_config({"backend": "scripted-request"})

    assert backend.complete(REQUEST).text.startswith('{"json_schema": null, "max_tokens": 256, "messages": [')


@pytest.mark.skipif(importlib.util.find_spec("vllm") is not None, reason="vllm is installed here")
def test_vllm_without_the_package_says_what_to_do():
    with pytest.raises(LLMError) as raised:
        backend_from_config({"backend": "vllm", "model": "Qwen/Qwen2.5-7B-Instruct"})

    assert str(raised.value).startswith("the vllm backend needs the vllm package on a GPU host; ")
    assert "use the openai backend" in str(raised.value)


class _FakeTransformersBackend:
    """Stands in for the transformers backend's class: it records how the factory built it."""

    name = "transformers"
    supports_json_schema = True

    def __init__(self, model=None, *, gguf_file=None, device="cpu", max_batch=4, dtype="float32"):
        self.model = model or "embedded"
        self.arguments = {"model": model, "gguf_file": gguf_file, "device": device, "max_batch": max_batch}

    def complete(self, request, *, on_token=None):
        return Completion("", Usage(0, 0), 0.0, self.model, self.name)

    def complete_batch(self, requests, *, on_token=None):
        return [self.complete(request) for request in requests]


def test_transformers_is_imported_when_named_and_given_its_options(monkeypatch):
    module = types.ModuleType("agents.llm.transformers_backend")
    module.__dict__["TransformersBackend"] = _FakeTransformersBackend
    monkeypatch.setitem(sys.modules, "agents.llm.transformers_backend", module)

    default = backend_from_config({"backend": "transformers"})
    chosen = backend_from_config({"backend": "transformers", "model": "/models/qwen", "device": "cuda", "max_batch": 8})

    assert isinstance(default, _FakeTransformersBackend)
    assert isinstance(chosen, _FakeTransformersBackend)
    assert default.arguments == {"model": None, "gguf_file": None, "device": "cpu", "max_batch": 4}
    assert chosen.arguments == {"model": "/models/qwen", "gguf_file": None, "device": "cuda", "max_batch": 8}


def test_transformers_that_cannot_be_imported_is_a_clear_error(monkeypatch):
    monkeypatch.setitem(sys.modules, "agents.llm.transformers_backend", None)

    with pytest.raises(LLMError, match=r"^the transformers backend cannot be loaded: "):
        backend_from_config({"backend": "transformers"})


def test_the_schema_filler_answers_any_schema_with_its_first_allowed_values():
    backend = backend_from_config({"backend": "schema-filler"})
    schema = {
        "type": "object",
        "properties": {"next": {"type": "string", "enum": ["probe", "answer"]}, "why": {"type": "string"}},
        "required": ["next", "why"],
    }

    completion = backend.complete(ChatRequest(messages=(Message("user", "go"),), json_schema=schema))

    assert json.loads(completion.text) == {"next": "probe", "why": "seen"}
    assert completion.constrained is True
