"""An Evolver run queued by the service reaches a real Celery worker on the ``training`` queue after commit."""

import json
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from tests.training_evolver.responders import LOCALIZATION
from tests.workers import celery_worker, worker_env
from training.models import EvolverRun, GuidanceProposal, JobStatus
from training.services.evolver import evolver_run_create
from trajectories.audit.services import Actor

RESPONDERS = "tests.training_evolver.responders"


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_worker_runs_a_queued_evolver_run(tmp_path: Path) -> None:
    if not settings.REDIS_URL or connection.vendor != "postgresql":
        pytest.skip("needs REDIS_URL and PostgreSQL (a worker process shares the test database)")
    env = worker_env(AOI_LLM_BACKEND="scripted", AOI_LLM_OPTIONS=json.dumps({"responder": f"{RESPONDERS}:student"}))
    with celery_worker(env, tmp_path / "worker.log", queues="training") as worker:
        run = evolver_run_create(
            user=None,
            problems=LOCALIZATION,
            runs=1,
            from_label=None,
            include_incidents=False,
            teacher={"backend": "scripted", "responder": f"{RESPONDERS}:teacher_marker"},
            actor=Actor.system("tests"),
        )
        deadline = time.monotonic() + 60
        while EvolverRun.objects.get(pk=run.pk).is_active:
            assert time.monotonic() < deadline, worker.output()
            time.sleep(0.2)

    ended = EvolverRun.objects.get(pk=run.pk)
    assert ended.status == JobStatus.SUCCEEDED, ended.error
    assert "training.tasks.evolver_run_execute" in worker.output()
    assert GuidanceProposal.objects.get(evolver_run=ended).validation_status == "salvaged"
