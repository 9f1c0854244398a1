"""Fixtures of the LLM client tests: a real OpenAI-compatible server process, started and stopped by pid.

``llm_server(...)`` starts ``python -m agents.llm.server`` (or ``manage.py llm_serve``) on a free port
with a deterministic backend, waits for the line that announces its URL, and stops it after the test.
Its access log (one stderr line per request) tells how many requests a client sent.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
ANNOUNCE = re.compile(r"on (http://127\.0\.0\.1:(\d+)/v1)")


@dataclass
class ServerProcess:
    """A running server: its ``/v1`` URL, its port, and its access log."""

    process: subprocess.Popen[str]
    base_url: str
    port: int
    log_path: Path

    def requests(self, method: str = "POST", path: str = "/v1/chat/completions") -> list[int]:
        """The status of each ``method path`` the server answered so far, in order."""
        pattern = re.compile(rf'"{method} {re.escape(path)} HTTP/1\.1" (\d{{3}})')
        return [int(match.group(1)) for match in pattern.finditer(self.log_path.read_text())]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


def _start(command: list[str], log_path: Path, extra_env: dict[str, str] | None = None) -> ServerProcess:
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "PYTHONUNBUFFERED": "1", **(extra_env or {})}
    with log_path.open("w") as log:
        process = subprocess.Popen(command, cwd=REPO_ROOT, env=env, stdout=subprocess.PIPE, stderr=log, text=True)
    deadline = time.monotonic() + 30
    assert process.stdout is not None
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line and process.poll() is not None:
            raise AssertionError(f"the server exited: {log_path.read_text()}")
        match = ANNOUNCE.search(line)
        if match:
            return ServerProcess(process, match.group(1), int(match.group(2)), log_path)
    process.terminate()
    raise AssertionError("the server did not announce its URL within 30 s")


@pytest.fixture
def llm_server(tmp_path: Path) -> Iterator[Callable[..., ServerProcess]]:
    """Start servers with ``llm_server("--backend", "scripted-echo", ...)``; all are stopped after the test."""
    started: list[ServerProcess] = []

    def start(*arguments: str, manage: bool = False, env: dict[str, str] | None = None) -> ServerProcess:
        entry = ["manage.py", "llm_serve"] if manage else ["-m", "agents.llm.server"]
        command = [sys.executable, *entry, "--port", "0", *arguments]
        server = _start(command, tmp_path / f"server-{len(started)}.log", env)
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


@pytest.fixture(scope="module")
def echo_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """One scripted-echo server shared by a module's tests that do not count its requests."""
    log_path = tmp_path_factory.mktemp("echo") / "server.log"
    server = _start([sys.executable, "-m", "agents.llm.server", "--backend", "scripted-echo", "--port", "0"], log_path)
    yield server
    server.stop()
