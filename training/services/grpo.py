"""GRPO training runs on the platform: queued with a dataset snapshot, trained on a ``training`` worker (or
in-process by ``manage.py train_grpo``), ended with a new model version, audited at every end.

Layout of a run's folder (``AOI_TRAINING_OUTPUT_DIR/<run id>/``): ``dataset.jsonl`` (the snapshot the run
reads, named by ``dataset_hash``), ``model/`` (what the trainer saved: full weights, or the LoRA adapter)
and, for LoRA, ``merged/`` (the adapter folded into its base, so the local transformers backend can serve
it; the adapter stays for a vLLM server started with ``--enable-lora``). A cancelled run keeps what it
saved but registers no version; a failed run registers nothing."""

from __future__ import annotations

import json
import logging
import math
import shutil
import typing
import uuid
from collections.abc import Mapping
from dataclasses import asdict, fields
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser, User
from django.db import IntegrityError, transaction
from django.utils import timezone

from agents.hosting import run_lock
from aoi_platform.errors import DomainError, Forbidden
from training.grpo.dataset import canonical_json, dataset_hash
from training.grpo.trainer import GRPOSettings, LogSink, TrainResult, lora_merge, train
from training.models import JobStatus, ModelKind, ModelVersion, TrainingMetric, TrainingRun
from training.services.datasets import dataset_snapshot_build
from training.services.jobs import job_cancel, job_dispatch_on_commit
from training.services.versions import backend_config_of, model_version_base_ensure
from trajectories.audit.services import Actor, audit_append

logger = logging.getLogger(__name__)

TASK = "training.tasks.training_run_execute"
AUDIT_OBJECT = "training_run"
PERMISSION = "training.start_trainingrun"
VERSION_PREFIX = "observer-grpo-"
# The platform names the output folder; everything else in GRPOSettings may be set per run.
SETTABLE = tuple(f.name for f in fields(GRPOSettings) if f.name != "output_dir")
_TYPES = typing.get_type_hints(GRPOSettings)


def training_permission_check(user: User | AnonymousUser | None) -> None:
    """Refuse (``Forbidden``) anybody without ``training.start_trainingrun`` (superusers hold every
    permission): starting and cancelling GRPO training go through here."""
    if user is None or not user.is_authenticated or not user.has_perm(PERMISSION):
        raise Forbidden(f"Starting or cancelling GRPO training needs the permission {PERMISSION}.")


def _typed(name: str, value: Any) -> Any:
    """``value`` as the type GRPOSettings declares for ``name`` (JSON gives lists for tuples, ints for
    floats); a DomainError naming the setting when it is not one."""
    expected = _TYPES[name]
    if expected is bool and isinstance(value, bool):
        return value
    if expected is int and isinstance(value, int) and not isinstance(value, bool):
        return value
    if expected is float and isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    if expected == (str | None) and (value is None or isinstance(value, str)):
        return value or None
    if expected == tuple[str, ...] and isinstance(value, list | tuple) and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise DomainError(f"The training setting {name} must be {expected}, not {value!r}.", code="invalid_training")


def training_settings_build(overrides: Mapping[str, Any], *, output_dir: str) -> GRPOSettings:
    """The settings of a run: GRPOSettings' defaults with ``overrides``; unknown names, wrong types and
    values TRL refuses (a batch that is no multiple of the generations, steps < 1, ...) are DomainErrors."""
    unknown = sorted(set(overrides) - set(SETTABLE))
    if unknown:
        raise DomainError(
            f"Unknown training settings: {', '.join(unknown)}; known: {', '.join(SETTABLE)}.", code="invalid_training"
        )
    values = {name: _typed(name, value) for name, value in overrides.items()}
    try:
        return GRPOSettings(output_dir=output_dir, **values)
    except ValueError as error:
        raise DomainError(f"Invalid training settings: {error}.", code="invalid_training") from error


def training_model_of(version: ModelVersion) -> str | None:
    """The weights a run from ``version`` starts with: None for the embedded SmolLM2 (a transformers or
    llamacpp backend without a model: the same GGUF), else a local folder; a DomainError when the version
    has none here."""
    serving = backend_config_of(version)
    if serving.get("backend") == "transformers":
        return str(serving["model"]) if serving.get("model") else None
    if serving.get("backend") == "llamacpp" and not serving.get("model"):
        return None
    if version.location:
        return version.location
    raise DomainError(
        f"The model version {version.name} has no local weights to train from (it is served by the "
        f"{serving.get('backend')} backend); name a local model folder with the 'model' setting.",
        code="no_local_weights",
    )


