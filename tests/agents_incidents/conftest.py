"""Fixtures of agent runs on incidents: a simulated incident on the shared team, and a steering model."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from agents.incident_runs import simulated_incident_open
from agents.sim.problems import problem_resolve
from incidents.models import Incident, Team
from tests.agents_runtime.models import SchemaModel

SCALED_TO_ZERO = "scale_pod_zero_social_net-mitigation-1"


def user_service_fixer(prompt: str, options: list[str]) -> str | None:
    """A model that probes once, blames user-service, asks for a fix and proposes scaling it back to one."""
    for want in ("scale_to_one", "user-service", "kubectl get deployment user-service -n test-social-network"):
        if want in options:
            return want
    if "probe" in options:
        return "answer" if "Q:" in prompt else "probe"
    if "yes" in options:
        return "yes"
    return None


@pytest.fixture
def fixer() -> SchemaModel:
    return SchemaModel(user_service_fixer)


@pytest.fixture
def sim_incident(team: Team, responder: Any) -> Incident:
    """An incident the simulator reproduces: user-service of the social network scaled to zero."""
    return simulated_incident_open(problem=problem_resolve(SCALED_TO_ZERO), team=team, user=responder)


@pytest.fixture
def deciding() -> Callable[..., Callable[[float], None]]:
    """``deciding(decide)``: a gate ``sleep`` that calls ``decide(action)`` on the pending action once, as
    another person would while the run waits, then sleeps for real (briefly)."""
    import time

    from incidents.models import ActionRequest, ActionStatus

    def make(decide: Callable[[ActionRequest], None]) -> Callable[[float], None]:
        def sleep(seconds: float) -> None:
            for action in ActionRequest.objects.filter(status=ActionStatus.PENDING).order_by("created_at"):
                decide(action)
            time.sleep(min(seconds, 0.01))

        return sleep

    return make


def fixer_responder(request: Any) -> str:
    """``user_service_fixer`` as a scripted backend's responder (``--option responder=...``)."""
    return SchemaModel(user_service_fixer).complete(request).text
