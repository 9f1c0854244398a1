"""Reads of the Evolver: which failed runs it selects, and what its teacher reads about each (the run's
steps, the ground truth of its problem or the incident's post-incident label, what the run concluded)."""

from __future__ import annotations

from django.db.models import Q

from agents.environments import PROBLEM_LABEL
from agents.incident_runs import LEVEL_NAMES, incident_brief, label_match
from agents.sim.problems import Problem, UnknownProblem, problem_resolve
from training.evolver import CaseUnreadable, FailureCase, StepView, incident_case, problem_case, problem_rebuilt
from trajectories.models import Trajectory, TrajectoryStatus


class RunUnreadable(ValueError):
    """A selected run cannot be put to the teacher (its problem is gone from the registry and it stored no
    valid scenario); the message says why."""


def evolver_failures_select(
    *, from_label: str | None, problem_ids: list[str] | None, include_incidents: bool
) -> list[Trajectory]:
    """The failed runs to read, oldest first: AOI benchmark runs graded failed under ``from_label`` (on
    ``problem_ids`` when given), then incident runs whose diagnosis disagrees with the incident's label as
    it is now; none that already has a proposal, none without a step."""
    finished = Trajectory.objects.filter(agent_kind="aoi", steps_count__gt=0, guidance_proposals__isnull=True)
    selected: list[Trajectory] = []
    if from_label:
        failures = finished.filter(benchmark_run=from_label, status=TrajectoryStatus.FAILED, success=False)
        failures = failures.exclude(problem_id="")
        if problem_ids:
            failures = failures.filter(problem_id__in=problem_ids)
        selected += failures.order_by("started_at", "pk")
    if include_incidents:
        labelled = Q(incident__rca_component__gt="") | Q(incident__rca_system_level__gt="")
        labelled |= Q(incident__rca_fault_type__gt="")
        candidates = finished.filter(labelled, status__in=(TrajectoryStatus.SUCCEEDED, TrajectoryStatus.FAILED))
        for trajectory in candidates.select_related("incident").order_by("started_at", "pk"):
            assert trajectory.incident is not None
            if label_match((trajectory.outcome or {}).get("diagnosis"), trajectory.incident) is False:
                selected.append(trajectory)
    return selected


def rerun_problem(trajectory: Trajectory) -> Problem | None:
    """The simulated problem a failed run can be re-run on: its own, or the one its incident names (label
    ``aoi_problem``); None for an incident on a real cluster, which cannot be re-run."""
    if trajectory.problem_id:
        return problem_of(trajectory)
    incident = trajectory.incident
    reference = str(((incident.labels if incident else None) or {}).get(PROBLEM_LABEL, "")).strip()
    if not reference:
        return None
    try:
        return problem_resolve(reference)
    except (UnknownProblem, ValueError) as error:
        raise RunUnreadable(f"label {PROBLEM_LABEL}: {error}") from None


def problem_of(trajectory: Trajectory) -> Problem:
    """The problem a benchmark run was on (``RunUnreadable`` when it is gone)."""
    try:
        return problem_rebuilt(trajectory.problem_id, trajectory.scenario, leaks=trajectory.leaks)
    except CaseUnreadable as error:
        raise RunUnreadable(str(error)) from None


def failure_case(trajectory: Trajectory) -> FailureCase:
    """What the teacher reads about ``trajectory``: its steps, the ground truth, what it concluded."""
    steps = [
        StepView(step.index, step.role, step.phase, step.action, step.tool_result, step.error)
        for step in trajectory.steps.order_by("index")
    ]
    if trajectory.problem_id:
        return problem_case(problem_of(trajectory), trajectory.outcome or {}, steps)
    incident = trajectory.incident
    assert incident is not None
    label = {
        "component": incident.rca_component or None,
        "system_level": LEVEL_NAMES.get(incident.rca_system_level) if incident.rca_system_level else None,
        "fault_type": incident.rca_fault_type or None,
    }
    return incident_case(
        subject=f"{incident.uuid}: {incident.title}"[:200],
        brief=incident_brief(incident),
        label=label,
        outcome=trajectory.outcome or {},
        steps=steps,
        application=incident.application,
        namespace=incident.namespace,
    )
