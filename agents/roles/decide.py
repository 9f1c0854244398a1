"""One structured decision: prompt, constrained completion, validation, one repair, and the step record.

Every model call of every role goes through ``decide``. What is sent is redacted first. The completion is
generated under the decision's JSON schema where the backend can; a backend that cannot gets one repair
attempt with the validation error; a decision still invalid is recorded as a failed step and the caller
decides how the run goes on (usually: end cleanly). Budgets cap steps, tool calls and wall time.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from agents.llm.base import ChatRequest, Completion, LLMBackend, LLMError, Message
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
    schema: dict[str, Any] | None = None  # a reasoning step: the JSON schema the decision was taken under


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
    on_request: Callable[[str], None] | None = None  # hears the role of each model request as it is sent


def _stream(ctx: Context, role: str) -> Callable[[str], None] | None:
    on_token = ctx.on_token
    if on_token is None:
        return None
    return lambda piece: on_token(role, piece)


def _batch_stream(ctx: Context, role: str) -> Callable[[int, str], None] | None:
    on_token = ctx.on_token
    if on_token is None:
        return None
    return lambda index, piece: on_token(f"{role}[{index}]", piece)


@dataclass(frozen=True)
class Ask:
    """One decision to take: the role's system prompt, the user prompt, the schema of the answer."""

    system: str
    user: str
    schema: Schema


def _request(ctx: Context, role: str, messages: list[Message], schema: Schema) -> ChatRequest:
    ctx.budget.charge_step()
    if ctx.on_request is not None:
        ctx.on_request(role)
    max_tokens = min(MAX_DECISION_TOKENS, max(ctx.max_tokens, token_bound(schema)))
    return ChatRequest(messages=tuple(messages), max_tokens=max_tokens, json_schema=schema, metadata={"role": role})


def _prompt_text(messages: list[Message]) -> str:
    return "\n\n".join(f"[{message.role}]\n{message.content}" for message in messages)


def _judge(
    ctx: Context, role: str, messages: list[Message], schema: Schema, completion: Completion
) -> tuple[dict[str, Any] | None, str]:
    """Parse and validate one completion and record its step: (the decision, "") or (None, why not)."""
    usage = completion.usage
    record = StepRecord(
        role=role,
        phase="reason",
        prompt=_prompt_text(messages),
        completion=completion.text,
        tokens_in=usage.prompt_tokens,
        tokens_out=usage.completion_tokens,
        latency_ms=completion.latency_s * 1000,
        schema=dict(schema),
    )
    try:
        decision = parse_decision(completion.text, schema)
    except DecisionError as error:
        ctx.sink(replace(record, error=f"invalid decision: {error}"))
        return None, str(error)
    ctx.sink(replace(record, action=decision))
    return decision, ""


def _backend_failed(ctx: Context, role: str, messages: list[Message], failure: LLMError) -> None:
    ctx.sink(StepRecord(role=role, phase="reason", prompt=_prompt_text(messages), error=f"backend error: {failure}"))


def _messages(ask: Ask) -> list[Message]:
    return [Message("system", redact(ask.system)), Message("user", redact(ask.user))]


def _repair(
    ctx: Context, role: str, messages: list[Message], schema: Schema, completion: Completion, error: str
) -> dict[str, Any] | None:
    """The one repair attempt a backend without grammar support gets."""
    if ctx.backend.supports_json_schema:
        return None
    messages = [*messages, Message("assistant", completion.text), Message("user", REPAIR.format(error=error))]
    request = _request(ctx, role, messages, schema)
    try:
        retried = ctx.backend.complete(request, on_token=_stream(ctx, role))
    except LLMError as failure:
        ctx.sink(
            StepRecord(role=role, phase="reason", prompt=_prompt_text(messages), error=f"backend error: {failure}")
        )
        return None
    return _judge(ctx, role, messages, schema, retried)[0]


def decide(ctx: Context, *, role: str, system: str, user: str, schema: Schema) -> dict[str, Any] | None:
    """The role's decision, validated against ``schema``; None when it stayed invalid (recorded as failed)."""
    return decide_all(ctx, role=role, asks=[Ask(system, user, schema)])[0]


def decide_all(ctx: Context, *, role: str, asks: Sequence[Ask]) -> list[dict[str, Any] | None]:
    """Several independent decisions of one role (parallel Probes), sent to the backend as one batch; each is
    validated, repaired and recorded on its own, in order. A backend error fails them all (recorded)."""
    conversations = [_messages(ask) for ask in asks]
    requests = [_request(ctx, role, messages, ask.schema) for ask, messages in zip(asks, conversations, strict=True)]
    try:
        if len(requests) == 1:
            completions = [ctx.backend.complete(requests[0], on_token=_stream(ctx, role))]
        else:
            completions = ctx.backend.complete_batch(requests, on_token=_batch_stream(ctx, role))
    except LLMError as error:
        for messages in conversations:
            ctx.sink(
                StepRecord(role=role, phase="reason", prompt=_prompt_text(messages), error=f"backend error: {error}")
            )
        return [None] * len(asks)
    decisions: list[dict[str, Any] | None] = []
    for ask, messages, completion in zip(asks, conversations, completions, strict=True):
        decision, why = _judge(ctx, role, messages, ask.schema, completion)
        if decision is None:
            decision = _repair(ctx, role, messages, ask.schema, completion, why)
        decisions.append(decision)
    return decisions
