"""The pages run a fixed number of queries: more runs or more steps never mean more queries."""

from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext

from incidents.models import Incident
from tests.conftest import SignedIn
from tests.trajectories.conftest import SYSTEM, append_steps, start_problem_run
from trajectories.models import Trajectory
from trajectories.services.runs import trajectory_start


def _queries(client: Any, path: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(path).status_code == 200
    return len(captured)


def _incident_runs(incident: Incident, count: int) -> None:
    for _ in range(count):
        trajectory_start(actor=SYSTEM, incident=incident, agent_kind="aoi", backend="replay", model="m")


def test_list_page_queries_do_not_grow_with_runs(signed_in: SignedIn, viewer: Any, incident: Incident) -> None:
    client = signed_in(viewer)
    _incident_runs(incident, 5)
    few = _queries(client, "/trajectories/?outcome=ungraded")
    _incident_runs(incident, 45)

    many = _queries(client, "/trajectories/?outcome=ungraded")

    assert many == few


def test_detail_page_queries_do_not_grow_with_steps(signed_in: SignedIn, viewer: Any, incident: Incident) -> None:
    client = signed_in(viewer)
    small = trajectory_start(actor=SYSTEM, incident=incident, agent_kind="aoi", backend="replay", model="m")
    big = trajectory_start(actor=SYSTEM, incident=incident, agent_kind="aoi", backend="replay", model="m")
    append_steps(small, 5)
    append_steps(big, 60)

    assert _queries(client, f"/trajectories/{big.pk}/") == _queries(client, f"/trajectories/{small.pk}/")


def test_diff_page_queries_do_not_grow_with_steps(signed_in: SignedIn, reader: Any) -> None:
    client = signed_in(reader)
    pairs: list[tuple[Trajectory, Trajectory]] = []
    for count in (5, 60):
        a, b = start_problem_run(), start_problem_run()
        append_steps(a, count)
        append_steps(b, count)
        pairs.append((a, b))

    few, many = (_queries(client, f"/trajectories/diff/?a={a.pk}&b={b.pk}") for a, b in pairs)

    assert many == few
