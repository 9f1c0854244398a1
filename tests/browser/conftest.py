"""Browser tests: daphne serving the test database in its own process, driven by a real headless Chromium.

Chromium comes from the system (Debian's ``chromium`` package; ``AOI_CHROMIUM`` overrides the path), never
from a download. Without it these tests are skipped, except where ``AOI_REQUIRE_BROWSER`` is set (CI), where
a missing browser fails them.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import pytest
from django.db import connection

from tests.factories import PASSWORD
from tests.servers import daphne_serving

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
    with daphne_serving(env, tmp_path / "daphne.log") as base:
        yield base


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


WAIT_MS = 10_000


def sign_in(browser: Any, base: str, username: str) -> Any:
    """A new page of ``browser``, signed in as ``username`` (the test password) on the server at ``base``."""
    page = browser.new_page()
    page.set_default_timeout(WAIT_MS)
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")
    return page