def _stored_settings(settings_: GRPOSettings, overrides: Mapping[str, Any]) -> dict[str, Any]:
    """What the run's row keeps: every setting but the folder, the model (kept apart) and, unless chosen,
    the device (decided by the machine that trains, not the one that queued the run)."""
    kept = {key: value for key, value in asdict(settings_).items() if key not in ("output_dir", "model")}
    if "use_cpu" not in overrides:
        kept.pop("use_cpu")
    kept["lora_target_modules"] = list(kept["lora_target_modules"])
    return kept


def _snapshot_write(rows: list[dict[str, Any]], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as out:
        for row in rows:
            out.write(canonical_json(row) + "\n")


def training_run_create(
    *,
    user: User | None,
    base_version: ModelVersion | None = None,
    settings_overrides: Mapping[str, Any] | None = None,
    split: str = "train",
    max_rows: int | None = None,
    actor: Actor | None = None,
    dispatch: bool = True,
) -> TrainingRun:
    """Queue a GRPO run (audited "training.created"): settings checked, the dataset snapshot of ``split``
    written to the run's folder (at most ``max_rows`` rows; none is a DomainError). ``base_version``
    defaults to the base version; the ``model`` setting may name another local folder to train from.
    ``dispatch`` (the default) sends it to the ``training`` queue once the transaction commits; without it
    the caller executes it (``manage.py train_grpo``)."""
    if user is not None:
        training_permission_check(user)
    if max_rows is not None and max_rows < 1:
        raise DomainError("max_rows must be at least 1.", code="invalid_training")
    overrides = dict(settings_overrides or {})
    run_id = uuid.uuid4()
    folder = Path(settings.AOI_TRAINING_OUTPUT_DIR) / str(run_id)
    grpo = training_settings_build(overrides, output_dir=str(folder / "model"))
    rows, summary = dataset_snapshot_build(split=split, max_rows=max_rows)
    if not rows:
        raise DomainError(
            f"No training data in the {split} split: no finished run stored an Observer decision there "
            f"({summary['records']} records, {summary['too_long']} too long). Run a benchmark on {split} problems.",
            code="empty_dataset",
        )
    base_version = base_version or model_version_base_ensure(actor=actor)
    model = grpo.model if "model" in overrides else training_model_of(base_version)
    dataset_path = folder / "dataset.jsonl"
    _snapshot_write(rows, dataset_path)
    try:
        run = _run_store(
            run_id=run_id,
            user=user,
            actor=actor,
            base_version=base_version,
            model=model,
            config={
                "settings": _stored_settings(grpo, overrides),
                "model": model,
                "split": split,
                "max_rows": max_rows,
            },
            rows=rows,
            summary=summary,
            dataset_path=dataset_path,
            steps=grpo.steps,
        )
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)  # nothing half-created
        raise
    if dispatch:
        training_run_dispatch_on_commit(run)
    return run


@transaction.atomic
def _run_store(
    *,
    run_id: uuid.UUID,
    user: User | None,
    actor: Actor | None,
    base_version: ModelVersion,
    model: str | None,
    config: dict[str, Any],
    rows: list[dict[str, Any]],
    summary: dict[str, Any],
    dataset_path: Path,
    steps: int,
) -> TrainingRun:
    """The run's row and its "training.created" event, in one transaction."""
    run = TrainingRun.objects.create(
        id=run_id,
        config=config,
        base_version=base_version,
        base_model=(model or base_version.base_model)[:200],
        dataset_hash=dataset_hash(rows),
        dataset_rows=len(rows),
        dataset_summary=summary,
        dataset_path=str(dataset_path),
        output_dir=str(dataset_path.parent),
        progress_total=steps,
        created_by=user,
    )
    audit_append(
        actor=actor or (Actor.of_user(user) if user is not None else Actor.system("train_grpo")),
        verb="training.created",
        object_type=AUDIT_OBJECT,
        object_id=run.pk,
        payload={
            "base_version": base_version.name,
            "model": model,
            "split": config["split"],
            "settings": config["settings"],
            "dataset_hash": run.dataset_hash,
            "dataset_rows": run.dataset_rows,
        },
    )
    return run


