"""The run list's search: each filter narrows exactly, fault and task types resolve through the
problem registry (and a scenario run's stored fields), pages keep the filters."""

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from incidents.models import Incident
from tests.conftest import SignedIn
from tests.trajectories.conftest import SYSTEM, start_problem_run
from trajectories.models import Trajectory
from trajectories.services.runs import trajectory_finish, trajectory_start
from trajectories.web import RUNS_PER_PAGE

PORT_DETECTION = "k8s_target_port-misconfig-detection-1"
PORT_MITIGATION = "k8s_target_port-misconfig-mitigation-2"
MONGO_DETECTION = "auth_miss_mongodb-detection-1"
ALL = ["port_detection_ok", "port_mitigation_failed", "mongo_running", "scenario", "incident"]


def _finished(run: Trajectory, success: bool) -> Trajectory:
    status = "succeeded" if success else "failed"
    return trajectory_finish(trajectory=run, status=status, actor=SYSTEM, outcome={"success": success}, success=success)


@pytest.fixture
def runs(incident: Incident) -> dict[str, Trajectory]:
    scenario = {"app": "SocialNetwork", "fault": "k8s_target_port-misconfig", "task": "mitigation", "source": "file"}
    return {
        "port_detection_ok": _finished(start_problem_run(PORT_DETECTION), True),
        "port_mitigation_failed": _finished(start_problem_run(PORT_MITIGATION, agent_kind="baseline"), False),
        "mongo_running": start_problem_run(MONGO_DETECTION, model="qwen2.5-7b"),
        "scenario": start_problem_run("my-port-scenario", scenario=scenario),
        "incident": trajectory_start(actor=SYSTEM, incident=incident, agent_kind="aoi", backend="replay", model="m"),
    }


def _listed(signed_in: SignedIn, user: Any, query: str) -> set[Any]:
    response = signed_in(user).get(f"/trajectories/?{query}")
    assert response.status_code == 200
    return {run.pk for run in response.context["page"].object_list}


def _ids(runs: dict[str, Trajectory], *names: str) -> set[Any]:
    return {runs[name].pk for name in names}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", ALL),
        ("problem=k8s_target_port", ["port_detection_ok", "port_mitigation_failed"]),
        (f"problem={MONGO_DETECTION}", ["mongo_running"]),
        ("fault=k8s_target_port-misconfig", ["port_detection_ok", "port_mitigation_failed", "scenario"]),
        ("task=detection", ["port_detection_ok", "mongo_running"]),
        ("task=mitigation", ["port_mitigation_failed", "scenario"]),
        ("fault=k8s_target_port-misconfig&task=detection", ["port_detection_ok"]),
        ("outcome=success", ["port_detection_ok"]),
        ("outcome=failure", ["port_mitigation_failed"]),
        ("outcome=ungraded", ["mongo_running", "scenario", "incident"]),
        ("agent_kind=baseline", ["port_mitigation_failed"]),
        ("model=qwen2.5-7b", ["mongo_running"]),
        ("status=running", ["mongo_running", "scenario", "incident"]),
        ("problem=&fault=&task=&outcome=&model=", ALL),
    ],
)
def test_filters_narrow_exactly(
    signed_in: SignedIn, superuser: Any, runs: dict[str, Trajectory], query: str, expected: list[str]
) -> None:
    assert _listed(signed_in, superuser, query) == _ids(runs, *expected)


def test_incident_filter(signed_in: SignedIn, superuser: Any, runs: dict[str, Trajectory], incident: Incident) -> None:
    assert _listed(signed_in, superuser, f"incident={incident.uuid}") == _ids(runs, "incident")


def test_date_range_covers_whole_days(signed_in: SignedIn, superuser: Any, runs: dict[str, Trajectory]) -> None:
    today = timezone.now().replace(hour=12)
    Trajectory.objects.filter(pk=runs["mongo_running"].pk).update(started_at=today - timedelta(days=3))
    Trajectory.objects.filter(pk=runs["scenario"].pk).update(started_at=today - timedelta(days=10))
    day = (today - timedelta(days=3)).date().isoformat()

    assert _listed(signed_in, superuser, f"started_from={day}&started_to={day}") == _ids(runs, "mongo_running")
    assert _listed(signed_in, superuser, f"started_to={day}") == _ids(runs, "mongo_running", "scenario")


def test_invalid_filter_shows_its_error_and_no_runs(
    signed_in: SignedIn, superuser: Any, runs: dict[str, Trajectory]
) -> None:
    response = signed_in(superuser).get("/trajectories/?fault=no-such-fault&incident=not-a-uuid")

    assert response.status_code == 200
    assert list(response.context["page"].object_list) == []
    assert "Select a valid choice" in response.content.decode()


def test_filters_hide_nothing_the_rule_hides_and_show_nothing_more(
    signed_in: SignedIn, viewer: Any, runs: dict[str, Trajectory]
) -> None:
    assert _listed(signed_in, viewer, "") == _ids(runs, "incident")
    assert _listed(signed_in, viewer, "fault=k8s_target_port-misconfig") == set()


def test_pages_of_fifty_keep_the_filters(signed_in: SignedIn, superuser: Any) -> None:
    for _ in range(RUNS_PER_PAGE + 3):
        start_problem_run(PORT_DETECTION, agent_kind="baseline")
    start_problem_run(PORT_DETECTION, agent_kind="aoi")
    client = signed_in(superuser)

    first = client.get("/trajectories/?agent_kind=baseline")
    second = client.get("/trajectories/?agent_kind=baseline&page=2")

    assert len(first.context["page"].object_list) == RUNS_PER_PAGE
    assert len(second.context["page"].object_list) == 3
    assert first.context["page"].paginator.count == RUNS_PER_PAGE + 3
    assert 'href="?agent_kind=baseline&amp;page=2"' in first.content.decode()
    assert 'href="?agent_kind=baseline&amp;page=1"' in second.content.decode()
    assert not {run.pk for run in first.context["page"]} & {run.pk for run in second.context["page"]}


def test_columns_show_the_run(
    signed_in: SignedIn, superuser: Any, runs: dict[str, Trajectory], incident: Incident
) -> None:
    page = signed_in(superuser).get("/trajectories/").content.decode()

    assert f'href="/incidents/{incident.uuid}/"' in page
    assert incident.title in page
    assert f'href="/trajectories/?problem={PORT_DETECTION}"' in page
    assert f'href="/trajectories/{runs["port_detection_ok"].pk}/"' in page
    assert "qwen2.5-7b" in page
    assert ">success<" in page
    assert ">failure<" in page
    assert ">ungraded<" in page


def test_a_fault_only_scenarios_pose_is_a_filter_too(signed_in: SignedIn, reader: Any) -> None:
    noop = start_problem_run("quiet-noop", scenario={"app": "SocialNetwork", "fault": "noop", "task": "detection"})
    start_problem_run(PORT_DETECTION)

    assert _listed(signed_in, reader, "fault=noop") == {noop.pk}
