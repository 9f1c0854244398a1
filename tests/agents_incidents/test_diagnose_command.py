"""``manage.py diagnose``: one command from an incident (or a simulated problem) to a stored diagnosis."""

from __future__ import annotations

import json
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from incidents.models import ActionRequest, Incident
from tests.agents_incidents.conftest import SCALED_TO_ZERO
from trajectories.models import Trajectory

pytestmark = pytest.mark.django_db
MODEL = ["--backend", "scripted", "--option", "responder=tests.agents_incidents.conftest:fixer_responder"]


def _run(*args: str) -> str:
    out = StringIO()
    call_command("diagnose", *args, stdout=out)
    return out.getvalue()


def test_a_simulated_problem_is_opened_diagnosed_and_its_fix_waits_for_approval(team: Any, responder: Any) -> None:
    output = _run("--problem", SCALED_TO_ZERO, "--team", "sre", "--user", "responder", "--wait", "0", *MODEL)

    incident = Incident.objects.get()
    assert incident.labels["aoi_problem"] == SCALED_TO_ZERO
    assert f"opened incident {incident.uuid}" in output
    action = ActionRequest.objects.get()
    assert f"waiting for approval of action {action.uuid}: scale Deployment/user-service (medium risk)" in output
    trajectory = Trajectory.objects.get()
    assert f"trajectory {trajectory.pk}: succeeded" in output
    outcome = json.loads(output[output.index("{") :])
    assert outcome["diagnosis"]["component"] == "user-service"
    assert outcome["outcome"] == "diagnosed"
    assert "no decision" in outcome["fix_refused"]


def test_an_existing_incident_is_diagnosed_by_uuid(team: Any, responder: Any) -> None:
    from agents.incident_runs import simulated_incident_open
    from agents.sim.problems import problem_resolve

    incident = simulated_incident_open(problem=problem_resolve(SCALED_TO_ZERO), team=team, user=responder)
    output = _run(str(incident.uuid), "--user", "responder", "--wait", "0", *MODEL)
    assert Trajectory.objects.get().incident_id == incident.pk
    assert "succeeded" in output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--user", "ghost", "00000000-0000-0000-0000-000000000000"], "no active user"),
        (["--user", "responder", "00000000-0000-0000-0000-000000000000"], "no incident"),
        (["--user", "responder", "not-a-uuid"], "no incident"),
        (["--user", "responder", "--problem", SCALED_TO_ZERO], "--problem needs --team"),
        (["--user", "responder", "--problem", "no-such-problem", "--team", "sre"], "no-such-problem"),
        (["--user", "viewer", "--problem", SCALED_TO_ZERO, "--team", "sre"], "responders and approvers"),
        (["--user", "responder", "--problem", SCALED_TO_ZERO, "--team", "sre", "--backend", "nope"], "unknown LLM"),
        (["--user", "responder", "--problem", SCALED_TO_ZERO, "--team", "sre", "--option", "oops"], "KEY=VALUE"),
    ],
)
def test_bad_arguments_get_a_clear_error_and_change_nothing(
    team: Any, responder: Any, viewer: Any, args: list[str], message: str
) -> None:
    with pytest.raises(CommandError, match=message):
        _run(*args)
    assert not Trajectory.objects.exists()


def test_a_person_without_rights_on_the_incident_cannot_start_a_run(
    team: Any, responder: Any, outsider: Any, other_team: Any
) -> None:
    from agents.incident_runs import simulated_incident_open
    from agents.sim.problems import problem_resolve

    incident = simulated_incident_open(problem=problem_resolve(SCALED_TO_ZERO), team=team, user=responder)
    with pytest.raises(CommandError, match="may not start a diagnosis"):
        _run(str(incident.uuid), "--user", "outsider", "--wait", "0", *MODEL)
    assert not Trajectory.objects.exists()
