"""Celery tasks of the incidents app: thin wrappers over services."""

from celery import shared_task
from django.conf import settings

from incidents.services.actions import actions_expire_due
from incidents.services.execution import actions_stuck_flag


@shared_task(name="incidents.tasks.actions_expire_due")
def expire_due_actions() -> int:
    """Periodic (beat): end the wait of every action past its expiry. Idempotent."""
    return actions_expire_due()


@shared_task(name="incidents.tasks.actions_stuck_flag")
def flag_stuck_actions() -> int:
    """Periodic (beat): a claim that never got its result needs a person (see ``action_needs_attention``)."""
    return actions_stuck_flag(older_than_s=settings.AOI_ACTION_CLAIM_TIMEOUT_SECONDS)
