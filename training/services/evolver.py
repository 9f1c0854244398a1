"""Evolver runs: failed trajectories selected, a teacher's guidance proposal for each, each proposal
validated by re-running its problem with the guidance in long-term memory.

``evolver_run_create`` queues a run (permission ``training.start_evolverrun``, audited, sent to the
``training`` queue on commit); ``evolver_run_execute`` does it (a Celery task, or in-process for
``manage.py evolve``):

1. with ``problems`` and no ``from_label``, the Observer's current model runs K times on each problem
   (label ``evolver-<id>-before``) and the before figures go into the summary; with ``from_label`` the
   runs stored under that benchmark label are read instead;
2. failures are selected: AOI benchmark runs graded failed, and (``include_incidents``) incident runs whose
   diagnosis disagrees with the incident's post-incident label as it is now; a trajectory that already has
   a proposal is never selected again;
3. for each, the teacher (``training.evolver``) proposes; an invalid answer is counted with its reason;
4. each proposal is validated: its problem re-run ``validation_runs`` times with the guidance plus the
   active curated items in long-term memory (label ``evolver-validation-<id>``), the re-runs linked to it.
   An incident run is re-run only when its incident names a simulated problem (``aoi_problem`` label).

Progress counts units of work (one agent run, one teacher answer); a cancel request is read between
units, and a cancelled run keeps what it did.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from agents.hosting import run_lock
from agents.knowledge.selectors import knowledge_for_runtime
from agents.llm import factory
from agents.llm.base import LLMBackend, LLMError
from agents.roles.memory import Knowledge
from agents.runtime.benchmark import RunDone, benchmark_run, benchmark_tasks
from agents.runtime.scoring import RunScore, summarise
from agents.services import benchmark_run_store
from agents.sim.problems import Problem, UnknownProblem, problem_list, problem_resolve
from aoi_platform.errors import DomainError, Forbidden
from training.evolver import (
    TeacherOutputInvalid,
    TeacherProposal,
    teacher_ask,
    validation_verdict,
)
from training.models import EvolverRun, GuidanceProposal, JobStatus, ModelVersion, ValidationStatus
from training.selectors_evolver import RunUnreadable, evolver_failures_select, failure_case, rerun_problem
from training.services import versions
from training.services.jobs import job_cancel, job_dispatch_on_commit
from trajectories.audit.services import Actor, audit_append
from trajectories.models import Trajectory

logger = logging.getLogger(__name__)

AUDIT_OBJECT = "evolver_run"
PERMISSION = "training.start_evolverrun"
TASK = "training.tasks.evolver_run_execute"
SPLITS = ("train", "test", "all")
MAX_RUNS = 10
MAX_REASONS = 50
REASON_CHARS = 300
INTERRUPTED = "interrupted: the process running it stopped; what it stored is kept, start a new run to go on"

ProgressSink = Callable[[EvolverRun, str], None]


class Cancelled(Exception):
    """A cancel request was read between two units of work."""


# --- creating and cancelling -----------------------------------------------------------------------------


def problems_named(spec: str) -> list[Problem]:
    """``train``, ``test``, ``all`` or comma-separated problem ids (or scenario paths); DomainError otherwise."""
    if spec in SPLITS:
        return problem_list(split=None if spec == "all" else spec)
    try:
        problems = [problem_resolve(ref.strip()) for ref in spec.split(",") if ref.strip()]
    except (UnknownProblem, ValueError) as error:
        raise DomainError(str(error), code="invalid_evolver_run") from error
    if not problems:
        raise DomainError("No problems named.", code="invalid_evolver_run")
    return problems


def _teacher_checked(teacher: dict[str, Any]) -> dict[str, Any]:
    """The teacher's backend configuration if ``backend_from_config`` would take it (nothing is loaded)."""
    if not isinstance(teacher, dict) or not isinstance(teacher.get("backend"), str):
        raise DomainError("The teacher is a backend configuration with a 'backend' name.", code="invalid_teacher")
    if any("key" in name.lower() and name != "api_key_env" for name in teacher):
        raise DomainError("Give the teacher's API key as api_key_env (a variable's name).", code="invalid_teacher")
    try:
        factory.backend_config_check(teacher)
    except LLMError as error:
        raise DomainError(f"Bad teacher configuration: {error}", code="invalid_teacher") from error
    return dict(teacher)


