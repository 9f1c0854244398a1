"""An AOI run on an incident, in-process: environment from settings, writes through people's approvals.

``incident_run`` is the host the runtime (``agents.runtime.aoi``) needs on a real incident: it opens the
environment the settings name (the simulator reproducing the incident's problem, or a Kubernetes cluster),
starts a trajectory, stores every step as it happens (committed before anything shows it), sends each
write the Executor proposes through an ``ActionRequestGate`` (the person who started the run is the
requester, so somebody else must approve), and finishes with the diagnosis: compared with the incident's
post-incident label when it has one, and with the simulated truth on the simulator.

The run is audited ("run.started", "run.finished", every action requested, approved, rejected, claimed,
executed) by the services it calls; the incident's event log says when it started and what it found, and
the diagnosis is set on the incident. This host runs in the caller's process (``manage.py diagnose``); on
the platform, runs are hosted by the Celery workers (``agents.hosting``), with the same outcome.
Only the AOI agent runs on incidents: the single-agent baseline writes without approval by design, so
it stays a benchmark instrument.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction

from agents.environments import PROBLEM_LABEL, EnvironmentUnavailable, IncidentEnvironment, environment_for_incident
from agents.gate import ActionRequestGate
from agents.knowledge.selectors import knowledge_for_runtime
from agents.llm.base import LLMBackend
from agents.roles import prompts
from agents.roles.decide import Budget, BudgetExceeded, Context, StepRecord
from agents.runtime.aoi import AOIRun, Handles, RunLimits
from agents.runtime.simulate import incident_text
from agents.services import step_record_store
from agents.sim import grading
from agents.sim.apps import app_spec
from agents.sim.problems import Problem
from aoi_platform.errors import Conflict, DomainError, Forbidden
from incidents.models import ActionRequest, Incident, IncidentSource, IncidentStatus, SystemLevel, Team
from incidents.services.incidents import incident_create, incident_diagnosis_set, incident_event_append
from training.models import ModelVersion
from trajectories.audit.services import Actor
from trajectories.models import Trajectory, TrajectoryStatus
from trajectories.services.runs import trajectory_finish, trajectory_set_status, trajectory_start

logger = logging.getLogger(__name__)
START_PERMISSION = "incidents.change_incident"
# The incident label's system levels, as the runtime's answers name them.
LEVEL_NAMES: dict[str, str] = {
    SystemLevel.HARDWARE: "Hardware",
    SystemLevel.OPERATING_SYSTEM: "Operating System",
    SystemLevel.VIRTUALIZATION: "Virtualization",
    SystemLevel.APPLICATION: "Application",
}
ENDED_STATUSES = (IncidentStatus.RESOLVED, IncidentStatus.CLOSED)


@dataclass(frozen=True)
class IncidentRunOptions:
    """``wait_s``: how long each write waits for people to decide; ``poll_s``/``sleep``: how it waits."""

    wait_s: float = 900.0
    poll_s: float = 1.0
    sleep: Callable[[float], None] = time.sleep
    seed: int | None = None
    limits: RunLimits | None = None
    budget: Budget | None = None
    knowledge: bool = True


def incident_brief(incident: Incident) -> str:
    """What the agents are told: the incident as its alert and its responders described it."""
    alert = (incident.labels or {}).get("alertname", "")
    parts = [incident.title.strip()]
    if incident.description.strip():
        parts.append(incident.description.strip())
    where = f"Application {incident.application or 'unknown'} in namespace {incident.namespace}"
    parts.append(f"{where}{f'; alert {alert}' if alert else ''}.")
    return " ".join(parts)


def check_can_start(incident: Incident, user: User, agent: str) -> None:
    if agent != "aoi":
        raise DomainError(
            "Only the AOI agent runs on incidents; the baseline writes without approval and is for benchmarks.",
            code="agent_not_allowed",
        )
    if not user.is_active or not user.has_perm(START_PERMISSION, incident):
        raise Forbidden("You may not start a diagnosis on this incident.", code="no_start_permission")
    if incident.status in ENDED_STATUSES:
        raise Conflict(f"The incident is {incident.status}; reopen it to diagnose it.", code="incident_not_active")


def incident_run(
    *,
    incident: Incident,
    user: User,
    backend: LLMBackend,
    agent: str = "aoi",
    options: IncidentRunOptions | None = None,
    environment: IncidentEnvironment | None = None,
    on_action: Callable[[ActionRequest], None] | None = None,
    model_version: ModelVersion | None = None,
) -> Trajectory:
    """Diagnose ``incident`` (and fix it, with approval) on behalf of ``user``; return the finished trajectory.
    ``model_version``: the Observer's model version ``backend`` runs, recorded on the trajectory (None: none).

    Raises ``Forbidden``/``Conflict``/``DomainError`` before anything starts when the run may not start, and
    ``DomainError`` (code ``environment_unavailable``) when the environment cannot be opened.
    """
    chosen = options or IncidentRunOptions()
    check_can_start(incident, user, agent)
    try:
        env = environment or environment_for_incident(incident, seed=chosen.seed)
    except EnvironmentUnavailable as error:
        raise DomainError(str(error), code="environment_unavailable") from error
    requester = Actor.of_user(user)
    with transaction.atomic():
        trajectory = trajectory_start(
            agent_kind=agent,
            backend=backend.name,
            model=backend.model,
            actor=requester,
            incident=incident,
            prompt_versions=dict(prompts.PROMPT_VERSIONS),
            seed=env.episode.seed if env.episode else None,
            created_by=user,
            model_version=model_version,
        )
        run_started_record(incident, trajectory, env, user)
    return _drive(trajectory, incident, user, backend, env, chosen, on_action)


def run_started_record(
    incident: Incident, trajectory: Trajectory, env: IncidentEnvironment, user: User | None, run: str = ""
) -> None:
    """The incident's ``run.started`` event (``run``: the hosted run's id, the trajectory's by default)."""
    incident_event_append(
        incident=incident,
        type="run.started",
        payload={
            "run": run or str(trajectory.pk),
            "trajectory": str(trajectory.pk),
            "agent": trajectory.agent_kind,
            "environment": env.description,
            "started_by": user.get_username() if user is not None else "",
        },
    )


