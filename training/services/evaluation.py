"""Evaluations: a model version benchmarked on a set of problems (held-out ``test`` by default), K runs each,
every run stored as a trajectory that records the version, the figures kept on the ``Evaluation`` row.

``evaluation_create`` queues one (audited); ``evaluation_execute`` does it (in a Celery task on the
``training`` queue, or in-process for ``manage.py evaluate``), counting progress in runs and stopping
between runs when a cancel was requested. "Before vs after" compares a version's evaluation with its
parent's latest on the same problems and runs (``evaluation_baseline``)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Case, F, Value, When
from django.utils import timezone

from agents.hosting import run_lock
from agents.knowledge.selectors import knowledge_for_runtime
from agents.runtime.benchmark import RunDone, benchmark_run, benchmark_tasks
from agents.runtime.scoring import RunScore, summarise
from agents.services import benchmark_run_store
from agents.sim.problems import Problem, UnknownProblem, problem_list, problem_resolve
from aoi_platform.errors import DomainError
from training.models import Evaluation, JobStatus, ModelKind, ModelVersion
from training.services.jobs import job_cancel, job_dispatch_on_commit
from training.services.versions import backend_config_of, base_version_name
from trajectories.audit.services import Actor, audit_append
from trajectories.models import Trajectory

logger = logging.getLogger(__name__)

AUDIT_OBJECT = "evaluation"
SPLITS = ("test", "train", "all")
MAX_RUNS = 10
SPLIT_CHARS = Evaluation._meta.get_field("split").max_length or 500
LABEL_CHARS = Evaluation._meta.get_field("benchmark_label").max_length or 100

TASK = "training.tasks.evaluation_execute"

ProgressSink = Callable[[Evaluation, RunDone], None]


def problems_of(spec: str) -> list[Problem]:
    """The problems an evaluation names: ``test``, ``train``, ``all``, or comma-separated problem ids."""
    if spec in SPLITS:
        return problem_list(split=None if spec == "all" else spec)
    try:
        problems = [problem_resolve(ref.strip()) for ref in spec.split(",") if ref.strip()]
    except (UnknownProblem, ValueError) as error:
        raise DomainError(str(error), code="invalid_evaluation") from error
    if not problems:
        raise DomainError("No problems named.", code="invalid_evaluation")
    return problems


def evaluation_create(
    *,
    version: ModelVersion,
    split: str = "test",
    runs: int = 1,
    seed: int = 0,
    knowledge: bool = True,
    user: User | None = None,
    actor: Actor | None = None,
    dispatch: bool = False,
) -> Evaluation:
    """Queue an evaluation of ``version`` (checked now: the problems exist, 1 <= runs <= MAX_RUNS);
    ``dispatch`` sends it to the ``training`` queue when the transaction commits (else the caller runs
    ``evaluation_execute`` itself, as ``manage.py evaluate`` does)."""
    if not 1 <= runs <= MAX_RUNS:
        raise DomainError(f"runs must be between 1 and {MAX_RUNS}.", code="invalid_evaluation")
    if len(split) > SPLIT_CHARS:
        raise DomainError(f"The problems are named in more than {SPLIT_CHARS} characters.", code="invalid_evaluation")
    problems = problems_of(split)
    with transaction.atomic():
        evaluation = Evaluation.objects.create(
            version=version,
            split=split,
            runs=runs,
            seed=seed,
            knowledge=knowledge,
            created_by=user,
            progress_total=len(problems) * runs,
            config={"problems": len(problems)},
        )
        # The id's part comes whole: a long name or problem list must not cut it and mix two evaluations' runs.
        evaluation.benchmark_label = f"eval-{version.name}-{split}"[: LABEL_CHARS - 9] + f"-{str(evaluation.pk)[:8]}"
        evaluation.save(update_fields=["benchmark_label"])
        audit_append(
            actor=actor or (Actor.of_user(user) if user is not None else Actor.system("evaluate")),
            verb="evaluation.created",
            object_type=AUDIT_OBJECT,
            object_id=evaluation.pk,
            payload={"version": version.name, "split": split, "runs": runs, "seed": seed, "knowledge": knowledge},
        )
        if dispatch:
            job_dispatch_on_commit(task=TASK, job_id=evaluation.pk, execute=evaluation_execute_default)
    return evaluation


def evaluation_cancel(*, evaluation: Evaluation, actor: Actor) -> Evaluation:
    """Ask a queued or running evaluation to stop after the run in progress (a queued one ends at once)."""
    return job_cancel(evaluation, actor=actor, audit_object=AUDIT_OBJECT, verb_prefix="evaluation", label="evaluation")


def _claim(evaluation_id: Any) -> Evaluation | None:
    """Take the evaluation for this process (the caller holds its lock): a queued one moves to running; a
    running one is resumed (its lock was free, so the process that ran it is gone: a killed worker whose
    task was delivered again). None when it has ended or does not exist."""
    with transaction.atomic():
        evaluation = Evaluation.objects.select_for_update().filter(pk=evaluation_id).first()
        if evaluation is None or evaluation.status not in (JobStatus.QUEUED, JobStatus.RUNNING):
            return None
        if evaluation.status == JobStatus.QUEUED:
            evaluation.status, evaluation.started_at = JobStatus.RUNNING, timezone.now()
            evaluation.save(update_fields=["status", "started_at"])
        return evaluation


def _stored_runs(label: str) -> dict[str, int]:
    """How many runs of each problem are already stored under the evaluation's label."""
    counts: dict[str, int] = {}
    for problem_id in Trajectory.objects.filter(benchmark_run=label).values_list("problem_id", flat=True):
        counts[problem_id] = counts.get(problem_id, 0) + 1
    return counts