def evolver_run_create(
    *,
    user: User | None,
    problems: str | None,
    runs: int,
    from_label: str | None,
    include_incidents: bool,
    teacher: dict[str, Any],
    validation_runs: int = 1,
    seed: int = 0,
    actor: Actor | None = None,
    dispatch: bool = True,
) -> EvolverRun:
    """Queue an Evolver run (checked now: permission, teacher, problems, label, run counts). ``user`` None:
    a command line, no permission check. ``dispatch``: send it to the ``training`` queue on commit (the
    command runs it in-process instead)."""
    if user is not None and not (user.is_active and user.has_perm(PERMISSION)):
        raise Forbidden("You may not start Evolver runs.", code="no_evolver_permission")
    teacher_config = _teacher_checked(teacher)
    chosen = problems_named(problems) if problems else []
    label = (from_label or "").strip()
    if label and not Trajectory.objects.filter(benchmark_run=label).exists():
        raise DomainError(f"No runs are stored under the benchmark label {label!r}.", code="invalid_evolver_run")
    if not (chosen or label or include_incidents):
        raise DomainError("Name problems to run, a benchmark label, or incidents.", code="invalid_evolver_run")
    if chosen and not label and not 1 <= runs <= MAX_RUNS:
        raise DomainError(f"runs must be between 1 and {MAX_RUNS}.", code="invalid_evolver_run")
    if not 0 <= validation_runs <= MAX_RUNS:
        raise DomainError(f"validation_runs must be between 0 and {MAX_RUNS}.", code="invalid_evolver_run")
    config = {
        "problems": problems or "",
        "problem_ids": [problem.problem_id for problem in chosen],
        "runs": runs,
        "from_label": label,
        "include_incidents": include_incidents,
        "teacher": teacher_config,
        "validation_runs": validation_runs,
        "seed": seed,
    }
    with transaction.atomic():
        run = EvolverRun.objects.create(
            config=config, created_by=user, progress_total=0 if label else len(chosen) * runs
        )
        audit_append(
            actor=actor or (Actor.of_user(user) if user is not None else Actor.system("evolve")),
            verb="evolver.created",
            object_type=AUDIT_OBJECT,
            object_id=run.pk,
            payload={key: value for key, value in config.items() if key != "problem_ids"},
        )
        if dispatch:
            job_dispatch_on_commit(task=TASK, job_id=run.pk, execute=evolver_run_execute)
    return run


def evolver_run_cancel(*, run: EvolverRun, actor: Actor) -> EvolverRun:
    """Ask a queued or running run to stop after the unit of work in progress (a queued one ends at once)."""
    return job_cancel(run, actor=actor, audit_object=AUDIT_OBJECT, verb_prefix="evolver", label="Evolver run")


# --- executing ------------------------------------------------------------------------------------------


