"""Fixtures of the audit page's tests: a reader without the export permission, signed-in clients,
and a checkpoint file of the test's own."""

from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import Permission

from tests.factories import UserFactory

CHECKPOINT_KEY = "test-checkpoint-key-0123456789abcdef"


@pytest.fixture(autouse=True)
def checkpoint_path(settings: Any, tmp_path: Path) -> Path:
    """Where this test's checkpoints go (not there yet), signed with a test key. Autouse: the
    verify button must never read the checkpoint file of a real installation."""
    path = tmp_path / "audit" / "checkpoints.jsonl"
    settings.AOI_AUDIT_CHECKPOINT_PATH = path
    settings.AOI_AUDIT_CHECKPOINT_KEY = CHECKPOINT_KEY
    return path


@pytest.fixture
def list_only_auditor(db: None) -> Any:
    """Holds ``view_auditevent`` directly, but not ``export_auditevent``."""
    user = UserFactory(username="reader")
    user.user_permissions.add(Permission.objects.get(codename="view_auditevent"))
    return user
