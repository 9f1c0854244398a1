"""Celery task: one GRPO training run (``training.services.grpo``), on the ``training`` queue."""

from celery import shared_task

from training.services.grpo import training_run_execute

# Learning-loop work (training, evaluations, Evolver runs) outlives the platform's 15-minute task limit;
# a day bounds one that hangs.
TIME_LIMIT_S = 24 * 3600


@shared_task(
    name="training.tasks.training_run_execute",
    acks_late=True,
    time_limit=TIME_LIMIT_S,
    soft_time_limit=TIME_LIMIT_S - 60,
)
def training_run_execute_task(run_id: str) -> str:
    """Train a queued run; a redelivery finds it running or ended and does nothing."""
    ended = training_run_execute(run_id)
    return ended.status if ended is not None else "not queued"