def training_run_dispatch_on_commit(run: TrainingRun) -> None:
    """Send the run to the ``training`` queue once the caller's transaction commits (a thread of this
    process does it in the embedded mode, without a broker)."""
    job_dispatch_on_commit(task=TASK, job_id=run.pk, execute=training_run_execute)


def training_run_cancel(*, run: TrainingRun, actor: Actor) -> TrainingRun:
    """Cancel a queued run at once (audited "training.cancelled"), or ask a running one to stop after the
    step in progress ("training.cancel_requested"); an ended run is a Conflict."""
    return job_cancel(run, actor=actor, audit_object=AUDIT_OBJECT, verb_prefix="training", label="training run")


def _claim(run_id: Any) -> TrainingRun | None:
    """Take the run for this process (the caller holds its lock). A queued run moves to running. A running
    one nobody holds lost its worker (killed; its task was delivered again): training restarts from the
    start, its metrics cleared (no checkpoint is kept mid-run), or it ends cancelled when a cancel was
    asked meanwhile. None when it has ended or does not exist."""
    with transaction.atomic():
        run = TrainingRun.objects.select_for_update().filter(pk=run_id).first()
        if run is None or run.status not in (JobStatus.QUEUED, JobStatus.RUNNING):
            return None
        if run.status == JobStatus.QUEUED:
            run.status, run.started_at = JobStatus.RUNNING, timezone.now()
            run.save(update_fields=["status", "started_at"])
            return run
        run.metrics.all().delete()
        run.progress_done, run.progress_note = 0, "restarted: the worker running it was lost"
        run.save(update_fields=["progress_done", "progress_note"])
        audit_append(
            actor=Actor.system(f"training run {run.pk}"),
            verb="training.restarted",
            object_type=AUDIT_OBJECT,
            object_id=run.pk,
            payload={"reason": "worker lost"},
        )
        return run


def _rows_read(run: TrainingRun) -> list[dict[str, Any]]:
    """The run's dataset snapshot, refused when it is not the one the run was created with."""
    with Path(run.dataset_path).open(encoding="utf-8") as source:
        rows = [json.loads(line) for line in source if line.strip()]
    if dataset_hash(rows) != run.dataset_hash:
        raise ValueError(f"the dataset snapshot {run.dataset_path} changed since the run was created")
    return rows


def _run_settings(run: TrainingRun) -> GRPOSettings:
    stored = dict(run.config["settings"])
    stored["lora_target_modules"] = tuple(stored["lora_target_modules"])
    return GRPOSettings(output_dir=str(Path(run.output_dir) / "model"), model=run.config.get("model"), **stored)


def _metrics_store(run: TrainingRun, step: int, metrics: Mapping[str, float]) -> None:
    """One row per logging step (TRL's end-of-training summary joins the last step's row); progress moves."""
    values = {key: value if math.isfinite(value) else None for key, value in metrics.items()}
    row = TrainingMetric.objects.filter(run=run, step=step).first()
    if row is None:
        TrainingMetric.objects.create(run=run, step=step, values=values)
    else:
        row.values = {**row.values, **values}
        row.save(update_fields=["values"])
    reward = values.get("reward")
    note = f"step {step}/{run.progress_total}" + (f": reward {reward:.3f}" if reward is not None else "")
    TrainingRun.objects.filter(pk=run.pk).update(progress_done=min(step, run.progress_total), progress_note=note)


def _cancel_requested(run_id: Any) -> bool:
    return bool(TrainingRun.objects.filter(pk=run_id, cancel_requested=True).exists())


def training_run_execute(run_id: Any, *, on_log: LogSink | None = None) -> TrainingRun | None:
    """Train a queued run to its end (or restart one whose worker was lost); returns the ended row, or None
    when there was nothing to do (ended, unknown, or another process is training it).

    Each logging step is stored (``TrainingMetric``) and reported to ``on_log``; a cancel request stops it
    after the step in progress (cancelled: the partial model is saved, no version registered). Success
    registers the new version; any error ends it failed with the error's text, nothing registered."""
    with run_lock(f"training:{run_id}") as got:
        if not got:
            return None
        run = _claim(run_id)
        if run is None:
            return None
        if run.cancel_requested:
            return _finish(run, status=JobStatus.CANCELLED)
        return _train(run, on_log=on_log)


