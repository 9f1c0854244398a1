"""A run's lifecycle: start, the transition table, finish; each audited, each refusal changing nothing."""

from typing import Any

import pytest

from aoi_platform.errors import Conflict, DomainError
from incidents.models import Incident
from tests.trajectories.conftest import PROBLEM, SYSTEM, append_steps, start_problem_run
from trajectories.audit.services import Actor
from trajectories.models import TERMINAL_STATUSES, TRAJECTORY_TRANSITIONS, AuditEvent, Trajectory, TrajectoryStatus
from trajectories.services.runs import trajectory_finish, trajectory_set_status, trajectory_start

ALL_PAIRS = [(a, b) for a in TrajectoryStatus.values for b in TrajectoryStatus.values if a != b]
GRADE = {"problem_id": PROBLEM, "task": "detection", "success": True, "detection_correct": True, "expected": "Yes"}


def _audited(verb: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(verb=verb).order_by("seq"))


def _row(run: Trajectory) -> tuple[Any, ...]:
    return tuple(Trajectory.objects.filter(pk=run.pk).values_list("status", "finished_at", "outcome", "success").get())


@pytest.mark.django_db
def test_start_records_the_run_and_audits_it() -> None:
    run = start_problem_run(scenario={"id": PROBLEM, "app": "SocialNetwork", "seed": 7}, benchmark_run="bench-1")

    stored = Trajectory.objects.get(pk=run.pk)
    assert (stored.status, stored.steps_count, stored.tokens_in, stored.tokens_out) == ("running", 0, 0, 0)
    assert (stored.problem_id, stored.agent_kind, stored.backend, stored.model) == (
        PROBLEM,
        "aoi",
        "replay",
        "smollm2-135m",
    )
    assert stored.prompt_versions == {"observer": "v1", "probe": "v1"}
    assert (stored.seed, stored.leaks, stored.benchmark_run) == (7, False, "bench-1")
    assert stored.scenario == {"id": PROBLEM, "app": "SocialNetwork", "seed": 7}
    [event] = _audited("run.started")
    assert (event.actor_type, event.actor_label, event.object_type, event.object_id) == (
        "system",
        "tests",
        "trajectory",
        str(run.pk),
    )
    assert event.payload == {
        "incident": None,
        "problem_id": PROBLEM,
        "agent_kind": "aoi",
        "backend": "replay",
        "model": "smollm2-135m",
        "prompt_versions": {"observer": "v1", "probe": "v1"},
        "seed": 7,
        "benchmark_run": "bench-1",
        "model_version": None,
    }


def test_a_run_on_an_incident_names_it_and_its_starter(incident: Incident, responder: Any) -> None:
    run = trajectory_start(
        actor=Actor.of_user(responder),
        incident=incident,
        agent_kind="aoi",
        backend="openai",
        model="qwen",
        created_by=responder,
    )

    assert (run.incident_id, run.problem_id, run.created_by) == (incident.pk, "", responder)
    [event] = _audited("run.started")
    assert (event.actor_type, event.actor_label) == ("user", "responder")
    assert event.payload["incident"] == str(incident.uuid)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"agent_kind": "solo"}, "Unknown agent kind 'solo'"),
        ({"problem_id": "  "}, "needs an incident or a problem id"),
        ({"backend": ""}, "needs a backend and a model"),
        ({"model": " "}, "needs a backend and a model"),
        ({"prompt_versions": {"observer": 1}}, "map each role to a version string"),
        ({"backend": "b" * 33}, "backend is longer than 32 characters"),
        ({"benchmark_run": "r" * 101}, "benchmark_run is longer than 100 characters"),
    ],
)
def test_a_malformed_start_is_refused_and_changes_nothing(fields: dict[str, Any], message: str) -> None:
    with pytest.raises(DomainError, match=message) as refused:
        start_problem_run(**fields)

    assert refused.value.code == "invalid_run"
    assert Trajectory.objects.count() == 0
    assert AuditEvent.objects.filter(verb="run.started").count() == 0


