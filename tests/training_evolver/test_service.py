"""Evolver runs end to end on the simulator: a scripted Observer that fails unless guided, scripted or replayed
teachers; proposals, validation re-runs, invalid teacher answers, incidents, cancel, permissions, bad input."""

import json
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission

from agents.runtime.benchmark import benchmark_run, benchmark_tasks
from agents.services import benchmark_run_store
from agents.sim.problems import problem_get
from aoi_platform.errors import Conflict, DomainError, Forbidden
from incidents.services.incidents import incident_label
from tests.factories import UserFactory, make_incident
from tests.training_evolver.responders import LOCALIZATION, MARKER, teacher_marker
from training.evolver import teacher_request
from training.models import EvolverRun, GuidanceProposal, JobStatus
from training.selectors_evolver import failure_case
from training.services.evolver import (
    evolver_run_cancel,
    evolver_run_create,
    evolver_run_execute,
)
from trajectories.audit.services import Actor
from trajectories.models import AuditEvent, Trajectory
from trajectories.services.runs import trajectory_finish, trajectory_start
from trajectories.services.steps import step_append

RESPONDERS = "tests.training_evolver.responders"
STUDENT = {"backend": "scripted", "responder": f"{RESPONDERS}:student"}
ACTOR = Actor.system("tests")
DETECTION = "k8s_target_port-misconfig-detection-1"


def teacher(name: str) -> dict[str, Any]:
    return {"backend": "scripted", "responder": f"{RESPONDERS}:{name}"}


@pytest.fixture
def observer(settings: Any) -> dict[str, Any]:
    """The Observer's model for these tests: the guidance-following student."""
    settings.AOI_LLM = dict(STUDENT)
    return dict(STUDENT)


def create(**changes: Any) -> EvolverRun:
    arguments: dict[str, Any] = {
        "user": None,
        "problems": LOCALIZATION,
        "runs": 2,
        "from_label": None,
        "include_incidents": False,
        "teacher": teacher("teacher_marker"),
        "validation_runs": 1,
        "seed": 0,
        "actor": ACTOR,
        "dispatch": False,
    }
    arguments.update(changes)
    return evolver_run_create(**arguments)


def run_and_store(label: str, problems: str = LOCALIZATION, runs: int = 2) -> list[Trajectory]:
    """A benchmark of the student, stored under ``label`` (what an evaluation leaves behind)."""
    problem_set = [problem_get(ref) for ref in problems.split(",")]
    tasks = benchmark_tasks(problem_set, runs=runs, seed=5, agent="aoi", backend_config=STUDENT)
    stored = [benchmark_run_store(done=done, label=label, agent="aoi").pk for done in benchmark_run(tasks)]
    return list(Trajectory.objects.filter(pk__in=stored).order_by("started_at"))


def verbs(object_id: object) -> list[str]:
    return list(AuditEvent.objects.filter(object_id=str(object_id)).order_by("seq").values_list("verb", flat=True))


@pytest.mark.django_db
def test_failed_runs_become_proposals_salvaged_by_their_guidance(observer: dict[str, Any]) -> None:
    run = create()

    ended = evolver_run_execute(run.pk)

    assert ended is not None
    assert ended.status == JobStatus.SUCCEEDED, ended.error
    prefix = str(run.pk)[:8]
    before = Trajectory.objects.filter(benchmark_run=f"evolver-{prefix}-before").order_by("started_at")
    assert [(t.problem_id, t.success) for t in before] == [(LOCALIZATION, False)] * 2
    summary = ended.summary
    assert summary["before"]["lenient"]["all"]["avg@2"] == 0.0
    assert summary["before"]["lenient"]["all"]["std_across_runs"] == 0.0
    counts = [summary[key] for key in ("selected", "proposals", "invalid_teacher_outputs", "salvaged", "not_salvaged")]
    assert counts == [2, 2, 0, 2, 0]
    assert summary["validation_errors"] == 0
    assert (ended.progress_done, ended.progress_total) == (6, 6)  # 2 before runs, 2 x (teacher + 1 re-run)

    proposals = GuidanceProposal.objects.filter(evolver_run=ended).order_by("created_at")
    assert {p.trajectory_id for p in proposals} == {t.pk for t in before}
    for proposal in proposals:
        assert (proposal.status, proposal.validation_status) == ("pending", "salvaged")
        assert (proposal.failure_pattern, proposal.failed_step) == ("wrong_investigation_path", 1)
        assert MARKER in proposal.text
        assert (proposal.fault_types, proposal.services) == (["k8s_target_port-misconfig"], ["user-service"])
        assert proposal.teacher == "scripted:scripted"
        [rerun] = proposal.validation_trajectories.all()
        assert (rerun.benchmark_run, rerun.success) == (f"evolver-validation-{prefix}", True)
        assert rerun.seed == proposal.trajectory.seed  # the guidance is the only change
        observer_prompts = [s.prompt.text for s in rerun.steps.filter(role="observer") if s.prompt]
        assert any(proposal.title in text for text in observer_prompts)
        assert verbs(proposal.pk) == ["guidance.proposed", "guidance.validated"]
    assert verbs(run.pk) == ["evolver.created", "evolver.started", "evolver.succeeded"]


