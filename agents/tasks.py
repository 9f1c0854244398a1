"""Celery tasks of the agents app: thin wrappers over ``agents.hosting``. Arguments are ids only.

``run_advance`` (queue ``agents``) and ``run_execute`` (queue ``executor``, for runs resuming after an
approval) do the same thing: work on the run from its stored state. They are safe to deliver twice (the run
lock and the stored phase's compare-and-set), so acks are late and a killed worker's task is delivered
again. A database error (a dropped connection) retries the task: it resumes from the last stored phase.
"""

from collections.abc import Callable
from typing import Any

from celery import Task, shared_task
from django.db import close_old_connections, connection

from agents.hosting import DATABASE_ERRORS, run_work, runs_relay


class RunTask(Task):
    """Drops the database connection before a retry: after a dropped connection it is unusable."""

    def retry(self, *args: Any, **kwargs: Any) -> Any:
        connection.close()
        close_old_connections()
        return super().retry(*args, **kwargs)


def _run_task(name: str) -> Callable[[Callable[[str], str]], RunTask]:
    return shared_task(
        name=name,
        base=RunTask,
        acks_late=True,
        autoretry_for=DATABASE_ERRORS,
        retry_backoff=1,
        retry_backoff_max=30,
        max_retries=8,
    )


@_run_task("agents.tasks.run_advance")
def run_advance(run_id: str) -> str:
    """Work on a run (Observer and Probes) until it finishes, pauses for an approval, or its slice ends."""
    return run_work(run_id)


@_run_task("agents.tasks.run_execute")
def run_execute(run_id: str) -> str:
    """Resume a run whose write people approved: claim, run and verify the write, then go on."""
    return run_work(run_id)


@shared_task(name="agents.tasks.runs_relay")
def relay_runs() -> int:
    """Periodic (beat): send again every run that wants a worker and has none (the outbox relay)."""
    return runs_relay()
