"""Permission matrix: every incident and action endpoint, for every kind of caller. A denial
answers the listed status and changes nothing."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from rest_framework.test import APIClient

from incidents.models import ActionRequest, Approval, Incident, IncidentEvent
from tests.factories import make_action, make_command

ACTORS = ["anonymous", "nobody", "outsider", "viewer", "responder", "approver", "superuser"]


@dataclass(frozen=True)
class Endpoint:
    name: str
    method: str
    path: str  # formatted with incident and action uuids
    body: dict[str, Any] | None
    statuses: dict[str, int]  # per actor


READ = {
    "anonymous": 401,
    "nobody": 404,
    "outsider": 404,
    "viewer": 200,
    "responder": 200,
    "approver": 200,
    "superuser": 200,
}
CHANGE = {**READ, "viewer": 403}
APPROVE = {**CHANGE, "responder": 403}
ANY_SIGNED_IN = {actor: 200 for actor in ACTORS} | {"anonymous": 401}

ENDPOINTS = [
    Endpoint("incident list", "get", "/api/v1/incidents/", None, ANY_SIGNED_IN),
    Endpoint("incident detail", "get", "/api/v1/incidents/{incident}/", None, READ),
    Endpoint(
        "incident create",
        "post",
        "/api/v1/incidents/",
        {"team": "sre", "title": "queue backlog"},
        {
            **ANY_SIGNED_IN,
            "nobody": 403,
            "outsider": 403,
            "viewer": 403,
            "responder": 201,
            "approver": 201,
            "superuser": 201,
        },
    ),
    Endpoint("transition", "post", "/api/v1/incidents/{incident}/transition/", {"status": "investigating"}, CHANGE),
    Endpoint("label", "post", "/api/v1/incidents/{incident}/label/", {"rca_component": "geo"}, CHANGE),
    Endpoint("events", "get", "/api/v1/incidents/{incident}/events/", None, READ),
    Endpoint("incident actions", "get", "/api/v1/incidents/{incident}/actions/", None, READ),
    Endpoint(
        "request action",
        "post",
        "/api/v1/incidents/{incident}/actions/",
        {"command": make_command(replicas=5), "risk_class": "low", "rationale": "more headroom"},
        {**CHANGE, "responder": 201, "approver": 201, "superuser": 201},
    ),
    Endpoint("approval queue", "get", "/api/v1/actions/", None, ANY_SIGNED_IN),
    Endpoint("action detail", "get", "/api/v1/actions/{action}/", None, READ),
    Endpoint("approve", "post", "/api/v1/actions/{action}/approve/", {"action_hash": "{hash}"}, APPROVE),
    Endpoint("reject", "post", "/api/v1/actions/{action}/reject/", {"reason": "not now"}, APPROVE),
]


def _snapshot() -> tuple[Any, ...]:
    return (
        list(Incident.objects.order_by("pk").values_list("pk", "status", "rca_component", "last_event_seq")),
        list(ActionRequest.objects.order_by("pk").values_list("pk", "status")),
        Approval.objects.count(),
        IncidentEvent.objects.count(),
    )


@pytest.fixture
def world(
    team: Any, other_team: Any, incident: Incident, responder: Any, nobody: Any, superuser: Any
) -> dict[str, Any]:
    return {"incident": incident, "action": make_action(incident, responder)}


def _call(client: APIClient, endpoint: Endpoint, world: dict[str, Any]) -> Any:
    ids = {"incident": world["incident"].uuid, "action": world["action"].uuid}
    body = endpoint.body
    if body is not None and body.get("action_hash") == "{hash}":
        body = {"action_hash": world["action"].action_hash}
    return getattr(client, endpoint.method)(endpoint.path.format(**ids), body, format="json")


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=lambda e: e.name)
def test_permission_matrix(
    request: pytest.FixtureRequest,
    api: Callable[[Any], APIClient],
    world: dict[str, Any],
    endpoint: Endpoint,
    actor: str,
) -> None:
    user = None if actor == "anonymous" else request.getfixturevalue(actor)
    before = _snapshot()

    response = _call(api(user), endpoint, world)

    expected = endpoint.statuses[actor]
    assert response.status_code == expected, response.content
    if expected >= 400:
        assert _snapshot() == before


@pytest.mark.parametrize(
    ("actor", "visible"), [("nobody", 0), ("outsider", 0), ("viewer", 1), ("approver", 1), ("superuser", 1)]
)
def test_incident_list_shows_only_what_the_caller_may_view(
    request: pytest.FixtureRequest, api: Callable[[Any], APIClient], world: dict[str, Any], actor: str, visible: int
) -> None:
    response = api(request.getfixturevalue(actor)).get("/api/v1/incidents/")

    assert response.json()["count"] == visible


@pytest.mark.parametrize(
    ("actor", "queued"), [("viewer", 0), ("responder", 0), ("outsider", 0), ("approver", 1), ("superuser", 1)]
)
def test_approval_queue_lists_what_the_caller_may_approve(
    request: pytest.FixtureRequest, api: Callable[[Any], APIClient], world: dict[str, Any], actor: str, queued: int
) -> None:
    response = api(request.getfixturevalue(actor)).get("/api/v1/actions/?status=pending")

    assert response.json()["count"] == queued


def test_the_approval_queue_leaves_out_the_callers_own_requests(
    api: Callable[[Any], APIClient], incident: Incident, approver: Any
) -> None:
    make_action(incident, approver)

    assert api(approver).get("/api/v1/actions/?status=pending").json()["count"] == 0


def test_self_approval_through_the_api_is_refused(
    api: Callable[[Any], APIClient], incident: Incident, approver: Any
) -> None:
    action = make_action(incident, approver)

    response = api(approver).post(
        f"/api/v1/actions/{action.uuid}/approve/", {"action_hash": action.action_hash}, format="json"
    )

    assert response.status_code == 403
    assert response.json()["code"] == "self_approval"
    assert Approval.objects.count() == 0


def test_approving_with_a_stale_hash_is_a_conflict(
    api: Callable[[Any], APIClient], world: dict[str, Any], approver: Any
) -> None:
    response = api(approver).post(
        f"/api/v1/actions/{world['action'].uuid}/approve/", {"action_hash": "a" * 64}, format="json"
    )

    assert response.status_code == 409
    assert response.json()["code"] == "hash_mismatch"


@pytest.mark.parametrize("body", [{}, {"action_hash": "not-a-hash"}, {"action_hash": 7}])
def test_approve_validates_its_body(
    api: Callable[[Any], APIClient], world: dict[str, Any], approver: Any, body: dict[str, Any]
) -> None:
    response = api(approver).post(f"/api/v1/actions/{world['action'].uuid}/approve/", body, format="json")

    assert response.status_code == 400
    assert "action_hash" in response.json()
    assert Approval.objects.count() == 0


@pytest.mark.parametrize("path", ["/api/v1/incidents/{u}/", "/api/v1/actions/{u}/", "/api/v1/actions/{u}/approve/"])
def test_unknown_ids_are_404(api: Callable[[Any], APIClient], approver: Any, path: str) -> None:
    method = "post" if path.endswith("approve/") else "get"

    response = getattr(api(approver), method)(path.format(u="00000000-0000-0000-0000-000000000000"), {}, format="json")

    assert response.status_code == 404


def test_events_resync_from_a_sequence_number(
    api: Callable[[Any], APIClient], world: dict[str, Any], viewer: Any
) -> None:
    incident = world["incident"]
    incident.refresh_from_db()

    everything = api(viewer).get(f"/api/v1/incidents/{incident.uuid}/events/").json()
    tail = api(viewer).get(f"/api/v1/incidents/{incident.uuid}/events/?since=2").json()

    assert [e["seq"] for e in everything["events"]] == list(range(1, incident.last_event_seq + 1))
    assert [e["seq"] for e in tail["events"]] == list(range(3, incident.last_event_seq + 1))
    assert tail["last_seq"] == incident.last_event_seq
    assert api(viewer).get(f"/api/v1/incidents/{incident.uuid}/events/?since=-1").status_code == 400


def test_a_malformed_action_request_gets_a_clear_400(
    api: Callable[[Any], APIClient], incident: Incident, responder: Any
) -> None:
    response = api(responder).post(
        f"/api/v1/incidents/{incident.uuid}/actions/",
        {"command": {"verb": "rm -rf"}, "risk_class": "low", "rationale": "x"},
        format="json",
    )

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_command"
    assert ActionRequest.objects.count() == 0


def test_an_illegal_transition_is_a_conflict(
    api: Callable[[Any], APIClient], incident: Incident, responder: Any
) -> None:
    response = api(responder).post(
        f"/api/v1/incidents/{incident.uuid}/transition/", {"status": "closed"}, format="json"
    )

    assert response.status_code == 409
    assert response.json()["code"] == "invalid_transition"
