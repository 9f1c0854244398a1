"""Model versions: the base version, which backend runs a version, and which version is the Observer's.

At most one version is active (a partial unique index). The Observer's backend is the active version's
(``observer_backend_config``), read from the database at each run's start, so an activation or a rollback
reaches every worker's next run without a restart. Activating and rolling back are audited with the
version before and after; registering checks the serving configuration without loading any model."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from agents.llm.base import LLMError
from agents.llm.factory import backend_config_check
from aoi_platform.errors import Conflict, DomainError, Forbidden
from training.models import ModelKind, ModelVersion
from trajectories.audit.services import Actor, audit_append

AUDIT_OBJECT = "model_version"
BASE_PREFIX = "base:"
ACTIVATE_PERMISSION = "training.activate_modelversion"
REGISTER_PERMISSION = "training.add_modelversion"
# Concurrent activations race on the one-active index; the loser tries again on what the winner committed.
ACTIVATE_ATTEMPTS = 3


def configured_model_name(config: dict[str, Any] | None = None) -> str:
    """The model the settings' backend runs, by name: the configured ``model``, else the backend's default."""
    chosen = dict(config if config is not None else settings.AOI_LLM)
    model = chosen.get("model")
    if model:
        return str(model)
    if chosen.get("backend") in ("transformers", "llamacpp"):  # both run the embedded GGUF by default
        from agents.llm.embedded import EMBEDDED_MODEL_NAME

        return EMBEDDED_MODEL_NAME
    return str(chosen.get("backend", "unknown"))


def base_version_name() -> str:
    """The name of the version that stands for the configured model (``base:<model>``)."""
    return f"{BASE_PREFIX}{configured_model_name()}"[:100]


def model_version_base_ensure(*, actor: Actor | None = None) -> ModelVersion:
    """The version that stands for the configured model itself (``AOI_LLM``), created on first use: the
    root every trained version descends from, and what "before" means in an evaluation."""
    config = dict(settings.AOI_LLM)
    name = base_version_name()
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
    except (ModelVersion.DoesNotExist, ValueError, ValidationError) as error:  # malformed UUID: ValidationError
        raise ModelVersion.DoesNotExist(f"no model version {reference!r}") from error


def backend_config_of(version: ModelVersion) -> dict[str, Any]:
    """The backend configuration (``backend_from_config``) that runs ``version``. The base version stands for
    the configured model: it runs with this process's ``AOI_LLM`` (its stored ``serving`` records what that
    was when it was created), so workers configured to reach a model differently still run the base."""
    if version.kind == ModelKind.BASE:
        return dict(settings.AOI_LLM)
    if version.serving:
        return dict(version.serving)
    if version.location:
        return {"backend": "transformers", "model": version.location}
    return dict(settings.AOI_LLM)


def model_version_active() -> ModelVersion | None:
    """The Observer's version now, or None (the settings' ``AOI_LLM`` runs). One indexed query, not cached:
    an activation committed by any process is seen by the next call."""
    return ModelVersion.objects.filter(active=True).first()


def observer_backend_config() -> tuple[dict[str, Any], ModelVersion | None]:
    """What the Observer runs with now: the active version's backend configuration and the version; when no
    version is active, the settings' ``AOI_LLM`` and the base version that stands for it (created on first
    use), so every run records the version it ran with."""
    version = model_version_active()
    if version is None:
        return dict(settings.AOI_LLM), model_version_base_ensure()
    return backend_config_of(version), version


def _check_may(user: User | None, permission: str, doing: str) -> None:
    """``Forbidden`` unless ``user`` (None: the platform or a command line) holds ``permission``."""
    if user is not None and not (user.is_active and user.has_perm(permission)):
        raise Forbidden(f"You may not {doing}.", code="no_model_version_permission")


def model_version_activate(*, version: ModelVersion, user: User | None, actor: Actor) -> ModelVersion:
    """Make ``version`` the Observer's: the active one is deactivated and becomes ``version.previous``
    (audited "model_version.activated", from and to). Activating the active version changes nothing.
    ``Forbidden`` when ``user`` lacks ``training.activate_modelversion`` (superusers hold it)."""
    _check_may(user, ACTIVATE_PERMISSION, "activate model versions")
    return _switch(version_id=version.pk, actor=actor, rollback=False)


def model_version_rollback(*, user: User | None, actor: Actor) -> ModelVersion:
    """Return to the version that was active before the active one (audited "model_version.rolled_back").
    The restored version keeps its own ``previous``, so rolling back again walks further down the chain.
    ``Conflict`` when no version is active or the active one has no previous version."""
    _check_may(user, ACTIVATE_PERMISSION, "roll back model versions")
    current = model_version_active()
    if current is None or current.previous_id is None:
        raise Conflict("There is no earlier model version to roll back to.", code="no_previous_version")
    return _switch(version_id=current.previous_id, actor=actor, rollback=True, expected=current.pk)


def _switch(*, version_id: Any, actor: Actor, rollback: bool, expected: Any = None) -> ModelVersion:
    """Activate ``version_id``, trying again when a concurrent activation won the one-active index."""
    for attempt in range(ACTIVATE_ATTEMPTS):
        try:
            with transaction.atomic():
                return _switch_locked(version_id=version_id, actor=actor, rollback=rollback, expected=expected)
        except IntegrityError:
            if attempt == ACTIVATE_ATTEMPTS - 1:
                raise Conflict("Another activation happened meanwhile; try again.", code="activation_race") from None
    raise AssertionError("unreachable")


def _switch_locked(*, version_id: Any, actor: Actor, rollback: bool, expected: Any) -> ModelVersion:
    """The switch itself; the caller holds a transaction. Rows are locked before the audit append (the
    audit lock is the last one a transaction takes)."""
    target = ModelVersion.objects.select_for_update().get(pk=version_id)
    current = ModelVersion.objects.select_for_update().filter(active=True).first()
    if rollback and (current is None or current.pk != expected):
        raise Conflict("The active model version changed meanwhile; look again.", code="active_version_changed")
    if current is not None and current.pk == target.pk:
        return target
    if current is not None:
        current.active = False
        current.save(update_fields=["active"])
    target.active, target.activated_at = True, timezone.now()
    fields = ["active", "activated_at"]
    if not rollback:
        target.previous = current
        fields.append("previous")
    target.save(update_fields=fields)
    audit_append(
        actor=actor,
        verb="model_version.rolled_back" if rollback else "model_version.activated",
        object_type=AUDIT_OBJECT,
        object_id=target.pk,
        payload={"from": current.name if current is not None else None, "to": target.name},
    )
    return target


def model_version_register(
    *,
    name: str,
    kind: str,
    base_model: str,
    location: str = "",
    serving: dict[str, Any],
    parent: ModelVersion | None = None,
    notes: str = "",
    user: User | None = None,
    actor: Actor,
) -> ModelVersion:
    """Record a version the Observer can run with (inactive; audited "model_version.created").

    ``serving`` is its backend configuration, checked as ``backend_from_config`` would check it but
    without loading anything: for example a LoRA adapter's name on a vLLM server started with
    ``--enable-lora``: ``{"backend": "openai", "base_url": ..., "model": "<adapter name>"}``. Empty with
    a ``location``: the local transformers folder at ``location``, which must exist here. ``DomainError``
    (``invalid_model_version``) for a bad field, a taken name, an API key written into the configuration;
    ``Forbidden`` when ``user`` lacks ``training.add_modelversion``."""
    _check_may(user, REGISTER_PERMISSION, "register model versions")
    name, base_model, location = name.strip(), base_model.strip(), location.strip()
    _check_fields(name=name, kind=kind, base_model=base_model, location=location)
    config = serving_config_checked(serving=serving, location=location)
    try:
        with transaction.atomic():
            version = ModelVersion.objects.create(
                name=name,
                kind=kind,
                base_model=base_model,
                location=location,
                serving=config,
                parent=parent,
                notes=notes,
                created_by=user,
            )
            audit_append(
                actor=actor,
                verb="model_version.created",
                object_type=AUDIT_OBJECT,
                object_id=version.pk,
                payload={
                    "name": name,
                    "kind": kind,
                    "base_model": base_model,
                    "location": location,
                    "serving": _public(config),
                    "parent": parent.name if parent is not None else None,
                },
            )
    except IntegrityError as error:  # registered meanwhile under the same name
        raise DomainError(f"A model version named {name!r} exists already.", code="invalid_model_version") from error
    return version


def _check_fields(*, name: str, kind: str, base_model: str, location: str) -> None:
    """``DomainError`` naming the first field a version may not have."""
    problem = None
    if not name or len(name) > 100:
        problem = "A model version needs a name of 1 to 100 characters."
    elif name == "base" or name.startswith(BASE_PREFIX):
        problem = f"The name {name!r} is reserved for the configured base model."
    elif ModelVersion.objects.filter(name=name).exists():
        problem = f"A model version named {name!r} exists already."
    elif kind not in ModelKind.values:
        problem = f"Unknown kind {kind!r}; known: {', '.join(ModelKind.values)}."
    elif not base_model or len(base_model) > 200:
        problem = "A model version needs its base model's name (1 to 200 characters)."
    elif len(location) > 500:
        problem = "The location is longer than 500 characters."
    if problem is not None:
        raise DomainError(problem, code="invalid_model_version")


def serving_config_checked(*, serving: object, location: str = "") -> dict[str, Any]:
    """The backend configuration a version is stored with: ``serving`` checked by the LLM factory (names
    and options only), with ``location`` as the transformers model where none is named. A transformers
    model named by path must exist on disk here; secrets stay out of the database (``api_key_env`` names
    the variable that holds the key). ``DomainError`` (``invalid_model_version``) otherwise."""
    if not isinstance(serving, dict) or not all(isinstance(key, str) for key in serving):
        raise DomainError("The serving configuration must be a JSON object.", code="invalid_model_version")
    config = dict(serving) or ({"backend": "transformers", "model": location} if location else {})
    if not config:
        raise DomainError("A model version needs a serving configuration or a location.", code="invalid_model_version")
    if config.get("backend") == "transformers" and location and not config.get("model"):
        config["model"] = location
    if "api_key" in config:
        raise DomainError(
            "Do not store an API key in a model version; name its environment variable with api_key_env.",
            code="invalid_model_version",
        )
    try:
        backend_config_check(config)
    except LLMError as error:
        raise DomainError(f"Serving configuration: {error}.", code="invalid_model_version") from error
    model = config.get("model")
    if config["backend"] == "transformers" and model and not Path(str(model)).expanduser().exists():
        raise DomainError(f"No model at {model}: a transformers model must be on disk.", code="invalid_model_version")
    return config


def _public(config: dict[str, Any]) -> dict[str, Any]:
    """A backend configuration fit for the audit log and pages: no secrets."""
    return {key: value for key, value in config.items() if "key" not in key.lower()}
