"""JSON-schema-constrained decoding for the in-process backend: xgrammar as a transformers LogitsProcessor.

A schema is compiled once per tokenizer into a grammar over the model's vocabulary (``SchemaCompiler``).
During generation each constrained row of the batch has its own matcher: before every step the processor
feeds it the token sampled for that row last step, then masks every token the grammar does not allow
next. The model's end-of-sequence token is allowed only where the document is complete, so a row that
stops by itself has produced JSON valid for its schema, whatever the model's weights. Enumerations
(``enum``, ``const``) become alternatives of the grammar and are honoured the same way.
"""

from __future__ import annotations

import json
import re
import threading
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from typing import Any

import torch
import xgrammar as xgr
from transformers import LogitsProcessor

from agents.llm.base import LLMError

# xgrammar's errors start with a timestamp and a C++ source location; the reason follows.
_NATIVE_PREFIX = re.compile(r"^\[[^\]]*\]\s*\S+:\d+:\s*")


def schema_text(schema: Mapping[str, Any]) -> str:
    """The schema as compact JSON. Keys keep their order: property order is the order the output follows."""
    return json.dumps(schema, separators=(",", ":"), ensure_ascii=False)


class SchemaCompiler:
    """Compiles JSON schemas into grammars over one tokenizer's vocabulary; each schema is compiled once.

    ``vocab_size`` is the width of the model's output layer (it may exceed the tokenizer's vocabulary);
    ``stop_token_ids`` must be the ids that end generation, so that the grammar and the generation loop
    agree on what ending means. Thread-safe."""

    def __init__(
        self,
        tokenizer: Any,
        *,
        vocab_size: int,
        stop_token_ids: Sequence[int],
        max_threads: int = 2,
        cache_size: int = 256,
    ) -> None:
        info = xgr.TokenizerInfo.from_huggingface(tokenizer, vocab_size=vocab_size, stop_token_ids=list(stop_token_ids))
        self._compiler = xgr.GrammarCompiler(info, max_threads=max_threads)
        self._cache: OrderedDict[str, xgr.CompiledGrammar] = OrderedDict()
        self._cache_size = cache_size
        self._lock = threading.Lock()

    def compile(self, schema: Mapping[str, Any]) -> xgr.CompiledGrammar:
        """The grammar of ``schema``: compact JSON (no free whitespace), no properties beyond the schema's."""
        key = schema_text(schema)
        with self._lock:
            if key in self._cache:
                self._cache.move_to_end(key)
                return self._cache[key]
            try:
                # No free whitespace: a small model allowed it can pad forever, and it would cost tokens anyway.
                grammar = self._compiler.compile_json_schema(key, any_whitespace=False, strict_mode=True)
            except (RuntimeError, ValueError, TypeError) as error:
                reason = _NATIVE_PREFIX.sub("", str(error).strip())
                raise LLMError(f"Cannot compile the JSON schema into a grammar: {reason}") from error
            self._cache[key] = grammar
            if len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
            return grammar


class JSONSchemaLogitsProcessor(LogitsProcessor):
    """Masks each constrained row's logits to what its grammar allows next. Use once per ``generate`` call.

    ``grammars`` has one entry per row of the batch; None leaves that row free. Rows may end at different
    steps: the generation loop calls ``release(row)`` when a row has finished (end token, stop string,
    token budget), after which that row's padding is never fed to its matcher."""

    def __init__(self, grammars: Sequence[xgr.CompiledGrammar | None]) -> None:
        self._matchers = [xgr.GrammarMatcher(grammar) if grammar is not None else None for grammar in grammars]
        widths = [grammar.tokenizer_info.vocab_size for grammar in grammars if grammar is not None]
        self._bitmask = xgr.allocate_token_bitmask(len(grammars), max(widths, default=1))
        self._released: set[int] = set()
        self._started = False

    def release(self, row: int) -> None:
        """Stop following ``row``: it has finished, and what comes after is padding."""
        self._released.add(row)

    def _active_rows(self) -> list[int]:
        return [
            row
            for row, matcher in enumerate(self._matchers)
            if matcher is not None and row not in self._released and not matcher.is_terminated()
        ]

    def _accept_last(self, input_ids: torch.Tensor, rows: list[int]) -> None:
        last = input_ids[:, -1].tolist()
        for row in rows:
            matcher = self._matchers[row]
            if matcher is not None and not matcher.accept_token(int(last[row])):
                raise LLMError(f"Row {row} sampled token {last[row]}, which its grammar forbids.")

    def __call__(self, input_ids: torch.Tensor, scores: torch.Tensor) -> torch.Tensor:
        # The first call sees only the prompt: nothing has been sampled yet.
        if self._started:
            self._accept_last(input_ids, self._active_rows())
        self._started = True
        rows = self._active_rows()
        if not rows:
            return scores
        for row in rows:
            matcher = self._matchers[row]
            if matcher is not None:
                matcher.fill_next_token_bitmask(self._bitmask, row)
        bitmask = self._bitmask if scores.device.type == "cpu" else self._bitmask.to(scores.device)
        xgr.apply_token_bitmask_inplace(scores, bitmask, indices=rows)
        return scores
