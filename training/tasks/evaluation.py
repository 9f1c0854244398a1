"""Celery task: evaluate a model version (``training.services.evaluation``)."""

from celery import shared_task

from training.services.evaluation import evaluation_execute_default
from training.tasks.grpo import TIME_LIMIT_S


@shared_task(
    name="training.tasks.evaluation_execute", acks_late=True, time_limit=TIME_LIMIT_S, soft_time_limit=TIME_LIMIT_S - 60
)
def evaluation_execute_task(evaluation_id: str) -> str:
    """Run a queued evaluation; a second delivery of the same id finds it no longer queued and does nothing."""
    ended = evaluation_execute_default(evaluation_id)
    return ended.status if ended is not None else "not queued"
