"""Celery worker processes the tests start (and kill, by pid): over the Redis and the database of the test run."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from django.conf import settings
from django.db import connection

from tests.servers import REPO_ROOT


def shared_database_url() -> str:
    """The URL of the database this test run uses, for the processes it starts."""
    db = connection.settings_dict
    credentials = f"{quote(db['USER'])}:{quote(db['PASSWORD'])}" if db.get("PASSWORD") else quote(db["USER"])
    return f"postgres://{credentials}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


def worker_env(**extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": shared_database_url(),
        "REDIS_URL": settings.REDIS_URL,
        "DJANGO_SETTINGS_MODULE": "aoi_platform.settings.base",
        **extra,
    }


def children_of(pid: int) -> list[int]:
    """The pids of ``pid``'s child processes (Linux)."""
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(child) for child in text.split()]


def kill(pid: int, sig: int = signal.SIGKILL) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, sig)


@dataclass
class Worker:
    process: subprocess.Popen[bytes]
    log: Path

    @property
    def pid(self) -> int:
        return self.process.pid

    def pool(self) -> list[int]:
        return children_of(self.pid)

    def crash(self) -> None:
        """kill -9 the main process and its children, as a lost machine would."""
        children = self.pool()
        kill(self.pid)
        for child in children:
            kill(child)
        self.process.wait(timeout=10)

    def output(self) -> str:
        return self.log.read_text(errors="replace")


@contextlib.contextmanager
def celery_worker(
    env: Mapping[str, str],
    log: Path,
    *,
    queues: str = "default,agents,executor",
    concurrency: int = 1,
    beat: bool = False,
) -> Iterator[Worker]:
    """A prefork worker on ``queues`` (with embedded beat if asked), ready to consume; stopped by its pid
    (and its children's) afterwards, whatever state the test left it in."""
    command = [sys.executable, "-m", "celery", "-A", "aoi_platform", "worker", "-Q", queues, "--pool", "prefork"]
    command += ["--concurrency", str(concurrency), "--without-gossip", "--without-mingle", "--loglevel", "INFO"]
    if beat:
        command += ["--beat", "--schedule", str(log.with_suffix(".beat"))]
    with log.open("ab") as out:
        process = subprocess.Popen(command, cwd=REPO_ROOT, env=dict(env), stdout=out, stderr=subprocess.STDOUT)
    worker = Worker(process, log)
    try:
        deadline = time.monotonic() + 90
        while " ready." not in worker.output():
            assert process.poll() is None, worker.output()
            assert time.monotonic() < deadline, f"the worker was not ready in 90 s:\n{worker.output()}"
            time.sleep(0.2)
        yield worker
    finally:
        # Only the children it has now: a pid seen earlier may belong to another process by now.
        children = worker.pool()
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                kill(process.pid)
                process.wait(timeout=10)
        for child in children:
            if Path(f"/proc/{child}").exists():
                kill(child)
