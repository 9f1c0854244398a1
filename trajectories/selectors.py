"""Reads of agent runs. Who sees a run is decided here, once, for the API and any later consumer.

The rule: a run on an incident is visible to whoever may view that incident (the team's object
permission ``incidents.view_incident``, through guardian); a global permission does not widen it,
because a run's prompts and tool results carry that team's data. A run on a simulated problem (no
incident) carries no team's data: it is visible to holders of the model permission
``trajectories.view_trajectory`` (given directly or through any group, the auditors' included, by
an admin). Being staff or an auditor grants nothing by itself. Superusers see every run."""

import json
from collections.abc import Iterator
from datetime import datetime
from typing import Any
from uuid import UUID

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, PermissionsMixin
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Q, QuerySet

from incidents.selectors import incident_list_for_user
from trajectories.models import Prompt, Step, Trajectory

AnyUser = AbstractBaseUser | AnonymousUser
VIEW_INCIDENT = "incidents.view_incident"
VIEW_PROBLEM_RUNS = "trajectories.view_trajectory"
OUTCOMES = {"success": Q(success=True), "failure": Q(success=False), "ungraded": Q(success__isnull=True)}
EXPORT_PAGE_SIZE = 200


def _has_perm(user: AnyUser, perm: str, obj: Any = None) -> bool:
    """``user.has_perm``; a user model without permissions holds none (fail closed)."""
    return isinstance(user, PermissionsMixin | AnonymousUser) and bool(user.has_perm(perm, obj))


def _visible(user: AnyUser) -> QuerySet[Trajectory]:
    if not user.is_authenticated:
        return Trajectory.objects.none()
    if getattr(user, "is_superuser", False) and user.is_active:
        return Trajectory.objects.all()
    visible = Q(incident__in=incident_list_for_user(user=user, perm=VIEW_INCIDENT))
    if _has_perm(user, VIEW_PROBLEM_RUNS):
        visible |= Q(incident__isnull=True)
    return Trajectory.objects.filter(visible)


def trajectory_is_visible(*, user: AnyUser, trajectory: Trajectory) -> bool:
    """Whether ``user`` may see ``trajectory`` (the module's rule, for one object)."""
    if not user.is_authenticated:
        return False
    if trajectory.incident_id is None:
        return _has_perm(user, VIEW_PROBLEM_RUNS)
    return _has_perm(user, VIEW_INCIDENT, trajectory.incident)


def trajectory_list(
    *,
    user: AnyUser,
    problem_id: str | None = None,
    agent_kind: str | None = None,
    status: str | None = None,
    outcome: str | None = None,
    model: str | None = None,
    backend: str | None = None,
    benchmark_run: str | None = None,
    incident: UUID | None = None,
    started_after: datetime | None = None,
    started_before: datetime | None = None,
) -> QuerySet[Trajectory]:
    """Runs ``user`` may see, newest first, narrowed by every filter given. ``outcome`` is one of
    ``OUTCOMES`` (success, failure, ungraded); the time range is half-open on ``started_at``."""
    exact = {
        "problem_id": problem_id,
        "agent_kind": agent_kind,
        "status": status,
        "model": model,
        "backend": backend,
        "benchmark_run": benchmark_run,
        "incident__uuid": incident,
    }
    runs = _visible(user).filter(**{field: value for field, value in exact.items() if value is not None})
    if outcome is not None:
        runs = runs.filter(OUTCOMES[outcome])
    if started_after is not None:
        runs = runs.filter(started_at__gte=started_after)
    if started_before is not None:
        runs = runs.filter(started_at__lt=started_before)
    return runs.select_related("incident", "created_by").order_by("-started_at", "pk")


def trajectory_get(*, user: AnyUser, trajectory_id: UUID) -> Trajectory | None:
    """The run with this id if ``user`` may see it; None when it does not exist or is hidden."""
    return _visible(user).select_related("incident", "created_by").filter(pk=trajectory_id).first()


def step_list(
    *, trajectory: Trajectory, since: int | None = None, limit: int | None = None, with_prompts: bool = False
) -> QuerySet[Step]:
    """The run's steps with index above ``since``, in order, at most ``limit``: what a client that
    missed some needs to resync. ``with_prompts`` loads each step's prompt text too."""
    steps = Step.objects.filter(trajectory=trajectory, index__gt=since or 0).order_by("index")
    if with_prompts:
        steps = steps.select_related("prompt")
    return steps[:limit] if limit is not None else steps


def trajectory_record(trajectory: Trajectory) -> dict[str, Any]:
    """The run as plain JSON data (the export's first line)."""
    return {
        "id": trajectory.pk,
        "incident": trajectory.incident.uuid if trajectory.incident is not None else None,
        "problem_id": trajectory.problem_id,
        "scenario": trajectory.scenario,
        "agent_kind": trajectory.agent_kind,
        "backend": trajectory.backend,
        "model": trajectory.model,
        "prompt_versions": trajectory.prompt_versions,
        "seed": trajectory.seed,
        "leaks": trajectory.leaks,
        "status": trajectory.status,
        "outcome": trajectory.outcome,
        "success": trajectory.success,
        "strict_success": trajectory.strict_success,
        "steps_count": trajectory.steps_count,
        "tokens_in": trajectory.tokens_in,
        "tokens_out": trajectory.tokens_out,
        "wall_time_s": trajectory.wall_time_s,
        "started_at": trajectory.started_at,
        "finished_at": trajectory.finished_at,
        "created_by": trajectory.created_by.get_username() if trajectory.created_by is not None else None,
        "benchmark_run": trajectory.benchmark_run,
    }


def step_record(step: Step) -> dict[str, Any]:
    """One step as plain JSON data; its prompt is named by hash (its text is on a "prompt" line)."""
    return {
        "index": step.index,
        "role": step.role,
        "phase": step.phase,
        "prompt_sha256": step.prompt_id,
        "completion": step.completion,
        "action": step.action,
        "tool_result": step.tool_result,
        "tokens_in": step.tokens_in,
        "tokens_out": step.tokens_out,
        "latency_ms": step.latency_ms,
        "error": step.error,
        "created_at": step.created_at,
    }


def _line(kind: str, record: dict[str, Any]) -> str:
    return json.dumps({"type": kind, **record}, cls=DjangoJSONEncoder, ensure_ascii=False, sort_keys=True) + "\n"


def trajectory_export_jsonl(*, trajectory: Trajectory, page_size: int = EXPORT_PAGE_SIZE) -> Iterator[str]:
    """The run as JSON lines: a "trajectory" line, then its steps in order, each "step" line preceded
    by a "prompt" line (sha256, text) the first time its prompt appears. Bounded by the steps the run
    had when the export began, so the header's ``steps_count`` matches the lines that follow. Reads
    one page of steps at a time; the queries run as the lines are consumed."""
    head = Trajectory.objects.select_related("incident", "created_by").get(pk=trajectory.pk)
    yield _line("trajectory", trajectory_record(head))
    seen: set[str] = set()
    after = 0
    while after < head.steps_count:
        page = list(step_list(trajectory=head, since=after, limit=min(page_size, head.steps_count - after)))
        if not page:
            break
        new = {s.prompt_id for s in page if s.prompt_id is not None} - seen
        texts = dict(Prompt.objects.filter(sha256__in=new).values_list("sha256", "text"))
        for step in page:
            if step.prompt_id is not None and step.prompt_id not in seen:
                seen.add(step.prompt_id)
                yield _line("prompt", {"sha256": step.prompt_id, "text": texts[step.prompt_id]})
            yield _line("step", step_record(step))
        after = page[-1].index
