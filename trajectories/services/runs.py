"""A run's lifecycle: start, changes of status while it runs, finish. Each is audited in its transaction.

Status changes follow ``TRAJECTORY_TRANSITIONS`` under the trajectory's row lock, taken before the
audit append (the audit lock must be the last lock a transaction takes)."""

from collections.abc import Mapping
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from aoi_platform.errors import Conflict, DomainError
from incidents.models import Incident
from training.models import ModelVersion
from trajectories.audit.services import Actor, audit_append
from trajectories.models import TERMINAL_STATUSES, AgentKind, Trajectory, TrajectoryStatus
from trajectories.services.storable import storable_json

AUDIT_OBJECT = "trajectory"
_LIMITED = ("problem_id", "backend", "model", "benchmark_run")
MAX_LENGTHS: dict[str, int] = {name: getattr(Trajectory._meta.get_field(name), "max_length", 0) for name in _LIMITED}


def _start_errors(
    *, agent_kind: str, incident: Incident | None, prompt_versions: object, texts: dict[str, str]
) -> str | None:
    """Why a run cannot start with these arguments, or None."""
    backend, model, problem_id = texts["backend"], texts["model"], texts["problem_id"]
    too_long = [name for name, value in texts.items() if len(value) > MAX_LENGTHS[name]]
    if too_long:
        return f"{too_long[0]} is longer than {MAX_LENGTHS[too_long[0]]} characters."
    if agent_kind not in AgentKind.values:
        return f"Unknown agent kind {agent_kind!r}; expected one of {', '.join(AgentKind.values)}."
    if incident is None and not problem_id.strip():
        return "A run needs an incident or a problem id."
    if not backend.strip() or not model.strip():
        return "A run needs a backend and a model."
    if not isinstance(prompt_versions, Mapping) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in prompt_versions.items()
    ):
        return "Prompt versions map each role to a version string."
    return None


@transaction.atomic
def trajectory_start(
    *,
    agent_kind: str,
    backend: str,
    model: str,
    actor: Actor,
    incident: Incident | None = None,
    problem_id: str = "",
    scenario: Mapping[str, Any] | None = None,
    prompt_versions: Mapping[str, str] | None = None,
    seed: int | None = None,
    leaks: bool | None = None,
    created_by: User | None = None,
    benchmark_run: str = "",
    model_version: ModelVersion | None = None,
) -> Trajectory:
    """Record a new run (status ``running``) on an incident or a problem, and audit "run.started".
    ``scenario``: the scenario file's fields, when the problem came from one; ``model_version``: the
    Observer's model version the run uses (None: the configured default, no version recorded)."""
    versions = dict(prompt_versions or {})
    texts = {"problem_id": problem_id, "backend": backend, "model": model, "benchmark_run": benchmark_run}
    error = _start_errors(agent_kind=agent_kind, incident=incident, prompt_versions=versions, texts=texts)
    if error is not None:
        raise DomainError(error, code="invalid_run")
    trajectory = Trajectory.objects.create(
        incident=incident,
        problem_id=problem_id,
        scenario=storable_json(dict(scenario)) if scenario is not None else None,
        agent_kind=agent_kind,
        backend=backend,
        model=model,
        prompt_versions=versions,
        seed=seed,
        leaks=leaks,
        created_by=created_by,
        benchmark_run=benchmark_run,
        model_version=model_version,
    )
    audit_append(
        actor=actor, verb="run.started", object_type=AUDIT_OBJECT, object_id=trajectory.pk, payload=_started(trajectory)
    )
    return trajectory


def _started(trajectory: Trajectory) -> dict[str, Any]:
    return {
        "incident": str(trajectory.incident.uuid) if trajectory.incident is not None else None,
        "problem_id": trajectory.problem_id,
        "agent_kind": trajectory.agent_kind,
        "backend": trajectory.backend,
        "model": trajectory.model,
        "prompt_versions": trajectory.prompt_versions,
        "seed": trajectory.seed,
        "benchmark_run": trajectory.benchmark_run,
        "model_version": trajectory.model_version.name if trajectory.model_version is not None else None,
    }


def _locked_for_transition(trajectory: Trajectory, to_status: str) -> Trajectory:
    """The trajectory under its row lock, refused (Conflict) unless it may move to ``to_status``."""
    locked = Trajectory.objects.select_for_update().get(pk=trajectory.pk)
    if not locked.can_transition_to(to_status):
        raise Conflict(f"A run cannot go from {locked.status} to {to_status}.", code="invalid_transition")
    return locked


@transaction.atomic
def trajectory_set_status(*, trajectory: Trajectory, status: str, actor: Actor, reason: str = "") -> Trajectory:
    """Move a live run between live statuses (``running`` <-> ``awaiting_approval``) and audit
    "run.status_changed". Ending a run is ``trajectory_finish``'s work, with its outcome."""
    if status not in TrajectoryStatus.values:
        raise DomainError(f"Unknown status {status!r}.", code="unknown_status")
    if status in TERMINAL_STATUSES:
        raise DomainError(f"A run ends ({status}) through trajectory_finish.", code="finish_required")
    locked = _locked_for_transition(trajectory, status)
    from_status, locked.status = locked.status, status
    locked.save(update_fields=["status"])
    audit_append(
        actor=actor,
        verb="run.status_changed",
        object_type=AUDIT_OBJECT,
        object_id=locked.pk,
        payload={"from": from_status, "to": status, "reason": reason},
    )
    return locked


@transaction.atomic
def trajectory_finish(
    *,
    trajectory: Trajectory,
    status: str,
    actor: Actor,
    outcome: Mapping[str, Any] | None = None,
    success: bool | None = None,
    strict_success: bool | None = None,
    wall_time_s: float | None = None,
) -> Trajectory:
    """End a run with a terminal status and its outcome (the grade dict), and audit "run.finished".
    ``wall_time_s`` defaults to the time since it started. A finished run cannot finish again."""
    if status not in TERMINAL_STATUSES:
        raise DomainError(
            f"{status!r} does not end a run; expected one of {sorted(TERMINAL_STATUSES)}.", code="not_terminal"
        )
    if wall_time_s is not None and wall_time_s < 0:
        raise DomainError("Wall time cannot be negative.", code="invalid_wall_time")
    locked = _locked_for_transition(trajectory, status)
    locked.status, locked.finished_at = status, timezone.now()
    locked.outcome = storable_json(dict(outcome or {}))
    locked.success, locked.strict_success = success, strict_success
    elapsed = (locked.finished_at - locked.started_at).total_seconds()
    locked.wall_time_s = wall_time_s if wall_time_s is not None else max(elapsed, 0.0)
    locked.save(update_fields=["status", "finished_at", "outcome", "success", "strict_success", "wall_time_s"])
    audit_append(
        actor=actor, verb="run.finished", object_type=AUDIT_OBJECT, object_id=locked.pk, payload=_finished(locked)
    )
    return locked


def _finished(trajectory: Trajectory) -> dict[str, Any]:
    return {
        "status": trajectory.status,
        "success": trajectory.success,
        "strict_success": trajectory.strict_success,
        "steps_count": trajectory.steps_count,
        "tokens_in": trajectory.tokens_in,
        "tokens_out": trajectory.tokens_out,
        "wall_time_s": trajectory.wall_time_s,
    }
