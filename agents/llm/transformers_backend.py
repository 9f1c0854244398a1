"""The in-process transformers backend: a local causal LM, batched generation, streaming, structured output.

The model is the embedded SmolLM2-135M-Instruct GGUF by default, or any local Hugging Face model directory
(``agents.llm.embedded``: offline, loaded once per process). Requests are rendered with the tokenizer's
chat template, padded on the left and generated together, up to ``max_batch`` at a time; each row ends on
its own (end token, stop string, its own ``max_tokens``) and streams its text as it goes. A request with a
``json_schema`` is decoded under that schema's grammar (``agents.llm.grammar``), so its text is JSON valid
for the schema by construction, unless it runs out of tokens first (``finish_reason == "length"``).
"""

from __future__ import annotations

import contextlib
import threading
import time
import weakref
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import torch
from transformers import GenerationConfig, LogitsProcessorList, StoppingCriteria, StoppingCriteriaList

from agents.llm.base import BatchTokenCallback, ChatRequest, Completion, LLMError, Message, TokenCallback, Usage
from agents.llm.embedded import load_model, resolve_source
from agents.llm.grammar import JSONSchemaLogitsProcessor, SchemaCompiler

REPLACEMENT_CHARACTER = "\ufffd"

_generation_locks: weakref.WeakKeyDictionary[Any, threading.Lock] = weakref.WeakKeyDictionary()
_generation_locks_guard = threading.Lock()


def generation_lock(network: Any) -> threading.Lock:
    """The lock held around ``generate`` on ``network``. Backends sharing a cached model share its lock:
    ``generate`` may switch state on the model for the duration of a call (MoE kernels on GPU)."""
    with _generation_locks_guard:
        return _generation_locks.setdefault(network, threading.Lock())


@dataclass
class RowState:
    """One request's progress inside a batched ``generate``. ``generated`` counts every sampled token,
    the one that ended the row included; ``text`` excludes end tokens and anything from a stop string on."""

    max_tokens: int
    stop: tuple[str, ...] = ()
    token_ids: list[int] = field(default_factory=list)
    generated: int = 0
    text: str = ""
    emitted: int = 0
    finish_reason: str | None = None
    finished_at: float | None = None


def stop_cut(text: str, stops: Sequence[str]) -> int | None:
    """Where the first stop string in ``text`` begins, or None."""
    found = [text.find(stop) for stop in stops if stop]
    hits = [index for index in found if index >= 0]
    return min(hits) if hits else None


def safe_end(text: str, stops: Sequence[str]) -> int:
    """How much of ``text`` can be streamed now: not a trailing incomplete UTF-8 character (it decodes as
    U+FFFD until its last byte arrives), nor a tail that may yet grow into a stop string."""
    end = len(text.rstrip(REPLACEMENT_CHARACTER))
    held = 0
    for stop in stops:
        for size in range(min(len(stop) - 1, end), held, -1):
            if text.endswith(stop[:size], 0, end):
                held = size
                break
    return end - held


class RowTracker(StoppingCriteria):
    """Follows every row of one ``generate`` call, as the stopping criterion that sees each new token.

    Decodes each row's tokens, streams the new text through ``on_piece(row, piece)``, and ends a row at
    an end token, a stop string or its token budget; ``on_finish(row)`` hears each ending (the grammar
    processor stops following the row there). The pieces of a row concatenate to its final ``text``."""

    def __init__(
        self,
        tokenizer: Any,
        rows: list[RowState],
        *,
        end_token_ids: frozenset[int],
        on_piece: BatchTokenCallback | None = None,
        on_finish: Callable[[int], None] | None = None,
    ) -> None:
        self.rows = rows
        self._tokenizer = tokenizer
        self._end_token_ids = end_token_ids
        self._on_piece = on_piece
        self._on_finish = on_finish

    def __call__(self, input_ids: torch.Tensor, scores: torch.Tensor, **kwargs: Any) -> torch.Tensor:
        last = input_ids[:, -1].tolist()
        for index, row in enumerate(self.rows):
            if row.finish_reason is None:
                self._advance(index, row, int(last[index]))
        finished = [row.finish_reason is not None for row in self.rows]
        return torch.tensor(finished, dtype=torch.bool, device=input_ids.device)

    def _advance(self, index: int, row: RowState, token: int) -> None:
        row.generated += 1
        if token in self._end_token_ids:
            self._finish(index, row, "stop")
            return
        row.token_ids.append(token)
        text = self._tokenizer.decode(row.token_ids, skip_special_tokens=True, clean_up_tokenization_spaces=False)
        cut = stop_cut(text, row.stop)
        row.text = text if cut is None else text[:cut]
        if cut is not None:
            self._finish(index, row, "stop")
        elif row.generated >= row.max_tokens:
            self._finish(index, row, "length")
        else:
            self._emit(index, row, safe_end(text, row.stop))

    def _finish(self, index: int, row: RowState, reason: str) -> None:
        row.finish_reason = reason
        row.finished_at = time.perf_counter()
        self._emit(index, row, len(row.text))
        if self._on_finish is not None:
            self._on_finish(index)

    def _emit(self, index: int, row: RowState, end: int) -> None:
        if end <= row.emitted:
            return
        if self._on_piece is not None:
            self._on_piece(index, row.text[row.emitted : end])
        row.emitted = end


