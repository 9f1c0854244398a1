"""GRPO training runs on the platform, on a tiny random model: create (checks, snapshot, permission), execute
(metrics, the new version), cancel, failure, a real Celery worker, and ``manage.py train_grpo``."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
import redis
from django.contrib.auth.models import AnonymousUser, Permission
from django.core.management import CommandError, call_command
from django.db import connection

from aoi_platform.errors import Conflict, DomainError, Forbidden
from tests.factories import UserFactory
from tests.training.locks import held_elsewhere
from tests.training.test_dataset_db import TRAIN_DETECTION, store_runs
from tests.workers import celery_worker, worker_env
from training.grpo.dataset import dataset_hash
from training.grpo.tiny import tiny_model_save
from training.models import JobStatus, ModelKind, ModelVersion, TrainingMetric, TrainingRun
from training.services.grpo import (
    training_permission_check,
    training_run_cancel,
    training_run_create,
    training_run_execute,
)
from training.services.versions import model_version_base_ensure
from training.tasks.grpo import training_run_execute_task
from trajectories.audit.services import Actor
from trajectories.models import AuditEvent

pytestmark = pytest.mark.slow
ACTOR = Actor.system("tests")


@pytest.fixture(scope="module", autouse=True)
def one_torch_thread() -> Iterator[None]:
    """One intra-op thread: the tiny model gains nothing from two, and a shared 2-core machine loses a lot."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tiny_model_save(tmp_path_factory.mktemp("tiny-llama"))


@pytest.fixture
def output_root(settings: Any, tmp_path: Path) -> Path:
    settings.AOI_TRAINING_OUTPUT_DIR = tmp_path / "training"
    return Path(settings.AOI_TRAINING_OUTPUT_DIR)


@pytest.fixture
def stored(db: None) -> None:
    """One finished run on a train problem: three Observer decisions to train on."""
    store_runs([TRAIN_DETECTION])


def create(**arguments: Any) -> TrainingRun:
    """``training_run_create`` without the dispatch: these tests execute the run themselves."""
    return training_run_create(**{"dispatch": False, **arguments})


def small(tiny_model: Path, **changes: Any) -> dict[str, Any]:
    base = {"steps": 2, "num_generations": 2, "per_device_train_batch_size": 2, "max_completion_length": 16}
    return {**base, "model": str(tiny_model), **changes}


def audited(verb: str) -> int:
    return AuditEvent.objects.filter(verb=verb, object_type="training_run").count()


def trainer_user(username: str) -> Any:
    user = UserFactory(username=username)
    user.user_permissions.add(Permission.objects.get(codename="start_trainingrun"))
    return type(user).objects.get(pk=user.pk)  # permissions are cached per instance


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"per_device_train_batch_size": 3, "num_generations": 2}, r"\(3\) must be a multiple of num_generations"),
        ({"steps": 0}, "steps and logging_steps must be at least 1"),
        ({"num_generations": 1, "per_device_train_batch_size": 1}, "num_generations must be at least 2"),
        ({"stepz": 2}, "Unknown training settings: stepz; known: model, steps"),
        ({"output_dir": "elsewhere"}, "Unknown training settings: output_dir"),
        ({"steps": "two"}, "The training setting steps must be <class 'int'>, not 'two'"),
        ({"lora": 1}, "The training setting lora must be <class 'bool'>"),
    ],
)
def test_bad_settings_are_refused_and_nothing_is_created(
    stored: None, output_root: Path, tiny_model: Path, overrides: dict[str, Any], message: str
) -> None:
    with pytest.raises(DomainError, match=message):
        create(user=None, settings_overrides=small(tiny_model, **overrides))

    assert TrainingRun.objects.count() == 0
    assert audited("training.created") == 0
    assert not output_root.exists() or not any(output_root.iterdir())


