"""Evaluations of a model version: validation, a run of 2 problems x 2 runs with the schema filler (progress,
summary, stored trajectories), idempotence, cancel (queued, and during the run), the baseline it is
compared with, the comparison's shape, and ``manage.py evaluate``."""

from __future__ import annotations

import json
from collections.abc import Callable
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from agents.runtime.benchmark import RunDone
from aoi_platform.errors import Conflict, DomainError
from tests.training.locks import held_elsewhere
from training.models import Evaluation, JobStatus, ModelKind, ModelVersion
from training.selectors import evaluation_comparison, model_version_evaluations
from training.services.evaluation import (
    evaluation_baseline,
    evaluation_cancel,
    evaluation_create,
    evaluation_execute,
)
from training.services.versions import model_version_base_ensure
from trajectories.audit.services import Actor
from trajectories.models import AuditEvent, Trajectory

pytestmark = pytest.mark.django_db
SYSTEM = Actor.system("tests")
FILLER = {"backend": "schema-filler"}
TWO = "k8s_target_port-misconfig-detection-1,noop_detection_social_network-1"
MakeVersion = Callable[..., ModelVersion]
FLAT = ("before_avg1", "after_avg1", "before_avgk", "after_avgk", "before_std", "after_std")


@pytest.fixture
def filler(make_version: MakeVersion) -> ModelVersion:
    return make_version("filler", serving=FILLER)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"runs": 0}, "runs must be between 1 and 10"),
        ({"runs": 11}, "runs must be between 1 and 10"),
        ({"split": "no-such-problem"}, "no-such-problem"),
        ({"split": " , "}, "No problems named"),
        ({"split": "x" * 501}, "more than 500 characters"),
    ],
)
def test_a_bad_evaluation_is_refused_and_nothing_is_queued(
    filler: ModelVersion, fields: dict[str, Any], message: str
) -> None:
    with pytest.raises(DomainError, match=message) as refused:
        evaluation_create(version=filler, **fields)

    assert refused.value.code == "invalid_evaluation"
    assert not Evaluation.objects.exists()
    assert not AuditEvent.objects.filter(object_type="evaluation").exists()


def test_an_evaluation_runs_every_problem_k_times_and_records_the_version(filler: ModelVersion) -> None:
    evaluation = evaluation_create(version=filler, split=TWO, runs=2, seed=5)
    assert (evaluation.status, evaluation.progress_total, evaluation.progress_done) == ("queued", 4, 0)
    heard: list[tuple[str, int, int]] = []

    def on_progress(row: Evaluation, done: RunDone) -> None:
        heard.append((done.problem.problem_id, done.run, Evaluation.objects.get(pk=row.pk).progress_done))

    ended = evaluation_execute(evaluation.pk, on_progress=on_progress)

    assert ended is not None
    assert ended.status == JobStatus.SUCCEEDED
    assert [progress for _, _, progress in heard] == [1, 2, 3, 4]
    assert sorted((problem, run) for problem, run, _ in heard) == [
        (p, r) for p in sorted(TWO.split(",")) for r in (0, 1)
    ]
    ended.refresh_from_db()
    assert (ended.progress_done, ended.started_at is not None, ended.finished_at is not None) == (4, True, True)
    assert set(ended.summary) == {"lenient", "strict", "wall_time_s", "runs_done"}
    assert ended.summary["runs_done"] == 4
    overall = ended.summary["lenient"]["all"]
    assert (overall["problems"], overall["runs"]) == (2, 2)
    assert set(ended.summary["lenient"]) == {"all", "detection"}
    stored = Trajectory.objects.filter(benchmark_run=ended.benchmark_label)
    assert stored.count() == 4
    assert {(t.model_version_id, t.backend) for t in stored} == {(filler.pk, "schema-filler")}
    assert overall["avg@2"] == sum(bool(t.success) for t in stored) / 4
    verbs = list(AuditEvent.objects.filter(object_type="evaluation").order_by("seq").values_list("verb", flat=True))
    assert verbs == ["evaluation.created", "evaluation.succeeded"]


def test_a_second_execute_of_the_same_evaluation_does_nothing(filler: ModelVersion) -> None:
    evaluation = evaluation_create(version=filler, split=TWO, runs=1)
    first = evaluation_execute(evaluation.pk)
    assert first is not None
    trajectories, events = Trajectory.objects.count(), AuditEvent.objects.count()

    assert evaluation_execute(evaluation.pk) is None

    assert (Trajectory.objects.count(), AuditEvent.objects.count()) == (trajectories, events)
    assert Evaluation.objects.get(pk=evaluation.pk).finished_at == first.finished_at