@dataclass(frozen=True)
class LoadedModel:
    """What generation needs, loaded once: tokenizer, network and its lock, schema compiler, special ids."""

    tokenizer: Any
    network: Any
    lock: threading.Lock
    compiler: SchemaCompiler
    end_token_ids: frozenset[int]
    pad_token_id: int
    context_length: int | None


def _end_token_ids(tokenizer: Any, network: Any) -> frozenset[int]:
    configured = network.generation_config.eos_token_id
    ids = set(configured if isinstance(configured, list) else [configured])
    ids.add(tokenizer.eos_token_id)
    ids.discard(None)
    if not ids:
        raise LLMError("The model defines no end-of-sequence token: generation could not stop by itself.")
    return frozenset(int(token) for token in ids)


def render_prompt(tokenizer: Any, messages: Sequence[Message]) -> str:
    """The conversation as the model expects it, ending where the assistant's answer begins."""
    turns = [message.as_dict() for message in messages]
    if getattr(tokenizer, "chat_template", None):
        return str(tokenizer.apply_chat_template(turns, add_generation_prompt=True, tokenize=False))
    # A base model without a template still gets an unambiguous transcript.
    return "".join(f"{turn['role']}: {turn['content']}\n" for turn in turns) + "assistant: "


def _check(request: ChatRequest) -> None:
    if request.max_tokens < 1:
        raise LLMError(f"max_tokens must be at least 1, not {request.max_tokens}.")
    if request.temperature < 0:
        raise LLMError(f"temperature must not be negative, not {request.temperature}.")
    if not request.messages:
        raise LLMError("A chat request needs at least one message.")


def _sampling_key(request: ChatRequest) -> tuple[float, int | None]:
    # Rows of one generate call share one sampler: greedy rows together, sampled rows by temperature and seed.
    return (0.0, None) if request.temperature == 0 else (request.temperature, request.seed)


@contextlib.contextmanager
def _seeded(seed: int | None, device: str) -> Iterator[None]:
    """Seed torch for one call without disturbing the process's own random state."""
    if seed is None:
        yield
        return
    devices = [torch.device(device)] if device.startswith("cuda") else []
    with torch.random.fork_rng(devices=devices):
        torch.manual_seed(seed)
        yield