class _Pass:
    """One execution of a run: its settings, the Observer's backend, the summary as it grows, progress."""

    def __init__(self, run: EvolverRun, on_progress: ProgressSink | None) -> None:
        self.run, self.on_progress = run, on_progress
        self.config: dict[str, Any] = dict(run.config)
        self.prefix = str(run.pk)[:8]
        self.actor = Actor.system(f"evolver {self.prefix}")
        self.observer, self.version = observer_backend()
        self.summary: dict[str, Any] = {
            "selected": 0,
            "proposals": 0,
            "invalid_teacher_outputs": 0,
            "invalid_teacher_output_reasons": [],
            "salvaged": 0,
            "not_salvaged": 0,
            "validation_errors": 0,
            "validation_error_reasons": [],
            "validation_not_run": 0,
            "unreadable": 0,
            "unreadable_reasons": [],
            "already_proposed": 0,
            "before": None,
            "validation_label": f"evolver-validation-{self.prefix}",
            "observer": {"backend": self.observer.get("backend"), "model_version": _name(self.version)},
        }

    def check_cancel(self) -> None:
        if EvolverRun.objects.filter(pk=self.run.pk, cancel_requested=True).exists():
            raise Cancelled

    def cancel_requested(self) -> bool:
        return bool(EvolverRun.objects.filter(pk=self.run.pk, cancel_requested=True).exists())

    def advance(self, note: str, *, extra_total: int = 0) -> None:
        """One unit done (``note`` says which); the summary so far is saved with it."""
        EvolverRun.objects.filter(pk=self.run.pk).update(
            progress_done=F("progress_done") + 1,
            progress_total=F("progress_total") + extra_total,
            progress_note=note[:200],
            summary=self.summary,
        )
        if self.on_progress is not None:
            self.on_progress(self.run, note)

    def reason(self, key: str, trajectory: Trajectory, why: str) -> None:
        reasons = self.summary[key]
        if len(reasons) < MAX_REASONS:
            reasons.append({"trajectory": str(trajectory.pk), "reason": why[:REASON_CHARS]})


def observer_backend() -> tuple[dict[str, Any], ModelVersion | None]:
    """The Observer's backend now (the active version's, else the settings' ``AOI_LLM``) and its version."""
    config, version = versions.observer_backend_config()
    return dict(config), version


def _name(version: ModelVersion | None) -> str | None:
    return version.name if version is not None else None


def _claim(run_id: Any) -> EvolverRun | None:
    """Take a queued run (running, audited). A running one found here has lost its process (the caller holds
    the run's lock, so nobody else does: a killed worker's task delivered again): it ends failed, what it
    stored kept, and a new run goes on from there (runs already proposed are not selected again). None
    unless a queued run was taken."""
    with transaction.atomic():
        run = EvolverRun.objects.select_for_update().filter(pk=run_id).first()
        if run is None or not run.is_active:
            return None
        if run.status == JobStatus.RUNNING:
            _finish(run, JobStatus.FAILED, run.summary, error=INTERRUPTED)
            return None
        run.status, run.started_at = JobStatus.RUNNING, timezone.now()
        run.save(update_fields=["status", "started_at"])
        audit_append(actor=Actor.system("evolver"), verb="evolver.started", object_type=AUDIT_OBJECT, object_id=run.pk)
        return run


def evolver_run_execute(run_id: Any, *, on_progress: ProgressSink | None = None) -> EvolverRun | None:
    """Do a queued run to its end (succeeded, cancelled or failed, the summary kept in every case) and return
    the ended row. None when it was not queued: ended, held by another process (a second delivery: nothing
    done), or interrupted (its process died; it is ended failed here)."""
    with run_lock(f"evolver:{run_id}") as got:
        run = _claim(run_id) if got else None
        return _execute(run, on_progress) if run is not None else None


def _execute(run: EvolverRun, on_progress: ProgressSink | None) -> EvolverRun:
    work: _Pass | None = None
    try:
        work = _Pass(run, on_progress)
        teacher = factory.backend_from_config(work.config["teacher"])
        work.summary["teacher"] = _teacher_name(teacher)
        try:
            _before(work)
            for trajectory in _select(work):
                _evolve_one(work, teacher, trajectory)
        except Cancelled:
            return _finish(run, JobStatus.CANCELLED, work.summary)
        return _finish(run, JobStatus.SUCCEEDED, work.summary)
    except Exception as error:
        logger.exception("evolver run %s failed", run.pk)
        return _finish(run, JobStatus.FAILED, work.summary if work else {}, error=f"{type(error).__name__}: {error}")


def _teacher_name(teacher: LLMBackend) -> str:
    return f"{teacher.name}:{teacher.model}"[:200]