@pytest.mark.django_db
def test_from_a_label_guidance_that_does_not_help_is_not_salvaged(observer: dict[str, Any]) -> None:
    run_and_store("eval-student", problems=f"{LOCALIZATION},{DETECTION}")
    failed = Trajectory.objects.filter(benchmark_run="eval-student", success=False)
    assert sorted(failed.values_list("problem_id", flat=True)) == [LOCALIZATION, LOCALIZATION]  # "Yes" is right
    runs_before = Trajectory.objects.count()

    ended = evolver_run_execute(
        create(problems=None, from_label="eval-student", teacher=teacher("teacher_plain"), validation_runs=2).pk
    )

    assert ended is not None
    assert ended.status == JobStatus.SUCCEEDED
    assert ended.summary["before"] is None
    assert [ended.summary[key] for key in ("selected", "proposals", "salvaged", "not_salvaged")] == [2, 2, 0, 2]
    for proposal in GuidanceProposal.objects.filter(evolver_run=ended):
        assert proposal.validation_status == "not_salvaged"
        assert [t.success for t in proposal.validation_trajectories.all()] == [False, False]
    assert Trajectory.objects.count() == runs_before + 4  # only the re-runs: nothing ran before
    assert (ended.progress_done, ended.progress_total) == (6, 6)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("responder", "reason"),
    [
        ("teacher_broken", "no JSON object found"),
        ("teacher_bad_step", "'9999' is not one of the allowed values"),
    ],
)
def test_invalid_teacher_answers_are_counted_with_their_reason(
    observer: dict[str, Any], responder: str, reason: str
) -> None:
    stored = run_and_store("eval-invalid")

    ended = evolver_run_execute(create(problems=None, from_label="eval-invalid", teacher=teacher(responder)).pk)

    assert ended is not None
    assert ended.status == JobStatus.SUCCEEDED
    assert (ended.summary["selected"], ended.summary["proposals"], ended.summary["invalid_teacher_outputs"]) == (
        2,
        0,
        2,
    )
    reasons = ended.summary["invalid_teacher_output_reasons"]
    assert [entry["trajectory"] for entry in reasons] == [str(t.pk) for t in stored]
    assert all(reason in entry["reason"] and "after one repair" in entry["reason"] for entry in reasons)
    assert not GuidanceProposal.objects.exists()
    assert Trajectory.objects.count() == 2


@pytest.mark.django_db
def test_a_replayed_teacher_through_its_configuration(observer: dict[str, Any], tmp_path: Path) -> None:
    [failed] = run_and_store("eval-replay", runs=1)
    request = teacher_request(failure_case(failed), seed=0)
    recording = tmp_path / "teacher.jsonl"
    record = {"key": request.key, "request": request.canonical(), "text": teacher_marker(request), "model": "big-t"}
    recording.write_text(json.dumps(record) + "\n")

    ended = evolver_run_execute(
        create(problems=None, from_label="eval-replay", teacher={"backend": "replay", "path": str(recording)}).pk
    )

    assert ended is not None
    assert ended.status == JobStatus.SUCCEEDED
    proposal = GuidanceProposal.objects.get(trajectory=failed)
    assert (proposal.teacher, proposal.validation_status) == ("replay:big-t", "salvaged")


@pytest.mark.django_db
def test_a_trajectory_already_proposed_is_not_selected_again(observer: dict[str, Any]) -> None:
    run_and_store("eval-twice")
    first = evolver_run_execute(create(problems=None, from_label="eval-twice", validation_runs=0).pk)
    assert first is not None
    assert first.summary["proposals"] == 2
    assert first.summary["validation_not_run"] == 2

    second = evolver_run_execute(create(problems=None, from_label="eval-twice").pk)

    assert second is not None
    assert second.status == JobStatus.SUCCEEDED
    assert (second.summary["selected"], second.summary["proposals"]) == (0, 0)
    assert GuidanceProposal.objects.count() == 2
    assert set(GuidanceProposal.objects.values_list("validation_status", flat=True)) == {"not_run"}


