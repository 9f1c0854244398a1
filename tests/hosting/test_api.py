"""The API of hosted runs: ``POST /api/v1/incidents/<uuid>/diagnose/`` starts one (202, dispatched when the
request commits), ``GET /api/v1/incidents/<uuid>/runs/`` lists them. Every caller of the permission matrix,
the refusals (409 with their codes, 400 for an incident the environment cannot serve, CSRF on a session),
and the diagnosis the incident shows once a run has finished."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from rest_framework.test import APIClient

from agents.hosting import run_start, run_work
from agents.models import AgentRun, RunStatus
from incidents.models import Incident, IncidentStatus
from incidents.services.actions import action_approve
from incidents.services.incidents import incident_transition
from tests.factories import PASSWORD
from trajectories.audit.services import Actor
from trajectories.models import Trajectory

pytestmark = pytest.mark.django_db(transaction=True)
Api = Callable[[Any], APIClient]
Dispatched = list[tuple[str, str]]
ACTORS = ["anonymous", "nobody", "outsider", "viewer", "responder", "approver", "superuser"]
DIAGNOSE = {
    "anonymous": 401,
    "nobody": 404,
    "outsider": 404,
    "viewer": 403,  # views the incident, may not change it
    "responder": 202,
    "approver": 202,  # approvers hold change_incident too (incidents.services.teams.ROLE_PERMISSIONS)
    "superuser": 202,
}
RUNS = {**dict.fromkeys(ACTORS, 200), "anonymous": 401, "nobody": 404, "outsider": 404}
UNKNOWN = "00000000-0000-0000-0000-000000000000"


def _diagnose(client: APIClient | Client, incident: Incident, **extra: Any) -> Any:
    return client.post(f"/api/v1/incidents/{incident.uuid}/diagnose/", {}, content_type="application/json", **extra)


def _snapshot(incident: Incident) -> tuple[Any, ...]:
    """What a refused start must leave alone: the incident, its event log, runs and trajectories."""
    current = Incident.objects.get(pk=incident.pk)
    return (
        current.status,
        current.last_event_seq,
        list(AgentRun.objects.values_list("pk", "status")),
        Trajectory.objects.count(),
    )


def _types(incident: Incident) -> list[str]:
    return list(incident.events.order_by("seq").values_list("type", flat=True))


def _signed_in(user: Any) -> Client:
    client = Client(enforce_csrf_checks=True)
    assert client.login(username=user.get_username(), password=PASSWORD)
    return client


@pytest.fixture
def world(sim_incident: Incident, other_team: Any, nobody: Any, superuser: Any, dispatched: Dispatched) -> Incident:
    """Every caller of the matrix exists; the incident is one the simulator reproduces."""
    return sim_incident


def test_diagnose_answers_202_with_the_queued_run_and_dispatches_it_once_committed(
    api: Api, sim_incident: Incident, responder: Any, dispatched: Dispatched
) -> None:
    response = api(responder).post(f"/api/v1/incidents/{sim_incident.uuid}/diagnose/", {}, format="json")

    assert response.status_code == 202, response.content
    body = response.json()
    run = AgentRun.objects.get()
    assert body["id"] == str(run.pk)
    assert (body["status"], body["queue"], body["incident"], body["started_by"]) == (
        "queued",
        "agents",
        str(sim_incident.uuid),
        "responder",
    )
    assert body["trajectory"] == str(run.trajectory_id)
    assert (body["awaiting_action"], body["deliveries"], body["version"], body["finished_at"]) == (None, 0, 0, None)
    assert (run.status, run.started_by, run.incident_id) == (RunStatus.QUEUED, responder, sim_incident.pk)
    assert dispatched == [(str(run.pk), "agents")]
    sim_incident.refresh_from_db()
    assert sim_incident.status == IncidentStatus.INVESTIGATING
    started = sim_incident.events.get(type="run.started")
    assert (started.payload["run"], started.payload["trajectory"], started.payload["started_by"]) == (
        str(run.pk),
        str(run.trajectory_id),
        "responder",
    )
    assert _types(sim_incident)[-2:] == ["incident.status_changed", "run.started"]


@pytest.mark.parametrize("actor", ACTORS)
def test_diagnose_permission_matrix(
    request: pytest.FixtureRequest, api: Api, world: Incident, dispatched: Dispatched, actor: str
) -> None:
    user = None if actor == "anonymous" else request.getfixturevalue(actor)
    before = _snapshot(world)

    response = api(user).post(f"/api/v1/incidents/{world.uuid}/diagnose/", {}, format="json")

    assert response.status_code == DIAGNOSE[actor], response.content
    if DIAGNOSE[actor] == 202:
        assert user is not None
        run = AgentRun.objects.get()
        assert run.started_by == user
        assert response.json()["started_by"] == user.get_username()
        assert dispatched == [(str(run.pk), "agents")]
    else:
        assert _snapshot(world) == before
        assert dispatched == []


@pytest.mark.parametrize("actor", ACTORS)
def test_runs_permission_matrix(
    request: pytest.FixtureRequest, api: Api, world: Incident, responder: Any, actor: str
) -> None:
    run = run_start(incident=world, user=responder)
    user = None if actor == "anonymous" else request.getfixturevalue(actor)

    response = api(user).get(f"/api/v1/incidents/{world.uuid}/runs/")

    assert response.status_code == RUNS[actor], response.content
    if RUNS[actor] == 200:
        listed = response.json()
        assert [(r["id"], r["status"], r["started_by"], r["incident"]) for r in listed] == [
            (str(run.pk), "queued", "responder", str(world.uuid))
        ]


def test_a_second_diagnosis_while_a_run_is_going_is_a_conflict(
    api: Api, sim_incident: Incident, responder: Any, approver: Any, dispatched: Dispatched
) -> None:
    first = api(responder).post(f"/api/v1/incidents/{sim_incident.uuid}/diagnose/", {}, format="json")
    assert first.status_code == 202
    before = _snapshot(sim_incident)

    second = api(approver).post(f"/api/v1/incidents/{sim_incident.uuid}/diagnose/", {}, format="json")

    assert second.status_code == 409
    assert second.json()["code"] == "run_active"
    assert first.json()["id"] in second.json()["detail"]
    assert _snapshot(sim_incident) == before
    assert dispatched == [(first.json()["id"], "agents")]


def test_a_resolved_incident_is_not_diagnosed(
    api: Api, sim_incident: Incident, responder: Any, dispatched: Dispatched
) -> None:
    incident_transition(
        incident=sim_incident, to_status=IncidentStatus.RESOLVED, actor=Actor.system("tests"), reason="fixed by hand"
    )
    before = _snapshot(sim_incident)

    response = api(responder).post(f"/api/v1/incidents/{sim_incident.uuid}/diagnose/", {}, format="json")

    assert response.status_code == 409
    assert response.json()["code"] == "incident_not_active"
    assert _snapshot(sim_incident) == before
    assert before[0] == IncidentStatus.RESOLVED
    assert dispatched == []


def test_an_incident_the_simulator_cannot_reproduce_is_a_clear_400(
    api: Api, incident: Incident, responder: Any, dispatched: Dispatched
) -> None:
    before = _snapshot(incident)

    response = api(responder).post(f"/api/v1/incidents/{incident.uuid}/diagnose/", {}, format="json")

    assert response.status_code == 400  # a DomainError: neither a permission nor a state conflict
    assert response.json()["code"] == "environment_unavailable"
    assert "aoi_problem" in response.json()["detail"]
    assert _snapshot(incident) == before
    assert before[0] == IncidentStatus.OPEN
    assert dispatched == []


def test_an_unknown_incident_is_404(api: Api, approver: Any, dispatched: Dispatched) -> None:
    response = api(approver).post(f"/api/v1/incidents/{UNKNOWN}/diagnose/", {}, format="json")

    assert response.status_code == 404
    assert api(approver).get(f"/api/v1/incidents/{UNKNOWN}/runs/").status_code == 404
    assert not AgentRun.objects.exists()
    assert dispatched == []


def test_a_session_post_without_the_csrf_token_starts_nothing(
    sim_incident: Incident, responder: Any, dispatched: Dispatched
) -> None:
    before = _snapshot(sim_incident)

    response = _diagnose(_signed_in(responder), sim_incident)

    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]
    assert _snapshot(sim_incident) == before
    assert dispatched == []


def test_a_session_post_with_the_csrf_token_starts_the_run(
    sim_incident: Incident, responder: Any, dispatched: Dispatched
) -> None:
    client = _signed_in(responder)
    client.get("/accounts/login/")  # a page with a form sets the CSRF cookie

    response = _diagnose(client, sim_incident, headers={"X-CSRFToken": client.cookies["csrftoken"].value})

    assert response.status_code == 202, response.content
    assert dispatched == [(response.json()["id"], "agents")]


@pytest.mark.parametrize("actor", ["responder", "superuser"])
def test_diagnose_takes_no_get(
    request: pytest.FixtureRequest, api: Api, world: Incident, dispatched: Dispatched, actor: str
) -> None:
    before = _snapshot(world)

    response = api(request.getfixturevalue(actor)).get(f"/api/v1/incidents/{world.uuid}/diagnose/")

    # No action maps GET here: the permission class denies the undeclared action before DRF routes the
    # method (which would answer 405), as for every incident-scoped endpoint.
    assert response.status_code == 403
    assert response.json()["detail"] == "You do not have permission to do this on this incident."
    assert _snapshot(world) == before
    assert dispatched == []


def test_the_incident_shows_the_diagnosis_once_the_run_has_finished(
    api: Api, sim_incident: Incident, responder: Any, approver: Any, viewer: Any, dispatched: Dispatched
) -> None:
    started = api(responder).post(f"/api/v1/incidents/{sim_incident.uuid}/diagnose/", {}, format="json").json()
    detail = f"/api/v1/incidents/{sim_incident.uuid}/"
    assert (api(viewer).get(detail).json()["diagnosis"], api(viewer).get(detail).json()["diagnosed_at"]) == (
        None,
        None,
    )
    assert run_work(started["id"]) == "paused"
    action = AgentRun.objects.get(pk=started["id"]).awaiting_action
    assert action is not None
    action_approve(action=action, user=approver, action_hash=action.action_hash)

    assert run_work(started["id"]) == "finished"

    shown = api(viewer).get(detail).json()
    assert shown["diagnosis"]["component"] == "user-service"
    assert shown["diagnosis"]["run"] == started["trajectory"]
    assert shown["diagnosed_at"] is not None
    (run,) = api(viewer).get(f"/api/v1/incidents/{sim_incident.uuid}/runs/").json()
    assert (run["id"], run["status"], run["trajectory_status"], run["outcome"]["outcome"]) == (
        started["id"],
        "finished",
        "succeeded",
        "fixed",
    )
    assert run["finished_at"] is not None
