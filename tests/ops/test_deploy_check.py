"""The production settings pass Django's deployment checklist with nothing to report."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]


def test_production_settings_pass_check_deploy_with_no_warnings() -> None:
    env = {name: value for name, value in os.environ.items() if name not in ("DEBUG", "REDIS_URL")}
    env |= {
        "DJANGO_SETTINGS_MODULE": "aoi_platform.settings.production",
        "SECRET_KEY": secrets.token_urlsafe(45)[:60],
        "ALLOWED_HOSTS": "aoi.example.com",
        "AOI_AUDIT_CHECKPOINT_KEY": secrets.token_hex(32),
    }

    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )

    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "WARNINGS" not in output
    assert "System check identified no issues (0 silenced)." in output
