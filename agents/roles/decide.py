"""One structured decision: prompt, constrained completion, validation, one repair, and the step record.

Every model call of every role goes through ``decide``. What is sent is redacted first. The completion is
generated under the decision's JSON schema where the backend can; a backend that cannot gets one repair
attempt with the validation error; a decision still invalid is recorded as a failed step and the caller
decides how the run goes on (usually: end cleanly). Budgets cap steps, tool calls and wall time.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from agents.llm.base import ChatRequest, LLMBackend, LLMError, Message
from agents.llm.redaction import redact
from agents.roles.schema import DecisionError, Schema, parse_decision, token_bound

MAX_DECISION_TOKENS = 1024
REPAIR = "That reply was not valid: {error}. Reply again with only the JSON object, matching the schema exactly."


@dataclass(frozen=True)
class StepRecord:
    """One step of a run, as it is stored (trajectories' Step) and streamed."""

    role: str
    phase: str
    prompt: str = ""
    completion: str = ""
    action: dict[str, Any] | None = None
    tool_result: str = ""
    tokens_in: int = 0
    tokens_out: int = 0
    latency_ms: float = 0.0
    error: str = ""


StepSink = Callable[[StepRecord], None]
TokenSink = Callable[[str, str], None]  # (role, text piece)


class BudgetExceeded(RuntimeError):
    """A per-run cap (steps, tool calls, wall time) is reached; the run ends cleanly."""


@dataclass
class Budget:
    """Per-run caps. ``charge_*`` raise ``BudgetExceeded`` once a cap is passed."""

    max_steps: int = 40
    max_tool_calls: int = 30
    max_wall_s: float = 900.0
    max_tool_output_chars: int = 1500
    steps: int = 0
    tool_calls: int = 0
    started: float = field(default_factory=time.monotonic)

    def charge_step(self) -> None:
        self.steps += 1
        self._check()

    def charge_tool(self) -> None:
        self.tool_calls += 1
        self._check()

    def _check(self) -> None:
        if self.steps > self.max_steps:
            raise BudgetExceeded(f"step budget of {self.max_steps} spent")
        if self.tool_calls > self.max_tool_calls:
            raise BudgetExceeded(f"tool-call budget of {self.max_tool_calls} spent")
        if time.monotonic() - self.started > self.max_wall_s:
            raise BudgetExceeded(f"wall-time budget of {self.max_wall_s:.0f} s spent")


@dataclass
class Context:
    """What every decision of a run needs: the backend, where steps go, the budget, the token stream."""

    backend: LLMBackend
    sink: StepSink
    budget: Budget = field(default_factory=Budget)
    on_token: TokenSink | None = None
    max_tokens: int = 160


def _stream(ctx: Context, role: str) -> Callable[[str], None] | None:
    on_token = ctx.on_token
    if on_token is None:
        return None
    return lambda piece: on_token(role, piece)


def decide(ctx: Context, *, role: str, system: str, user: str, schema: Schema) -> dict[str, Any] | None:
    """The role's decision, validated against ``schema``; None when it stayed invalid (recorded as failed)."""
    messages = [Message("system", redact(system)), Message("user", redact(user))]
    for attempt in range(2):
        ctx.budget.charge_step()
        max_tokens = min(MAX_DECISION_TOKENS, max(ctx.max_tokens, token_bound(schema)))
        request = ChatRequest(
            messages=tuple(messages), max_tokens=max_tokens, json_schema=schema, metadata={"role": role}
        )
        stream = _stream(ctx, role)
        prompt = "\n\n".join(f"[{message.role}]\n{message.content}" for message in messages)
        try:
            completion = ctx.backend.complete(request, on_token=stream)
        except LLMError as error:
            ctx.sink(StepRecord(role=role, phase="reason", prompt=prompt, error=f"backend error: {error}"))
            return None
        usage = completion.usage
        try:
            decision = parse_decision(completion.text, schema)
        except DecisionError as error:
            ctx.sink(
                StepRecord(
                    role=role,
                    phase="reason",
                    prompt=prompt,
                    completion=completion.text,
                    tokens_in=usage.prompt_tokens,
                    tokens_out=usage.completion_tokens,
                    latency_ms=completion.latency_s * 1000,
                    error=f"invalid decision: {error}",
                )
            )
            if ctx.backend.supports_json_schema or attempt:
                return None
            messages += [Message("assistant", completion.text), Message("user", REPAIR.format(error=error))]
            continue
        ctx.sink(
            StepRecord(
                role=role,
                phase="reason",
                prompt=prompt,
                completion=completion.text,
                action=decision,
                tokens_in=usage.prompt_tokens,
                tokens_out=usage.completion_tokens,
                latency_ms=completion.latency_s * 1000,
            )
        )
        return decision
    return None
