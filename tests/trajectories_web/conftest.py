"""Fixtures of the page tests: a run on the team's incident, a run on a simulated problem, a holder
of the global run permission, and a signed-in client per person."""

from typing import Any

import pytest
from django.contrib.auth.models import Permission

from incidents.models import Incident
from tests.factories import UserFactory
from tests.trajectories.conftest import SYSTEM, append_steps, start_problem_run
from trajectories.models import Trajectory
from trajectories.services.runs import trajectory_start


@pytest.fixture
def reader(db: None) -> Any:
    """Holds the global ``trajectories.view_trajectory`` (problem runs), and is in no team."""
    user = UserFactory(username="reader")
    user.user_permissions.add(Permission.objects.get(codename="view_trajectory"))
    return user


@pytest.fixture
def problem_run(db: None) -> Trajectory:
    run = start_problem_run()
    append_steps(run, 3)
    return run


@pytest.fixture
def incident_run(incident: Incident) -> Trajectory:
    run = trajectory_start(
        actor=SYSTEM, incident=incident, agent_kind="baseline", backend="transformers", model="smollm2-135m"
    )
    append_steps(run, 2, role="baseline")
    return run