def _train(run: TrainingRun, *, on_log: LogSink | None) -> TrainingRun:
    try:
        grpo = _run_settings(run)
        rows = _rows_read(run)

        def sink(step: int, metrics: dict[str, float]) -> None:
            _metrics_store(run, step, metrics)
            if on_log is not None:
                on_log(step, metrics)

        result = train(grpo, rows, on_log=sink, should_stop=lambda: _cancel_requested(run.pk))
        if result.stopped:
            return _finish(run, status=JobStatus.CANCELLED, result=result)
        serving_folder = result.output_dir
        if grpo.lora:
            serving_folder = lora_merge(grpo, str(Path(run.output_dir) / "merged"))
        return _succeed(run, grpo=grpo, result=result, serving_folder=serving_folder)
    except BaseException as error:  # an interrupt too: the row must not stay "running" with nobody on it
        logger.exception("training run %s failed", run.pk)
        ended = _finish(run, status=JobStatus.FAILED, error=f"{type(error).__name__}: {error}")
        if not isinstance(error, Exception):
            raise
        return ended


def _finish(run: TrainingRun, *, status: str, result: TrainResult | None = None, error: str = "") -> TrainingRun:
    with transaction.atomic():
        locked = TrainingRun.objects.select_for_update().get(pk=run.pk)
        _ended(locked, status=status, result=result, error=error)
        payload: dict[str, Any] = {"error": error[:500]} if error else {"steps": result.steps if result else 0}
        audit_append(
            actor=Actor.system(f"training run {run.pk}"),
            verb=f"training.{status}",
            object_type=AUDIT_OBJECT,
            object_id=locked.pk,
            payload=payload,
        )
    return locked


def _ended(run: TrainingRun, *, status: str, result: TrainResult | None, error: str = "") -> None:
    """Record the end on the locked row."""
    run.status, run.error, run.finished_at = status, error, timezone.now()
    fields_ = ["status", "error", "finished_at"]
    if result is not None:
        run.progress_done, run.seconds_per_step = min(result.steps, run.progress_total), result.seconds_per_step
        fields_ += ["progress_done", "seconds_per_step"]
    run.save(update_fields=fields_)


def _succeed(run: TrainingRun, *, grpo: GRPOSettings, result: TrainResult, serving_folder: str) -> TrainingRun:
    """Register the run's version and end the run succeeded, in one transaction."""
    actor = Actor.system(f"training run {run.pk}")
    with transaction.atomic():
        locked = TrainingRun.objects.select_for_update().get(pk=run.pk)
        version = _version_create(locked, grpo=grpo, result=result, serving_folder=serving_folder)
        _ended(locked, status=JobStatus.SUCCEEDED, result=result)
        audit_append(
            actor=actor,
            verb="model_version.created",
            object_type="model_version",
            object_id=version.pk,
            payload={"name": version.name, "kind": version.kind, "serving": version.serving, "run": str(run.pk)},
        )
        audit_append(
            actor=actor,
            verb="training.succeeded",
            object_type=AUDIT_OBJECT,
            object_id=locked.pk,
            payload={"version": version.name, "steps": result.steps, "seconds_per_step": result.seconds_per_step},
        )
    return locked


def _next_version_name() -> str:
    taken = ModelVersion.objects.filter(name__startswith=VERSION_PREFIX).values_list("name", flat=True)
    numbers = [int(suffix) for name in taken if (suffix := name[len(VERSION_PREFIX) :]).isdigit()]
    return f"{VERSION_PREFIX}{max(numbers, default=0) + 1}"


def _version_create(run: TrainingRun, *, grpo: GRPOSettings, result: TrainResult, serving_folder: str) -> ModelVersion:
    """The run's model version under the next free ``observer-grpo-<n>`` name (another run may take a name
    at the same moment: then the next one)."""
    for _ in range(5):
        try:
            with transaction.atomic():
                return ModelVersion.objects.create(
                    name=_next_version_name(),
                    kind=ModelKind.LORA if grpo.lora else ModelKind.CHECKPOINT,
                    base_model=run.base_model,
                    location=result.output_dir,
                    serving={"backend": "transformers", "model": serving_folder},
                    parent=run.base_version,
                    training_run=run,
                    created_by=run.created_by,
                    notes=f"GRPO, {result.steps} steps on {run.dataset_rows} {run.config.get('split')} rows "
                    f"(dataset {run.dataset_hash[:12]}).",
                )
        except IntegrityError:
            continue
    raise RuntimeError("no free observer-grpo-<n> name after 5 tries")
