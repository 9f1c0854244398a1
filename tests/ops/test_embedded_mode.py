"""The embedded mode end to end: daphne on SQLite, no Redis, serving pages and its static files."""

import os
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.servers import REPO_ROOT, daphne_serving


def get(url: str) -> tuple[int, str]:
    with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 (a loopback http URL we built)
        return response.status, response.read().decode()


@pytest.fixture
def embedded_server(tmp_path: Path) -> Iterator[str]:
    """A migrated SQLite file and daphne serving it; stopped (by its pid) after the test."""
    env = {name: value for name, value in os.environ.items() if name not in ("REDIS_URL", "DATABASE_URL")}
    env |= {
        "DJANGO_SETTINGS_MODULE": "aoi_platform.settings.base",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'aoi.sqlite3'}",
        "AOI_AUDIT_CHECKPOINT_PATH": str(tmp_path / "checkpoints.jsonl"),
    }
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=REPO_ROOT, env=env, check=True, timeout=120
    )
    with daphne_serving(env, tmp_path / "daphne.log") as base:
        yield base


@pytest.mark.slow
def test_embedded_mode_serves_the_login_page_schema_and_static_files(embedded_server: str) -> None:
    status, login = get(f"{embedded_server}/accounts/login/")
    assert status == 200
    assert "Sign in" in login

    status, schema = get(f"{embedded_server}/api/schema/")
    assert status == 200
    assert schema.startswith("openapi: 3.")

    status, css = get(f"{embedded_server}/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui.css")
    assert status == 200
    assert ".swagger-ui" in css