def _before(work: _Pass) -> None:
    """With problems and no label: the Observer's current model K times on each, stored, figures kept."""
    ids, runs = work.config.get("problem_ids") or [], int(work.config["runs"])
    if not ids or work.config.get("from_label"):
        return
    label = f"evolver-{work.prefix}-before"
    work.config["from_label"] = label
    work.summary["before_label"] = label
    tasks = benchmark_tasks(
        problems_named(",".join(ids)),
        runs=runs,
        seed=int(work.config["seed"]),
        agent="aoi",
        backend_config=work.observer,
        knowledge=knowledge_for_runtime(),
    )

    def on_done(done: RunDone) -> None:
        benchmark_run_store(done=done, label=label, agent="aoi", model_version=work.version)
        work.advance(f"before: {done.problem.problem_id} {'ok' if done.grade.get('success') else 'fail'}")

    results = benchmark_run(tasks, on_done=on_done, should_stop=work.cancel_requested)
    scores = [RunScore.from_grade(done.grade, run=done.run, wall_time_s=done.wall_time_s) for done in results]
    work.summary["before"] = {"lenient": summarise(scores), "strict": summarise(scores, strict=True)}
    if len(results) < len(tasks):
        raise Cancelled


def _select(work: _Pass) -> list[Trajectory]:
    """The failed runs to read (``evolver_failures_select``), counted in the summary and the progress."""
    selected = evolver_failures_select(
        from_label=work.config.get("from_label"),
        problem_ids=work.config.get("problem_ids") or None,
        include_incidents=bool(work.config.get("include_incidents")),
    )
    work.summary["selected"] = len(selected)
    EvolverRun.objects.filter(pk=work.run.pk).update(
        progress_total=F("progress_total") + len(selected), summary=work.summary
    )
    return selected


def _evolve_one(work: _Pass, teacher: LLMBackend, trajectory: Trajectory) -> None:
    """One failed run: the teacher's proposal (one unit), then its validation re-runs (one unit each)."""
    work.check_cancel()
    try:
        case, problem = failure_case(trajectory), rerun_problem(trajectory)
    except RunUnreadable as error:
        work.summary["unreadable"] += 1
        work.reason("unreadable_reasons", trajectory, str(error))
        work.advance(f"unreadable: {trajectory.pk}")
        return
    try:
        proposal = teacher_ask(teacher, case, seed=int(work.config["seed"]))
    except TeacherOutputInvalid as error:
        work.summary["invalid_teacher_outputs"] += 1
        work.reason("invalid_teacher_output_reasons", trajectory, str(error))
        work.advance(f"teacher: invalid answer on {trajectory.pk}")
        return
    stored = _propose(work, trajectory, proposal, teacher)
    if stored is None:
        work.summary["already_proposed"] += 1
        work.advance(f"teacher: {trajectory.pk} was proposed meanwhile")
        return
    work.summary["proposals"] += 1
    planned = int(work.config["validation_runs"]) if problem is not None else 0
    work.advance(f"proposed: {stored.title}", extra_total=planned)
    if planned:
        assert problem is not None
        _validate(work, stored, trajectory, problem, planned)
    else:
        work.summary["validation_not_run"] += 1


def _propose(
    work: _Pass, trajectory: Trajectory, proposal: TeacherProposal, teacher: LLMBackend
) -> GuidanceProposal | None:
    """Store the proposal (pending) and audit "guidance.proposed"; None when the trajectory got one meanwhile
    (its row lock orders two runs that selected it together)."""
    with transaction.atomic():
        Trajectory.objects.select_for_update().filter(pk=trajectory.pk).first()
        if GuidanceProposal.objects.filter(trajectory=trajectory).exists():
            return None
        stored = GuidanceProposal.objects.create(
            evolver_run=work.run,
            trajectory=trajectory,
            failure_pattern=proposal.failure_pattern,
            failed_step=proposal.failed_step,
            analysis=proposal.analysis,
            title=proposal.title,
            text=proposal.text,
            fault_types=list(proposal.fault_types),
            services=list(proposal.services),
            teacher=_teacher_name(teacher),
        )
        audit_append(
            actor=work.actor,
            verb="guidance.proposed",
            object_type="guidance_proposal",
            object_id=stored.pk,
            payload={
                "evolver_run": str(work.run.pk),
                "trajectory": str(trajectory.pk),
                "failure_pattern": stored.failure_pattern,
                "failed_step": stored.failed_step,
                "title": stored.title,
            },
        )
    return stored


