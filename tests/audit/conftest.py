"""Fixtures of the audit tests: auditors, and a checkpoint file of the test's own."""

from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import Permission

from tests.factories import UserFactory

CHECKPOINT_KEY = "test-checkpoint-key-0123456789abcdef"


@pytest.fixture
def list_only_auditor(db: None) -> Any:
    """Holds ``view_auditevent`` directly, but not ``export_auditevent``."""
    user = UserFactory(username="reader")
    user.user_permissions.add(Permission.objects.get(codename="view_auditevent"))
    return user


@pytest.fixture(autouse=True)
def checkpoint_path(settings: Any, tmp_path: Path) -> Path:
    """Where this test's checkpoints go (a folder that does not exist yet), signed with a test key.
    Autouse: no audit test may read or write the checkpoint file of a real installation."""
    path = tmp_path / "audit" / "checkpoints.jsonl"
    settings.AOI_AUDIT_CHECKPOINT_PATH = path
    settings.AOI_AUDIT_CHECKPOINT_KEY = CHECKPOINT_KEY
    return path
