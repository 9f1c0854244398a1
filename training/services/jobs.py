"""Sending learning-loop work (training runs, evaluations, Evolver runs) to the ``training`` queue.

The job's row is written first; the task carries only its id and is published after the caller's
transaction commits, so the worker always finds the row. Without a broker (the embedded mode of
``make run``) a thread of this process does the work instead."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any, TypeVar

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from aoi_platform.errors import Conflict
from training.models import Job, JobStatus
from trajectories.audit.services import Actor, audit_append

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


J = TypeVar("J", bound=Job)


def job_cancel(job: J, *, actor: Actor, audit_object: str, verb_prefix: str, label: str) -> J:
    """Cancel a queued job at once (audited ``<prefix>.cancelled``), or ask a running one to stop after the
    unit of work in progress (``<prefix>.cancel_requested``); an ended job is a Conflict. The row is read
    and written under its lock, so a cancel and the worker's own end never both win."""
    with transaction.atomic():
        locked = type(job)._default_manager.select_for_update().get(pk=job.pk)
        if not locked.is_active:
            raise Conflict(f"The {label} has already ended ({locked.status}).", code=f"{audit_object}_ended")
        locked.cancel_requested = True
        fields = ["cancel_requested"]
        verb = f"{verb_prefix}.cancel_requested"
        if locked.status == JobStatus.QUEUED:
            locked.status, locked.finished_at, verb = JobStatus.CANCELLED, timezone.now(), f"{verb_prefix}.cancelled"
            fields += ["status", "finished_at"]
        locked.save(update_fields=fields)
        audit_append(actor=actor, verb=verb, object_type=audit_object, object_id=locked.pk)
    return locked
