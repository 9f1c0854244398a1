"""Persisting agent runs: a finished benchmark run becomes a trajectory with its steps and its audit trail.

The runtime (``agents.runtime``) returns plain data; this is where it meets the database. In benchmark
mode the Executor's writes were released by a declared policy, never by a person: each write is in the audit
log as requested by the run, decided with the policy as the actor (so nobody can mistake it for a human
approval), and executed on the simulator.
"""

from __future__ import annotations

from django.db import transaction

from agents.roles.decide import StepRecord
from agents.runtime.benchmark import RunDone
from training.models import ModelVersion
from trajectories.audit.services import Actor, audit_append
from trajectories.models import Step, Trajectory
from trajectories.services.runs import trajectory_finish, trajectory_start
from trajectories.services.steps import step_append

BENCHMARK_POLICY = "benchmark-policy"


def step_record_store(trajectory: Trajectory, step: StepRecord) -> Step:
    """Append the runtime's ``StepRecord`` to ``trajectory`` as its next stored step."""
    return step_append(
        trajectory=trajectory,
        role=step.role,
        phase=step.phase,
        prompt_text=step.prompt or None,
        completion=step.completion,
        action=step.action,
        tool_result=step.tool_result,
        tokens_in=step.tokens_in,
        tokens_out=step.tokens_out,
        latency_ms=step.latency_ms,
        error=step.error,
        schema=step.schema,
    )


def benchmark_run_store(
    *, done: RunDone, label: str, agent: str, model_version: ModelVersion | None = None
) -> Trajectory:
    """Store one benchmark run (trajectory, steps, policy approvals, finish) in one transaction;
    ``model_version``: the Observer's model version it ran with, when it ran with one."""
    actor = Actor.system(f"benchmark {label}")
    with transaction.atomic():
        trajectory = trajectory_start(
            agent_kind=agent,
            backend=done.backend,
            model=done.model,
            actor=actor,
            problem_id=done.problem.problem_id,
            scenario=None if done.problem.source == "registry" else _scenario(done),
            prompt_versions=done.state.get("prompt_versions") or {},
            seed=done.seed,
            leaks=bool(done.grade.get("leaks", True)),
            benchmark_run=label,
            model_version=model_version,
        )
        for step in done.steps:
            step_record_store(trajectory, step)
            _audit_write(trajectory, step)
        success = bool(done.grade.get("success"))
        trajectory_finish(
            trajectory=trajectory,
            status="succeeded" if success else "failed",
            actor=actor,
            outcome=done.grade,
            success=success,
            strict_success=done.grade.get("strict_success"),
            wall_time_s=done.wall_time_s,
        )
    return trajectory


def _audit_write(trajectory: Trajectory, step: StepRecord) -> None:
    """A benchmark run's write, in the audit log as the platform would log it: requested by the run,
    decided by the declared policy (never a person), executed on the simulator."""
    action = step.action
    if not isinstance(action, dict) or step.role != "executor":
        return
    run = Actor.agent(str(trajectory.pk))
    if "proposal" in action:
        command = {"command": action["proposal"], "rendered": action.get("rendered", "")}
        audit_append(
            actor=run, verb="action.requested", object_type="trajectory", object_id=trajectory.pk, payload=command
        )
        verb = "action.approved_by_policy" if action.get("approved") else "action.rejected_by_policy"
        audit_append(
            actor=Actor.policy(BENCHMARK_POLICY),
            verb=verb,
            object_type="trajectory",
            object_id=trajectory.pk,
            payload={**command, "reason": action.get("reason", "")},
        )
    elif "executed" in action:
        audit_append(
            actor=run,
            verb="action.executed",
            object_type="trajectory",
            object_id=trajectory.pk,
            payload={"rendered": action["executed"], "result": step.tool_result[:2000], "environment": "simulator"},
        )


def _scenario(done: RunDone) -> dict[str, object]:
    problem = done.problem
    return {
        "app": problem.app,
        "fault": problem.fault,
        "target": problem.target,
        "task": problem.task,
        "params": dict(problem.params),
        "source": problem.source,
    }
