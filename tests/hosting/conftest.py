"""Fixtures of hosted runs: the settings' backend is the steering model that fixes user-service, and
dispatches are recorded instead of sent (tests here call ``run_work`` as a worker would)."""

from __future__ import annotations

from typing import Any

import pytest

from agents import hosting
from tests.agents_incidents.conftest import SCALED_TO_ZERO, fixer_responder, sim_incident

FIXER = {"backend": "scripted", "responder": "tests.agents_incidents.conftest:fixer_responder"}
__all__ = ["SCALED_TO_ZERO", "fixer_responder", "sim_incident"]


@pytest.fixture
def dispatched(monkeypatch: pytest.MonkeyPatch, settings: Any) -> list[tuple[str, str]]:
    """(run id, queue) of every dispatch, in order; nothing reaches a broker."""
    sent: list[tuple[str, str]] = []
    settings.AOI_LLM = FIXER
    settings.AOI_ENVIRONMENT = {"kind": "simulator", "kubernetes_config": "", "seed": 0}

    def record(run_id: str, queue: str) -> bool:
        sent.append((run_id, queue))
        return True

    monkeypatch.setattr(hosting, "run_dispatch", record)
    hosting._backends.clear()
    return sent
