"""Browser tests: daphne serving the test database in its own process, driven by a real headless Chromium.

Chromium comes from the system (Debian's ``chromium`` package; ``AOI_CHROMIUM`` overrides the path), never
from a download. Without it these tests are skipped, except where ``AOI_REQUIRE_BROWSER`` is set (CI), where
a missing browser fails them.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import pytest
from django.db import connection

from tests.ops.test_embedded_mode import free_port

REPO_ROOT = Path(__file__).resolve().parents[2]
T = TypeVar("T")


def chromium_path() -> str | None:
    return os.environ.get("AOI_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture
def asgi_server(transactional_db: None, tmp_path: Path) -> Iterator[str]:
    """daphne on the test database (and the suite's Redis), stopped by its pid after the test."""
    settings = connection.settings_dict
    database_url = (
        f"postgres://{settings['USER']}@{settings['HOST'] or '127.0.0.1'}:{settings['PORT'] or 5432}/{settings['NAME']}"
        if connection.vendor == "postgresql"
        else None
    )
    if database_url is None:
        pytest.skip("browser tests share the test database with a server process: PostgreSQL only")
    env = {**os.environ, "DATABASE_URL": database_url, "DJANGO_SETTINGS_MODULE": "aoi_platform.settings.test"}
    env["AOI_DB_POOL"] = "false"  # no connection outlives its request: the test database can be dropped after
    port = free_port()
    log_path = tmp_path / "daphne.log"
    with log_path.open("wb") as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port), "aoi_platform.asgi:application"],
            cwd=REPO_ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert server.poll() is None, log_path.read_text()
            try:
                with urllib.request.urlopen(f"{base}/accounts/login/", timeout=5):  # noqa: S310 (loopback URL we built)
                    break
            except OSError:
                assert time.monotonic() < deadline, "daphne did not answer within 60 s"
                time.sleep(0.2)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=15)


@pytest.fixture
def browser() -> Iterator[Any]:
    """A headless Chromium (Playwright). Its sync API runs an event loop in this thread, so while it is open
    the test reaches the database only through ``in_db_thread`` (fixtures it needs come before this one)."""
    path = chromium_path()
    if path is None:
        if os.environ.get("AOI_REQUIRE_BROWSER"):
            pytest.fail("Chromium is required here: apt-get install chromium (or set AOI_CHROMIUM)")
        pytest.skip("no Chromium on this machine (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=path, headless=True, args=["--no-sandbox"])
        try:
            yield launched
        finally:
            launched.close()


def in_db_thread(work: Callable[[], T]) -> T:
    """Run ``work`` (ORM calls) in a thread of its own, as a worker process would, and close its connection."""

    def run() -> T:
        try:
            return work()
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(run).result()
