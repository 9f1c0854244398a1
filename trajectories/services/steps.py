"""Appending a run's steps, and storing each prompt once by its SHA-256.

Steps and prompts are append-only (database triggers refuse UPDATE and DELETE); a step's index is
gapless per trajectory because it is allocated under the trajectory's row lock."""

import hashlib
import json
from typing import Any

from django.db import transaction
from django.db.models import F

from agents.llm.base import ChatRequest
from aoi_platform.errors import Conflict, DomainError
from trajectories.models import TOOL_PREVIEW_CHARS, Prompt, Step, StepPhase, StepRole, Trajectory
from trajectories.services.storable import storable_json, storable_text

ELLIPSIS = "\u2026"


def prompt_text_of(request: ChatRequest) -> str:
    """The text to store for a chat request: its canonical JSON, encoded as ``ChatRequest.key`` is,
    so the stored prompt's SHA-256 equals the request's key (the replay backend's recording key)."""
    return json.dumps(request.canonical(), sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def prompt_sha256(text: str) -> str:
    """The key a prompt is stored under: SHA-256 (hex) of its UTF-8 text."""
    return hashlib.sha256(text.encode()).hexdigest()


def prompt_store(*, text: str) -> Prompt:
    """The stored prompt with this text, inserted if it is new. One statement, no savepoint: a
    concurrent insert of the same text is ignored (same key, same text)."""
    stored = storable_text(text)
    prompt = Prompt(sha256=prompt_sha256(stored), text=stored)
    Prompt.objects.bulk_create([prompt], ignore_conflicts=True)
    return prompt


def tool_preview_of(text: str) -> str:
    """The first characters of a tool result, for display: at most ``TOOL_PREVIEW_CHARS``, ending
    with an ellipsis when the result was longer."""
    if len(text) <= TOOL_PREVIEW_CHARS:
        return text
    return text[: TOOL_PREVIEW_CHARS - 1] + ELLIPSIS


def _step_errors(*, role: str, phase: str, counts: dict[str, float]) -> str | None:
    if role not in StepRole.values:
        return f"Unknown step role {role!r}; expected one of {', '.join(StepRole.values)}."
    if phase not in StepPhase.values:
        return f"Unknown step phase {phase!r}; expected one of {', '.join(StepPhase.values)}."
    negative = [name for name, value in counts.items() if value < 0]
    return f"{negative[0]} cannot be negative." if negative else None


@transaction.atomic
def step_append(
    *,
    trajectory: Trajectory,
    role: str,
    phase: str,
    prompt_text: str | None = None,
    completion: str = "",
    action: Any = None,
    tool_result: str = "",
    tokens_in: int = 0,
    tokens_out: int = 0,
    latency_ms: float = 0,
    error: str = "",
    schema: dict[str, Any] | None = None,
) -> Step:
    """Append the run's next step (index = steps so far + 1) and add its tokens to the run's counters.
    ``prompt_text`` None or empty: the step sent no prompt. ``action`` is the parsed action (any JSON
    value; None when the step has none). ``latency_ms`` is stored rounded to a whole millisecond.
    ``schema``: for a reasoning step, the JSON schema its decision was taken under (what training needs
    to grade a new answer to the same prompt).
    Refused (Conflict) once the run has finished. The caller's ``trajectory`` gets the new counters."""
    counts = {"tokens_in": tokens_in, "tokens_out": tokens_out, "latency_ms": latency_ms}
    problem = _step_errors(role=role, phase=phase, counts=counts)
    if problem is not None:
        raise DomainError(problem, code="invalid_step")
    # Lock first, prompt second: two runs storing the same new prompt then wait on each other's
    # insert only while neither waits for the other's trajectory.
    locked = Trajectory.objects.select_for_update().only("pk", "status", "steps_count", "tokens_in", "tokens_out")
    run = locked.get(pk=trajectory.pk)
    if run.is_finished:
        raise Conflict(f"The run is {run.status}; no step can be appended.", code="run_finished")
    result = storable_text(tool_result)
    step = Step.objects.create(
        trajectory=run,
        index=run.steps_count + 1,
        role=role,
        phase=phase,
        prompt=prompt_store(text=prompt_text) if prompt_text else None,
        completion=storable_text(completion),
        action=storable_json(action) if action is not None else None,
        tool_result=result,
        tool_preview=tool_preview_of(result),
        tokens_in=tokens_in,
        tokens_out=tokens_out,
        latency_ms=round(latency_ms),
        error=storable_text(error),
        schema=storable_json(schema) if schema is not None else None,
    )
    Trajectory.objects.filter(pk=run.pk).update(
        steps_count=F("steps_count") + 1, tokens_in=F("tokens_in") + tokens_in, tokens_out=F("tokens_out") + tokens_out
    )
    trajectory.steps_count = step.index
    trajectory.tokens_in, trajectory.tokens_out = run.tokens_in + tokens_in, run.tokens_out + tokens_out
    return step
