"""Fixtures for the in-process backend: the embedded model's tokenizer, and a tiny random Llama that uses it.

The tiny model (hidden size 64, 2 layers) writes nonsense, fast: what it shows is that the machinery
(batching, streaming, stop strings, grammar) holds whatever the weights say."""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import torch
from transformers import LlamaConfig, LlamaForCausalLM

from agents.llm.embedded import load_tokenizer, resolve_source
from agents.llm.transformers_backend import TransformersBackend

TINY_CONTEXT = 2048


@pytest.fixture(scope="session", autouse=True)
def one_torch_thread() -> Iterator[None]:
    """One intra-op thread: on a shared 2-core machine, torch's thread pool under contention from other
    processes made each step about 10x slower, and these models are too small to gain from two."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="session")
def smollm_tokenizer() -> Any:
    return load_tokenizer(resolve_source(None))


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory: pytest.TempPathFactory, smollm_tokenizer: Any) -> Path:
    directory = tmp_path_factory.mktemp("tiny-llama")
    config = LlamaConfig(
        vocab_size=len(smollm_tokenizer),
        hidden_size=64,
        intermediate_size=128,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=TINY_CONTEXT,
        bos_token_id=1,
        eos_token_id=2,
        pad_token_id=2,
        tie_word_embeddings=True,
    )
    torch.manual_seed(0)
    LlamaForCausalLM(config).save_pretrained(directory)
    smollm_tokenizer.save_pretrained(directory)
    return directory


@pytest.fixture(scope="session")
def tiny_backend(tiny_model_dir: Path) -> TransformersBackend:
    backend = TransformersBackend(str(tiny_model_dir), max_batch=3)
    backend.load()
    return backend