def test_a_queued_evaluation_is_cancelled_at_once_and_never_runs(filler: ModelVersion) -> None:
    evaluation = evaluation_create(version=filler, split=TWO, runs=2)

    cancelled = evaluation_cancel(evaluation=evaluation, actor=SYSTEM)

    assert (cancelled.status, cancelled.cancel_requested, cancelled.finished_at is not None) == (
        "cancelled",
        True,
        True,
    )
    assert evaluation_execute(evaluation.pk) is None
    assert not Trajectory.objects.exists()
    with pytest.raises(Conflict, match="already ended"):
        evaluation_cancel(evaluation=evaluation, actor=SYSTEM)


def test_a_cancel_during_the_run_stops_it_after_the_run_in_progress(filler: ModelVersion) -> None:
    evaluation = evaluation_create(version=filler, split=TWO, runs=2)

    def cancel_after_first(row: Evaluation, done: RunDone) -> None:
        if Evaluation.objects.get(pk=row.pk).progress_done == 1:
            assert evaluation_cancel(evaluation=row, actor=SYSTEM).status == JobStatus.RUNNING

    ended = evaluation_execute(evaluation.pk, on_progress=cancel_after_first)

    assert ended is not None
    ended.refresh_from_db()
    assert (ended.status, ended.progress_done, ended.summary["runs_done"]) == ("cancelled", 1, 1)
    assert Trajectory.objects.filter(benchmark_run=ended.benchmark_label).count() == 1
    assert AuditEvent.objects.filter(verb="evaluation.cancelled", object_id=str(ended.pk)).exists()


def _ended(version: ModelVersion, *, split: str = TWO, runs: int = 1, status: str = JobStatus.SUCCEEDED) -> Evaluation:
    """An evaluation row as it ends (for the baseline's choice, which reads rows only)."""
    evaluation = evaluation_create(version=version, split=split, runs=runs)
    Evaluation.objects.filter(pk=evaluation.pk).update(status=status, finished_at=timezone.now())
    return Evaluation.objects.get(pk=evaluation.pk)


def test_the_baseline_is_the_parents_latest_evaluation_on_the_same_problems(make_version: MakeVersion) -> None:
    parent = make_version("parent", serving=FILLER)
    child = make_version("child", serving=FILLER, parent=parent)
    _ended(parent)
    latest = _ended(parent)
    _ended(parent, status=JobStatus.FAILED)
    two_runs = _ended(parent, runs=2)
    _ended(parent, split="noop_detection_social_network-1")
    mine = _ended(child)

    assert evaluation_baseline(mine) == latest  # same runs preferred over a later one with other runs
    assert evaluation_baseline(_ended(child, runs=2)) == two_runs
    assert evaluation_baseline(_ended(child, runs=3)) == two_runs  # none with 3: the latest, for its avg@1
    assert evaluation_baseline(_ended(child, split="k8s_target_port-misconfig-detection-1")) is None
    assert evaluation_baseline(_ended(parent)) is None  # the parent has no parent and no base version exists


def test_a_version_without_a_parent_is_compared_with_the_base(make_version: MakeVersion) -> None:
    base = model_version_base_ensure()
    assert (base.kind, base.name) == (ModelKind.BASE, "base:schema-filler")
    orphan = make_version("orphan", serving=FILLER)
    before = _ended(base)

    assert evaluation_baseline(_ended(orphan)) == before
    assert evaluation_baseline(_ended(base)) is None


