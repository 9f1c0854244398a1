"""Fixtures of the llamacpp backend tests: the real llama.cpp engine on the embedded SmolLM2 GGUF.

The engine is started once for the whole session (one CPU thread, two slots: the 2-core test machines are
shared) and every backend built with the same settings shares it. The 135M model's answers are poor, but
what these tests check holds whatever the weights say: grammar, streaming, batching, limits, failures."""

from __future__ import annotations

from typing import Any

import pytest

from agents.llm.base import ChatRequest, Message
from agents.llm.llamacpp_backend import LlamaCppBackend
from tests.llm_clients.conftest import llm_server  # noqa: F401  (the server-process fixture, shared)

DECISION_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "thought": {"type": "string", "maxLength": 40},
        "action": {"enum": ["probe", "answer"]},
        "service": {"enum": ["frontend", "geo", "mongodb-geo", "user-service"]},
        "restarts": {"type": "integer"},
        "evidence": {"type": "array", "items": {"type": "string", "maxLength": 12}, "maxItems": 2},
    },
    "required": ["thought", "action", "service", "restarts", "evidence"],
}


def ask(text: str, **fields: Any) -> ChatRequest:
    """A request as the agents send one: a system prompt shared by all, then the user's question."""
    system = Message("system", "You are an SRE agent. Reply with one JSON decision.")
    return ChatRequest(messages=(system, Message("user", text)), **fields)


@pytest.fixture(scope="session")
def backend() -> LlamaCppBackend:
    built = LlamaCppBackend(threads=1, n_parallel=2, timeout_s=60)
    built.load()
    return built
