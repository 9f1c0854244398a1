"""A failed run as the teacher reads it: plain data, and its steps as compact, size-bounded text.

A stored run can be long (tens of steps, tool output of kilobytes each); the teacher gets one line per step
(who, what was decided or run, the start of the result, any error), each line cut at ``STEP_CHARS``, and
the whole cut at ``STEPS_CHARS`` by leaving out steps from the middle: the start (how the investigation
was set up) and the end (the conclusion) are where a run's mistake usually shows.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from agents.runtime.simulate import incident_text
from agents.sim.apps import APPS, app_for_namespace, app_spec
from agents.sim.faults import fault_get, fault_names
from agents.sim.problems import Problem, problem_registry
from training.grpo.dataset import truth_of_problem

STEP_CHARS = 280
STEPS_CHARS = 6000
RESULT_CHARS = 160
# What a grade holds beside the verdict: counts and settings the teacher has no use for.
GRADE_NOISE = ("problem_id", "task", "steps", "tokens_in", "tokens_out", "wall_time_s", "sim_time_s", "seed", "leaks")
INCIDENT_OUTCOME = ("outcome", "diagnosis", "executed", "fix_refused")
_SPACES = re.compile(r"\s+")


class CaseUnreadable(ValueError):
    """A run cannot be put to the teacher (its problem is neither registered nor a valid stored scenario)."""


@dataclass(frozen=True)
class StepView:
    """One stored step, as much of it as the teacher reads. ``index`` is the stored step's index (from 1)."""

    index: int
    role: str
    phase: str
    action: Any = None
    tool_result: str = ""
    error: str = ""


@dataclass(frozen=True)
class FailureCase:
    """One failed run and what it should have found.

    ``kind``: "problem" (a benchmark run graded a failure) or "incident" (a run whose diagnosis disagrees
    with the post-incident label). ``truth`` is the ground truth, ``outcome`` what the run concluded;
    ``fault_types`` and ``services`` are the names the guidance may be tagged with (the fault library's
    and the application's)."""

    kind: str
    subject: str
    task: str
    brief: str
    truth: Mapping[str, Any]
    outcome: Mapping[str, Any]
    steps: tuple[StepView, ...]
    fault_types: tuple[str, ...] = ()
    services: tuple[str, ...] = field(default_factory=tuple)

    @property
    def step_indices(self) -> tuple[int, ...]:
        return tuple(step.index for step in self.steps)


def compact(value: Any, limit: int) -> str:
    """``value`` as one line of at most ``limit`` characters: JSON for data, whitespace squashed for text."""
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    text = _SPACES.sub(" ", text).strip()
    return text if len(text) <= limit else text[: max(0, limit - 1)] + "…"


def step_line(step: StepView) -> str:
    """One line for one step: ``#index role/phase action -> result !! error``, at most ``STEP_CHARS``."""
    parts = [f"#{step.index} {step.role}/{step.phase}"]
    if step.action is not None:
        parts.append(compact(step.action, STEP_CHARS))
    if step.tool_result:
        parts.append("-> " + compact(step.tool_result, RESULT_CHARS))
    if step.error:
        parts.append("!! " + compact(step.error, RESULT_CHARS))
    return compact(" ".join(parts), STEP_CHARS)


def steps_text(steps: tuple[StepView, ...], *, limit: int = STEPS_CHARS) -> str:
    """The steps one per line, at most ``limit`` characters: past it, steps from the middle are left out
    (named by a line saying which), the last ones kept first (the conclusion), then the first ones."""
    lines = [step_line(step) for step in steps]
    if sum(len(line) + 1 for line in lines) <= limit:
        return "\n".join(lines)
    marker_room = 60
    tail: list[str] = []
    used = marker_room
    for line in reversed(lines):
        if used + len(line) + 1 > limit * 2 // 3:
            break
        tail.insert(0, line)
        used += len(line) + 1
    head: list[str] = []
    for line in lines[: len(lines) - len(tail)]:
        if used + len(line) + 1 > limit:
            break
        head.append(line)
        used += len(line) + 1
    left_out = steps[len(head) : len(steps) - len(tail)]
    marker = f"... steps #{left_out[0].index} to #{left_out[-1].index} left out ({len(left_out)} steps) ..."
    return "\n".join([*head, marker, *tail])


def problem_rebuilt(problem_id: str, scenario: Mapping[str, Any] | None, *, leaks: bool | None) -> Problem:
    """The problem a run was on: the registry's, or rebuilt from the scenario fields the run stored
    (``agents.services`` stores them); ``CaseUnreadable`` when it is neither."""
    registry = problem_registry()
    if problem_id in registry:
        return registry[problem_id]
    fields = scenario or {}
    try:
        spec, fault = app_spec(str(fields.get("app"))), fault_get(str(fields.get("fault")))
        task, target = str(fields.get("task")), fields.get("target")
        return Problem(
            problem_id=problem_id,
            app=spec.name,
            namespace=spec.namespace,
            task=task,
            fault=fault.name,
            target=target,
            expected=fault.expected_answer(task=task, app=spec, target=target),
            split="scenario",
            params=dict(fields.get("params") or {}),
            leaks=leaks,
            source=str(fields.get("source") or "scenario"),
        )
    except (LookupError, ValueError) as error:
        raise CaseUnreadable(f"problem {problem_id!r}: not registered, no valid scenario stored ({error})") from None


def problem_case(problem: Problem, grade: Mapping[str, Any], steps: Sequence[StepView]) -> FailureCase:
    """A benchmark run graded a failure: the truth from the fault library, tags from the library and the app."""
    return FailureCase(
        kind="problem",
        subject=problem.problem_id,
        task=problem.task,
        brief=incident_text(problem),
        truth=truth_of_problem(problem),
        outcome={key: value for key, value in grade.items() if key not in GRADE_NOISE},
        steps=tuple(steps),
        fault_types=fault_names(),
        services=tuple(app_spec(problem.app).services),
    )


def incident_case(
    *,
    subject: str,
    brief: str,
    label: Mapping[str, str | None],
    outcome: Mapping[str, Any],
    steps: Sequence[StepView],
    application: str,
    namespace: str,
) -> FailureCase:
    """An incident run the post-incident ``label`` (component, system level, fault type) contradicts. Its
    services are the application's when the catalogue knows it, else the ones the label and diagnosis name."""
    concluded = {key: outcome.get(key) for key in INCIDENT_OUTCOME}
    spec = APPS.get(application) or app_for_namespace(namespace)
    diagnosis = concluded["diagnosis"] if isinstance(concluded["diagnosis"], Mapping) else {}
    named = [str(name) for name in (label.get("component"), diagnosis.get("component")) if name]
    return FailureCase(
        kind="incident",
        subject=subject,
        task="incident",
        brief=brief,
        truth=dict(label),
        outcome=concluded,
        steps=tuple(steps),
        fault_types=fault_names(),
        services=tuple(spec.services) if spec else tuple(dict.fromkeys(named)),
    )
