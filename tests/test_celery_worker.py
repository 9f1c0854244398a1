"""A real Celery worker process, over Redis, runs the platform's tasks against the test database."""

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from incidents.models import ActionRequest, ActionStatus
from incidents.tasks import expire_due_actions
from tests.factories import UserFactory, make_action, make_incident, make_team
from tests.workers import shared_database_url

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def worker() -> Iterator[subprocess.Popen[bytes]]:
    if not settings.REDIS_URL or connection.vendor != "postgresql":
        pytest.skip("needs REDIS_URL and PostgreSQL (a worker process shares the test database)")
    env = {
        **os.environ,
        "DATABASE_URL": shared_database_url(),
        "REDIS_URL": settings.REDIS_URL,
        "DJANGO_SETTINGS_MODULE": "aoi_platform.settings.base",
    }
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "aoi_platform",
            "worker",
            "-Q",
            "default",
            "--pool",
            "solo",
            "--without-gossip",
            "--without-mingle",
            "--loglevel",
            "WARNING",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    yield process
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_worker_process_expires_due_actions(worker: subprocess.Popen[bytes]) -> None:
    requester = UserFactory(username="req")
    action = make_action(make_incident(make_team("worker", responders=[requester])), requester)
    ActionRequest.objects.filter(pk=action.pk).update(expires_at=timezone.now() - timedelta(seconds=1))

    result = expire_due_actions.delay()

    assert result.id
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and ActionRequest.objects.get(pk=action.pk).status != ActionStatus.EXPIRED:
        assert worker.poll() is None, worker.stdout.read().decode() if worker.stdout else "worker exited"
        time.sleep(0.2)
    assert ActionRequest.objects.get(pk=action.pk).status == ActionStatus.EXPIRED