def incident_run(incident: Any, diagnosis: dict[str, str]) -> Trajectory:
    """An AOI run on ``incident`` that ended with ``diagnosis`` (three steps: a survey read, decide, answer)."""
    trajectory = trajectory_start(agent_kind="aoi", backend="scripted", model="m", actor=ACTOR, incident=incident)
    survey = {"read": "kubectl get pods -n shop -o json", "survey": True, "findings": []}
    step_append(trajectory=trajectory, role="probe", phase="act", action=survey, tool_result="ok")
    question = "What explains the state of user-service?"
    step_append(trajectory=trajectory, role="observer", phase="reason", action={"next": "answer", "question": question})
    step_append(trajectory=trajectory, role="observer", phase="reason", action=diagnosis)
    outcome = {"outcome": "diagnosed", "diagnosis": diagnosis, "label_match": None}
    return trajectory_finish(trajectory=trajectory, status="succeeded", actor=ACTOR, outcome=outcome)


RIGHT = {"component": "user-service", "system_level": "Virtualization", "fault_type": "Misconfiguration"}
WRONG = {**RIGHT, "component": "compose-post-service"}


@pytest.mark.django_db
def test_incident_runs_the_label_contradicts_are_selected(observer: dict[str, Any], team: Any, responder: Any) -> None:
    simulated = make_incident(
        team, application="SocialNetwork", namespace="test-social-network", labels={"aoi_problem": LOCALIZATION}
    )
    real = make_incident(team, application="checkout", namespace="shop")
    agreeing = make_incident(team, application="checkout", namespace="shop")
    unlabelled = make_incident(team, application="checkout", namespace="shop")
    for incident in (simulated, real, agreeing):
        incident_label(
            incident=incident,
            user=responder,
            rca_component="user-service",
            rca_system_level="virtualization",
            rca_fault_type="Misconfiguration",
        )
    runs = {
        "simulated": incident_run(simulated, WRONG),
        "real": incident_run(real, WRONG),
        "agreeing": incident_run(agreeing, RIGHT),
        "unlabelled": incident_run(unlabelled, WRONG),
    }

    ended = evolver_run_execute(create(problems=None, include_incidents=True).pk)

    assert ended is not None
    assert ended.status == JobStatus.SUCCEEDED, ended.error
    proposals = {p.trajectory_id: p for p in GuidanceProposal.objects.all()}
    assert set(proposals) == {runs["simulated"].pk, runs["real"].pk}
    assert proposals[runs["simulated"].pk].validation_status == "salvaged"
    assert proposals[runs["simulated"].pk].validation_trajectories.get().problem_id == LOCALIZATION
    assert proposals[runs["real"].pk].validation_status == "not_run"
    assert not proposals[runs["real"].pk].validation_trajectories.exists()
    assert proposals[runs["real"].pk].services == ["user-service"]  # from the label: the app is not in the catalogue
    summary = ended.summary
    assert [summary[key] for key in ("selected", "proposals", "salvaged", "validation_not_run")] == [2, 2, 1, 1]


@pytest.mark.django_db
def test_the_teacher_reads_the_incident_label_as_the_truth(team: Any, responder: Any) -> None:
    incident = make_incident(team, application="checkout", namespace="shop")
    incident_label(
        incident=incident, user=responder, rca_component="user-service", rca_system_level="", rca_fault_type=""
    )

    case = failure_case(incident_run(incident, WRONG))

    assert case.truth == {"component": "user-service", "system_level": None, "fault_type": None}
    assert case.outcome["diagnosis"] == WRONG
    assert case.step_indices == (1, 2, 3)


@pytest.mark.django_db
def test_a_cancel_between_units_keeps_what_is_done(observer: dict[str, Any]) -> None:
    run = create(runs=3)
    notes: list[str] = []

    def cancel_after_first(current: EvolverRun, note: str) -> None:
        notes.append(note)
        if len(notes) == 1:
            evolver_run_cancel(run=current, actor=ACTOR)

    ended = evolver_run_execute(run.pk, on_progress=cancel_after_first)

    assert ended is not None
    assert ended.status == JobStatus.CANCELLED
    assert len(notes) == 1
    assert Trajectory.objects.filter(benchmark_run=f"evolver-{str(run.pk)[:8]}-before").count() == 1
    assert ended.progress_done == 1
    assert ended.summary["before"]["lenient"]["all"]["runs"] == 1
    assert not GuidanceProposal.objects.exists()
    assert verbs(run.pk) == [
        "evolver.created",
        "evolver.started",
        "evolver.cancel_requested",
        "evolver.cancelled",
    ]
    with pytest.raises(Conflict, match="already ended"):
        evolver_run_cancel(run=ended, actor=ACTOR)


