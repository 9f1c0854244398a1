"""Model stand-ins for worker processes (``AOI_LLM_BACKEND=scripted``, ``responder`` by import path)."""

from __future__ import annotations

import os
import time
from typing import Any

from tests.agents_incidents.conftest import fixer_responder


def slow_fixer(request: Any) -> str:
    """The steering model that fixes user-service, taking ``AOI_TEST_LLM_DELAY`` seconds per answer, so that
    a test can stop a worker in the middle of a run."""
    time.sleep(float(os.environ.get("AOI_TEST_LLM_DELAY", "0.3")))
    return fixer_responder(request)