def _validate(work: _Pass, proposal: GuidanceProposal, trajectory: Trajectory, problem: Problem, planned: int) -> None:
    """Re-run ``problem`` with the guidance in long-term memory (beside the active curated items); the first
    re-run of a benchmark failure keeps the failed run's seed, so the guidance is the only change."""
    label = work.summary["validation_label"]
    guidance = Knowledge(proposal.title, proposal.text, tags=(*proposal.fault_types, *proposal.services))
    tasks = benchmark_tasks(
        [problem],
        runs=planned,
        seed=int(work.config["seed"]),
        agent="aoi",
        backend_config=work.observer,
        knowledge=[guidance, *knowledge_for_runtime()],
    )
    if trajectory.problem_id and trajectory.seed is not None:
        tasks[0] = replace(tasks[0], seed=trajectory.seed)
    successes: list[bool] = []

    def on_done(done: RunDone) -> None:
        rerun = benchmark_run_store(done=done, label=label, agent="aoi", model_version=work.version)
        proposal.validation_trajectories.add(rerun)
        successes.append(bool(done.grade.get("success")))
        work.advance(f"validation of {proposal.title[:60]}: {'ok' if successes[-1] else 'fail'}")

    try:
        benchmark_run(tasks, on_done=on_done, should_stop=work.cancel_requested)
        verdict = validation_verdict(successes, planned=planned)
    except Exception as error:  # a broken re-run is this proposal's error, not the whole run's
        logger.exception("validation of proposal %s failed", proposal.pk)
        work.reason("validation_error_reasons", trajectory, f"{type(error).__name__}: {error}")
        verdict = ValidationStatus.SALVAGED if any(successes) else ValidationStatus.ERROR
        EvolverRun.objects.filter(pk=work.run.pk).update(progress_total=F("progress_total") - planned + len(successes))
    counter = {"salvaged": "salvaged", "not_salvaged": "not_salvaged", "error": "validation_errors"}.get(verdict)
    work.summary[counter or "validation_not_run"] += 1
    with transaction.atomic():
        GuidanceProposal.objects.filter(pk=proposal.pk).update(validation_status=verdict)
        EvolverRun.objects.filter(pk=work.run.pk).update(summary=work.summary)
        audit_append(
            actor=work.actor,
            verb="guidance.validated",
            object_type="guidance_proposal",
            object_id=proposal.pk,
            payload={"validation_status": verdict, "re_runs": len(successes), "succeeded": sum(successes)},
        )
    if len(successes) < planned:
        work.check_cancel()


def _finish(run: EvolverRun, status: str, summary: dict[str, Any], *, error: str = "") -> EvolverRun:
    """End the run with ``status``, its summary and error, audited "evolver.<status>" with the counts."""
    with transaction.atomic():
        locked = EvolverRun.objects.select_for_update().get(pk=run.pk)
        locked.status, locked.summary, locked.error, locked.finished_at = status, summary, error, timezone.now()
        locked.save(update_fields=["status", "summary", "error", "finished_at"])
        counts = {key: summary.get(key) for key in ("selected", "proposals", "invalid_teacher_outputs", "salvaged")}
        audit_append(
            actor=Actor.system("evolver"),
            verb=f"evolver.{status}",
            object_type=AUDIT_OBJECT,
            object_id=locked.pk,
            payload={**counts, "error": error[:500]},
        )
    return locked