@pytest.mark.django_db
def test_a_queued_run_cancelled_never_starts(observer: dict[str, Any]) -> None:
    run = create()

    cancelled = evolver_run_cancel(run=run, actor=ACTOR)

    assert cancelled.status == JobStatus.CANCELLED
    assert evolver_run_execute(run.pk) is None
    assert not Trajectory.objects.exists()
    assert verbs(run.pk) == ["evolver.created", "evolver.cancelled"]


@pytest.mark.django_db
def test_a_second_delivery_does_nothing(observer: dict[str, Any]) -> None:
    run = create(runs=1)
    assert evolver_run_execute(run.pk) is not None
    stored = Trajectory.objects.count()

    assert evolver_run_execute(run.pk) is None
    assert Trajectory.objects.count() == stored


@pytest.mark.django_db
def test_a_re_run_that_breaks_is_a_validation_error_and_the_run_goes_on(settings: Any, tmp_path: Path) -> None:
    run_and_store("eval-broken-observer")
    settings.AOI_LLM = {"backend": "replay", "path": str(tmp_path / "gone.jsonl")}

    ended = evolver_run_execute(create(problems=None, from_label="eval-broken-observer").pk)

    assert ended is not None
    assert ended.status == JobStatus.SUCCEEDED
    assert [ended.summary[key] for key in ("proposals", "validation_errors", "salvaged")] == [2, 2, 0]
    assert all("cannot read the recording" in entry["reason"] for entry in ended.summary["validation_error_reasons"])
    assert set(GuidanceProposal.objects.values_list("validation_status", flat=True)) == {"error"}
    assert ended.progress_done == ended.progress_total == 2  # the re-runs that never ran are not owed


@pytest.mark.django_db
def test_a_run_whose_process_died_ends_failed_on_the_next_delivery(observer: dict[str, Any]) -> None:
    run = create()
    EvolverRun.objects.filter(pk=run.pk).update(status=JobStatus.RUNNING, progress_done=1)

    assert evolver_run_execute(run.pk) is None

    ended = EvolverRun.objects.get(pk=run.pk)
    assert (ended.status, ended.progress_done) == (JobStatus.FAILED, 1)
    assert ended.error.startswith("interrupted")
    assert not Trajectory.objects.exists()
    assert verbs(run.pk) == ["evolver.created", "evolver.failed"]


@pytest.mark.django_db
def test_a_teacher_that_cannot_be_built_fails_the_run_cleanly(observer: dict[str, Any], tmp_path: Path) -> None:
    run = create(teacher={"backend": "replay", "path": str(tmp_path / "missing.jsonl")})

    ended = evolver_run_execute(run.pk)

    assert ended is not None
    assert ended.status == JobStatus.FAILED
    assert "cannot read the recording" in ended.error
    assert not Trajectory.objects.exists()
    assert verbs(run.pk)[-1] == "evolver.failed"


@pytest.mark.django_db
def test_only_holders_of_the_permission_start_runs(observer: dict[str, Any]) -> None:
    plain, holder, root = UserFactory(username="plain"), UserFactory(username="holder"), UserFactory(username="root")
    holder.user_permissions.add(Permission.objects.get(codename="start_evolverrun"))
    root.is_superuser = True
    root.save()

    with pytest.raises(Forbidden):
        create(user=plain, actor=None)
    assert not EvolverRun.objects.exists()
    assert not AuditEvent.objects.filter(verb="evolver.created").exists()

    for user in (get_user_model().objects.get(pk=holder.pk), root):  # fresh: no permission cache
        run = create(user=user, actor=None)
        assert run.created_by == user
        assert AuditEvent.objects.get(verb="evolver.created", object_id=str(run.pk)).actor_label == user.username


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"teacher": {"backend": "oracle"}}, "unknown LLM backend 'oracle'"),
        ({"teacher": {"model": "x"}}, "a 'backend' name"),
        ({"teacher": {"backend": "openai", "base_url": "http://t", "model": "m", "api_key": "sk-1"}}, "api_key_env"),
        ({"runs": 0}, "runs must be between 1 and 10"),
        ({"runs": 11}, "runs must be between 1 and 10"),
        ({"validation_runs": -1}, "validation_runs must be between 0 and 10"),
        ({"problems": "no-such-problem"}, "unknown problem 'no-such-problem'"),
        ({"problems": None, "from_label": "never-stored"}, "No runs are stored under the benchmark label"),
        ({"problems": None}, "Name problems to run, a benchmark label, or incidents"),
    ],
)
def test_bad_requests_are_refused_and_change_nothing(
    observer: dict[str, Any], changes: dict[str, Any], message: str
) -> None:
    with pytest.raises(DomainError, match=message):
        create(**changes)

    assert not EvolverRun.objects.exists()
    assert not AuditEvent.objects.filter(verb="evolver.created").exists()
