"""The periodic tasks of the beat schedule, run in-process as the embedded mode does."""

import json
from datetime import timedelta
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone

from incidents.models import ActionRequest, ActionStatus, Incident
from tests.factories import make_action


def test_run_periodic_once_expires_due_actions_and_writes_a_checkpoint(
    incident: Incident, responder: Any, settings: Any, tmp_path: Path
) -> None:
    settings.AOI_AUDIT_CHECKPOINT_PATH = tmp_path / "checkpoints.jsonl"
    action = make_action(incident, responder)
    ActionRequest.objects.filter(pk=action.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    out = StringIO()

    call_command("run_periodic", "--once", stdout=out)

    assert ActionRequest.objects.get(pk=action.pk).status == ActionStatus.EXPIRED
    assert "actions_expire_due -> 1" in out.getvalue()
    lines = settings.AOI_AUDIT_CHECKPOINT_PATH.read_text().splitlines()
    assert len(lines) == 1
    assert json.loads(lines[0])["seq"] > 0
    call_command("verify_audit", stdout=StringIO())  # exits 0 (raises SystemExit otherwise)


@pytest.mark.parametrize("task", ["incidents.tasks.actions_expire_due", "trajectories.tasks.audit_checkpoint"])
def test_every_scheduled_task_is_registered(settings: Any, task: str) -> None:
    from celery import current_app

    current_app.loader.import_default_modules()

    assert task in {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert task in current_app.tasks
