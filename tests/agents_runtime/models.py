"""Deterministic stand-in models for runtime tests: they answer from the request, like a tiny scripted LLM.

``SchemaModel`` fills any decision schema with its choices (a rule picks enum values by substring
preference, else the first), so a test steers a whole run by naming what to prefer. It reports tokens and
latency like a backend and honours the schema as a grammar-constrained backend would.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from typing import Any

from agents.llm.base import BatchTokenCallback, ChatRequest, Completion, TokenCallback, Usage


class SchemaModel:
    """Fills decision schemas; ``prefer(prompt_text, options) -> option or None`` chooses enum values."""

    name = "schema-model"
    model = "schema-model"

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
        return self.text

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


def _expert_choice(prompt: str, options: list[str]) -> str | None:
    """A plausible investigator: probe once, look at the focus service, answer with what it saw first."""
    if "probe" in options:
        return "answer" if "Q:" in prompt else "probe"
    for option in options:
        if option.startswith("kubectl describe service") or option in ("Yes", "restore_target_port"):
            return option
    return None


def expert_responder(request: ChatRequest) -> str:
    """A responder for the scripted backend (importable by worker processes): fills the request's schema."""
    model = SchemaModel(_expert_choice)
    return model.complete(request).text


def user_service_expert(prompt: str, options: list[str]) -> str | None:
    """Steers a run at a fault on Social Network's user-service: one probe, then the right answer or fix."""
    for want in (
        "restore_target_port",
        "user-service",
        "kubectl describe service user-service -n test-social-network",
        "Virtualization",
        "Misconfiguration",
        "Yes",
    ):
        if want in options:
            return want
    if "probe" in options:
        return "answer" if "Q:" in prompt else "probe"
    return None


def user_service_responder(request: ChatRequest) -> str:
    """``user_service_expert`` as a scripted backend's responder (importable by worker processes)."""
    return SchemaModel(user_service_expert).complete(request).text
