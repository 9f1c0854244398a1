from django.apps import AppConfig


class TrainingConfig(AppConfig):
    """Datasets, GRPO training runs, model versions and evaluations."""

    name = "training"
    verbose_name = "Training"