def _drive(
    trajectory: Trajectory,
    incident: Incident,
    user: User,
    backend: LLMBackend,
    env: IncidentEnvironment,
    options: IncidentRunOptions,
    on_action: Callable[[ActionRequest], None] | None,
) -> Trajectory:
    run_actor = Actor.agent(str(trajectory.pk))
    began = time.perf_counter()

    def store(step: StepRecord) -> None:
        step_record_store(trajectory, step)

    def waiting(action: ActionRequest) -> None:
        trajectory_set_status(
            trajectory=trajectory,
            status=TrajectoryStatus.AWAITING_APPROVAL,
            actor=run_actor,
            reason=f"waiting for a decision on action {action.uuid}",
        )
        if on_action is not None:
            on_action(action)

    def decided(action: ActionRequest) -> None:
        trajectory_set_status(
            trajectory=trajectory, status=TrajectoryStatus.RUNNING, actor=run_actor, reason=f"action {action.status}"
        )

    gate = ActionRequestGate(
        incident=incident,
        requester=user,
        run_id=str(trajectory.pk),
        write_env=env.write,
        wait_s=options.wait_s,
        poll_s=options.poll_s,
        sleep=options.sleep,
        on_requested=waiting,
        on_decided=decided,
    )
    run = AOIRun.start(
        task="incident", namespace=incident.namespace, incident=incident_brief(incident), limits=options.limits
    )
    handles = Handles(
        read=env.read,
        write=env.write,
        gate=gate,
        knowledge=knowledge_for_runtime() if options.knowledge else (),
    )
    ctx = Context(backend=backend, sink=store, budget=options.budget or Budget())
    try:
        while not run.advance(ctx, handles):
            pass
    except BudgetExceeded as error:
        run.finish(f"failed: {error}")
    except Exception as error:  # the run ends recorded, whatever broke; the caller sees the error
        logger.exception("agent run %s on incident %s failed", trajectory.pk, incident.uuid)
        incident_run_finish(
            trajectory, incident, run_actor, TrajectoryStatus.ERROR, {"error": f"{type(error).__name__}: {error}"}
        )
        raise
    outcome = incident_outcome(run.state, incident, env, gate.requested, time.perf_counter() - began)
    return incident_run_finish(trajectory, incident, run_actor, outcome_status(outcome), outcome)


def incident_run_finish(
    trajectory: Trajectory, incident: Incident, actor: Actor, status: str, outcome: dict[str, Any], run: str = ""
) -> Trajectory:
    """End the run's trajectory with ``outcome``, set its diagnosis on the incident, and say so in the
    incident's event log, in one transaction. ``run``: the hosted run's id (the trajectory's by default)."""
    with transaction.atomic():
        current = Trajectory.objects.get(pk=trajectory.pk)
        if current.status == TrajectoryStatus.AWAITING_APPROVAL:
            trajectory_set_status(trajectory=current, status=TrajectoryStatus.RUNNING, actor=actor, reason="run ends")
        finished = trajectory_finish(
            trajectory=current,
            status=status,
            actor=actor,
            outcome=outcome,
            success=outcome.get("label_match"),
            wall_time_s=outcome.get("wall_time_s"),
        )
        diagnosis = outcome.get("diagnosis")
        if diagnosis:
            incident_diagnosis_set(incident=incident, diagnosis=diagnosis, run=str(trajectory.pk), actor=actor)
        incident_event_append(
            incident=incident,
            type="run.finished",
            payload={
                "run": run or str(trajectory.pk),
                "trajectory": str(trajectory.pk),
                "status": status,
                "outcome": outcome.get("outcome", ""),
                "diagnosis": diagnosis,
            },
        )
    return finished


