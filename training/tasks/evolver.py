"""Celery task: an Evolver run (``training.services.evolver``)."""

from celery import shared_task

from training.services.evolver import evolver_run_execute
from training.tasks.grpo import TIME_LIMIT_S


@shared_task(
    name="training.tasks.evolver_run_execute",
    acks_late=True,
    time_limit=TIME_LIMIT_S,
    soft_time_limit=TIME_LIMIT_S - 60,
)
def evolver_run_execute_task(run_id: str) -> str:
    """Do a queued Evolver run; a second delivery of the same id finds it no longer queued and does nothing."""
    ended = evolver_run_execute(run_id)
    return ended.status if ended is not None else "not queued"