class TransformersBackend:
    """An ``LLMBackend`` running a local model in this process, CPU or GPU.

    Thread-safe: a lock per loaded model serialises generation, so several threads (parallel Probes) may
    share an instance, or instances sharing a model; ``complete_batch`` is how they share the model's time
    efficiently. The model loads on first use (or ``load()``), once per process for all instances with the
    same source, device and dtype.
    """

    name = "transformers"

    def __init__(
        self,
        model: str | None = None,
        *,
        gguf_file: str | None = None,
        device: str = "cpu",
        max_batch: int = 4,
        dtype: str = "float32",
    ) -> None:
        if max_batch < 1:
            raise ValueError(f"max_batch must be at least 1, not {max_batch}.")
        self._source = resolve_source(model, gguf_file)  # fails now, not at the first request, if not on disk
        self._model_argument = model
        self.model = self._source.name
        self.device = device
        self.dtype = dtype
        self.max_batch = max_batch
        self._lock = threading.Lock()
        self._loaded: LoadedModel | None = None

    @property
    def supports_json_schema(self) -> bool:
        return True

    def load(self) -> LoadedModel:
        """Load the tokenizer, the model and the schema compiler, unless already done."""
        with self._lock:
            if self._loaded is None:
                self._loaded = self._load()
            return self._loaded

    def _load(self) -> LoadedModel:
        tokenizer, network = load_model(self._model_argument, self._source.gguf_file, self.device, dtype=self.dtype)
        end_ids = _end_token_ids(tokenizer, network)
        config = network.config.get_text_config()
        compiler = SchemaCompiler(tokenizer, vocab_size=int(config.vocab_size), stop_token_ids=sorted(end_ids))
        pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else min(end_ids)
        context = getattr(config, "max_position_embeddings", None)
        return LoadedModel(tokenizer, network, generation_lock(network), compiler, end_ids, int(pad), context)

    def complete(self, request: ChatRequest, *, on_token: TokenCallback | None = None) -> Completion:
        """One completion; ``on_token`` hears each piece of its text as soon as it is decoded."""
        relay = (lambda _index, piece: on_token(piece)) if on_token is not None else None
        return self.complete_batch([request], on_token=relay)[0]

    def complete_batch(
        self, requests: Sequence[ChatRequest], *, on_token: BatchTokenCallback | None = None
    ) -> list[Completion]:
        """Completions in request order. Requests that sample alike (all greedy, or the same temperature
        and seed) are generated together, ``max_batch`` at a time; ``on_token(index, piece)`` names the
        request by its index in ``requests``."""
        for request in requests:
            _check(request)
        loaded = self.load()
        results: dict[int, Completion] = {}
        for indices in self._groups(requests):
            batch = [requests[index] for index in indices]
            relay = self._relay(indices, on_token)
            with loaded.lock:
                results.update(zip(indices, self._generate(loaded, batch, relay), strict=True))
        return [results[index] for index in range(len(requests))]

    def _groups(self, requests: Sequence[ChatRequest]) -> list[list[int]]:
        by_key: dict[tuple[float, int | None], list[int]] = {}
        for index, request in enumerate(requests):
            by_key.setdefault(_sampling_key(request), []).append(index)
        return [
            indices[start : start + self.max_batch]
            for indices in by_key.values()
            for start in range(0, len(indices), self.max_batch)
        ]

    @staticmethod
    def _relay(indices: list[int], on_token: BatchTokenCallback | None) -> BatchTokenCallback | None:
        if on_token is None:
            return None
        return lambda row, piece: on_token(indices[row], piece)

    def _encode(self, loaded: LoadedModel, batch: Sequence[ChatRequest]) -> tuple[torch.Tensor, torch.Tensor]:
        prompts = [render_prompt(loaded.tokenizer, request.messages) for request in batch]
        # The template already wrote the special tokens; left padding keeps every row's end next to its answer.
        encoded = loaded.tokenizer(
            prompts, return_tensors="pt", padding=True, padding_side="left", add_special_tokens=False
        )
        input_ids, attention_mask = encoded["input_ids"].to(self.device), encoded["attention_mask"].to(self.device)
        longest = int(attention_mask.sum(dim=1).max()) + max(request.max_tokens for request in batch)
        if loaded.context_length is not None and longest > loaded.context_length:
            raise LLMError(f"Prompt and max_tokens need {longest} positions; the model has {loaded.context_length}.")
        return input_ids, attention_mask

    def _generation_config(self, loaded: LoadedModel, batch: Sequence[ChatRequest]) -> GenerationConfig:
        temperature = batch[0].temperature
        sampling: dict[str, Any] = {"do_sample": False}
        if temperature > 0:
            # Plain temperature sampling, as OpenAI-compatible servers do by default (no top-k, no top-p).
            sampling = {"do_sample": True, "temperature": temperature, "top_k": 0, "top_p": 1.0}
        return GenerationConfig(  # type: ignore[no-untyped-call]
            max_new_tokens=max(request.max_tokens for request in batch),
            eos_token_id=sorted(loaded.end_token_ids),
            pad_token_id=loaded.pad_token_id,
            **sampling,
        )

    def _generate(
        self, loaded: LoadedModel, batch: Sequence[ChatRequest], on_piece: BatchTokenCallback | None
    ) -> list[Completion]:
        """One ``generate`` call for ``batch`` (same sampling settings). The caller holds the lock."""
        input_ids, attention_mask = self._encode(loaded, batch)
        grammars = [loaded.compiler.compile(r.json_schema) if r.json_schema is not None else None for r in batch]
        processor = JSONSchemaLogitsProcessor(grammars) if any(g is not None for g in grammars) else None
        rows = [RowState(max_tokens=request.max_tokens, stop=request.stop) for request in batch]
        tracker = RowTracker(
            loaded.tokenizer,
            rows,
            end_token_ids=loaded.end_token_ids,
            on_piece=on_piece,
            on_finish=processor.release if processor is not None else None,
        )
        began = time.perf_counter()
        try:
            with torch.inference_mode(), _seeded(batch[0].seed, self.device):
                loaded.network.generate(
                    input_ids=input_ids,
                    attention_mask=attention_mask,
                    generation_config=self._generation_config(loaded, batch),
                    logits_processor=LogitsProcessorList([processor] if processor is not None else []),
                    stopping_criteria=StoppingCriteriaList([tracker]),
                )
        except (RuntimeError, ValueError) as error:
            raise LLMError(f"Generation failed: {error}") from error
        prompt_tokens = attention_mask.sum(dim=1).tolist()
        return [
            self._completion(request, row, int(prompt_tokens[i]), began)
            for i, (request, row) in enumerate(zip(batch, rows, strict=True))
        ]

    def _completion(self, request: ChatRequest, row: RowState, prompt_tokens: int, began: float) -> Completion:
        finished_at = row.finished_at if row.finished_at is not None else time.perf_counter()
        return Completion(
            text=row.text,
            usage=Usage(prompt_tokens=prompt_tokens, completion_tokens=row.generated),
            latency_s=finished_at - began,
            model=self.model,
            backend=self.name,
            finish_reason=row.finish_reason or "length",
            constrained=request.json_schema is not None,
        )
