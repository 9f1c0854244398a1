"""Registering a model version: the serving configuration is checked as the LLM factory checks it, without
loading anything; every refusal says why and stores nothing."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import Permission

from aoi_platform.errors import DomainError, Forbidden
from tests.factories import UserFactory
from training.models import ModelKind, ModelVersion
from training.services.versions import backend_config_of, model_version_register
from trajectories.audit.services import Actor
from trajectories.models import AuditEvent

pytestmark = pytest.mark.django_db
SYSTEM = Actor.system("tests")
LORA_ON_VLLM = {"backend": "openai", "base_url": "http://vllm:8000/v1", "model": "observer-lora-1"}


def _register(**fields: Any) -> ModelVersion:
    values: dict[str, Any] = {
        "name": "observer-lora-1",
        "kind": ModelKind.LORA,
        "base_model": "Qwen/Qwen2.5-7B-Instruct",
        "serving": LORA_ON_VLLM,
        "actor": SYSTEM,
    }
    return model_version_register(**{**values, **fields})


def test_a_lora_adapter_on_a_vllm_server_is_registered_inactive_and_audited() -> None:
    parent = _register(name="base-qwen", kind=ModelKind.BASE, serving={**LORA_ON_VLLM, "model": "Qwen"})

    version = _register(serving={**LORA_ON_VLLM, "api_key_env": "VLLM_KEY"}, parent=parent, notes="first run")

    stored = ModelVersion.objects.get(name="observer-lora-1")
    assert (stored.kind, stored.active, stored.parent, stored.notes) == ("lora", False, parent, "first run")
    assert backend_config_of(stored) == {**LORA_ON_VLLM, "api_key_env": "VLLM_KEY"}
    event = AuditEvent.objects.get(verb="model_version.created", object_id=str(version.pk))
    assert event.payload["serving"] == LORA_ON_VLLM  # the key's variable name is left out of the log too
    assert (event.payload["parent"], event.actor_label) == ("base-qwen", "tests")


def test_a_local_folder_is_served_by_transformers(tmp_path: Path) -> None:
    folder = tmp_path / "checkpoint"
    folder.mkdir()

    plain = _register(name="full", kind=ModelKind.CHECKPOINT, location=str(folder), serving={})
    named = _register(name="tuned", location=str(folder), serving={"backend": "transformers", "device": "cpu"})

    assert plain.serving == {"backend": "transformers", "model": str(folder)}
    assert named.serving == {"backend": "transformers", "device": "cpu", "model": str(folder)}


BAD: list[tuple[dict[str, Any], str]] = [
    ({"serving": {"backend": "nope"}}, "unknown LLM backend 'nope'"),
    ({"serving": {**LORA_ON_VLLM, "temperature": 0.1}}, "takes no option temperature"),
    ({"serving": {"backend": "openai", "model": "m"}}, "needs base_url"),
    ({"serving": {"backend": "scripted", "responder": "no_colon"}}, "needs a responder"),
    ({"serving": {"backend": "transformers", "model": "/no/such/folder"}}, "No model at /no/such/folder"),
    ({"serving": {}, "location": "/no/such/folder"}, "No model at /no/such/folder"),
    ({"serving": {}}, "needs a serving configuration or a location"),
    ({"serving": ["openai"]}, "must be a JSON object"),
    ({"serving": {**LORA_ON_VLLM, "api_key": "sk-secret"}}, "Do not store an API key"),
    ({"name": "  "}, "needs a name"),
    ({"name": "x" * 101}, "needs a name"),
    ({"name": "base"}, "reserved"),
    ({"name": "base:SmolLM2"}, "reserved"),
    ({"kind": "adapter"}, "Unknown kind 'adapter'"),
    ({"base_model": ""}, "base model"),
    ({"location": "x" * 501}, "longer than 500"),
]


@pytest.mark.parametrize(("fields", "message"), BAD)
def test_a_bad_version_is_refused_with_the_reason_and_nothing_is_stored(fields: dict[str, Any], message: str) -> None:
    with pytest.raises(DomainError, match=message) as refused:
        _register(**fields)

    assert refused.value.code == "invalid_model_version"
    assert not ModelVersion.objects.exists()
    assert not AuditEvent.objects.filter(object_type="model_version").exists()


def test_a_taken_name_is_refused() -> None:
    _register()

    with pytest.raises(DomainError, match="named 'observer-lora-1' exists already"):
        _register(serving={**LORA_ON_VLLM, "model": "other"})

    assert ModelVersion.objects.count() == 1
    assert AuditEvent.objects.filter(verb="model_version.created").count() == 1


def test_registering_needs_the_add_permission(superuser: Any, nobody: Any) -> None:
    registrar = UserFactory(username="registrar")
    registrar.user_permissions.add(Permission.objects.get(codename="add_modelversion"))

    with pytest.raises(Forbidden):
        _register(user=nobody, actor=Actor.of_user(nobody))
    assert not ModelVersion.objects.exists()

    _register(name="by-registrar", user=registrar, actor=Actor.of_user(registrar))
    _register(name="by-root", user=superuser, actor=Actor.of_user(superuser))
    assert dict(ModelVersion.objects.values_list("name", "created_by__username")) == {
        "by-registrar": "registrar",
        "by-root": "root",
    }


@pytest.mark.parametrize(
    "serving",
    [
        {"backend": "schema-filler"},
        {"backend": "replay", "path": "/somewhere/else/run.jsonl"},  # checked where it runs, not here
        {"backend": "scripted", "responder": "tests.agents_incidents.conftest:fixer_responder"},
        {"backend": "vllm", "model": "/models/qwen"},  # no vllm package here: nothing is imported
    ],
)
def test_configurations_for_other_hosts_are_checked_without_building_them(
    serving: dict[str, Any], make_version: Callable[..., ModelVersion]
) -> None:
    version = make_version("elsewhere", serving=serving)

    assert ModelVersion.objects.get(pk=version.pk).serving == serving
