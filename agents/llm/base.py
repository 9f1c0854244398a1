"""The contract every LLM backend keeps, and the request and completion records the agents exchange.

A request is plain data (messages, limits, an optional JSON schema the output must satisfy); its
``key`` identifies it across processes, so recorded completions can be replayed and runs compared. A
completion always reports tokens in and out and latency. Pure Python: no Django, no torch.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

ROLES = ("system", "user", "assistant")


class LLMError(Exception):
    """A backend could not produce a completion; the message says why, for the trajectory's record."""


class TransientLLMError(LLMError):
    """Worth retrying: a timeout, a connection reset, a 429 or 5xx from a server."""


@dataclass(frozen=True)
class Message:
    role: str
    content: str

    def as_dict(self) -> dict[str, str]:
        return {"role": self.role, "content": self.content}


@dataclass(frozen=True)
class ChatRequest:
    """One chat completion to produce. ``json_schema`` constrains the output (structured decoding)."""

    messages: tuple[Message, ...]
    max_tokens: int = 256
    temperature: float = 0.0
    json_schema: Mapping[str, Any] | None = None
    stop: tuple[str, ...] = ()
    seed: int | None = None
    metadata: Mapping[str, str] = field(default_factory=dict)

    def canonical(self) -> dict[str, Any]:
        """What identifies the request (metadata excluded: it labels, it does not change the answer)."""
        return {
            "messages": [message.as_dict() for message in self.messages],
            "max_tokens": self.max_tokens,
            "temperature": self.temperature,
            "json_schema": self.json_schema,
            "stop": list(self.stop),
            "seed": self.seed,
        }

    @property
    def key(self) -> str:
        """SHA-256 of the canonical JSON: the same request anywhere has the same key."""
        text = json.dumps(self.canonical(), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True)
class Usage:
    prompt_tokens: int
    completion_tokens: int


@dataclass(frozen=True)
class Completion:
    """A backend's answer. ``constrained``: the output was generated under the request's JSON schema."""

    text: str
    usage: Usage
    latency_s: float
    model: str
    backend: str
    finish_reason: str = "stop"
    constrained: bool = False


TokenCallback = Callable[[str], None]
BatchTokenCallback = Callable[[int, str], None]


@runtime_checkable
class LLMBackend(Protocol):
    """What the agents call. Implementations: llamacpp, transformers, openai, vllm, replay."""

    name: str
    model: str

    @property
    def supports_json_schema(self) -> bool:
        """True when ``json_schema`` is enforced during decoding (not merely asked for in the prompt)."""
        ...

    def complete(self, request: ChatRequest, *, on_token: TokenCallback | None = None) -> Completion:
        """One completion; ``on_token`` hears each piece of text as it is generated."""
        ...

    def complete_batch(
        self, requests: Sequence[ChatRequest], *, on_token: BatchTokenCallback | None = None
    ) -> list[Completion]:
        """Several completions, batched where the backend can (parallel Probes); results in request order."""
        ...
