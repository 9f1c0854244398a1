"""Who sees which run on the pages: exactly the API's rule (``trajectories.selectors``). A hidden run
is a 404 like an unknown one, is absent from the list, and cannot be compared."""

import uuid
from typing import Any

import pytest

from tests.conftest import SignedIn
from tests.factories import make_incident
from tests.trajectories.conftest import SYSTEM
from trajectories.models import AuditEvent, Step, Trajectory
from trajectories.services.runs import trajectory_start

ACTORS = ["anonymous", "nobody", "viewer", "outsider", "reader", "superuser"]
# (incident run, problem run) visibility per person, as in tests/trajectories/test_api_permissions.py.
SEES = {
    "nobody": (False, False),
    "viewer": (True, False),
    "outsider": (False, False),
    "reader": (False, True),
    "superuser": (True, True),
}


@pytest.fixture
def world(request: pytest.FixtureRequest, incident_run: Trajectory, problem_run: Trajectory) -> dict[str, Trajectory]:
    request.getfixturevalue("other_team")
    return {"incident": incident_run, "problem": problem_run}


def _user(request: pytest.FixtureRequest, actor: str) -> Any:
    return None if actor == "anonymous" else request.getfixturevalue(actor)


def _snapshot() -> tuple[Any, ...]:
    return (Trajectory.objects.count(), Step.objects.count(), AuditEvent.objects.count())


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize("subject", ["incident", "problem"])
def test_detail_page_matrix(
    request: pytest.FixtureRequest, signed_in: SignedIn, world: dict[str, Trajectory], actor: str, subject: str
) -> None:
    run, client = world[subject], signed_in(_user(request, actor))
    before = _snapshot()

    response = client.get(f"/trajectories/{run.pk}/")

    if actor == "anonymous":
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")
        return
    sees = SEES[actor][subject == "problem"]
    assert response.status_code == (200 if sees else 404)
    assert (str(run.pk) in response.content.decode()) is sees
    assert _snapshot() == before


@pytest.mark.parametrize("actor", ACTORS)
def test_list_page_matrix(
    request: pytest.FixtureRequest, signed_in: SignedIn, world: dict[str, Trajectory], actor: str
) -> None:
    response = signed_in(_user(request, actor)).get("/trajectories/")

    if actor == "anonymous":
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")
        return
    assert response.status_code == 200
    listed = {run.pk for run in response.context["page"].object_list}
    expected = {world[subject].pk for subject, seen in zip(("incident", "problem"), SEES[actor], strict=True) if seen}
    assert listed == expected
    page = response.content.decode()
    for subject in ("incident", "problem"):
        assert (f"/trajectories/{world[subject].pk}/" in page) is (world[subject].pk in expected)


def test_unknown_run_is_the_same_404_as_a_hidden_one(
    signed_in: SignedIn, world: dict[str, Trajectory], outsider: Any
) -> None:
    client = signed_in(outsider)

    hidden = client.get(f"/trajectories/{world['incident'].pk}/")
    unknown = client.get(f"/trajectories/{uuid.uuid4()}/")

    assert hidden.status_code == unknown.status_code == 404


@pytest.mark.parametrize("actor", ACTORS)
def test_diff_page_matrix(
    request: pytest.FixtureRequest, signed_in: SignedIn, world: dict[str, Trajectory], actor: str
) -> None:
    run = world["incident"]

    response = signed_in(_user(request, actor)).get(f"/trajectories/diff/?a={run.pk}&b={run.pk}")

    if actor == "anonymous":
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")
        return
    sees = SEES[actor][0]
    assert response.status_code == (200 if sees else 404)
    if not sees:
        assert "does not exist or you may not see it" in response.content.decode()
        assert "checkout-0" not in response.content.decode()


def test_diff_refuses_when_one_run_is_hidden(
    signed_in: SignedIn, incident: Any, incident_run: Trajectory, viewer: Any, other_team: Any
) -> None:
    foreign = trajectory_start(
        actor=SYSTEM, incident=make_incident(other_team), agent_kind="baseline", backend="replay", model="m"
    )

    response = signed_in(viewer).get(f"/trajectories/diff/?a={incident_run.pk}&b={foreign.pk}")

    assert response.status_code == 404
    assert "does not exist or you may not see it" in response.content.decode()
