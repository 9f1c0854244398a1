"""Sending learning-loop work (training runs, evaluations, Evolver runs) to the ``training`` queue.

The job's row is written first; the task carries only its id and is published after the caller's
transaction commits, so the worker always finds the row. Without a broker (the embedded mode of
``make run``) a thread of this process does the work instead."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import connection, transaction

logger = logging.getLogger(__name__)

QUEUE = "training"


def job_dispatch_on_commit(*, task: str, job_id: Any, execute: Callable[[str], object]) -> None:
    """Publish ``task`` with the job's id once the transaction commits; ``execute`` is what the embedded
    mode runs in a thread (the same service the task calls)."""
    identifier = str(job_id)
    transaction.on_commit(lambda: job_dispatch(task=task, job_id=identifier, execute=execute))


def job_dispatch(*, task: str, job_id: str, execute: Callable[[str], object]) -> bool:
    """Publish one delivery now. A broker that refuses is logged and reported (False): the job stays
    queued, and starting it again from the page or the command sends it again."""
    if settings.AOI_EMBEDDED:
        threading.Thread(target=_in_thread, args=(execute, job_id), name=f"aoi-job-{job_id[:8]}", daemon=True).start()
        return True
    from aoi_platform.celery import app

    try:
        app.send_task(task, args=[job_id], queue=QUEUE)
    except Exception as error:  # the broker is down: the row stays queued and says so
        logger.warning("job %s not sent to %s (%s)", job_id, task, error)
        return False
    return True


def _in_thread(execute: Callable[[str], object], job_id: str) -> None:
    try:
        execute(job_id)
    except Exception:
        logger.exception("job %s failed in the embedded worker thread", job_id)
    finally:
        connection.close()
