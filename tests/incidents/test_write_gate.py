"""Every rule of the write gate, through its services."""

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from aoi_platform.errors import Conflict, DomainError, Forbidden
from incidents.models import ActionRequest, ActionStatus, Approval, Incident, IncidentStatus
from incidents.services.actions import action_approve, action_reject, actions_expire_due
from incidents.services.commands import command_hash
from incidents.services.execution import action_claim, action_complete
from tests.factories import make_action, make_command
from trajectories.audit.services import Actor
from trajectories.models import AuditEvent

EXECUTOR = Actor.agent("run-1", "executor")


def _refresh(action: ActionRequest) -> ActionRequest:
    return ActionRequest.objects.get(pk=action.pk)


def _approved(incident: Incident, requester: Any, *approvers: Any, **kwargs: Any) -> ActionRequest:
    action = make_action(incident, requester, **kwargs)
    for user in approvers:
        action_approve(action=action, user=user, action_hash=action.action_hash)
    return _refresh(action)


def test_request_binds_the_hash_of_the_canonical_command_and_waits(incident: Incident, responder: Any) -> None:
    action = make_action(incident, responder)

    assert action.action_hash == command_hash(make_command())
    assert action.status == ActionStatus.PENDING
    assert action.approvals_required == 1
    assert action.expires_at - action.created_at == pytest.approx(timedelta(minutes=15), abs=timedelta(seconds=2))
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.AWAITING_APPROVAL
    assert AuditEvent.objects.filter(verb="action.requested", object_id=str(action.uuid)).count() == 1


@pytest.mark.parametrize(
    ("command", "message"),
    [
        ({"verb": "scale", "target": {"kind": "Deployment", "name": "x"}, "namespace": "shop"}, "exactly the keys"),
        ({**make_command(), "extra": 1}, "exactly the keys"),
        ({**make_command(), "verb": "scale; rm -rf /"}, "verb"),
        ({**make_command(), "namespace": "Shop_NS"}, "namespace"),
        ({**make_command(), "target": {"kind": "Deployment", "name": "../etc"}}, "target.name"),
        ({**make_command(), "args": {"replicas": float("nan")}}, "JSON"),
        ({**make_command(), "args": {"bad key": 1}}, "args"),
        ("kubectl scale deploy x", "exactly the keys"),
    ],
)
def test_request_refuses_a_malformed_command_and_changes_nothing(
    incident: Incident, responder: Any, command: Any, message: str
) -> None:
    with pytest.raises(DomainError, match=message):
        make_action(incident, responder, command=command)

    assert ActionRequest.objects.count() == 0
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.OPEN


def test_request_refused_on_a_resolved_incident(incident: Incident, responder: Any) -> None:
    Incident.objects.filter(pk=incident.pk).update(status=IncidentStatus.RESOLVED)

    with pytest.raises(Conflict):
        make_action(incident, responder)
    assert ActionRequest.objects.count() == 0


def test_the_requester_cannot_approve_their_own_action(incident: Incident, approver: Any) -> None:
    action = make_action(incident, approver)

    with pytest.raises(Forbidden, match="another person"):
        action_approve(action=action, user=approver, action_hash=action.action_hash)

    assert _refresh(action).status == ActionStatus.PENDING
    assert Approval.objects.count() == 0
    assert AuditEvent.objects.filter(verb="action.approve_refused", payload__code="self_approval").count() == 1


def test_a_superuser_cannot_approve_their_own_action(incident: Incident, superuser: Any) -> None:
    action = make_action(incident, superuser)

    with pytest.raises(Forbidden, match="another person"):
        action_approve(action=action, user=superuser, action_hash=action.action_hash)
    assert _refresh(action).status == ActionStatus.PENDING


def test_the_person_who_started_an_agent_run_cannot_approve_its_action(incident: Incident, approver: Any) -> None:
    action = make_action(incident, approver, agent="run-7")

    with pytest.raises(Forbidden):
        action_approve(action=action, user=approver, action_hash=action.action_hash)


@pytest.mark.parametrize("who", ["viewer", "responder", "outsider", "nobody"])
def test_approving_needs_the_object_permission(
    request: pytest.FixtureRequest, incident: Incident, other_team: Any, approver: Any, who: str
) -> None:
    action = make_action(incident, approver)
    user = request.getfixturevalue(who)

    with pytest.raises(Forbidden, match="may not approve"):
        action_approve(action=action, user=user, action_hash=action.action_hash)
    assert _refresh(action).status == ActionStatus.PENDING
    assert Approval.objects.count() == 0


def test_a_superuser_may_approve_someone_elses_action(incident: Incident, responder: Any, superuser: Any) -> None:
    action = make_action(incident, responder)

    assert action_approve(action=action, user=superuser, action_hash=action.action_hash).status == ActionStatus.APPROVED


def test_an_approval_must_name_the_actions_hash(incident: Incident, responder: Any, approver: Any) -> None:
    action = make_action(incident, responder)

    with pytest.raises(Conflict, match="hash"):
        action_approve(action=action, user=approver, action_hash=command_hash(make_command(replicas=30)))
    assert _refresh(action).status == ActionStatus.PENDING
    assert Approval.objects.count() == 0


