"""Celery tasks of the trajectories app: thin wrappers over services."""

from pathlib import Path

from celery import shared_task
from django.conf import settings

from trajectories.audit.checkpoints import audit_checkpoint_write


@shared_task(name="trajectories.tasks.audit_checkpoint")
def audit_checkpoint() -> int:
    """Periodic (beat): sign the audit log's head into the checkpoint file. Returns its seq.
    Idempotent in effect: a repeat adds a checkpoint of the same or a later head."""
    checkpoint = audit_checkpoint_write(
        path=Path(settings.AOI_AUDIT_CHECKPOINT_PATH), key=settings.AOI_AUDIT_CHECKPOINT_KEY.encode()
    )
    return int(checkpoint["seq"])
