"""Celery tasks of the learning loop, all on the ``training`` queue (``training.tasks.*``): GRPO training
runs, evaluations of model versions, Evolver runs. Arguments are ids only; each task works on its row."""

from training.tasks import evaluation, evolver, grpo

__all__ = ["evaluation", "evolver", "grpo"]