def test_one_approval_approves_a_medium_risk_action(incident: Incident, responder: Any, approver: Any) -> None:
    action = make_action(incident, responder)

    approved = action_approve(action=action, user=approver, action_hash=action.action_hash, reason="looks right")

    assert approved.status == ActionStatus.APPROVED
    assert approved.decided_at is not None
    assert list(Approval.objects.values_list("user__username", "decision", "action_hash")) == [
        ("approver", "approve", action.action_hash)
    ]


def test_a_high_risk_action_needs_two_different_people(
    incident: Incident, responder: Any, approver: Any, approver2: Any
) -> None:
    action = make_action(incident, responder, risk_class="high")
    assert action.approvals_required == 2

    assert action_approve(action=action, user=approver, action_hash=action.action_hash).status == ActionStatus.PENDING
    with pytest.raises(Conflict, match="already decided"):
        action_approve(action=action, user=approver, action_hash=action.action_hash)
    assert _refresh(action).status == ActionStatus.PENDING

    assert action_approve(action=action, user=approver2, action_hash=action.action_hash).status == ActionStatus.APPROVED


def test_approvals_required_per_risk_class_come_from_settings(
    incident: Incident, responder: Any, settings: Any
) -> None:
    settings.AOI_APPROVALS_REQUIRED = {**settings.AOI_APPROVALS_REQUIRED, "low": 3}

    assert make_action(incident, responder, risk_class="low").approvals_required == 3


def test_any_rejection_vetoes(incident: Incident, responder: Any, approver: Any, approver2: Any) -> None:
    action = make_action(incident, responder, risk_class="high")
    action_approve(action=action, user=approver, action_hash=action.action_hash)

    rejected = action_reject(action=action, user=approver2, reason="wrong deployment")

    assert rejected.status == ActionStatus.REJECTED
    assert rejected.status_reason == "wrong deployment"
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.INVESTIGATING
    event = incident.events.filter(type="action.rejected").get()
    assert event.payload["reason"] == "wrong deployment"
    with pytest.raises(Conflict, match="rejected"):
        action_approve(action=action, user=approver2, action_hash=action.action_hash)


def test_rejecting_an_approved_action_before_it_runs_vetoes_it(
    incident: Incident, responder: Any, approver: Any, approver2: Any
) -> None:
    action = _approved(incident, responder, approver)

    action_reject(action=action, user=approver2, reason="not during the sale")

    with pytest.raises(Conflict):
        action_claim(action_uuid=action.uuid, command=make_command(), executor=EXECUTOR)
    assert _refresh(action).status == ActionStatus.REJECTED


def test_rejecting_needs_a_reason(incident: Incident, responder: Any, approver: Any) -> None:
    action = make_action(incident, responder)

    with pytest.raises(DomainError, match="reason"):
        action_reject(action=action, user=approver, reason="  ")
    assert _refresh(action).status == ActionStatus.PENDING


def test_an_expired_action_cannot_be_approved(incident: Incident, responder: Any, approver: Any) -> None:
    action = make_action(incident, responder)
    ActionRequest.objects.filter(pk=action.pk).update(expires_at=timezone.now() - timedelta(seconds=1))

    with pytest.raises(Conflict, match="expired"):
        action_approve(action=action, user=approver, action_hash=action.action_hash)

    assert _refresh(action).status == ActionStatus.EXPIRED
    assert Approval.objects.count() == 0
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.INVESTIGATING


def test_expiry_sweep_ends_the_wait_of_due_actions_only(incident: Incident, responder: Any, approver: Any) -> None:
    due, fresh = make_action(incident, responder), make_action(incident, responder, command=make_command(replicas=4))
    approved_due = _approved(incident, responder, approver, command=make_command(replicas=5))
    ActionRequest.objects.filter(pk__in=[due.pk, approved_due.pk]).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )

    assert actions_expire_due() == 2
    assert actions_expire_due() == 0

    assert [_refresh(a).status for a in (due, fresh, approved_due)] == ["expired", "pending", "expired"]
    assert AuditEvent.objects.filter(verb="action.expired", actor_type="policy").count() == 2


def test_claim_runs_only_the_exact_approved_command(incident: Incident, responder: Any, approver: Any) -> None:
    action = _approved(incident, responder, approver)

    with pytest.raises(Forbidden, match="differs from the approved command"):
        action_claim(action_uuid=action.uuid, command=make_command(replicas=300), executor=EXECUTOR)

    blocked = _refresh(action)
    assert blocked.status == ActionStatus.BLOCKED
    with pytest.raises(Conflict):
        action_claim(action_uuid=action.uuid, command=make_command(), executor=EXECUTOR)


