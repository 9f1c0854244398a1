"""Celery tasks of the incidents app: thin wrappers over services."""

from celery import shared_task

from incidents.services.actions import actions_expire_due


@shared_task(name="incidents.tasks.actions_expire_due")
def expire_due_actions() -> int:
    """Periodic (beat): end the wait of every action past its expiry. Idempotent."""
    return actions_expire_due()
