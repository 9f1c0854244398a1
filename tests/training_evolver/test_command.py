"""``manage.py evolve``: created and run in-process, counts and before figures printed, bad options refused."""

from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from tests.training_evolver.responders import LOCALIZATION
from training.models import EvolverRun, GuidanceProposal, JobStatus

RESPONDERS = "tests.training_evolver.responders"


@pytest.fixture
def observer(settings: Any) -> None:
    settings.AOI_LLM = {"backend": "scripted", "responder": f"{RESPONDERS}:student"}


@pytest.mark.django_db
def test_evolve_runs_proposes_validates_and_reports(observer: None) -> None:
    out = StringIO()

    call_command(
        "evolve",
        "--problems",
        LOCALIZATION,
        "--runs",
        "2",
        "--teacher-backend",
        "scripted",
        "--teacher-option",
        f"responder={RESPONDERS}:teacher_marker",
        "--teacher-model",
        "teacher-7b",
        "--validation-runs",
        "1",
        stdout=out,
        stderr=StringIO(),
    )

    run = EvolverRun.objects.get()
    assert run.status == JobStatus.SUCCEEDED
    text = out.getvalue()
    assert f"### before: evolver-{str(run.pk)[:8]}-before" in text
    assert "| all | 1 | 0.0% | 0.0% | 0.0% | 0.000 |" in text
    for line in ("selected: 2", "proposals: 2", "invalid_teacher_outputs: 0", "salvaged: 2", "not_salvaged: 0"):
        assert line in text.splitlines()
    assert set(GuidanceProposal.objects.values_list("teacher", "validation_status")) == {
        ("scripted:teacher-7b", "salvaged")
    }


@pytest.mark.django_db
def test_the_default_teacher_is_the_configured_backend(observer: None) -> None:
    out = StringIO()

    call_command("evolve", "--problems", LOCALIZATION, "--runs", "1", "--validation-runs", "0", stdout=out)

    # The configured student, unguided, fills the teacher's schema with its first choices and its fixed text
    # ("seen"): a guidance of one word is refused, counted with its reason, and no proposal is made.
    assert not GuidanceProposal.objects.exists()
    run = EvolverRun.objects.get()
    assert run.summary["teacher"] == "scripted:scripted"
    assert run.summary["invalid_teacher_outputs"] == 1
    assert "fewer than 6 words" in str(run.summary["invalid_teacher_output_reasons"])
    assert "invalid_teacher_outputs: 1" in out.getvalue().splitlines()


@pytest.mark.django_db
def test_invalid_teacher_output_is_reported_not_fatal(observer: None) -> None:
    out = StringIO()

    call_command(
        "evolve",
        "--problems",
        LOCALIZATION,
        "--runs",
        "1",
        "--teacher-backend",
        "scripted",
        "--teacher-option",
        f"responder={RESPONDERS}:teacher_broken",
        stdout=out,
    )

    assert "invalid_teacher_outputs: 1" in out.getvalue().splitlines()
    assert "no JSON object found" in out.getvalue()
    assert not GuidanceProposal.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--problems", LOCALIZATION, "--runs", "0"], "runs must be between 1 and 10"),
        (["--problems", "nope"], "unknown problem 'nope'"),
        (["--problems", LOCALIZATION, "--teacher-backend", "oracle"], "unknown LLM backend 'oracle'"),
        (["--from-label", "never"], "No runs are stored under the benchmark label 'never'"),
        ([], "Name problems to run, a benchmark label, or incidents"),
    ],
)
def test_bad_options_are_clear_errors(observer: None, arguments: list[str], message: str) -> None:
    with pytest.raises(CommandError, match=message):
        call_command("evolve", *arguments, stdout=StringIO())
    assert not EvolverRun.objects.exists()
