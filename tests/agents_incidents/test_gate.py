"""The ActionRequest gate on its own: what it requests, when it releases a write, and what it refuses."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from django.db import connection

from agents.gate import ActionRequestGate, output_failed
from agents.roles.executor import WriteBlocked, WriteProposal
from agents.roles.writes import command_shell
from incidents.models import ActionRequest, ActionStatus, Incident
from incidents.services.actions import action_approve, action_reject
from trajectories.models import AuditEvent

COMMAND: dict[str, Any] = {
    "verb": "scale",
    "target": {"kind": "Deployment", "name": "user-service"},
    "namespace": "test-social-network",
    "args": {"replicas": 1},
}


class Recorder:
    """A write handle that records what it was asked to run."""

    read_only = False

    def __init__(self, output: str = "deployment.apps/user-service scaled\n") -> None:
        self.output = output
        self.ran: list[str] = []

    def exec_shell(self, command: str, timeout: int = 30) -> str:
        self.ran.append(command)
        return self.output


def _proposal(command: dict[str, Any] | None = None, risk: str = "medium") -> WriteProposal:
    chosen = command or {**COMMAND, "target": dict(COMMAND["target"]), "args": dict(COMMAND["args"])}
    return WriteProposal(
        chosen, command_shell(chosen), "user-service has no replicas", "one pod ready", ("kubectl get pods",), risk
    )


def _gate(incident: Incident, requester: Any, env: Recorder, decide: Any = None, **fields: Any) -> ActionRequestGate:
    def sleep(_seconds: float) -> None:
        if decide is not None:
            for action in ActionRequest.objects.filter(status=ActionStatus.PENDING):
                decide(action)

    return ActionRequestGate(
        incident=incident,
        requester=requester,
        run_id="run-1",
        write_env=env,
        wait_s=fields.pop("wait_s", 5.0),
        poll_s=0.0,
        sleep=sleep,
        **fields,
    )


@pytest.mark.django_db
def test_the_write_runs_only_after_approval_and_only_once(
    sim_incident: Incident, responder: Any, approver: Any
) -> None:
    env = Recorder()
    seen: list[str] = []

    def approve(action: ActionRequest) -> None:
        seen.append(action.status)
        assert env.ran == []  # nothing ran while it waited
        action_approve(action=action, user=approver, action_hash=action.action_hash)

    decision = _gate(sim_incident, responder, env, approve).submit(_proposal())

    assert decision.approved
    assert seen == ["pending"]
    assert env.ran == []  # approval alone runs nothing: the Executor calls execute
    output = decision.execute()
    assert output == "deployment.apps/user-service scaled\n"
    assert env.ran == ["kubectl scale deployment user-service --replicas=1 -n test-social-network"]
    action = ActionRequest.objects.get()
    assert action.status == ActionStatus.SUCCEEDED
    assert action.result == {"output": output}
    with pytest.raises(RuntimeError, match="at most once"):
        decision.execute()
    assert len(env.ran) == 1


@pytest.mark.django_db
def test_a_command_changed_after_approval_is_blocked_and_nothing_runs(
    sim_incident: Incident, responder: Any, approver: Any
) -> None:
    env = Recorder()
    proposal = _proposal()
    decision = _gate(
        sim_incident,
        responder,
        env,
        lambda a: action_approve(action=a, user=approver, action_hash=a.action_hash),
    ).submit(proposal)
    proposal.command["args"]["replicas"] = 50  # what would run is no longer what was approved

    with pytest.raises(WriteBlocked, match="differs from the approved command"):
        decision.execute()
    assert env.ran == []
    assert ActionRequest.objects.get().status == ActionStatus.BLOCKED


@pytest.mark.django_db
def test_an_approval_for_another_hash_does_not_release_the_write(
    sim_incident: Incident, responder: Any, approver: Any
) -> None:
    env = Recorder()
    errors: list[str] = []

    def approve_something_else(action: ActionRequest) -> None:
        try:
            action_approve(action=action, user=approver, action_hash="0" * 64)
        except Exception as error:
            errors.append(getattr(error, "code", ""))

    decision = _gate(sim_incident, responder, env, approve_something_else, wait_s=0.05).submit(_proposal())

    assert not decision.approved
    assert "no decision" in decision.reason
    assert "hash_mismatch" in errors
    assert env.ran == []


@pytest.mark.django_db
def test_a_high_risk_write_waits_for_two_people(
    sim_incident: Incident, responder: Any, approver: Any, approver2: Any
) -> None:
    env = Recorder()
    deciders = iter([approver, approver2])

    def approve_one(action: ActionRequest) -> None:
        action_approve(action=action, user=next(deciders), action_hash=action.action_hash)

    decision = _gate(sim_incident, responder, env, approve_one).submit(_proposal(risk="high"))

    assert decision.approved
    assert ActionRequest.objects.get().approvals.count() == 2


@pytest.mark.django_db
def test_a_rejection_comes_back_with_its_reason(sim_incident: Incident, responder: Any, approver: Any) -> None:
    decision = _gate(
        sim_incident, responder, Recorder(), lambda a: action_reject(action=a, user=approver, reason="wrong service")
    ).submit(_proposal())

    assert not decision.approved
    assert decision.reason == "rejected by a reviewer: wrong service"
    assert decision.execute is None


@pytest.mark.django_db
def test_a_proposal_the_write_gate_refuses_is_not_recorded(sim_incident: Incident, responder: Any) -> None:
    bad = {**COMMAND, "target": {"kind": "Deployment", "name": "User Service!"}}
    decision = _gate(sim_incident, responder, Recorder()).submit(_proposal(bad))
    assert not decision.approved
    assert "Invalid command" in decision.reason
    unknown_risk = _gate(sim_incident, responder, Recorder()).submit(_proposal(risk="catastrophic"))
    assert not unknown_risk.approved
    assert "risk class" in unknown_risk.reason
    assert not ActionRequest.objects.exists()


@pytest.mark.django_db
def test_an_expired_action_is_reported_as_expired(sim_incident: Incident, responder: Any, settings: Any) -> None:
    settings.AOI_ACTION_TTL_SECONDS = 0
    decision = _gate(sim_incident, responder, Recorder(), lambda a: None, wait_s=60.0).submit(_proposal())
    # The wait stops at the action's expiry, not at the end of its own patience.
    assert not decision.approved
    assert "expired before anyone decided" in decision.reason


@pytest.mark.django_db
def test_a_failed_write_is_recorded_as_failed(sim_incident: Incident, responder: Any, approver: Any) -> None:
    env = Recorder('Error from server (NotFound): deployments.apps "user-service" not found\n')
    decision = _gate(
        sim_incident, responder, env, lambda a: action_approve(action=a, user=approver, action_hash=a.action_hash)
    ).submit(_proposal())
    decision.execute()
    action = ActionRequest.objects.get()
    assert action.status == ActionStatus.FAILED
    assert AuditEvent.objects.filter(verb="action.executed", payload__succeeded=False).exists()


@pytest.mark.parametrize(
    ("output", "failed"),
    [
        ("deployment.apps/x scaled\n", False),
        ('Error from server (NotFound): deployments.apps "x" not found', True),
        ("error: unknown flag --foo", True),
        ("  Error: release not found", True),
        ("", False),
    ],
)
def test_failure_text_is_told_from_success(output: str, failed: bool) -> None:
    assert output_failed(output) is failed


@pytest.mark.django_db(transaction=True)
def test_a_decision_taken_in_another_process_releases_the_waiting_run(
    sim_incident: Incident, responder: Any, approver: Any
) -> None:
    """The run waits on its own connection; the approver decides on another (as the web server would)."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite locks whole tables; the suite runs this on PostgreSQL")
    env = Recorder()

    def approver_at_the_browser() -> None:
        try:
            for _ in range(500):
                pending = ActionRequest.objects.filter(status=ActionStatus.PENDING).first()
                if pending is not None:
                    action_approve(action=pending, user=approver, action_hash=pending.action_hash)
                    return
                time.sleep(0.01)
        finally:
            connection.close()

    thread = threading.Thread(target=approver_at_the_browser)
    thread.start()
    gate = ActionRequestGate(
        incident=sim_incident, requester=responder, run_id="run-2", write_env=env, wait_s=10.0, poll_s=0.02
    )
    decision = gate.submit(_proposal())
    thread.join()

    assert decision.approved
    decision.execute()
    assert env.ran
    assert ActionRequest.objects.get().status == ActionStatus.SUCCEEDED
