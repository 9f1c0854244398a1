"""Evaluations: a model version benchmarked on a set of problems (held-out ``test`` by default), K runs each,
every run stored as a trajectory that records the version, the figures kept on the ``Evaluation`` row.

``evaluation_create`` queues one (audited); ``evaluation_execute`` does it (in a Celery task on the
``training`` queue, or in-process for ``manage.py evaluate``), counting progress in runs and stopping
between runs when a cancel was requested. "Before vs after" compares a version's evaluation with its
parent's latest on the same problems and runs (``evaluation_baseline``)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from agents.knowledge.selectors import knowledge_for_runtime
from agents.runtime.benchmark import RunDone, benchmark_run, benchmark_tasks
from agents.runtime.scoring import RunScore, summarise
from agents.services import benchmark_run_store
from agents.sim.problems import Problem, UnknownProblem, problem_list, problem_resolve
from aoi_platform.errors import Conflict, DomainError
from training.models import Evaluation, JobStatus, ModelVersion
from training.services.jobs import job_dispatch_on_commit
from training.services.versions import backend_config_of
from trajectories.audit.services import Actor, audit_append

logger = logging.getLogger(__name__)

AUDIT_OBJECT = "evaluation"
SPLITS = ("test", "train", "all")
MAX_RUNS = 10

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
        evaluation.benchmark_label = f"eval-{version.name}-{split}-{str(evaluation.pk)[:8]}"[:100]
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
    with transaction.atomic():
        locked = Evaluation.objects.select_for_update().get(pk=evaluation.pk)
        if not locked.is_active:
            raise Conflict(f"The evaluation has already ended ({locked.status}).", code="evaluation_ended")
        locked.cancel_requested = True
        fields = ["cancel_requested"]
        if locked.status == JobStatus.QUEUED:
            locked.status, locked.finished_at = JobStatus.CANCELLED, timezone.now()
            fields += ["status", "finished_at"]
        locked.save(update_fields=fields)
        audit_append(actor=actor, verb="evaluation.cancel_requested", object_type=AUDIT_OBJECT, object_id=locked.pk)
    return locked


def _claim(evaluation_id: Any) -> Evaluation | None:
    """Move a queued evaluation to running; None when it is not queued (ended, or another worker has it)."""
    with transaction.atomic():
        evaluation = Evaluation.objects.select_for_update().filter(pk=evaluation_id).first()
        if evaluation is None or evaluation.status != JobStatus.QUEUED:
            return None
        evaluation.status, evaluation.started_at = JobStatus.RUNNING, timezone.now()
        evaluation.save(update_fields=["status", "started_at"])
        return evaluation


def _cancel_requested(evaluation_id: Any) -> bool:
    return bool(Evaluation.objects.filter(pk=evaluation_id, cancel_requested=True).exists())


def evaluation_execute(
    evaluation_id: Any, *, jobs: int = 1, on_progress: ProgressSink | None = None
) -> Evaluation | None:
    """Run a queued evaluation to its end: every (problem, run) stored as it finishes (progress counted),
    the summary kept. Returns the ended row, or None if it was not queued (nothing done)."""
    evaluation = _claim(evaluation_id)
    if evaluation is None:
        return None
    version = evaluation.version
    actor = Actor.system(f"evaluation {evaluation.benchmark_label}")
    try:
        tasks = benchmark_tasks(
            problems_of(evaluation.split),
            runs=evaluation.runs,
            seed=evaluation.seed,
            agent="aoi",
            backend_config=backend_config_of(version),
            knowledge=knowledge_for_runtime() if evaluation.knowledge else [],
        )

        def on_done(done: RunDone) -> None:
            benchmark_run_store(done=done, label=evaluation.benchmark_label, agent="aoi", model_version=version)
            Evaluation.objects.filter(pk=evaluation.pk).update(
                progress_done=F("progress_done") + 1,
                progress_note=f"{done.problem.problem_id}: {'ok' if done.grade.get('success') else 'fail'}",
            )
            if on_progress is not None:
                on_progress(evaluation, done)

        began = time.perf_counter()
        results = benchmark_run(tasks, jobs=jobs, on_done=on_done, should_stop=lambda: _cancel_requested(evaluation.pk))
        summary = evaluation_summary(results, wall_time_s=time.perf_counter() - began)
        status = JobStatus.CANCELLED if len(results) < len(tasks) else JobStatus.SUCCEEDED
        return _finish(evaluation, status=status, summary=summary, actor=actor)
    except Exception as error:
        logger.exception("evaluation %s failed", evaluation.pk)
        return _finish(evaluation, status=JobStatus.FAILED, summary={}, actor=actor, error=repr(error))


def evaluation_execute_default(evaluation_id: Any) -> Evaluation | None:
    """``evaluation_execute`` with the configured number of processes (``AOI_EVALUATION_JOBS``)."""
    return evaluation_execute(evaluation_id, jobs=settings.AOI_EVALUATION_JOBS)


def evaluation_summary(results: list[RunDone], *, wall_time_s: float) -> dict[str, Any]:
    """The figures of a set of runs: lenient and strict, overall and by task type."""
    scores = [RunScore.from_grade(done.grade, run=done.run, wall_time_s=done.wall_time_s) for done in results]
    return {
        "lenient": summarise(scores),
        "strict": summarise(scores, strict=True),
        "wall_time_s": round(wall_time_s, 2),
        "runs_done": len(results),
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
    base when it has none) on the same problems, runs and knowledge setting."""
    version = evaluation.version
    parent = version.parent
    if parent is None:
        return None
    return (
        Evaluation.objects.filter(
            version=parent,
            split=evaluation.split,
            runs=evaluation.runs,
            knowledge=evaluation.knowledge,
            status=JobStatus.SUCCEEDED,
        )
        .order_by("-finished_at")
        .first()
    )
