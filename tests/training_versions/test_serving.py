"""Runs record the model version they ran with: hosted runs (advanced as a worker advances them),
``manage.py diagnose`` and ``manage.py benchmark --model-version``."""

from __future__ import annotations

import json
from collections.abc import Callable
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError

from agents import hosting
from agents.hosting import run_start, run_work
from incidents.models import Incident
from incidents.services.actions import action_approve
from tests.agents_incidents.conftest import SCALED_TO_ZERO, sim_incident
from tests.hosting.conftest import FIXER, dispatched
from training.models import ModelVersion
from training.services.versions import model_version_activate
from trajectories.audit.services import Actor
from trajectories.models import AuditEvent, Trajectory, TrajectoryStatus

__all__ = ["dispatched", "sim_incident"]
SYSTEM = Actor.system("tests")
MakeVersion = Callable[..., ModelVersion]
RESPONDER = "tests.agents_runtime.models:user_service_responder"
TWO_PROBLEMS = "k8s_target_port-misconfig-detection-1,noop_detection_social_network-1"


def _activate(version: ModelVersion) -> None:
    model_version_activate(version=version, user=None, actor=SYSTEM)


@pytest.mark.django_db(transaction=True)
def test_a_hosted_run_records_the_active_version_and_keeps_it_when_another_is_activated(
    sim_incident: Incident,
    responder: Any,
    approver: Any,
    dispatched: list[tuple[str, str]],
    make_version: MakeVersion,
) -> None:
    running, later = make_version("fixer-v2"), make_version("fixer-v3")
    _activate(running)

    run = run_start(incident=sim_incident, user=responder)
    assert run_work(str(run.pk)) == "paused"
    _activate(later)  # while the run waits for people
    run.refresh_from_db()
    action = run.awaiting_action
    assert action is not None
    action_approve(action=action, user=approver, action_hash=action.action_hash)
    assert run_work(str(run.pk)) == "finished"

    trajectory = Trajectory.objects.get(pk=run.trajectory_id)
    assert (trajectory.model_version, trajectory.backend, trajectory.model) == (running, "scripted", "fixer-v2")
    assert trajectory.status == TrajectoryStatus.SUCCEEDED
    assert [backend.model for backend in hosting._backends.values()] == ["fixer-v2"]  # the resumed delivery's
    started = AuditEvent.objects.get(verb="run.started", object_id=str(trajectory.pk))
    assert started.payload["model_version"] == "fixer-v2"

    second = run_start(incident=_reopened(sim_incident, responder), user=responder)
    assert Trajectory.objects.get(pk=second.trajectory_id).model_version == later


def _reopened(incident: Incident, user: Any) -> Incident:
    """A fresh simulated incident of the same problem (the first one is being fixed)."""
    from agents.incident_runs import simulated_incident_open
    from agents.sim.problems import problem_resolve

    return simulated_incident_open(problem=problem_resolve(SCALED_TO_ZERO), team=incident.team, user=user)


@pytest.mark.django_db(transaction=True)
def test_without_an_active_version_a_hosted_run_records_the_base_and_runs_the_settings_model(
    sim_incident: Incident, responder: Any, dispatched: list[tuple[str, str]], make_version: MakeVersion
) -> None:
    make_version("registered-only")  # registered, never activated

    run = run_start(incident=sim_incident, user=responder)
    assert run_work(str(run.pk)) == "paused"

    trajectory = Trajectory.objects.get(pk=run.trajectory_id)
    assert trajectory.model_version is not None
    assert trajectory.model_version.kind == "base"
    assert trajectory.model_version.serving == dict(settings.AOI_LLM)
    assert (trajectory.backend, trajectory.model) == (FIXER["backend"], "scripted")


@pytest.mark.django_db(transaction=True)
def test_a_hosted_run_whose_version_cannot_be_built_ends_in_error(
    sim_incident: Incident, responder: Any, dispatched: list[tuple[str, str]], make_version: MakeVersion
) -> None:
    _activate(make_version("gone", serving={"backend": "replay", "path": "/no/such/recording.jsonl"}))

    run = run_start(incident=sim_incident, user=responder)
    assert run_work(str(run.pk)) == "finished"

    trajectory = Trajectory.objects.get(pk=run.trajectory_id)
    assert trajectory.status == TrajectoryStatus.ERROR
    assert trajectory.outcome["error"].startswith("LLMError:")


@pytest.mark.django_db
def test_diagnose_records_the_active_version_unless_another_model_is_named(
    team: Any, responder: Any, make_version: MakeVersion
) -> None:
    version = make_version("fixer-v2")
    _activate(version)
    out = StringIO()

    call_command(
        "diagnose", "--problem", SCALED_TO_ZERO, "--team", "sre", "--user", "responder", "--wait", "0", stdout=out
    )
    call_command(
        "diagnose",
        "--problem",
        SCALED_TO_ZERO,
        "--team",
        "sre",
        "--user",
        "responder",
        "--wait",
        "0",
        *("--backend", "scripted", "--option", f"responder={FIXER['responder']}"),
        stdout=StringIO(),
    )

    first, second = Trajectory.objects.order_by("started_at")
    assert (first.model_version, first.model) == (version, "fixer-v2")
    assert (second.model_version, second.model) == (None, "scripted")
    assert "model version fixer-v2" in out.getvalue()


@pytest.mark.django_db
def test_benchmark_with_a_model_version_runs_its_backend_and_records_it(
    tmp_path: Path, make_version: MakeVersion
) -> None:
    version = make_version("steered", serving={"backend": "scripted", "responder": RESPONDER, "model": "steered"})
    out = tmp_path / "results.json"

    call_command(
        "benchmark",
        *("--model-version", "steered", "--problems", TWO_PROBLEMS, "--runs", "2", "--label", "mv", "--out", str(out)),
        stdout=StringIO(),
    )

    stored = Trajectory.objects.filter(benchmark_run="mv")
    assert stored.count() == 4
    assert {(t.model_version_id, t.backend, t.model) for t in stored} == {(version.pk, "scripted", "steered")}
    document = json.loads(out.read_text())
    assert (document["model_version"], document["backend"], document["model"]) == ("steered", "scripted", "steered")


@pytest.mark.django_db
def test_benchmark_without_a_model_version_records_none(tmp_path: Path) -> None:
    call_command(
        "benchmark",
        *("--backend", "schema-filler", "--problems", TWO_PROBLEMS, "--label", "plain"),
        *("--out", str(tmp_path / "r.json")),
        stdout=StringIO(),
    )

    assert list(Trajectory.objects.values_list("model_version", flat=True)) == [None, None]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "--backend BACKEND, or --model-version VERSION"),
        (["--model-version", "steered", "--backend", "scripted"], "leave out --backend"),
        (["--model-version", "steered", "--model", "m"], "leave out --backend, --model"),
        (["--model-version", "no-such-version"], "no model version 'no-such-version'"),
    ],
)
@pytest.mark.django_db
def test_benchmark_refuses_an_unclear_model(
    tmp_path: Path, make_version: MakeVersion, args: list[str], message: str
) -> None:
    make_version("steered", serving={"backend": "scripted", "responder": RESPONDER})

    with pytest.raises(CommandError, match=message):
        call_command("benchmark", *args, "--problems", TWO_PROBLEMS, "--out", str(tmp_path / "r.json"))

    assert not Trajectory.objects.exists()
    assert not (tmp_path / "r.json").exists()