@pytest.mark.django_db
@pytest.mark.parametrize(("from_status", "to_status"), ALL_PAIRS)
def test_only_listed_transitions_are_allowed(from_status: str, to_status: str) -> None:
    run = start_problem_run()
    Trajectory.objects.filter(pk=run.pk).update(status=from_status)
    audited = AuditEvent.objects.count()
    change = trajectory_finish if to_status in TERMINAL_STATUSES else trajectory_set_status

    if to_status in TRAJECTORY_TRANSITIONS[from_status]:
        moved = change(trajectory=run, status=to_status, actor=SYSTEM)
        assert Trajectory.objects.get(pk=run.pk).status == moved.status == to_status
        assert AuditEvent.objects.count() == audited + 1
    else:
        with pytest.raises(Conflict, match=f"from {from_status} to {to_status}"):
            change(trajectory=run, status=to_status, actor=SYSTEM)
        assert Trajectory.objects.get(pk=run.pk).status == from_status
        assert AuditEvent.objects.count() == audited


def test_the_transition_table_ends_in_the_terminal_statuses() -> None:
    assert frozenset({"succeeded", "failed", "error", "cancelled"}) == TERMINAL_STATUSES
    assert TRAJECTORY_TRANSITIONS["running"] == frozenset(
        {"awaiting_approval", "succeeded", "failed", "error", "cancelled"}
    )
    assert TRAJECTORY_TRANSITIONS["awaiting_approval"] == frozenset({"running", "failed", "error", "cancelled"})


@pytest.mark.django_db
def test_waiting_for_approval_and_resuming_are_audited() -> None:
    run = start_problem_run()

    trajectory_set_status(trajectory=run, status="awaiting_approval", actor=SYSTEM, reason="scale checkout")
    trajectory_set_status(trajectory=run, status="running", actor=SYSTEM, reason="approved")

    assert [(e.payload["from"], e.payload["to"], e.payload["reason"]) for e in _audited("run.status_changed")] == [
        ("running", "awaiting_approval", "scale checkout"),
        ("awaiting_approval", "running", "approved"),
    ]


@pytest.mark.django_db
@pytest.mark.parametrize(("status", "code"), [("succeeded", "finish_required"), ("exploded", "unknown_status")])
def test_set_status_neither_ends_a_run_nor_invents_a_status(status: str, code: str) -> None:
    run = start_problem_run()
    before = _row(run)

    with pytest.raises(DomainError) as refused:
        trajectory_set_status(trajectory=run, status=status, actor=SYSTEM)

    assert refused.value.code == code
    assert _row(run) == before


@pytest.mark.django_db
def test_finish_stores_the_grade_and_audits_the_totals() -> None:
    run = start_problem_run()
    append_steps(run, 4)

    finished = trajectory_finish(
        trajectory=run, status="succeeded", actor=SYSTEM, outcome=GRADE, success=True, strict_success=None
    )

    stored = Trajectory.objects.get(pk=run.pk)
    assert (stored.status, stored.success, stored.strict_success, stored.outcome) == ("succeeded", True, None, GRADE)
    assert stored.finished_at == finished.finished_at
    assert stored.finished_at is not None
    assert stored.wall_time_s == pytest.approx((stored.finished_at - stored.started_at).total_seconds())
    assert stored.is_finished
    [event] = _audited("run.finished")
    assert event.payload == {
        "status": "succeeded",
        "success": True,
        "strict_success": None,
        "steps_count": 4,
        "tokens_in": 40,
        "tokens_out": 12,
        "wall_time_s": stored.wall_time_s,
    }


@pytest.mark.django_db
def test_finish_keeps_a_given_wall_time() -> None:
    run = start_problem_run()

    trajectory_finish(trajectory=run, status="failed", actor=SYSTEM, success=False, wall_time_s=12.5)

    assert Trajectory.objects.get(pk=run.pk).wall_time_s == 12.5


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("status", "wall_time_s", "code"), [("running", None, "not_terminal"), ("failed", -1.0, "invalid_wall_time")]
)
def test_a_malformed_finish_is_refused(status: str, wall_time_s: float | None, code: str) -> None:
    run = start_problem_run()
    before = _row(run)

    with pytest.raises(DomainError) as refused:
        trajectory_finish(trajectory=run, status=status, actor=SYSTEM, wall_time_s=wall_time_s)

    assert refused.value.code == code
    assert _row(run) == before
    assert _audited("run.finished") == []


@pytest.mark.django_db
def test_a_finished_run_cannot_finish_again() -> None:
    run = start_problem_run()
    trajectory_finish(trajectory=run, status="failed", actor=SYSTEM, outcome={"success": False}, success=False)
    before = _row(run)

    with pytest.raises(Conflict, match="from failed to succeeded"):
        trajectory_finish(trajectory=run, status="succeeded", actor=SYSTEM, outcome=GRADE, success=True)

    assert _row(run) == before
    assert len(_audited("run.finished")) == 1
