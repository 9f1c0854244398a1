"""Fixtures of the curation tests: two curators, a reader who may only look, and proposals as the Evolver
leaves them (on a finished failed run of a simulated problem, with the step where it went wrong)."""

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import Permission

from tests.factories import UserFactory
from training.models import FailurePattern, GuidanceProposal
from training.roles import curator_add
from trajectories.audit.services import Actor
from trajectories.models import Trajectory
from trajectories.services.runs import trajectory_finish, trajectory_start
from trajectories.services.steps import step_append

TESTS = Actor.system("tests")
PROBLEM = "k8s_target_port-misconfig-mitigation-2"


@pytest.fixture
def curator(db: None) -> Any:
    user = UserFactory(username="curator")
    curator_add(user=user)
    return user


@pytest.fixture
def curator2(db: None) -> Any:
    user = UserFactory(username="curator2")
    curator_add(user=user)
    return user


@pytest.fixture
def reader(db: None) -> Any:
    """Holds ``training.view_guidanceproposal`` only: reads the queue, acts on nothing."""
    user = UserFactory(username="reader")
    user.user_permissions.add(Permission.objects.get(codename="view_guidanceproposal"))
    return user


def failed_run(*, problem_id: str = PROBLEM, steps: int = 3) -> Trajectory:
    """A finished, failed run of the AOI runtime with ``steps`` steps, through the trajectory services."""
    run = trajectory_start(agent_kind="aoi", backend="scripted", model="scripted", problem_id=problem_id, actor=TESTS)
    for number in range(1, steps + 1):
        step_append(
            trajectory=run,
            role="observer" if number % 2 else "probe",
            phase="reason" if number % 2 else "observe",
            completion=f"thought {number}",
            tool_result=f"kubectl output {number}" if number % 2 == 0 else "",
        )
    return trajectory_finish(
        trajectory=run, status="failed", actor=TESTS, outcome={"detail": "wrong service"}, success=False
    )


MakeProposal = Callable[..., GuidanceProposal]


@pytest.fixture
def make_proposal(db: None) -> MakeProposal:
    """``make_proposal(**fields)``: a pending proposal on a new failed run, as the Evolver would store it."""

    def make(**fields: Any) -> GuidanceProposal:
        run = fields.pop("trajectory", None) or failed_run()
        defaults: dict[str, Any] = {
            "failure_pattern": FailurePattern.WRONG_INVESTIGATION_PATH,
            "failed_step": 2,
            "analysis": "The Observer read the pods and stopped; the service's targetPort was never compared.",
            "title": "Compare a Service's targetPort with the containerPort",
            "text": "When pods are Ready but callers cannot connect, compare the Service's targetPort with the "
            "containerPort before blaming the pods.",
            "fault_types": ["misconfig"],
            "services": ["text-service"],
            "teacher": "scripted/teacher",
        }
        return GuidanceProposal.objects.create(trajectory=run, **(defaults | fields))

    return make


@pytest.fixture
def proposal(make_proposal: MakeProposal) -> GuidanceProposal:
    return make_proposal()
