"""A deterministic backend that fills any decision schema: for dry runs, overhead measurements and tests.

It needs no model: each enumerated field takes the value a ``prefer`` policy picks (the first allowed value
by default), strings a fixed text, numbers 0.5. It reports tokens (whitespace words) and latency like any
backend and, like a grammar-constrained one, never produces an invalid decision. ``backend: schema-filler``
in the factory; a benchmark with it measures the platform's own cost per step, model time excluded.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from typing import Any

from agents.llm.base import BatchTokenCallback, ChatRequest, Completion, TokenCallback, Usage


class SchemaFillerBackend:
    """Fills decision schemas; ``prefer(prompt_text, options) -> option or None`` chooses enum values."""

    name = "schema-filler"
    model = "schema-filler"

    def __init__(self, prefer: Callable[[str, list[str]], str | None] | None = None, *, text: str = "seen") -> None:
        self.prefer = prefer or (lambda prompt, options: None)
        self.text = text
        self.requests: list[ChatRequest] = []

    @property
    def supports_json_schema(self) -> bool:
        return True

    def _fill(self, schema: dict[str, Any], prompt: str) -> Any:
        if "enum" in schema:
            options = list(schema["enum"])
            chosen = self.prefer(prompt, options)
            return chosen if chosen in options else options[0]
        kind = schema.get("type")
        if kind == "object":
            return {name: self._fill(sub, prompt) for name, sub in schema["properties"].items()}
        if kind == "array":
            return [self._fill(schema["items"], prompt) for _ in range(max(1, schema.get("minItems", 0)))]
        if kind == "number":
            return 0.5
        return self.text[: int(schema.get("maxLength", len(self.text)))]

    def complete(self, request: ChatRequest, *, on_token: TokenCallback | None = None) -> Completion:
        began = time.perf_counter()
        self.requests.append(request)
        prompt = "\n".join(message.content for message in request.messages)
        text = json.dumps(self._fill(dict(request.json_schema or {}), prompt))
        if on_token is not None:
            on_token(text)
        return Completion(
            text,
            Usage(len(prompt.split()), len(text.split())),
            time.perf_counter() - began,
            self.model,
            self.name,
            constrained=True,
        )

    def complete_batch(
        self, requests: Sequence[ChatRequest], *, on_token: BatchTokenCallback | None = None
    ) -> list[Completion]:
        return [self.complete(request) for request in requests]
