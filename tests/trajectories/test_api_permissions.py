"""Permission matrix of the run endpoints: every kind of caller, on a run of the team's incident and
on a run of a simulated problem. Each answer has its exact status, and no call changes anything."""

from collections.abc import Callable
from typing import Any

import pytest
from rest_framework.test import APIClient

from agents.models import KnowledgeItem
from trajectories.models import AuditEvent, Prompt, Step, Trajectory

Api = Callable[[Any], APIClient]
ACTORS = ["anonymous", "nobody", "viewer", "outsider", "auditor", "staff", "reader", "superuser"]
# (incident run, problem run) visibility per caller; see trajectories.selectors for the rule.
SEES = {
    "nobody": (False, False),
    "viewer": (True, False),
    "outsider": (False, False),
    "auditor": (False, False),
    "staff": (False, False),
    "reader": (False, True),
    "superuser": (True, True),
}
DETAIL_ENDPOINTS = [
    "/api/v1/trajectories/{id}/",
    "/api/v1/trajectories/{id}/steps/",
    "/api/v1/trajectories/{id}/export/",
]


def _snapshot() -> tuple[Any, ...]:
    return (
        list(Trajectory.objects.order_by("pk").values_list("pk", "status", "steps_count", "tokens_in", "outcome")),
        Step.objects.count(),
        Prompt.objects.count(),
        AuditEvent.objects.count(),
        KnowledgeItem.objects.count(),
    )


@pytest.fixture
def world(request: pytest.FixtureRequest, incident_run: Trajectory, problem_run: Trajectory) -> dict[str, Trajectory]:
    request.getfixturevalue("other_team")
    return {"incident": incident_run, "problem": problem_run}


def _client(request: pytest.FixtureRequest, api: Api, actor: str) -> APIClient:
    return api(None if actor == "anonymous" else request.getfixturevalue(actor))


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize("subject", ["incident", "problem"])
@pytest.mark.parametrize("path", DETAIL_ENDPOINTS, ids=["detail", "steps", "export"])
def test_detail_endpoints_matrix(
    request: pytest.FixtureRequest, api: Api, world: dict[str, Trajectory], actor: str, subject: str, path: str
) -> None:
    client = _client(request, api, actor)
    before = _snapshot()

    response: Any = client.get(path.format(id=world[subject].pk))

    expected = 401 if actor == "anonymous" else 200 if SEES[actor][subject == "problem"] else 404
    assert response.status_code == expected
    if expected == 200 and path.endswith("export/"):
        assert str(world[subject].pk) in b"".join(response.streaming_content).decode()
    elif expected != 200:
        assert str(world[subject].pk) not in response.content.decode()
    assert _snapshot() == before


@pytest.mark.parametrize("actor", ACTORS)
def test_list_matrix(request: pytest.FixtureRequest, api: Api, world: dict[str, Trajectory], actor: str) -> None:
    client = _client(request, api, actor)
    before = _snapshot()

    response = client.get("/api/v1/trajectories/")

    assert _snapshot() == before
    if actor == "anonymous":
        assert response.status_code == 401
        assert "results" not in response.json()
        return
    assert response.status_code == 200
    sees_incident, sees_problem = SEES[actor]
    expected = {str(world[k].pk) for k, seen in (("incident", sees_incident), ("problem", sees_problem)) if seen}
    assert {run["id"] for run in response.json()["results"]} == expected
    assert response.json()["count"] == len(expected)


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
@pytest.mark.parametrize("path", ["/api/v1/trajectories/", *DETAIL_ENDPOINTS])
def test_writes_are_undeclared_actions_hence_denied_even_to_superusers(
    api: Api, superuser: Any, world: dict[str, Trajectory], method: str, path: str
) -> None:
    before = _snapshot()

    response = getattr(api(superuser), method)(path.format(id=world["problem"].pk), {"status": "failed"}, format="json")

    assert response.status_code == 403  # no action maps to the method: denied before routing (405)
    assert _snapshot() == before


def test_an_unknown_or_malformed_id_is_404(api: Api, superuser: Any, world: dict[str, Trajectory]) -> None:
    client = api(superuser)

    assert client.get("/api/v1/trajectories/00000000-0000-0000-0000-000000000000/").status_code == 404
    assert client.get("/api/v1/trajectories/not-a-uuid/").status_code == 404
