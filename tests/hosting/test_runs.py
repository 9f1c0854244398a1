"""Hosted runs, advanced as a worker advances them (``run_work``), against the simulator and the database:
start, pause for approval, resume on the decision (executor queue when approved), rejection back to the
Observer, expiry, duplicate deliveries, a write whose worker died, the relay, automatic diagnosis."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from agents.hosting import run_start, run_work, runs_relay
from agents.models import AgentRun, RunStatus
from aoi_platform.errors import Conflict, DomainError, Forbidden
from incidents.models import ActionRequest, ActionStatus, Incident, IncidentStatus
from incidents.services.actions import action_approve, action_reject, actions_expire_due
from incidents.services.execution import action_claim, action_complete
from incidents.services.incidents import incident_transition
from trajectories.audit.services import Actor
from trajectories.models import TrajectoryStatus

pytestmark = pytest.mark.django_db(transaction=True)


def _types(incident: Incident) -> list[str]:
    return list(incident.events.order_by("seq").values_list("type", flat=True))


def _paused(incident: Incident, user: Any) -> tuple[AgentRun, ActionRequest]:
    run = run_start(incident=incident, user=user)
    assert run_work(str(run.pk)) == "paused"
    run.refresh_from_db()
    assert run.awaiting_action is not None
    return run, run.awaiting_action


def _writes(run: AgentRun) -> list[dict[str, Any]]:
    return [entry for entry in run.journal if not entry["read_only"]]


def test_a_run_pauses_for_approval_with_every_step_stored_before_it_is_shown(
    sim_incident: Incident, responder: Any, dispatched: list[tuple[str, str]]
) -> None:
    run, action = _paused(sim_incident, responder)

    assert dispatched == [(str(run.pk), "agents")]
    sim_incident.refresh_from_db()
    assert sim_incident.status == IncidentStatus.AWAITING_APPROVAL
    assert run.status == RunStatus.AWAITING_APPROVAL
    assert run.trajectory.status == TrajectoryStatus.AWAITING_APPROVAL
    assert (action.status, action.requester_user, action.requester_agent) == (
        ActionStatus.PENDING,
        responder,
        str(run.trajectory_id),
    )
    indexes = list(run.trajectory.steps.order_by("index").values_list("index", flat=True))
    assert indexes == list(range(1, len(indexes) + 1))
    completed = [e.payload["index"] for e in sim_incident.events.filter(type="step.completed").order_by("seq")]
    assert completed == indexes  # each stored step announced once, in order
    types = _types(sim_incident)
    assert types[:3] == ["incident.created", "incident.status_changed", "run.started"]
    assert {"step.started", "token.delta"} <= set(types)
    assert types[-1] == "run.paused"
    assert _writes(run) == []  # nothing written while people decide


def test_approval_resumes_the_run_on_the_executor_queue_and_the_fix_runs_once(
    sim_incident: Incident, responder: Any, approver: Any, dispatched: list[tuple[str, str]]
) -> None:
    run, action = _paused(sim_incident, responder)

    action_approve(action=action, user=approver, action_hash=action.action_hash)

    run.refresh_from_db()
    assert (run.status, run.queue) == (RunStatus.QUEUED, "executor")
    assert dispatched[-1] == (str(run.pk), "executor")
    assert run_work(str(run.pk)) == "finished"
    run.refresh_from_db()
    action.refresh_from_db()
    sim_incident.refresh_from_db()
    assert run.status == RunStatus.FINISHED
    assert action.status == ActionStatus.SUCCEEDED
    assert [w["args"][0] for w in _writes(run)] == [
        "kubectl scale deployment user-service --replicas=1 -n test-social-network"
    ]
    assert run.trajectory.status == TrajectoryStatus.SUCCEEDED
    assert run.trajectory.outcome["outcome"] == "fixed"
    assert run.trajectory.outcome["simulated_truth"]["fault_cleared"] is True
    assert sim_incident.diagnosis is not None
    assert sim_incident.diagnosis["component"] == "user-service"
    assert sim_incident.diagnosis["run"] == str(run.trajectory_id)
    types = _types(sim_incident)
    assert types.index("run.resumed") > types.index("action.approved")
    assert types[-1] == "run.finished"
    assert "incident.diagnosed" in types
    # A late duplicate delivery finds nothing to do.
    assert run_work(str(run.pk)) == "finished"
    assert run.trajectory.steps.count() == AgentRun.objects.get(pk=run.pk).trajectory.steps.count()


def test_a_rejection_goes_back_to_the_observer_with_the_reason(
    sim_incident: Incident, responder: Any, approver: Any, dispatched: list[tuple[str, str]]
) -> None:
    run, action = _paused(sim_incident, responder)

    action_reject(action=action, user=approver, reason="scale the replica set instead")

    run.refresh_from_db()
    assert (run.status, run.queue) == (RunStatus.QUEUED, "agents")
    assert run_work(str(run.pk)) == "paused"  # the Observer planned again and asked for another write
    run.refresh_from_db()
    assert "scale the replica set instead" in run.state["feedback"]
    second = run.awaiting_action
    assert second is not None
    assert second != action
    action_reject(action=second, user=approver, reason="no writes today")
    assert run_work(str(run.pk)) == "finished"
    run.refresh_from_db()
    assert run.trajectory.outcome["outcome"] == "diagnosed"
    assert "no writes today" in run.trajectory.outcome["fix_refused"]
    assert _writes(run) == []


def test_an_expired_request_ends_the_wait_cleanly(
    sim_incident: Incident, responder: Any, dispatched: list[tuple[str, str]]
) -> None:
    run, action = _paused(sim_incident, responder)
    ActionRequest.objects.filter(pk=action.pk).update(expires_at=timezone.now() - timedelta(seconds=1))

    assert actions_expire_due() == 1

    run.refresh_from_db()
    assert run.status == RunStatus.QUEUED
    assert run_work(str(run.pk)) == "finished"
    run.refresh_from_db()
    assert run.trajectory.outcome["outcome"] == "diagnosed"
    assert "expired" in run.trajectory.outcome["fix_refused"]


def test_a_claim_whose_worker_died_needs_attention_and_never_runs_again(
    sim_incident: Incident, responder: Any, approver: Any, dispatched: list[tuple[str, str]]
) -> None:
    run, action = _paused(sim_incident, responder)
    action_approve(action=action, user=approver, action_hash=action.action_hash)
    # The worker that took the approved run claimed the action, then died before recording a result.
    action_claim(action_uuid=action.uuid, command=action.command, executor=Actor.agent(str(run.trajectory_id)))
    AgentRun.objects.filter(pk=run.pk).update(status=RunStatus.RUNNING)

    assert run_work(str(run.pk)) == "finished"

    action.refresh_from_db()
    run.refresh_from_db()
    assert action.status == ActionStatus.NEEDS_ATTENTION
    assert _writes(run) == []  # this delivery ran nothing
    assert "needs attention" in run.trajectory.outcome["fix_refused"]
    assert "action.needs_attention" in _types(sim_incident)
    resumed = sim_incident.events.filter(type="run.resumed").last()
    assert resumed is not None
    assert resumed.payload["reason"] == "after its worker stopped"


def test_a_result_recorded_before_the_worker_died_is_taken_without_running_again(
    sim_incident: Incident, responder: Any, approver: Any, dispatched: list[tuple[str, str]]
) -> None:
    run, action = _paused(sim_incident, responder)
    action_approve(action=action, user=approver, action_hash=action.action_hash)
    actor = Actor.agent(str(run.trajectory_id))
    action_claim(action_uuid=action.uuid, command=action.command, executor=actor)
    action_complete(action_uuid=action.uuid, succeeded=True, result={"output": "scaled"}, executor=actor)

    assert run_work(str(run.pk)) == "finished"

    run.refresh_from_db()
    assert run.trajectory.outcome["outcome"] == "fixed"
    assert _writes(run) == []
    assert ActionRequest.objects.get(pk=action.pk).status == ActionStatus.SUCCEEDED


def test_a_phase_is_stored_once_however_many_deliveries_race(
    sim_incident: Incident, responder: Any, dispatched: list[tuple[str, str]]
) -> None:
    run = run_start(incident=sim_incident, user=responder)
    # Another delivery stored a phase after this one read the run: this one's phase is refused whole.
    from agents import hosting

    original = hosting._Worker._store

    def racing(self: Any, *args: Any, **kwargs: Any) -> None:
        AgentRun.objects.filter(pk=self.run.pk).update(version=self.run.version + 1)
        hosting._Worker._store = original  # type: ignore[method-assign]
        original(self, *args, **kwargs)

    hosting._Worker._store = racing  # type: ignore[method-assign]
    try:
        assert run_work(str(run.pk)) == "superseded"
    finally:
        hosting._Worker._store = original  # type: ignore[method-assign]
    assert run.trajectory.steps.count() == 0
    assert not sim_incident.events.filter(type="step.completed").exists()


def test_start_refuses_ended_incidents_a_second_run_and_people_without_change_permission(
    sim_incident: Incident, responder: Any, viewer: Any, dispatched: list[tuple[str, str]]
) -> None:
    with pytest.raises(Forbidden):
        run_start(incident=sim_incident, user=viewer)
    run_start(incident=sim_incident, user=responder)
    with pytest.raises(Conflict) as second:
        run_start(incident=sim_incident, user=responder)
    assert second.value.code == "run_active"
    assert AgentRun.objects.count() == 1
    AgentRun.objects.update(status=RunStatus.FINISHED)
    incident_transition(incident=sim_incident, to_status=IncidentStatus.RESOLVED, actor=Actor.system("tests"))
    with pytest.raises(Conflict) as ended:
        run_start(incident=sim_incident, user=responder)
    assert ended.value.code == "incident_not_active"
    assert AgentRun.objects.count() == 1


def test_start_says_when_the_environment_cannot_serve_the_incident(
    incident: Incident, responder: Any, dispatched: list[tuple[str, str]]
) -> None:
    with pytest.raises(DomainError) as refused:
        run_start(incident=incident, user=responder)
    assert refused.value.code == "environment_unavailable"
    assert not AgentRun.objects.exists()
    assert dispatched == []


def test_the_relay_sends_runs_the_broker_never_took_or_lost_and_leaves_held_ones(
    sim_incident: Incident, responder: Any, dispatched: list[tuple[str, str]]
) -> None:
    run = run_start(incident=sim_incident, user=responder)
    dispatched.clear()
    assert runs_relay(stall_s=30) == 1  # never marked as sent: the publish failed
    AgentRun.objects.filter(pk=run.pk).update(dispatched_at=timezone.now())
    assert runs_relay(stall_s=30) == 0  # sent recently
    stale = timezone.now() - timedelta(seconds=60)
    AgentRun.objects.filter(pk=run.pk).update(status=RunStatus.RUNNING, dispatched_at=stale, progressed_at=stale)
    from agents.hosting import run_lock

    with run_lock(str(run.pk)) as held:
        assert held
        # Another process holds it (the relay runs in its own connection).
        import threading

        counted: list[int] = []

        def relay_elsewhere() -> None:
            try:
                counted.append(runs_relay(stall_s=30))
            finally:
                connection.close()

        thread = threading.Thread(target=relay_elsewhere)
        thread.start()
        thread.join()
        assert counted == [0]
    assert runs_relay(stall_s=30) == 1
    assert dispatched == [(str(run.pk), "agents"), (str(run.pk), "agents")]


def test_a_claim_left_without_a_result_is_flagged_for_people_by_the_periodic_check(
    sim_incident: Incident, responder: Any, approver: Any, dispatched: list[tuple[str, str]]
) -> None:
    from incidents.services.execution import actions_stuck_flag

    run, action = _paused(sim_incident, responder)
    action_approve(action=action, user=approver, action_hash=action.action_hash)
    action_claim(action_uuid=action.uuid, command=action.command, executor=Actor.agent(str(run.trajectory_id)))

    assert actions_stuck_flag(older_than_s=600) == 0  # claimed just now: its worker may still be writing
    ActionRequest.objects.filter(pk=action.pk).update(claimed_at=timezone.now() - timedelta(seconds=601))
    assert actions_stuck_flag(older_than_s=600) == 1
    assert actions_stuck_flag(older_than_s=600) == 0

    action.refresh_from_db()
    assert action.status == ActionStatus.NEEDS_ATTENTION
    assert "no result was recorded" in action.status_reason


def test_reasoning_steps_keep_the_schema_their_decision_was_taken_under(
    sim_incident: Incident, responder: Any, dispatched: list[tuple[str, str]]
) -> None:
    run, _ = _paused(sim_incident, responder)

    reasoning = run.trajectory.steps.filter(phase="reason").order_by("index")
    first = reasoning.first()
    assert first is not None
    assert first.schema is not None
    assert first.schema["type"] == "object"
    assert set(first.schema["properties"]) == {"next", "question"}
    assert first.schema["properties"]["question"]["enum"]  # the questions this run's findings raise
    assert all(step.schema for step in reasoning)
    assert not run.trajectory.steps.filter(phase="act", schema__isnull=False).exists()