def test_no_training_data_is_a_clear_error(db: None, output_root: Path, tiny_model: Path) -> None:
    store_runs(["revoke_auth_mongodb-detection-1"])  # a test problem: nothing for the train split

    with pytest.raises(DomainError, match="No training data in the train split") as raised:
        create(user=None, settings_overrides=small(tiny_model))

    assert raised.value.code == "empty_dataset"
    assert (TrainingRun.objects.count(), audited("training.created")) == (0, 0)
    with pytest.raises(DomainError, match="max_rows must be at least 1"):
        create(user=None, settings_overrides=small(tiny_model), max_rows=0)


def test_create_writes_the_snapshot_and_queues_the_run(stored: None, output_root: Path, tiny_model: Path) -> None:
    run = create(user=None, settings_overrides=small(tiny_model, learning_rate=1), max_rows=2)

    assert (run.status, run.progress_total, run.progress_done, run.dataset_rows) == (JobStatus.QUEUED, 2, 0, 2)
    assert run.base_version == model_version_base_ensure()
    assert run.output_dir == str(output_root / str(run.pk))
    lines = Path(run.dataset_path).read_text().splitlines()
    assert run.dataset_path == str(output_root / str(run.pk) / "dataset.jsonl")
    assert len(lines) == 2
    assert run.dataset_hash == dataset_hash([json.loads(line) for line in lines])
    assert run.dataset_summary["by_source"] == {"benchmark": 2}
    assert run.dataset_summary["records"] == 3
    assert run.config["model"] == str(tiny_model)
    assert run.config["settings"]["learning_rate"] == 1.0
    assert "use_cpu" not in run.config["settings"]
    assert audited("training.created") == 1


def test_starting_training_needs_the_permission(stored: None, output_root: Path, tiny_model: Path) -> None:
    nobody, holder = UserFactory(username="nobody"), trainer_user("trainer")
    root = UserFactory(username="root", is_superuser=True)

    for refused in (None, AnonymousUser(), nobody):
        with pytest.raises(Forbidden, match=r"needs the permission training\.start_trainingrun"):
            training_permission_check(refused)
    with pytest.raises(Forbidden):
        create(user=nobody, settings_overrides=small(tiny_model))
    assert TrainingRun.objects.count() == 0

    for allowed in (holder, root):
        training_permission_check(allowed)
        run = create(user=allowed, settings_overrides=small(tiny_model))
        assert run.created_by == allowed
    assert AuditEvent.objects.filter(verb="training.created", actor_label__in=["trainer", "root"]).count() == 2


def test_a_run_trains_stores_its_metrics_and_registers_versions(
    stored: None, output_root: Path, tiny_model: Path
) -> None:
    from transformers import AutoModelForCausalLM

    from agents.llm.factory import backend_from_config

    logged: list[int] = []
    run = create(user=None, settings_overrides=small(tiny_model))

    ended = training_run_execute(run.pk, on_log=lambda step, metrics: logged.append(step))

    assert ended is not None
    assert (ended.status, ended.progress_done, ended.error) == (JobStatus.SUCCEEDED, 2, "")
    assert ended.seconds_per_step is not None
    assert ended.seconds_per_step > 0
    metrics = list(TrainingMetric.objects.filter(run=run).order_by("step"))
    assert [m.step for m in metrics] == [1, 2]
    assert set(logged) == {1, 2}
    assert all("reward" in m.values and "rewards/format_reward/mean" in m.values for m in metrics)
    version = ModelVersion.objects.get(training_run=run)
    assert (version.name, version.kind, version.parent) == ("observer-grpo-1", ModelKind.CHECKPOINT, run.base_version)
    assert version.location == str(output_root / str(run.pk) / "model")
    assert version.serving == {"backend": "transformers", "model": version.location}
    assert AutoModelForCausalLM.from_pretrained(version.location).config.hidden_size == 64
    assert backend_from_config(version.serving).model
    assert (audited("training.succeeded"), audited("training.failed")) == (1, 0)
    assert training_run_execute(run.pk) is None  # a second delivery does nothing
    assert TrainingMetric.objects.filter(run=run).count() == 2

    lora = {key: value for key, value in small(tiny_model, steps=1).items() if key != "model"}
    child = training_run_create(
        user=None, base_version=version, settings_overrides={**lora, "lora": True, "lora_r": 4, "lora_alpha": 8}
    )
    assert child.config["model"] == version.location  # trained from the parent's own weights

    ended_child = training_run_execute(child.pk)

    assert ended_child is not None
    assert (ended_child.status, ended_child.error) == (JobStatus.SUCCEEDED, "")
    adapter = ModelVersion.objects.get(training_run=child)
    assert (adapter.name, adapter.kind, adapter.parent) == ("observer-grpo-2", ModelKind.LORA, version)
    assert (Path(adapter.location) / "adapter_config.json").exists()
    merged = Path(child.output_dir) / "merged"
    assert adapter.serving == {"backend": "transformers", "model": str(merged)}
    assert not (merged / "adapter_config.json").exists()
    assert AutoModelForCausalLM.from_pretrained(merged).config.hidden_size == 64