def _cancel_requested(evaluation_id: Any) -> bool:
    return bool(Evaluation.objects.filter(pk=evaluation_id, cancel_requested=True).exists())


def evaluation_execute(
    evaluation_id: Any, *, jobs: int = 1, on_progress: ProgressSink | None = None
) -> Evaluation | None:
    """Run an evaluation to its end: every (problem, run) stored as it finishes (progress counted), the
    summary computed from the stored runs. A running evaluation nobody holds (its worker was killed) is
    resumed: the runs already stored are kept and not run again. Returns the ended row, or None when
    there was nothing to do (ended, unknown, or another process holds it)."""
    with run_lock(f"evaluation:{evaluation_id}") as got:
        if not got:
            return None
        evaluation = _claim(evaluation_id)
        if evaluation is None:
            return None
        return _execute(evaluation, jobs=jobs, on_progress=on_progress)


def _execute(evaluation: Evaluation, *, jobs: int, on_progress: ProgressSink | None) -> Evaluation:
    version = evaluation.version
    actor = Actor.system(f"evaluation {evaluation.benchmark_label}")
    try:
        stored = _stored_runs(evaluation.benchmark_label)
        tasks = [
            task
            for task in benchmark_tasks(
                problems_of(evaluation.split),
                runs=evaluation.runs,
                seed=evaluation.seed,
                agent="aoi",
                backend_config=backend_config_of(version),
                knowledge=knowledge_for_runtime() if evaluation.knowledge else [],
            )
            if task.run >= stored.get(task.problem.problem_id, 0)
        ]
        Evaluation.objects.filter(pk=evaluation.pk).update(progress_done=sum(stored.values()))

        def on_done(done: RunDone) -> None:
            benchmark_run_store(done=done, label=evaluation.benchmark_label, agent="aoi", model_version=version)
            Evaluation.objects.filter(pk=evaluation.pk).update(
                progress_done=F("progress_done") + 1,
                progress_note=f"{done.problem.problem_id}: {'ok' if done.grade.get('success') else 'fail'}",
            )
            if on_progress is not None:
                on_progress(evaluation, done)

        results = benchmark_run(tasks, jobs=jobs, on_done=on_done, should_stop=lambda: _cancel_requested(evaluation.pk))
        summary = evaluation_summary_stored(evaluation.benchmark_label)
        status = JobStatus.CANCELLED if len(results) < len(tasks) else JobStatus.SUCCEEDED
        return _finish(evaluation, status=status, summary=summary, actor=actor)
    except Exception as error:
        logger.exception("evaluation %s failed", evaluation.pk)
        return _finish(evaluation, status=JobStatus.FAILED, summary={}, actor=actor, error=repr(error))


def evaluation_execute_default(evaluation_id: Any) -> Evaluation | None:
    """``evaluation_execute`` with the configured number of processes (``AOI_EVALUATION_JOBS``)."""
    return evaluation_execute(evaluation_id, jobs=settings.AOI_EVALUATION_JOBS)


def evaluation_summary_stored(label: str) -> dict[str, Any]:
    """The figures of the runs stored under ``label`` (each problem's runs numbered in the order they were
    stored): lenient and strict, overall and by task type."""
    numbered: dict[str, int] = {}
    scores = []
    runs = Trajectory.objects.filter(benchmark_run=label).exclude(outcome={}).order_by("started_at", "pk")
    for trajectory in runs.only("problem_id", "outcome", "wall_time_s"):
        run = numbered.get(trajectory.problem_id, 0)
        numbered[trajectory.problem_id] = run + 1
        scores.append(RunScore.from_grade(trajectory.outcome, run=run, wall_time_s=trajectory.wall_time_s or 0.0))
    wall = sum(score.wall_time_s for score in scores)
    return {
        "lenient": summarise(scores),
        "strict": summarise(scores, strict=True),
        "wall_time_s": round(wall, 2),
        "runs_done": len(scores),
    }


def _finish(
    evaluation: Evaluation, *, status: str, summary: dict[str, Any], actor: Actor, error: str = ""
) -> Evaluation:
    with transaction.atomic():
        locked = Evaluation.objects.select_for_update().get(pk=evaluation.pk)
        locked.status, locked.summary, locked.error, locked.finished_at = status, summary, error, timezone.now()
        locked.save(update_fields=["status", "summary", "error", "finished_at"])
        overall = summary.get("lenient", {}).get("all", {})
        audit_append(
            actor=actor,
            verb=f"evaluation.{status}",
            object_type=AUDIT_OBJECT,
            object_id=locked.pk,
            payload={"version": locked.version.name, "avg@1": overall.get("avg@1"), "error": error[:500]},
        )
    return locked


def evaluation_baseline(evaluation: Evaluation) -> Evaluation | None:
    """What ``evaluation`` is compared with: the latest succeeded evaluation of the version's parent (the
    configured base version when it has none; nothing for a base version) on the same problems with the same
    knowledge setting: one with the same number of runs if there is one, else the latest (its avg@1, the
    first run of each problem under the same seed, still compares like with like)."""
    version = evaluation.version
    parent = version.parent
    if parent is None and version.kind != ModelKind.BASE:
        parent = ModelVersion.objects.filter(kind=ModelKind.BASE, name=base_version_name()).first()
    if parent is None or parent.pk == version.pk:
        return None
    return (
        Evaluation.objects.filter(
            version=parent, split=evaluation.split, knowledge=evaluation.knowledge, status=JobStatus.SUCCEEDED
        )
        .annotate(same_runs=Case(When(runs=evaluation.runs, then=Value(1)), default=Value(0)))
        .order_by("-same_runs", F("finished_at").desc(nulls_last=True), "-created_at")
        .first()
    )
