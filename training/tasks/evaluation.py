"""Celery task: evaluate a model version (``training.services.evaluation``)."""

from celery import shared_task
from django.conf import settings

from training.services.evaluation import evaluation_execute


@shared_task(name="training.tasks.evaluation_execute", acks_late=True)
def evaluation_execute_task(evaluation_id: str) -> str:
    """Run a queued evaluation; a second delivery of the same id finds it no longer queued and does nothing."""
    ended = evaluation_execute(evaluation_id, jobs=int(getattr(settings, "AOI_EVALUATION_JOBS", 1)))
    return ended.status if ended is not None else "not queued"