def test_cancel_before_start_ends_the_run_at_once(stored: None, output_root: Path, tiny_model: Path) -> None:
    run = create(user=None, settings_overrides=small(tiny_model))

    cancelled = training_run_cancel(run=run, actor=ACTOR)

    assert (cancelled.status, cancelled.cancel_requested) == (JobStatus.CANCELLED, True)
    assert cancelled.finished_at is not None
    assert training_run_execute(run.pk) is None
    assert (audited("training.cancelled"), TrainingMetric.objects.count()) == (1, 0)
    with pytest.raises(Conflict, match=r"already ended \(cancelled\)"):
        training_run_cancel(run=run, actor=ACTOR)


def test_cancel_while_running_stops_after_the_step_and_registers_no_version(
    stored: None, output_root: Path, tiny_model: Path
) -> None:
    run = create(user=None, settings_overrides=small(tiny_model, steps=5))

    def cancel_at_first_step(step: int, metrics: dict[str, float]) -> None:
        if step == 1:
            requested = training_run_cancel(run=run, actor=ACTOR)
            assert (requested.status, requested.cancel_requested) == (JobStatus.RUNNING, True)

    ended = training_run_execute(run.pk, on_log=cancel_at_first_step)

    assert ended is not None
    assert (ended.status, ended.error) == (JobStatus.CANCELLED, "")
    assert ended.progress_done == 2 < ended.progress_total
    assert not ModelVersion.objects.filter(training_run=run).exists()
    assert ModelVersion.objects.filter(name__startswith="observer-grpo-").count() == 0
    assert (Path(run.output_dir) / "model" / "config.json").exists()  # the partial model is kept
    assert list(TrainingMetric.objects.filter(run=run).values_list("step", flat=True)) == [1, 2]
    assert (audited("training.cancel_requested"), audited("training.cancelled")) == (1, 1)


def test_a_run_that_cannot_train_fails_with_the_reason_and_registers_nothing(
    stored: None, output_root: Path, tiny_model: Path, tmp_path: Path
) -> None:
    missing = create(user=None, settings_overrides=small(tiny_model, model=str(tmp_path / "nowhere")))
    tampered = create(user=None, settings_overrides=small(tiny_model))
    with Path(tampered.dataset_path).open("a") as snapshot:
        snapshot.write('{"prompt": [], "schema": "{}", "task": "detection", "truth": "{}"}\n')

    for run, reason in ((missing, "nowhere"), (tampered, "changed since the run was created")):
        ended = training_run_execute(run.pk)
        assert ended is not None
        assert ended.status == JobStatus.FAILED
        assert reason in ended.error
        assert ended.finished_at is not None
    assert ModelVersion.objects.exclude(kind=ModelKind.BASE).count() == 0
    assert (audited("training.failed"), audited("training.succeeded"), TrainingMetric.objects.count()) == (2, 0, 0)


