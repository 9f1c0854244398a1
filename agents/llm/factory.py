"""One place that turns a configuration (settings, command-line options) into an :class:`LLMBackend`.

    backend_from_config({"backend": "openai", "base_url": "http://vllm:8000/v1", "model": "Qwen/Qwen2.5-7B"})
    backend_from_config({"backend": "llamacpp"})                      # the embedded SmolLM2 GGUF, on llama.cpp
    backend_from_config({"backend": "transformers"})                  # the same model, on transformers
    backend_from_config({"backend": "replay", "path": "run.jsonl"})
    backend_from_config({"backend": "openai", ..., "record_to": "run.jsonl"})   # any backend, recorded

Heavy backends (llama.cpp, transformers, vLLM) are imported only when named. Unknown names and unknown options
are refused with the list of what is known, so a typo in settings fails at start-up, not mid-run.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
from collections.abc import Callable, Mapping
from typing import Any, cast

from agents.llm.base import ChatRequest, LLMBackend, LLMError
from agents.llm.openai import OpenAIBackend
from agents.llm.replay import RecordingBackend, ReplayBackend, ScriptedBackend, last_user_message, request_json

Options = dict[str, Any]


# What each backend takes: (allowed options, required options). The builders and ``backend_config_check`` read it.
OPTIONS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "transformers": (("model", "gguf_file", "device", "max_batch", "dtype"), ()),
    "llamacpp": (("model", "gguf_file", "n_ctx", "n_parallel", "threads", "timeout_s", "cache_prompt"), ()),
    "openai": (
        (
            "base_url",
            "model",
            "api_key",
            "api_key_env",
            "timeout_s",
            "connect_timeout_s",
            "max_retries",
            "backoff_s",
            "structured",
            "max_concurrency",
        ),
        ("base_url", "model"),
    ),
    "vllm": (("model", "max_model_len", "gpu_memory_utilization", "dtype", "seed"), ("model",)),
    "replay": (("path", "strict", "supports_json_schema"), ("path",)),
    "scripted": (("responder", "model"), ("responder",)),
    "scripted-echo": (("model",), ()),
    "scripted-request": (("model",), ()),
    "schema-filler": (("text",), ()),
}


def _take(options: Options, backend: str) -> Options:
    """``options`` checked against what ``backend`` takes (``OPTIONS``)."""
    allowed, required = OPTIONS[backend]
    unknown = sorted(set(options) - set(allowed))
    if unknown:
        raise LLMError(f"the {backend} backend takes no option {', '.join(unknown)}; it takes: {', '.join(allowed)}")
    missing = [name for name in required if options.get(name) in (None, "")]
    if missing:
        raise LLMError(f"the {backend} backend needs {', '.join(missing)}")
    return options


def _llamacpp(options: Options) -> LLMBackend:
    _take(options, "llamacpp")
    fallback = "the transformers backend runs the same embedded model without it"
    if importlib.util.find_spec("xllamacpp") is None:
        raise LLMError(f"the llamacpp backend needs the xllamacpp package (pip install xllamacpp); {fallback}")
    try:
        module = importlib.import_module("agents.llm.llamacpp_backend")
    except ImportError as error:
        raise LLMError(f"the llamacpp backend cannot be loaded ({error}); {fallback}") from error
    return cast(LLMBackend, module.LlamaCppBackend(**options))


def _transformers(options: Options) -> LLMBackend:
    _take(options, "transformers")
    try:
        module = importlib.import_module("agents.llm.transformers_backend")
    except ImportError as error:
        raise LLMError(f"the transformers backend cannot be loaded: {error}") from error
    return cast(LLMBackend, module.TransformersBackend(**options))


def _openai(options: Options) -> LLMBackend:
    _take(options, "openai")
    variable = options.pop("api_key_env", None)
    if variable:
        # The key itself stays out of settings files and logs: only the variable's name is configured.
        options["api_key"] = os.environ.get(variable) or _fail(f"the environment variable {variable} is not set")
    return OpenAIBackend(**options)


def _vllm(options: Options) -> LLMBackend:
    _take(options, "vllm")
    if importlib.util.find_spec("vllm") is None:
        raise LLMError(
            "the vllm backend needs the vllm package on a GPU host; install it there (pip install vllm), "
            "or serve the model with `vllm serve MODEL` and use the openai backend with its URL"
        )
    from agents.llm.vllm_backend import VLLMBackend

    return VLLMBackend(**options)


def _replay(options: Options) -> LLMBackend:
    _take(options, "replay")
    return ReplayBackend(options.pop("path"), **options)


def _responder(spec: object) -> Callable[[ChatRequest], str]:
    """A responder given as a callable or as ``"package.module:function"``."""
    if callable(spec):
        return cast(Callable[[ChatRequest], str], spec)
    if not isinstance(spec, str) or ":" not in spec:
        raise LLMError("the scripted backend needs a responder: a callable or 'package.module:function'")
    module_name, _, attribute = spec.partition(":")
    try:
        responder = getattr(importlib.import_module(module_name), attribute)
    except (ImportError, AttributeError) as error:
        raise LLMError(f"cannot load the responder {spec}: {error}") from error
    return _responder(responder) if callable(responder) else _fail(f"the responder {spec} is not callable")


def _scripted(options: Options) -> LLMBackend:
    _take(options, "scripted")
    return ScriptedBackend(_responder(options["responder"]), model=options.get("model") or "scripted")


def _scripted_echo(options: Options) -> LLMBackend:
    _take(options, "scripted-echo")
    return ScriptedBackend(last_user_message, model=options.get("model") or "scripted-echo")


def _scripted_request(options: Options) -> LLMBackend:
    _take(options, "scripted-request")
    return ScriptedBackend(request_json, model=options.get("model") or "scripted-request")


def _schema_filler(options: Options) -> LLMBackend:
    from agents.llm.schema_filler import SchemaFillerBackend

    _take(options, "schema-filler")
    return SchemaFillerBackend(text=str(options.get("text", "seen")))


def _fail(message: str) -> Any:
    raise LLMError(message)


BUILDERS: dict[str, Callable[[Options], LLMBackend]] = {
    "transformers": _transformers,
    "llamacpp": _llamacpp,
    "openai": _openai,
    "vllm": _vllm,
    "replay": _replay,
    "scripted": _scripted,
    "scripted-echo": _scripted_echo,
    "scripted-request": _scripted_request,
    "schema-filler": _schema_filler,
}


def backend_config_check(config: Mapping[str, Any]) -> None:
    """Raise LLMError where ``backend_from_config`` would refuse ``config`` for its name or options, without
    building anything: no model is loaded, no server called, no module imported (a configuration stored now
    and run later, on another host, is checked here)."""
    options = dict(config)
    name = options.pop("backend", None)
    options.pop("record_to", None)
    if not isinstance(name, str) or name not in BUILDERS:
        raise LLMError(f"unknown LLM backend {name!r}; known: {', '.join(BUILDERS)}")
    _take(options, name)
    responder = options.get("responder")
    if name == "scripted" and not callable(responder) and (not isinstance(responder, str) or ":" not in responder):
        raise LLMError("the scripted backend needs a responder: a callable or 'package.module:function'")


def backend_from_config(config: Mapping[str, Any]) -> LLMBackend:
    """The backend ``config["backend"]`` names, built from the other keys; ``record_to``: record it to a JSONL.

    Names: llamacpp (in-process llama.cpp, the embedded default), transformers, openai (any OpenAI-compatible
    server), vllm (in-process engine), replay, scripted (a responder function), scripted-echo (answers the
    last user message), scripted-request (answers the request's canonical JSON). Raises LLMError for an
    unknown name or option.
    """
    options = dict(config)
    name = options.pop("backend", None)
    record_to = options.pop("record_to", None)
    builder = BUILDERS.get(name) if isinstance(name, str) else None
    if builder is None:
        raise LLMError(f"unknown LLM backend {name!r}; known: {', '.join(BUILDERS)}")
    backend = builder(options)
    return RecordingBackend(backend, record_to) if record_to else backend
