"""Automatic diagnosis: an alert that opens an incident on a team with ``auto_diagnose`` starts a hosted run
once the delivery commits, through the real webhook. The run has no person behind it, so the action it
asks for has no requesting user and any approver of the team may decide on it."""

from __future__ import annotations

from typing import Any

import pytest

from agents.hosting import run_work
from agents.models import AgentRun, RunStatus
from aoi_platform.errors import Forbidden
from incidents.models import ActionRequest, ActionStatus, Incident, IncidentStatus, Team
from incidents.services.actions import action_approve
from tests.agents_incidents.conftest import SCALED_TO_ZERO
from tests.alerts.conftest import deliver, integration
from tests.alerts.payloads import alert, webhook
from tests.alerts.support import Deliver
from trajectories.models import TrajectoryStatus

pytestmark = pytest.mark.django_db(transaction=True)
__all__ = ["deliver", "integration"]  # the alert tests' fixtures: the webhook as Alertmanager calls it
Dispatched = list[tuple[str, str]]
# Labels of an alert the simulator reproduces: the problem it names runs in the namespace the alert names.
REPRODUCIBLE = {"aoi_problem": SCALED_TO_ZERO, "namespace": "test-social-network", "service": "social-network"}


@pytest.fixture
def diagnosing(team: Team) -> Team:
    Team.objects.filter(pk=team.pk).update(auto_diagnose=True)
    return team


def _types(incident: Incident) -> list[str]:
    return list(incident.events.order_by("seq").values_list("type", flat=True))


def _delivered_incident(deliver: Deliver, labels: dict[str, str]) -> Incident:
    response = deliver(webhook(alert(labels=labels)))
    assert response.status_code == 200, response.content
    assert response.json()["created"] == 1
    return Incident.objects.get(uuid=response.json()["incidents"][0])


def test_an_alert_opening_a_reproducible_incident_starts_a_run_by_the_platform(
    diagnosing: Team, deliver: Deliver, dispatched: Dispatched
) -> None:
    incident = _delivered_incident(deliver, REPRODUCIBLE)

    run = AgentRun.objects.get()
    assert (run.incident_id, run.started_by, run.status) == (incident.pk, None, RunStatus.QUEUED)
    assert run.trajectory.created_by is None
    assert dispatched == [(str(run.pk), "agents")]
    assert (incident.status, incident.namespace, incident.application) == (
        IncidentStatus.INVESTIGATING,
        "test-social-network",
        "social-network",
    )
    assert _types(incident) == ["incident.created", "alert.received", "incident.status_changed", "run.started"]
    started = incident.events.get(type="run.started")
    assert (started.payload["run"], started.payload["started_by"]) == (str(run.pk), "")
    moved = incident.events.get(type="incident.status_changed")
    assert moved.payload["to"] == IncidentStatus.INVESTIGATING


def test_an_alert_the_simulator_cannot_reproduce_is_ingested_and_says_why_no_run_started(
    diagnosing: Team, deliver: Deliver, dispatched: Dispatched
) -> None:
    incident = _delivered_incident(deliver, {})  # namespace shop, no simulated problem named

    assert not AgentRun.objects.exists()
    assert dispatched == []
    assert incident.status == IncidentStatus.OPEN
    assert _types(incident) == ["incident.created", "alert.received", "run.not_started"]
    reason = incident.events.get(type="run.not_started").payload["reason"]
    assert reason.startswith("the environment is the simulator, and this incident names no simulated problem")


def test_a_team_that_does_not_diagnose_automatically_starts_nothing(
    team: Team, deliver: Deliver, dispatched: Dispatched
) -> None:
    assert team.auto_diagnose is False

    incident = _delivered_incident(deliver, REPRODUCIBLE)

    assert not AgentRun.objects.exists()
    assert dispatched == []
    assert incident.status == IncidentStatus.OPEN
    assert _types(incident) == ["incident.created", "alert.received"]


def test_a_repeated_delivery_of_the_same_alert_starts_no_second_run(
    diagnosing: Team, deliver: Deliver, dispatched: Dispatched
) -> None:
    incident = _delivered_incident(deliver, REPRODUCIBLE)

    again = deliver(webhook(alert(labels=REPRODUCIBLE)))

    assert again.status_code == 200
    assert (again.json()["created"], again.json()["updated"], again.json()["incidents"]) == (
        0,
        1,
        [str(incident.uuid)],
    )
    run = AgentRun.objects.get()
    assert dispatched == [(str(run.pk), "agents")]
    assert _types(incident).count("run.started") == 1
    assert "run.not_started" not in _types(incident)


def test_every_incident_a_delivery_opens_gets_its_own_run(
    diagnosing: Team, deliver: Deliver, dispatched: Dispatched
) -> None:
    two = webhook(alert(labels=REPRODUCIBLE), alert(fingerprint="9d1b7c3e4f5a6b7c", labels=REPRODUCIBLE))

    response = deliver(two)

    assert response.status_code == 200
    assert response.json()["created"] == 2
    opened = {str(Incident.objects.get(uuid=uuid).pk) for uuid in response.json()["incidents"]}
    runs = list(AgentRun.objects.values_list("pk", "incident_id"))
    assert {str(incident) for _, incident in runs} == opened
    assert sorted(dispatched) == sorted((str(run), "agents") for run, _ in runs)


@pytest.mark.parametrize("decider", ["approver", "approver2"])
def test_any_approver_decides_on_the_write_of_a_run_nobody_started(
    request: pytest.FixtureRequest,
    diagnosing: Team,
    deliver: Deliver,
    responder: Any,
    dispatched: Dispatched,
    decider: str,
) -> None:
    incident = _delivered_incident(deliver, REPRODUCIBLE)
    run = AgentRun.objects.get()
    assert run_work(str(run.pk)) == "paused"
    action = ActionRequest.objects.get()
    assert (action.requester_user, action.requester_agent, action.status) == (
        None,
        str(run.trajectory_id),
        ActionStatus.PENDING,
    )
    with pytest.raises(Forbidden) as refused:  # change permission is not enough to decide
        action_approve(action=action, user=responder, action_hash=action.action_hash)
    assert refused.value.code == "no_approve_permission"

    action_approve(action=action, user=request.getfixturevalue(decider), action_hash=action.action_hash)

    run.refresh_from_db()
    assert (run.status, run.queue) == (RunStatus.QUEUED, "executor")
    assert dispatched[-1] == (str(run.pk), "executor")
    assert run_work(str(run.pk)) == "finished"
    run.refresh_from_db()
    action.refresh_from_db()
    incident.refresh_from_db()
    assert action.status == ActionStatus.SUCCEEDED
    assert list(action.approvals.values_list("user__username", "decision")) == [(decider, "approve")]
    assert run.trajectory.status == TrajectoryStatus.SUCCEEDED
    assert run.trajectory.outcome["outcome"] == "fixed"
    assert incident.diagnosis is not None
    assert incident.diagnosis["component"] == "user-service"


def test_a_start_that_breaks_is_recorded_and_never_fails_the_delivery(
    diagnosing: Team, deliver: Deliver, dispatched: Dispatched, monkeypatch: pytest.MonkeyPatch
) -> None:
    from agents import hosting

    def broken(**kwargs: Any) -> AgentRun:
        raise RuntimeError("database went away")

    monkeypatch.setattr(hosting, "run_start", broken)

    incident = _delivered_incident(deliver, REPRODUCIBLE)  # 200: the alert is stored

    assert not AgentRun.objects.exists()
    event = incident.events.get(type="run.not_started")
    assert event.payload == {"reason": "the run could not be started (RuntimeError)"}
