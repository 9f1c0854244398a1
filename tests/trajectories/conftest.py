"""Fixtures of the run tests: a run on the team's incident, a run on a simulated problem, and the
people whose access to them differs (an auditor, a holder of the global permission, a staff member)."""

from typing import Any

import pytest
from django.contrib.auth.models import Permission

from incidents.models import Incident
from tests.factories import UserFactory
from trajectories.audit.services import Actor
from trajectories.models import Trajectory
from trajectories.services.runs import trajectory_start
from trajectories.services.steps import step_append

SYSTEM = Actor.system("tests")
PROBLEM = "k8s_target_port-misconfig-detection-1"


def start_problem_run(problem_id: str = PROBLEM, **fields: Any) -> Trajectory:
    """A run of the AOI agent on a simulated problem, through the real service."""
    defaults: dict[str, Any] = {
        "agent_kind": "aoi",
        "backend": "replay",
        "model": "smollm2-135m",
        "prompt_versions": {"observer": "v1", "probe": "v1"},
        "seed": 7,
        "leaks": False,
    }
    return trajectory_start(actor=SYSTEM, problem_id=problem_id, **(defaults | fields))


def append_steps(trajectory: Trajectory, count: int, **fields: Any) -> list[Any]:
    """``count`` probe steps, the n-th with prompt "prompt n % 2" (so prompts repeat)."""
    return [
        step_append(
            trajectory=trajectory,
            role=fields.get("role", "probe"),
            phase=fields.get("phase", "act"),
            prompt_text=f"prompt {n % 2}",
            completion=f'{{"command": "kubectl get pods -n shop #{n}"}}',
            action={"tool": "kubectl", "args": ["get", "pods"], "n": n},
            tool_result=f"NAME READY STATUS\ncheckout-{n} 1/1 Running\n",
            tokens_in=10,
            tokens_out=3,
            latency_ms=25,
        )
        for n in range(count)
    ]


@pytest.fixture
def reader(db: None) -> Any:
    """Holds the global ``trajectories.view_trajectory``, and is in no team."""
    user = UserFactory(username="reader")
    user.user_permissions.add(Permission.objects.get(codename="view_trajectory"))
    return user


@pytest.fixture
def staff(db: None) -> Any:
    """Staff (may open the admin) with no permission at all."""
    return UserFactory(username="staff", is_staff=True)


@pytest.fixture
def problem_run(db: None) -> Trajectory:
    run = start_problem_run()
    append_steps(run, 3)
    return run


@pytest.fixture
def incident_run(incident: Incident, responder: Any) -> Trajectory:
    run = trajectory_start(
        actor=Actor.of_user(responder),
        incident=incident,
        agent_kind="baseline",
        backend="transformers",
        model="smollm2-135m",
        created_by=responder,
    )
    append_steps(run, 2, role="baseline")
    return run
