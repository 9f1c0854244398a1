"""Fixtures of model versions: versions served by backends that load nothing (a scripted responder, the
schema filler), a person allowed to switch the Observer's version and one who is not."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import Permission

from agents import hosting
from tests.factories import UserFactory
from training.models import ModelKind, ModelVersion
from training.services.versions import model_version_register
from trajectories.audit.services import Actor

FIXER_RESPONDER = "tests.agents_incidents.conftest:fixer_responder"
SETTINGS_LLM = {"backend": "schema-filler"}


def scripted(model: str) -> dict[str, Any]:
    """A serving configuration that loads nothing: the steering fixer, reporting ``model`` as its name."""
    return {"backend": "scripted", "responder": FIXER_RESPONDER, "model": model}


@pytest.fixture(autouse=True)
def cheap_settings_model(settings: Any) -> None:
    """The settings' model is the schema filler, and no backend is left built from another test."""
    settings.AOI_LLM = SETTINGS_LLM
    hosting._backends.clear()


@pytest.fixture
def make_version(db: None) -> Callable[..., ModelVersion]:
    """``make_version(name, serving=..., parent=...)``: a registered, inactive LoRA version."""

    def make(name: str, serving: dict[str, Any] | None = None, parent: ModelVersion | None = None) -> ModelVersion:
        return model_version_register(
            name=name,
            kind=ModelKind.LORA,
            base_model="scripted",
            serving=serving if serving is not None else scripted(name),
            parent=parent,
            actor=Actor.system("tests"),
        )

    return make


@pytest.fixture
def switcher(db: None) -> Any:
    """Holds ``training.activate_modelversion`` and nothing else."""
    user = UserFactory(username="switcher")
    user.user_permissions.add(Permission.objects.get(codename="activate_modelversion"))
    return user
