"""``manage.py model_version``: list, register, activate and roll back the Observer's model versions.

    python manage.py model_version list
    python manage.py model_version register --name observer-lora-1 --kind lora --base-model Qwen/Qwen2.5-7B \\
        --serving '{"backend": "openai", "base_url": "http://vllm:8000/v1", "model": "observer-lora-1"}'
    python manage.py model_version activate observer-lora-1
    python manage.py model_version rollback

Versions are named by name or id (``base``: the configured model). Changes are audited as the command line
(``--user`` attributes them to a person, whose permissions are then checked).
"""

from __future__ import annotations

import json
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.core.management.base import BaseCommand, CommandError, CommandParser

from aoi_platform.errors import DomainError
from training.models import ModelKind, ModelVersion
from training.selectors import model_version_list
from training.services.versions import (
    model_version_activate,
    model_version_register,
    model_version_resolve,
    model_version_rollback,
)
from trajectories.audit.services import Actor


class Command(BaseCommand):
    help = "List, register, activate or roll back the Observer's model versions."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--user", default="", help="act as this person (permissions checked, audited as them)")
        actions = parser.add_subparsers(dest="action", required=True, metavar="list|register|activate|rollback")
        actions.add_parser("list", help="every version, the active one marked")
        activate = actions.add_parser("activate", help="make a version the Observer's")
        activate.add_argument("version", help="name or id; base: the configured model")
        actions.add_parser("rollback", help="return to the version active before the active one")
        register = actions.add_parser("register", help="record a version served elsewhere or stored here")
        register.add_argument("--name", required=True)
        register.add_argument("--kind", required=True, choices=ModelKind.values)
        register.add_argument("--base-model", required=True, help="the model it is, or is an adapter of")
        register.add_argument("--location", default="", help="where its weights are (a folder, for transformers)")
        register.add_argument("--serving", default="{}", help="backend configuration as a JSON object")
        register.add_argument("--parent", default="", help="the version it was trained from (name or id)")
        register.add_argument("--notes", default="")

    def handle(self, *args: Any, **options: Any) -> None:
        user = self._user(options["user"])
        actor = Actor.of_user(user) if user is not None else Actor.system("manage.py model_version")
        try:
            if options["action"] == "list":
                self._list()
            elif options["action"] == "activate":
                version = model_version_activate(version=self._version(options["version"]), user=user, actor=actor)
                self.stdout.write(f"active: {version.name}")
            elif options["action"] == "rollback":
                version = model_version_rollback(user=user, actor=actor)
                self.stdout.write(f"rolled back; active: {version.name}")
            else:
                version = self._register(options, user, actor)
                self.stdout.write(f"registered {version.name} ({version.pk}); not active until activated")
        except DomainError as error:
            raise CommandError(str(error)) from error

    def _list(self) -> None:
        versions = list(model_version_list())
        if not versions:
            self.stdout.write("no model versions; the Observer runs the settings' model (AOI_LLM)")
        for version in versions:
            mark = "*" if version.active else " "
            backend = version.serving.get("backend", "transformers" if version.location else "settings")
            parent = f" from {version.parent.name}" if version.parent is not None else ""
            self.stdout.write(
                f"{mark} {version.name}  {version.kind}  {backend}  {version.evaluation_count} evaluations"  # type: ignore[attr-defined]
                f"{parent}  {version.pk}"
            )

    def _register(self, options: dict[str, Any], user: User | None, actor: Actor) -> ModelVersion:
        try:
            serving = json.loads(options["serving"])
        except json.JSONDecodeError as error:
            raise CommandError(f"--serving is not JSON: {error}") from error
        return model_version_register(
            name=options["name"],
            kind=options["kind"],
            base_model=options["base_model"],
            location=options["location"],
            serving=serving,
            parent=self._version(options["parent"]) if options["parent"] else None,
            notes=options["notes"],
            user=user,
            actor=actor,
        )

    def _version(self, reference: str) -> ModelVersion:
        try:
            return model_version_resolve(reference)
        except ModelVersion.DoesNotExist as error:
            raise CommandError(str(error)) from error

    def _user(self, username: str) -> User | None:
        if not username:
            return None
        user = get_user_model().objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"no active user {username!r}")
        return user
