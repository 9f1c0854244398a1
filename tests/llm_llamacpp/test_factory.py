"""Building the llamacpp backend from a configuration: its options, its refusals, and the default setting."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
from django.conf import settings

from agents.llm.base import LLMError
from agents.llm.factory import backend_config_check, backend_from_config
from agents.llm.llamacpp_backend import LlamaCppBackend


def test_the_embedded_default_is_llamacpp():
    assert settings.AOI_LLM["backend"] == "llamacpp"
    assert isinstance(backend_from_config({"backend": "llamacpp"}), LlamaCppBackend)


def test_the_factory_passes_the_options_on(backend):
    built = backend_from_config(
        {
            "backend": "llamacpp",
            "model": backend.settings.path,
            "n_ctx": 2048,
            "n_parallel": 3,
            "threads": 1,
            "timeout_s": 9.5,
            "cache_prompt": False,
        }
    )

    assert isinstance(built, LlamaCppBackend)
    assert (built.settings.n_ctx, built.settings.n_parallel, built.settings.threads) == (2048, 3, 1)
    assert (built.timeout_s, built.cache_prompt, built.model) == (9.5, False, "SmolLM2-135M-Instruct.Q4_1")


def test_a_directory_holding_one_gguf_file_names_the_model(backend):
    folder = Path(backend.settings.path).parent

    built = backend_from_config({"backend": "llamacpp", "model": str(folder)})

    assert built.settings.path == backend.settings.path  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"device": "cuda"}, "the llamacpp backend takes no option device; it takes: model, gguf_file, n_ctx, "),
        ({"n_parallel": 0}, "n_parallel must be a whole number of at least 1, not 0."),
        ({"threads": "2"}, "threads must be a whole number of at least 1, not '2'."),
        ({"n_ctx": True}, "n_ctx must be a whole number of at least 1, not True."),
        ({"timeout_s": -1}, "timeout_s must be a positive number of seconds, not -1."),
        ({"model": "HuggingFaceTB/SmolLM2-135M-Instruct"}, "is not a local GGUF file or directory; nothing is "),
        ({"gguf_file": "other.gguf"}, "GGUF file 'other.gguf' not found; this platform never downloads weights."),
    ],
)
def test_bad_options_are_refused_by_the_factory(options, message):
    with pytest.raises(LLMError) as raised:
        backend_from_config({"backend": "llamacpp", **options})

    assert message in str(raised.value)


def test_a_file_that_is_not_gguf_is_refused(tmp_path):
    fake = tmp_path / "model.gguf"
    fake.write_bytes(b"not a model")

    with pytest.raises(LLMError, match=r"^'model\.gguf' is not a GGUF file\.$"):
        backend_from_config({"backend": "llamacpp", "model": str(fake)})


def test_a_directory_with_several_gguf_files_needs_gguf_file(tmp_path):
    for name in ("a.gguf", "b.gguf"):
        (tmp_path / name).write_bytes(b"GGUF")

    with pytest.raises(LLMError, match=r"Name the GGUF file \(gguf_file\) .* it holds: a\.gguf, b\.gguf\.$"):
        backend_from_config({"backend": "llamacpp", "model": str(tmp_path)})


def test_the_options_are_checked_without_building_anything():
    backend_config_check({"backend": "llamacpp", "threads": 2, "timeout_s": 30, "cache_prompt": True})
    with pytest.raises(LLMError, match="takes no option max_batch"):
        backend_config_check({"backend": "llamacpp", "max_batch": 4})


def test_without_xllamacpp_the_factory_names_the_fallback(monkeypatch):
    found = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *rest: None if name == "xllamacpp" else found(name))

    with pytest.raises(LLMError) as raised:
        backend_from_config({"backend": "llamacpp"})

    assert str(raised.value) == (
        "the llamacpp backend needs the xllamacpp package (pip install xllamacpp); "
        "the transformers backend runs the same embedded model without it"
    )
