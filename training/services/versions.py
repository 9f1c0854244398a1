"""Model versions: the base version, which backend runs a version, and which version is the Observer's."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction

from training.models import ModelKind, ModelVersion
from trajectories.audit.services import Actor, audit_append

AUDIT_OBJECT = "model_version"
BASE_PREFIX = "base:"


def configured_model_name(config: dict[str, Any] | None = None) -> str:
    """The model the settings' backend runs, by name: the configured ``model``, else the backend's default."""
    chosen = dict(config if config is not None else settings.AOI_LLM)
    model = chosen.get("model")
    if model:
        return str(model)
    if chosen.get("backend") == "transformers":
        from agents.llm.embedded import EMBEDDED_MODEL_NAME

        return EMBEDDED_MODEL_NAME
    return str(chosen.get("backend", "unknown"))


def model_version_base_ensure(*, actor: Actor | None = None) -> ModelVersion:
    """The version that stands for the configured model itself (``AOI_LLM``), created on first use: the
    root every trained version descends from, and what "before" means in an evaluation."""
    config = dict(settings.AOI_LLM)
    name = f"{BASE_PREFIX}{configured_model_name(config)}"[:100]
    existing = ModelVersion.objects.filter(name=name).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            version = ModelVersion.objects.create(
                name=name, kind=ModelKind.BASE, base_model=configured_model_name(config), serving=config
            )
            audit_append(
                actor=actor or Actor.system("model versions"),
                verb="model_version.created",
                object_type=AUDIT_OBJECT,
                object_id=version.pk,
                payload={"name": version.name, "kind": version.kind, "serving": _public(config)},
            )
            return version
    except IntegrityError:  # created meanwhile by another process
        return ModelVersion.objects.get(name=name)


def model_version_resolve(reference: str) -> ModelVersion:
    """A version by name or id; ``base`` names the base version. ``ModelVersion.DoesNotExist`` otherwise."""
    if reference == "base":
        return model_version_base_ensure()
    found = ModelVersion.objects.filter(name=reference).first()
    if found is not None:
        return found
    try:
        return ModelVersion.objects.get(pk=reference)
    except (ValueError, Exception) as error:  # a malformed UUID is a ValidationError
        raise ModelVersion.DoesNotExist(f"no model version {reference!r}") from error


def backend_config_of(version: ModelVersion) -> dict[str, Any]:
    """The backend configuration (``backend_from_config``) that runs ``version``."""
    if version.serving:
        return dict(version.serving)
    if version.location:
        return {"backend": "transformers", "model": version.location}
    return dict(settings.AOI_LLM)


def _public(config: dict[str, Any]) -> dict[str, Any]:
    """A backend configuration fit for the audit log and pages: no secrets."""
    return {key: value for key, value in config.items() if "key" not in key.lower()}
