"""Reads of runs: who sees which run, the list's filters, steps since an index, the JSONL export."""

import json
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser, Group, Permission
from django.utils import timezone

from tests.trajectories.conftest import SYSTEM, append_steps, start_problem_run
from trajectories.models import Trajectory
from trajectories.selectors import (
    step_list,
    trajectory_export_jsonl,
    trajectory_get,
    trajectory_is_visible,
    trajectory_list,
)
from trajectories.services.runs import trajectory_finish
from trajectories.services.steps import step_append

# Who sees the run on the team's incident, and who sees the run on a simulated problem.
VISIBILITY = [
    ("nobody", False, False),
    ("viewer", True, False),
    ("approver", True, False),
    ("outsider", False, False),
    ("auditor", False, False),
    ("staff", False, False),
    ("reader", False, True),
    ("superuser", True, True),
]


@pytest.mark.parametrize(("who", "sees_incident_run", "sees_problem_run"), VISIBILITY)
def test_visibility_rule_is_the_same_for_lists_and_objects(
    request: pytest.FixtureRequest,
    incident_run: Trajectory,
    problem_run: Trajectory,
    who: str,
    sees_incident_run: bool,
    sees_problem_run: bool,
) -> None:
    request.getfixturevalue("other_team")
    user = request.getfixturevalue(who)

    listed = set(trajectory_list(user=user))

    assert listed == {run for run, seen in ((incident_run, sees_incident_run), (problem_run, sees_problem_run)) if seen}
    assert trajectory_is_visible(user=user, trajectory=incident_run) is sees_incident_run
    assert trajectory_is_visible(user=user, trajectory=problem_run) is sees_problem_run
    assert (trajectory_get(user=user, trajectory_id=problem_run.pk) is not None) is sees_problem_run


def test_anonymous_sees_nothing(incident_run: Trajectory, problem_run: Trajectory) -> None:
    anonymous = AnonymousUser()

    assert list(trajectory_list(user=anonymous)) == []
    assert not trajectory_is_visible(user=anonymous, trajectory=problem_run)
    assert trajectory_get(user=anonymous, trajectory_id=incident_run.pk) is None


def test_the_global_permission_through_a_group_shows_problem_runs(
    auditor: Any, incident_run: Trajectory, problem_run: Trajectory
) -> None:
    Group.objects.get(name="auditors").permissions.add(Permission.objects.get(codename="view_trajectory"))

    assert list(trajectory_list(user=auditor)) == [problem_run]


@pytest.mark.django_db
def test_filters_narrow_the_list(superuser: Any) -> None:
    won = start_problem_run("a-detection-1", model="qwen", benchmark_run="b1")
    lost = start_problem_run("a-detection-1", agent_kind="baseline", backend="openai")
    running = start_problem_run("b-mitigation-1")
    trajectory_finish(trajectory=won, status="succeeded", actor=SYSTEM, success=True)
    trajectory_finish(trajectory=lost, status="failed", actor=SYSTEM, success=False)

    def ids(**filters: Any) -> set[Any]:
        return {run.pk for run in trajectory_list(user=superuser, **filters)}

    assert ids(problem_id="a-detection-1") == {won.pk, lost.pk}
    assert ids(agent_kind="baseline") == {lost.pk}
    assert ids(status="running") == {running.pk}
    assert ids(outcome="success") == {won.pk}
    assert ids(outcome="failure") == {lost.pk}
    assert ids(outcome="ungraded") == {running.pk}
    assert ids(model="qwen") == {won.pk}
    assert ids(backend="openai") == {lost.pk}
    assert ids(benchmark_run="b1") == {won.pk}
    assert ids(problem_id="a-detection-1", outcome="failure", agent_kind="aoi") == set()


@pytest.mark.django_db
def test_the_time_range_is_half_open_on_the_start(superuser: Any) -> None:
    base = timezone.now().replace(microsecond=0)
    early, late = start_problem_run("early"), start_problem_run("late")
    Trajectory.objects.filter(pk=early.pk).update(started_at=base - timedelta(hours=2))
    Trajectory.objects.filter(pk=late.pk).update(started_at=base)

    since = trajectory_list(user=superuser, started_after=base)
    before = trajectory_list(user=superuser, started_before=base)
    window = trajectory_list(user=superuser, started_after=base - timedelta(hours=3), started_before=base)

    assert [run.pk for run in since] == [late.pk]
    assert [run.pk for run in before] == [early.pk]
    assert [run.pk for run in window] == [early.pk]
    assert [run.pk for run in trajectory_list(user=superuser)] == [late.pk, early.pk]  # newest first


@pytest.mark.django_db
def test_step_list_resumes_after_an_index() -> None:
    run = start_problem_run()
    append_steps(run, 5)

    assert [s.index for s in step_list(trajectory=run)] == [1, 2, 3, 4, 5]
    assert [s.index for s in step_list(trajectory=run, since=3)] == [4, 5]
    assert [s.index for s in step_list(trajectory=run, since=1, limit=2)] == [2, 3]
    assert list(step_list(trajectory=run, since=5)) == []


def _records(run: Trajectory, page_size: int = 200) -> list[dict[str, Any]]:
    return [json.loads(line) for line in trajectory_export_jsonl(trajectory=run, page_size=page_size)]


@pytest.mark.django_db
def test_export_is_the_run_then_each_prompt_once_then_its_steps() -> None:
    run = start_problem_run(scenario={"id": "custom", "app": "HotelReservation"})
    append_steps(run, 3)
    step_append(trajectory=run, role="observer", phase="reason", completion="no prompt here")
    trajectory_finish(trajectory=run, status="succeeded", actor=SYSTEM, outcome={"task": "detection"}, success=True)

    records = _records(run, page_size=2)  # pages of two: prompts already sent stay sent

    assert [r["type"] for r in records] == ["trajectory", "prompt", "step", "prompt", "step", "step", "step"]
    head = records[0]
    assert (head["id"], head["status"], head["steps_count"], head["success"]) == (str(run.pk), "succeeded", 4, True)
    assert head["scenario"] == {"id": "custom", "app": "HotelReservation"}
    assert head["outcome"] == {"task": "detection"}
    assert [(r["sha256"], r["text"]) for r in records if r["type"] == "prompt"] == [
        (records[2]["prompt_sha256"], "prompt 0"),
        (records[4]["prompt_sha256"], "prompt 1"),
    ]
    steps = [r for r in records if r["type"] == "step"]
    assert [s["index"] for s in steps] == [1, 2, 3, 4]
    assert steps[2]["prompt_sha256"] == steps[0]["prompt_sha256"]
    assert steps[0]["tool_result"] == "NAME READY STATUS\ncheckout-0 1/1 Running\n"
    assert steps[0]["action"] == {"tool": "kubectl", "args": ["get", "pods"], "n": 0}
    assert (steps[3]["prompt_sha256"], steps[3]["completion"]) == (None, "no prompt here")


@pytest.mark.django_db
def test_export_stops_at_the_steps_the_run_had_when_it_began() -> None:
    run = start_problem_run()
    append_steps(run, 2)
    lines = trajectory_export_jsonl(trajectory=run, page_size=1)
    head = json.loads(next(lines))

    append_steps(run, 2)  # the run goes on while the export is read

    assert head["steps_count"] == 2
    assert [json.loads(line)["index"] for line in lines if '"type": "step"' in line] == [1, 2]