def test_the_comparison_gives_before_and_after_by_task_type(make_version: MakeVersion) -> None:
    parent = make_version("parent", serving=FILLER)
    child = make_version("child", serving=FILLER, parent=parent)
    before = evaluation_execute(evaluation_create(version=parent, split=TWO, runs=2).pk)
    after = evaluation_execute(evaluation_create(version=child, split=TWO, runs=2).pk)
    assert before is not None
    assert after is not None

    comparison = evaluation_comparison(after)

    assert comparison["baseline"] == {"evaluation": str(before.pk), "version": "parent"}
    assert (comparison["version"], comparison["scoring"], comparison["status"]) == ("child", "lenient", "succeeded")
    assert [row["task"] for row in comparison["tasks"]] == [
        "detection",
        "localization",
        "analysis",
        "mitigation",
        "all",
    ]
    rows = {row["task"]: row for row in comparison["tasks"]}
    figures = after.summary["lenient"]["all"]
    assert rows["all"]["after"] == {
        "problems": 2,
        "runs": 2,
        "avg_at_1": figures["avg@1"],
        "avg_at_k": figures["avg@2"],
        "best_at_k": figures["best@2"],
        "std": figures["std_across_runs"],
    }
    assert rows["detection"]["before"]["avg_at_k"] == before.summary["lenient"]["detection"]["avg@2"]
    assert rows["mitigation"] == {"task": "mitigation", "before": None, "after": None}
    assert comparison["rows"][4] == {
        "task": "all",
        "before_avg1": before.summary["lenient"]["all"]["avg@1"],
        "after_avg1": figures["avg@1"],
        "before_avgk": before.summary["lenient"]["all"]["avg@2"],
        "after_avgk": figures["avg@2"],
        "before_std": before.summary["lenient"]["all"]["std_across_runs"],
        "after_std": figures["std_across_runs"],
    }
    assert comparison["rows"][3] == {"task": "mitigation", **dict.fromkeys(FLAT, None)}
    alone = evaluation_comparison(before)
    assert alone["baseline"] is None
    assert all(row["before"] is None for row in alone["tasks"])
    assert list(model_version_evaluations(child)) == [after]


def _evaluate(*args: str) -> str:
    out = StringIO()
    call_command("evaluate", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def test_manage_py_evaluate_stores_and_reports_the_figures(tmp_path: Path, make_version: MakeVersion) -> None:
    parent = make_version("parent", serving=FILLER)
    make_version("child", serving=FILLER, parent=parent)
    _evaluate("--model-version", "parent", "--problems", TWO, "--runs", "1")
    out = tmp_path / "eval.json"

    text = _evaluate("--model-version", "child", "--problems", TWO, "--runs", "1", "--out", str(out))

    document = json.loads(out.read_text())
    evaluation = Evaluation.objects.get(pk=document["evaluation"])
    assert (evaluation.version.name, evaluation.status, document["version"]) == ("child", "succeeded", "child")
    assert document["before"]["version"] == "parent"
    assert "### child on" in text
    assert "### before: parent" in text
    assert Trajectory.objects.filter(model_version__name="child").count() == 2


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--model-version", "no-such-version"], "no model version 'no-such-version'"),
        (["--model-version", "filler", "--runs", "0"], "runs must be between"),
        (["--model-version", "filler", "--problems", "nope"], "nope"),
    ],
)
def test_manage_py_evaluate_refuses_bad_arguments(filler: ModelVersion, args: list[str], message: str) -> None:
    with pytest.raises(CommandError, match=message):
        _evaluate(*args)

    assert not Evaluation.objects.exists()


def test_an_evaluation_whose_worker_was_lost_resumes_keeping_the_runs_it_stored(filler: ModelVersion) -> None:
    evaluation = evaluation_create(version=filler, split=TWO, runs=1, actor=SYSTEM)
    first = evaluation_execute(evaluation.pk)
    assert first is not None
    stored = list(Trajectory.objects.filter(benchmark_run=evaluation.benchmark_label).order_by("started_at"))
    # Its worker had stored the first problem's run, then was killed: running, nobody holding its lock.
    Trajectory.objects.filter(pk=stored[1].pk).update(benchmark_run="elsewhere")
    Evaluation.objects.filter(pk=evaluation.pk).update(status=JobStatus.RUNNING, summary={}, finished_at=None)

    with held_elsewhere(f"evaluation:{evaluation.pk}"):
        assert evaluation_execute(evaluation.pk) is None  # still held: another process works on it
    resumed = evaluation_execute(evaluation.pk)

    assert resumed is not None
    assert resumed.status == JobStatus.SUCCEEDED
    labelled = Trajectory.objects.filter(benchmark_run=evaluation.benchmark_label)
    assert sorted(labelled.values_list("problem_id", flat=True)) == sorted(TWO.split(","))
    assert labelled.filter(pk=stored[0].pk).exists()  # the stored run was kept, not run again
    assert resumed.progress_done == 2
    assert resumed.summary["runs_done"] == 2