@pytest.mark.django_db(transaction=True)
def test_the_celery_task_trains_a_dispatched_run_on_a_real_worker(
    settings: Any, output_root: Path, tiny_model: Path, tmp_path: Path
) -> None:
    if not settings.REDIS_URL or connection.vendor != "postgresql":
        pytest.skip("needs REDIS_URL and PostgreSQL (the worker shares the test database)")
    redis.Redis.from_url(settings.REDIS_URL).flushdb()
    store_runs([TRAIN_DETECTION])

    with celery_worker(worker_env(), tmp_path / "worker.log", queues="training") as worker:
        run = training_run_create(user=None, settings_overrides=small(tiny_model), dispatch=True)
        deadline = time.monotonic() + 180
        while TrainingRun.objects.get(pk=run.pk).is_active:
            assert worker.process.poll() is None, worker.output()[-4000:]
            assert time.monotonic() < deadline, worker.output()[-4000:]
            time.sleep(0.5)

    run.refresh_from_db()
    assert run.status == JobStatus.SUCCEEDED, run.error
    assert ModelVersion.objects.get(training_run=run).name == "observer-grpo-1"
    assert list(TrainingMetric.objects.filter(run=run).values_list("step", flat=True)) == [1, 2]
    assert "training.tasks.training_run_execute" in worker.output()
    assert training_run_execute_task(str(run.pk)) == "not queued"  # a redelivery does nothing


def test_the_command_trains_and_prints_the_new_version(stored: None, output_root: Path, tiny_model: Path) -> None:
    out = StringIO()

    call_command(
        "train_grpo",
        *("--model", str(tiny_model), "--steps", "1", "--num-generations", "2", "--batch", "2"),
        *("--max-completion-length", "8", "--seed", "3"),
        stdout=out,
    )

    text = out.getvalue()
    assert "step 1: reward " in text
    version = ModelVersion.objects.get(name="observer-grpo-1")
    run = version.training_run
    assert run is not None
    assert run.seconds_per_step is not None
    assert f"version observer-grpo-1 (checkpoint): {run.seconds_per_step:.2f} s per step" in text
    assert f"weights in {version.location}" in text
    assert run.config["settings"]["seed"] == 3


def test_the_command_turns_bad_input_into_clear_errors(stored: None, output_root: Path, tiny_model: Path) -> None:
    with pytest.raises(CommandError, match="must be a multiple of num_generations"):
        call_command("train_grpo", "--model", str(tiny_model), "--num-generations", "2", "--batch", "3")
    with pytest.raises(CommandError, match="no model version 'nope'"):
        call_command("train_grpo", "--base-version", "nope")
    with pytest.raises(CommandError, match=r"ended failed: .*nowhere"):
        call_command(
            "train_grpo",
            "--model",
            str(output_root / "nowhere"),
            "--steps",
            "1",
            "--batch",
            "2",
            "--num-generations",
            "2",
        )
    assert TrainingRun.objects.filter(status=JobStatus.FAILED).count() == 1


def test_a_run_whose_worker_was_lost_restarts_and_one_still_held_is_left_alone(
    stored: None, output_root: Path, tiny_model: Path
) -> None:
    run = create(user=None, settings_overrides=small(tiny_model))
    # A worker claimed it, logged a step, and was killed: the row says running, and nobody holds its lock.
    TrainingRun.objects.filter(pk=run.pk).update(status=JobStatus.RUNNING, progress_done=1)
    TrainingMetric.objects.create(run=run, step=1, values={"reward": 9.0})

    with held_elsewhere(f"training:{run.pk}"):
        assert training_run_execute(run.pk) is None  # another process is training it: nothing done
    ended = training_run_execute(run.pk)

    assert ended is not None
    assert ended.status == JobStatus.SUCCEEDED
    assert audited("training.restarted") == 1
    assert [metric.values.get("reward") != 9.0 for metric in TrainingMetric.objects.filter(run=run)] == [True, True]
    assert ModelVersion.objects.filter(training_run=run).count() == 1


def test_a_lost_run_with_a_cancel_request_ends_cancelled(stored: None, output_root: Path, tiny_model: Path) -> None:
    run = create(user=None, settings_overrides=small(tiny_model))
    TrainingRun.objects.filter(pk=run.pk).update(status=JobStatus.RUNNING, cancel_requested=True)

    ended = training_run_execute(run.pk)

    assert ended is not None
    assert ended.status == JobStatus.CANCELLED
    assert not ModelVersion.objects.filter(training_run=run).exists()
