"""What every kubectl handler works with: the identity's transport, the settings, the clock, the output.

Handlers raise :class:`KubeApiError` for a failure that ends the command; :class:`Output` collects what
kubectl would print, so a command that fails half-way still shows what it did before.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from agents.cli.kube_resources import ResourceType, resource_type
from agents.cli.kubectl_args import KubectlCommand, ResourceRef
from agents.kube.client import KubeTransport, Query
from agents.kube.config import KubeSettings
from agents.kube.errors import KubeApiError
from agents.kube.paths import collection_path, object_path


@dataclass
class Output:
    """stdout and stderr text, and the exit code: 1 once anything failed."""

    stdout: list[str] = field(default_factory=list)
    stderr: list[str] = field(default_factory=list)
    exit_code: int = 0

    def out(self, text: str) -> None:
        """Print ``text`` (a trailing newline is added when missing)."""
        if text:
            self.stdout.append(text if text.endswith("\n") else f"{text}\n")

    def err(self, text: str) -> None:
        """Print ``text`` on stderr without failing (kubectl's notices)."""
        if text:
            self.stderr.append(text if text.endswith("\n") else f"{text}\n")

    def fail(self, text: str) -> None:
        """Print an error on stderr; the command exits 1."""
        self.err(text)
        self.exit_code = 1


@dataclass(frozen=True)
class Session:
    """One command's view of the cluster."""

    transport: KubeTransport
    settings: KubeSettings
    read_only: bool
    now: datetime

    def namespace(self, command: KubectlCommand) -> str:
        """The command's namespace (``-n``), else the configured default; refused if not allowed."""
        namespace = command.namespace or self.settings.default_namespace
        self.check_namespace(namespace)
        return namespace

    def check_namespace(self, namespace: str) -> None:
        """Raise unless the settings let the adapter address ``namespace``."""
        if not self.settings.allows_namespace(namespace):
            raise KubeApiError(f'error: namespace "{namespace}" is not one this platform may address')

    def scope(self, rtype: ResourceType, command: KubectlCommand) -> str | None:
        """The namespace of a request for ``rtype``: None for cluster-scoped types and ``-A`` lists."""
        if not rtype.namespaced or command.all_namespaces:
            return None
        return self.namespace(command)

    def fetch(self, rtype: ResourceType, namespace: str | None, name: str) -> dict[str, Any]:
        """GET one object, with ``kind`` and ``apiVersion`` set."""
        obj = self.transport.get_json(object_path(rtype.api_version, rtype.plural, namespace, name))
        return _typed(obj, rtype)

    def collection(self, rtype: ResourceType, namespace: str | None, query: Query = ()) -> list[dict[str, Any]]:
        """LIST objects (items typed as single objects), limited to the allowed namespaces."""
        listing = self.transport.get_json(collection_path(rtype.api_version, rtype.plural, namespace), query)
        items = [_typed(item, rtype) for item in listing.get("items") or []]
        if namespace is None and rtype.namespaced and self.settings.namespaces:
            items = [item for item in items if self.settings.allows_namespace(_namespace_of(item))]
        return items


def fetch_named(
    session: Session,
    rtype: ResourceType,
    namespace: str | None,
    names: Sequence[str],
    output: Output,
    *,
    ignore_not_found: bool = False,
) -> list[dict[str, Any]]:
    """GET each named object; a failure is printed (kubectl goes on with the other names)."""
    objects = []
    for name in names:
        try:
            objects.append(session.fetch(rtype, namespace, name))
        except KubeApiError as error:
            if not (error.not_found and ignore_not_found):
                output.fail(error.text)
    return objects


def selector_query(command: KubectlCommand) -> list[tuple[str, str]]:
    """The list query of ``-l`` and ``--field-selector``."""
    query = []
    if command.selector:
        query.append(("labelSelector", command.selector))
    if command.field_selector:
        query.append(("fieldSelector", command.field_selector))
    return query


def group_refs(refs: Sequence[ResourceRef]) -> list[tuple[ResourceType, list[str]]]:
    """Resource references grouped by type, in order: names per type (empty for "every object")."""
    groups: dict[str, tuple[ResourceType, list[str]]] = {}
    for ref in refs:
        _rtype, names = groups.setdefault(ref.type.plural, (ref.type, []))
        if ref.name is not None:
            names.append(ref.name)
    return list(groups.values())


def display_name(rtype: ResourceType, name: str) -> str:
    """``deployment.apps/geo``: how kubectl names an object it acted on."""
    return f"{rtype.qualified_name}/{name}"


PODS = resource_type("pods")
EVENTS = resource_type("events")
REPLICASETS = resource_type("replicasets")
DEPLOYMENTS = resource_type("deployments")


def _typed(obj: dict[str, Any], rtype: ResourceType) -> dict[str, Any]:
    obj.setdefault("kind", rtype.kind)
    obj.setdefault("apiVersion", rtype.api_version)
    return obj


def _namespace_of(obj: dict[str, Any]) -> str:
    return str(obj.get("metadata", {}).get("namespace", ""))
