"""Test settings: the base settings plus a second, SQLite database.

The suite runs on the database of ``DATABASE_URL`` (PostgreSQL in CI). The ``sqlite`` alias
lets tests prove that what must hold on the embedded database (audit triggers) holds there too.
"""

import os
import tempfile
from pathlib import Path

from aoi_platform.settings.base import *  # noqa: F403
from aoi_platform.settings.base import DATABASES

# Never a real installation's checkpoint file; tests that need one point this at their own.
AOI_AUDIT_CHECKPOINT_PATH = Path(tempfile.gettempdir()) / f"aoi-test-checkpoints-{os.getpid()}.jsonl"

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# In memory for the test run: private to each test process, so parallel runs never collide.
DATABASES["sqlite"] = {
    "ENGINE": "django.db.backends.sqlite3",
    "NAME": ":memory:",
    "OPTIONS": {"transaction_mode": "IMMEDIATE", "timeout": 20},
}

INSTALLED_APPS = [*INSTALLED_APPS, "tests.support"]  # noqa: F405