def incident_outcome(
    state: dict[str, Any],
    incident: Incident,
    env: IncidentEnvironment,
    actions: list[Any],
    wall_time_s: float,
) -> dict[str, Any]:
    """The run's result: its diagnosis, what it executed, and how both compare with what is known."""
    submission = state.get("submission") or {}
    diagnosis = submission.get("diagnosis") if isinstance(submission, dict) else None
    outcome: dict[str, Any] = {
        "outcome": state.get("outcome"),
        "diagnosis": diagnosis,
        "executed": submission.get("executed", "") if isinstance(submission, dict) else "",
        "fix_refused": submission.get("fix_refused", "") if isinstance(submission, dict) else "",
        "actions": [str(uuid) for uuid in actions],
        "environment": env.kind,
        "wall_time_s": round(wall_time_s, 3),
        "label_match": label_match(diagnosis, incident),
    }
    if env.episode is not None and env.problem is not None:
        outcome["simulated_truth"] = simulated_truth(diagnosis, env)
    outcome["graded"], outcome["graded_by"] = outcome_grade(outcome)
    return outcome


def outcome_grade(outcome: dict[str, Any]) -> tuple[bool | None, str]:
    """Whether what is known agrees with the run's result, and what knew it: the simulated truth (every
    graded part right, and the fault gone when a fix ran), else the post-incident label; None when nothing
    is known to grade it by."""
    truth = outcome.get("simulated_truth")
    if truth and truth.get("healthy"):  # a healthy system is diagnosed right when nothing was asked to change
        return not outcome.get("actions") and not outcome.get("executed"), "simulated truth"
    if truth:
        parts = [truth.get("localization"), truth.get("analysis")]
        if outcome.get("executed"):
            parts.append(truth.get("fault_cleared"))
        known = [part for part in parts if part is not None]
        return (all(known) if known else None), "simulated truth"
    if outcome.get("label_match") is not None:
        return bool(outcome["label_match"]), "post-incident label"
    return None, ""


def outcome_status(outcome: dict[str, Any]) -> str:
    """A run that ended with a diagnosis or a fix succeeded, unless what is known contradicts it."""
    ended_well = outcome.get("outcome") in ("diagnosed", "fixed")
    return TrajectoryStatus.SUCCEEDED if ended_well and outcome.get("graded") is not False else TrajectoryStatus.FAILED


def label_match(diagnosis: dict[str, Any] | None, incident: Incident) -> bool | None:
    """Whether the diagnosis agrees with every field of the post-incident label; None when unlabelled."""
    if not incident.is_labelled:
        return None
    if not diagnosis:
        return False
    checks = []
    if incident.rca_component:
        checks.append(diagnosis.get("component") == incident.rca_component)
    if incident.rca_system_level:
        checks.append(diagnosis.get("system_level") == LEVEL_NAMES.get(incident.rca_system_level))
    if incident.rca_fault_type:
        checks.append(diagnosis.get("fault_type") == incident.rca_fault_type)
    return all(checks)


def simulated_truth(diagnosis: dict[str, Any] | None, env: IncidentEnvironment) -> dict[str, Any]:
    """On the simulator the truth is known: the diagnosis graded as AIOpsLab grades each part, and
    whether the fault is gone now."""
    episode, problem = env.episode, env.problem
    if episode is None or problem is None:
        raise ValueError("the simulated truth needs a simulator environment")
    fault = episode.fault
    if not fault.accepted_locations(episode.state.app, problem.target):  # nothing is at fault: nothing to locate
        return {
            "problem": problem.problem_id,
            "localization": None,
            "analysis": None,
            "fault_cleared": None,
            "healthy": True,
        }
    located, _ = grading.grade_localization(
        fault, episode.state.app, problem.target, [diagnosis["component"]] if diagnosis else None
    )
    analysed: bool | None = None
    if fault.system_level and fault.fault_type:
        answer = {k: v for k, v in (diagnosis or {}).items() if k in ("system_level", "fault_type")}
        analysed, _ = grading.grade_analysis(fault, answer)
    cleared = fault.lenient(episode.state, problem.target) if "mitigation" in fault.tasks else None
    return {"problem": problem.problem_id, "localization": located, "analysis": analysed, "fault_cleared": cleared}


def simulated_incident_open(*, problem: Problem, team: Team, user: User) -> Incident:
    """Open an incident on ``team`` that the simulator reproduces (``problem``): what an alert would say
    about its application, nothing of the fault. Only the team's responders and approvers may."""
    roles = {team.responders_id, team.approvers_id}
    if not user.is_superuser and not roles & set(user.groups.values_list("pk", flat=True)):
        raise Forbidden("Only the team's responders and approvers may open its incidents.", code="not_team_member")
    spec = app_spec(problem.app)
    return incident_create(
        team=team,
        title=f"{spec.name}: requests failing or slow in {spec.namespace}",
        description=incident_text(problem),
        actor=Actor.of_user(user),
        created_by=user,
        source=IncidentSource.SIMULATOR,
        application=spec.name,
        namespace=spec.namespace,
        labels={PROBLEM_LABEL: problem.problem_id, "alertname": "SimulatedIncident"},
    )
