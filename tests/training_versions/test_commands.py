"""``manage.py model_version``: list, register, activate, roll back, with clear errors; an activation made by
another process reaches this process's next run."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from agents.hosting import llm_backend
from tests.servers import REPO_ROOT
from tests.training_versions.conftest import FIXER_RESPONDER
from tests.workers import worker_env
from training.models import ModelVersion
from trajectories.models import AuditEvent

MakeVersion = Callable[..., ModelVersion]
SERVING = '{"backend": "openai", "base_url": "http://vllm:8000/v1", "model": "observer-lora-1"}'


def _command(*args: str) -> str:
    out = StringIO()
    call_command("model_version", *args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_register_activate_list_and_roll_back(make_version: MakeVersion) -> None:
    make_version("a")
    assert "registered observer-lora-1" in _command(
        *("register", "--name", "observer-lora-1", "--kind", "lora", "--base-model", "Qwen/Qwen2.5-7B"),
        *("--serving", SERVING, "--parent", "a", "--notes", "adapter on the GPU box"),
    )
    version = ModelVersion.objects.get(name="observer-lora-1")
    assert (version.parent.name, version.serving["model"]) == ("a", "observer-lora-1")  # type: ignore[union-attr]

    assert _command("activate", "a") == "active: a\n"
    assert _command("activate", str(version.pk)) == "active: observer-lora-1\n"
    listing = _command("list").splitlines()
    assert listing[0].startswith("* observer-lora-1  lora  openai  0 evaluations from a")
    assert listing[1].startswith("  a  lora  scripted")
    assert _command("rollback") == "rolled back; active: a\n"
    assert [e.actor_label for e in AuditEvent.objects.filter(verb__startswith="model_version.")] == [
        "tests",
        "manage.py model_version",
        "manage.py model_version",
        "manage.py model_version",
        "manage.py model_version",
    ]


@pytest.mark.django_db
def test_the_list_says_when_there_is_no_version() -> None:
    assert "no model versions" in _command("list")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["activate", "no-such-version"], "no model version 'no-such-version'"),
        (["rollback"], "no earlier model version"),
        (["--user", "ghost", "rollback"], "no active user 'ghost'"),
        (["--user", "nobody", "activate", "a"], "may not activate"),
        (["register", "--name", "x", "--kind", "lora", "--base-model", "m", "--serving", "{oops"], "not JSON"),
        (
            ["register", "--name", "x", "--kind", "lora", "--base-model", "m", "--serving", '{"backend": "nope"}'],
            "nope",
        ),
        (["register", "--name", "a", "--kind", "lora", "--base-model", "m", "--serving", SERVING], "exists already"),
        (["register", "--name", "x", "--kind", "lora", "--base-model", "m", "--parent", "ghost"], "no model version"),
    ],
)
@pytest.mark.django_db
def test_bad_requests_get_a_clear_error_and_change_nothing(
    make_version: MakeVersion, nobody: object, args: list[str], message: str
) -> None:
    make_version("a")
    events = AuditEvent.objects.count()

    with pytest.raises(CommandError, match=message):
        _command(*args)

    assert list(ModelVersion.objects.values_list("name", "active")) == [("a", False)]
    assert AuditEvent.objects.count() == events


def test_an_unknown_action_is_refused() -> None:
    with pytest.raises(CommandError, match="invalid choice: 'promote'"):
        _command("promote")


@pytest.mark.django_db(transaction=True)
def test_an_activation_by_another_process_reaches_the_next_backend_here(make_version: MakeVersion) -> None:
    make_version("a", serving={"backend": "scripted", "responder": FIXER_RESPONDER, "model": "from-the-cli"})
    assert llm_backend().name == "schema-filler"

    subprocess.run(
        [sys.executable, "manage.py", "model_version", "activate", "a"],
        cwd=REPO_ROOT,
        env=worker_env(),
        check=True,
        capture_output=True,
        timeout=60,
    )

    assert llm_backend().model == "from-the-cli"