def test_claim_takes_an_approved_action_once(incident: Incident, responder: Any, approver: Any) -> None:
    action = _approved(incident, responder, approver)

    claimed = action_claim(action_uuid=action.uuid, command=make_command(), executor=EXECUTOR)

    assert claimed.status == ActionStatus.EXECUTING
    assert claimed.claimed_by == "executor"
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.MITIGATING
    with pytest.raises(Conflict, match="executing"):
        action_claim(action_uuid=action.uuid, command=make_command(), executor=EXECUTOR)
    assert AuditEvent.objects.filter(verb="action.claimed").count() == 1


def test_claim_refuses_an_action_that_is_not_approved(incident: Incident, responder: Any) -> None:
    action = make_action(incident, responder)

    with pytest.raises(Conflict, match="pending"):
        action_claim(action_uuid=action.uuid, command=make_command(), executor=EXECUTOR)
    assert _refresh(action).status == ActionStatus.PENDING


def test_claim_refuses_an_expired_approval(incident: Incident, responder: Any, approver: Any) -> None:
    action = _approved(incident, responder, approver)
    ActionRequest.objects.filter(pk=action.pk).update(expires_at=timezone.now() - timedelta(seconds=1))

    with pytest.raises(Conflict, match="expired"):
        action_claim(action_uuid=action.uuid, command=make_command(), executor=EXECUTOR)
    assert _refresh(action).status == ActionStatus.EXPIRED


def test_revoking_the_approvers_permission_before_the_claim_blocks_it(
    incident: Incident, team: Any, responder: Any, approver: Any
) -> None:
    action = _approved(incident, responder, approver)
    approver.groups.remove(team.approvers)

    with pytest.raises(Forbidden, match="0 valid approval"):
        action_claim(action_uuid=action.uuid, command=make_command(), executor=EXECUTOR)
    assert _refresh(action).status == ActionStatus.BLOCKED
    assert AuditEvent.objects.filter(verb="membership.removed").count() == 1


def test_deactivating_the_approver_before_the_claim_blocks_it(
    incident: Incident, responder: Any, approver: Any
) -> None:
    action = _approved(incident, responder, approver)
    type(approver).objects.filter(pk=approver.pk).update(is_active=False)

    with pytest.raises(Forbidden):
        action_claim(action_uuid=action.uuid, command=make_command(), executor=EXECUTOR)
    assert _refresh(action).status == ActionStatus.BLOCKED


def test_an_error_in_a_claim_check_blocks_the_action(
    incident: Incident, responder: Any, approver: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    action = _approved(incident, responder, approver)

    def broken(*args: Any, **kwargs: Any) -> bool:
        raise RuntimeError("permission backend unavailable")

    monkeypatch.setattr(type(approver), "has_perm", broken)
    with pytest.raises(Forbidden, match="check failed"):
        action_claim(action_uuid=action.uuid, command=make_command(), executor=EXECUTOR)
    assert _refresh(action).status == ActionStatus.BLOCKED


def test_an_error_in_an_approval_check_blocks_the_action(
    incident: Incident, responder: Any, approver: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    action = make_action(incident, responder)

    def broken(*args: Any, **kwargs: Any) -> bool:
        raise RuntimeError("permission backend unavailable")

    monkeypatch.setattr(type(approver), "has_perm", broken)
    with pytest.raises(Conflict, match="blocked"):
        action_approve(action=action, user=approver, action_hash=action.action_hash)
    assert _refresh(action).status == ActionStatus.BLOCKED
    assert Approval.objects.count() == 0


def test_complete_records_the_result_once(incident: Incident, responder: Any, approver: Any) -> None:
    action = _approved(incident, responder, approver)
    action_claim(action_uuid=action.uuid, command=make_command(), executor=EXECUTOR)

    done = action_complete(action_uuid=action.uuid, succeeded=True, result={"stdout": "scaled"}, executor=EXECUTOR)

    assert done.status == ActionStatus.SUCCEEDED
    assert done.result == {"stdout": "scaled"}
    with pytest.raises(Conflict):
        action_complete(action_uuid=action.uuid, succeeded=True, result={}, executor=EXECUTOR)


def test_a_failed_write_sends_the_incident_back_to_investigation(
    incident: Incident, responder: Any, approver: Any
) -> None:
    action = _approved(incident, responder, approver)
    action_claim(action_uuid=action.uuid, command=make_command(), executor=EXECUTOR)

    action_complete(action_uuid=action.uuid, succeeded=False, result={"error": "quota"}, executor=EXECUTOR)

    incident.refresh_from_db()
    assert incident.status == IncidentStatus.INVESTIGATING


def test_every_step_of_the_gate_is_audited_in_order(incident: Incident, responder: Any, approver: Any) -> None:
    action = _approved(incident, responder, approver)
    action_claim(action_uuid=action.uuid, command=make_command(), executor=EXECUTOR)
    action_complete(action_uuid=action.uuid, succeeded=True, result={}, executor=EXECUTOR)

    verbs = list(AuditEvent.objects.filter(object_type="action").values_list("verb", flat=True))
    assert verbs == ["action.requested", "action.approved", "action.claimed", "action.executed"]
