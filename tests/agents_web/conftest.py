"""Fixtures of the agents pages: benchmark runs stored through the run services, a holder of the
problem-runs permission, staff members of the team, and a signed-in client per person."""

from collections.abc import Mapping, Sequence
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import Permission
from django.utils import timezone

from agents import hosting
from agents.sim.problems import problem_get
from incidents.models import Team
from incidents.services.teams import team_add_member
from tests.factories import UserFactory
from trajectories.audit.services import Actor
from trajectories.models import Trajectory
from trajectories.services.runs import trajectory_finish, trajectory_start

SYSTEM = Actor.system("tests")
DETECTION = "k8s_target_port-misconfig-detection-1"
LOCALIZATION = "k8s_target_port-misconfig-localization-1"
MITIGATION = "k8s_target_port-misconfig-mitigation-1"


def store_benchmark(
    label: str,
    successes: Mapping[str, Sequence[bool | tuple[bool, bool]]],
    *,
    agent_kind: str = "aoi",
    model: str = "smollm2-135m",
) -> list[Trajectory]:
    """A benchmark as ``manage.py benchmark`` stores it: per problem, one finished run per success
    (a pair is lenient and strict success), started in run order a second apart."""
    began = timezone.now() - timedelta(hours=1)
    stored: list[Trajectory] = []
    for problem_id, runs in successes.items():
        task = problem_get(problem_id).task
        for result in runs:
            success, strict = result if isinstance(result, tuple) else (result, None)
            run = trajectory_start(
                actor=SYSTEM,
                agent_kind=agent_kind,
                backend="replay",
                model=model,
                problem_id=problem_id,
                benchmark_run=label,
            )
            grade = {"problem_id": problem_id, "task": task, "success": success, "strict_success": strict}
            trajectory_finish(
                trajectory=run,
                status="succeeded" if success else "failed",
                actor=SYSTEM,
                outcome=grade,
                success=success,
                strict_success=strict,
                wall_time_s=1.0,
            )
            Trajectory.objects.filter(pk=run.pk).update(started_at=began + timedelta(seconds=len(stored)))
            stored.append(run)
    return stored


@pytest.fixture
def reader(db: None) -> Any:
    """Holds the global ``trajectories.view_trajectory`` (problem runs, benchmarks), and is in no team."""
    user = UserFactory(username="reader")
    user.user_permissions.add(Permission.objects.get(codename="view_trajectory"))
    return user


@pytest.fixture
def staff_responder(team: Team) -> Any:
    """Staff, and a responder of the team."""
    user = UserFactory(username="staff-responder", is_staff=True)
    team_add_member(team=team, user=user, role="responders")
    return user


@pytest.fixture
def staff_viewer(team: Team) -> Any:
    """Staff, but only a viewer of the team: may not open its incidents."""
    user = UserFactory(username="staff-viewer", is_staff=True)
    team_add_member(team=team, user=user, role="viewers")
    return user


@pytest.fixture
def dispatched(monkeypatch: pytest.MonkeyPatch, settings: Any) -> list[tuple[str, str]]:
    """(run id, queue) of every dispatch, in order; nothing reaches a broker. The environment is the simulator."""
    sent: list[tuple[str, str]] = []
    settings.AOI_ENVIRONMENT = {"kind": "simulator", "kubernetes_config": "", "seed": 0}

    def record(run_id: str, queue: str) -> bool:
        sent.append((run_id, queue))
        return True

    monkeypatch.setattr(hosting, "run_dispatch", record)
    return sent
