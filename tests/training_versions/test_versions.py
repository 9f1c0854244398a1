"""Activating and rolling back the Observer's model version: one active at most, the previous chain, who
may, the audit trail, and the backend the next run gets."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from agents.hosting import llm_backend
from aoi_platform.api import exception_handler
from aoi_platform.errors import Conflict, Forbidden
from training.models import ModelVersion
from training.services.versions import (
    model_version_activate,
    model_version_active,
    model_version_rollback,
    observer_backend_config,
)
from trajectories.audit.selectors import audit_log_verify
from trajectories.audit.services import Actor
from trajectories.models import AuditEvent

pytestmark = pytest.mark.django_db
SYSTEM = Actor.system("tests")
MakeVersion = Callable[..., ModelVersion]


def _switches() -> list[tuple[str, Any, Any]]:
    events = AuditEvent.objects.filter(verb__in=["model_version.activated", "model_version.rolled_back"])
    return [(e.verb, e.payload["from"], e.payload["to"]) for e in events.order_by("seq")]


def _state() -> list[tuple[str, bool, str | None]]:
    """Each version's name, whether it is active, and the version before it."""
    versions = ModelVersion.objects.select_related("previous").order_by("name")
    return [(v.name, v.active, v.previous.name if v.previous else None) for v in versions]


def _activate_all(make_version: MakeVersion, *names: str) -> list[ModelVersion]:
    versions = [make_version(name) for name in names]
    for version in versions:
        model_version_activate(version=version, user=None, actor=SYSTEM)
    return versions


def test_activation_leaves_one_version_active_and_remembers_the_one_before(make_version: MakeVersion) -> None:
    _activate_all(make_version, "a", "b", "c")

    assert _state() == [("a", False, None), ("b", False, "a"), ("c", True, "b")]
    assert ModelVersion.objects.filter(active=True).count() == 1
    active = model_version_active()
    assert active is not None
    assert active.name == "c"
    assert active.activated_at is not None
    assert _switches() == [
        ("model_version.activated", None, "a"),
        ("model_version.activated", "a", "b"),
        ("model_version.activated", "b", "c"),
    ]
    assert audit_log_verify(checkpoints_path=None, key=b"").ok


def test_activating_the_active_version_changes_nothing(make_version: MakeVersion) -> None:
    (version,) = _activate_all(make_version, "a")
    activated_at = ModelVersion.objects.get(pk=version.pk).activated_at

    again = model_version_activate(version=version, user=None, actor=SYSTEM)

    assert again.pk == version.pk
    assert ModelVersion.objects.get(pk=version.pk).activated_at == activated_at
    assert _switches() == [("model_version.activated", None, "a")]


def test_rollback_walks_back_down_the_chain_until_there_is_nothing_before(make_version: MakeVersion) -> None:
    _activate_all(make_version, "a", "b", "c")

    assert model_version_rollback(user=None, actor=SYSTEM).name == "b"
    assert _state() == [("a", False, None), ("b", True, "a"), ("c", False, "b")]
    assert model_version_rollback(user=None, actor=SYSTEM).name == "a"
    assert _state() == [("a", True, None), ("b", False, "a"), ("c", False, "b")]

    with pytest.raises(Conflict) as refused:
        model_version_rollback(user=None, actor=SYSTEM)

    assert refused.value.code == "no_previous_version"
    response = exception_handler(refused.value, {})
    assert response is not None
    assert response.status_code == 409
    assert _state() == [("a", True, None), ("b", False, "a"), ("c", False, "b")]
    assert _switches()[3:] == [("model_version.rolled_back", "c", "b"), ("model_version.rolled_back", "b", "a")]
    assert audit_log_verify(checkpoints_path=None, key=b"").ok


def test_rollback_with_no_active_version_is_a_conflict(make_version: MakeVersion) -> None:
    make_version("a")

    with pytest.raises(Conflict, match="no earlier model version"):
        model_version_rollback(user=None, actor=SYSTEM)

    assert _state() == [("a", False, None)]
    assert _switches() == []


def test_a_person_without_the_permission_may_neither_activate_nor_roll_back(
    make_version: MakeVersion, nobody: Any
) -> None:
    first, _ = _activate_all(make_version, "a", "b")
    before, events = _state(), AuditEvent.objects.count()

    with pytest.raises(Forbidden) as refused:
        model_version_activate(version=first, user=nobody, actor=Actor.of_user(nobody))
    with pytest.raises(Forbidden):
        model_version_rollback(user=nobody, actor=Actor.of_user(nobody))

    assert exception_handler(refused.value, {}).status_code == 403  # type: ignore[union-attr]
    assert (_state(), AuditEvent.objects.count()) == (before, events)


@pytest.mark.parametrize("who", ["switcher", "superuser"])
def test_the_permission_or_a_superuser_may_switch_and_the_audit_names_them(
    make_version: MakeVersion, who: str, request: pytest.FixtureRequest
) -> None:
    user = request.getfixturevalue(who)
    first, second = make_version("a"), make_version("b")

    model_version_activate(version=first, user=user, actor=Actor.of_user(user))
    model_version_activate(version=second, user=user, actor=Actor.of_user(user))
    model_version_rollback(user=user, actor=Actor.of_user(user))

    assert _state() == [("a", True, None), ("b", False, "a")]
    events = AuditEvent.objects.filter(verb__in=["model_version.activated", "model_version.rolled_back"])
    assert [(e.actor_type, e.actor_label) for e in events] == [("user", user.username)] * 3


def test_the_next_backend_is_the_newly_active_versions(make_version: MakeVersion) -> None:
    first, second = make_version("a"), make_version("b")
    config, version = observer_backend_config()
    assert config == {"backend": "schema-filler"}
    assert version is not None
    assert (version.kind, version.name) == ("base", "base:schema-filler")
    assert llm_backend().name == "schema-filler"

    model_version_activate(version=first, user=None, actor=SYSTEM)
    assert (llm_backend().name, llm_backend().model) == ("scripted", "a")
    model_version_activate(version=second, user=None, actor=SYSTEM)
    assert llm_backend().model == "b"
    assert observer_backend_config()[1] == second
    model_version_rollback(user=None, actor=SYSTEM)
    assert llm_backend().model == "a"


def test_the_same_version_keeps_its_built_backend(make_version: MakeVersion) -> None:
    model_version_activate(version=make_version("a"), user=None, actor=SYSTEM)

    assert llm_backend() is llm_backend()
