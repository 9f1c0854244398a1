"""RBAC as the API server evaluates it, reduced to what the shipped manifests use.

Used twice: by the stand-in API server, to authorize each request with the shipped roles (so a request
the roles do not grant comes back 403, as on a real cluster), and by the tests, to check the manifests and
the adapter's request log. Request attributes follow the API server's RequestInfo: a GET of a collection
is ``list`` (``watch`` with ``watch=true``), of an object ``get``; PATCH ``patch``; DELETE of an object
``delete``, of a collection ``deletecollection``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

RBAC_DIR = Path(__file__).resolve().parents[2] / "agents" / "kube" / "rbac"
READER_MANIFEST = RBAC_DIR / "reader-clusterrole.yaml"
WRITER_MANIFEST = RBAC_DIR / "writer-role.yaml"
SERVICE_ACCOUNT_NAMESPACE = "aoi-system"


@dataclass(frozen=True)
class RequestInfo:
    """What RBAC sees of a request. ``resource`` includes a subresource (``pods/log``)."""

    verb: str
    group: str
    resource: str
    namespace: str | None
    name: str | None


@dataclass(frozen=True)
class Rule:
    """One flattened policy rule: a verb on a resource of a group."""

    group: str
    resource: str
    verb: str


def parse_path(path: str) -> tuple[str, str, str | None, str, str | None, str | None]:
    """(group, version, namespace, plural, name, subresource) of a resource path."""
    segments = [segment for segment in path.split("/") if segment]
    if segments[:2] == ["api", "v1"]:
        group, version, rest = "", "v1", segments[2:]
    elif segments[:1] == ["apis"] and len(segments) >= 3:
        group, version, rest = segments[1], segments[2], segments[3:]
    else:
        raise ValueError(f"not a resource path: {path}")
    namespace = None
    if len(rest) >= 3 and rest[0] == "namespaces":
        namespace, rest = rest[1], rest[2:]
    if not rest:
        raise ValueError(f"not a resource path: {path}")
    plural = rest[0]
    name = rest[1] if len(rest) > 1 else None
    subresource = rest[2] if len(rest) > 2 else None
    return group, version, namespace, plural, name, subresource


def request_info(method: str, path: str, query: Mapping[str, list[str]]) -> RequestInfo:
    """The RBAC attributes of one HTTP request."""
    group, _version, namespace, plural, name, subresource = parse_path(path)
    resource = f"{plural}/{subresource}" if subresource else plural
    if method == "GET":
        verb = ("watch" if query.get("watch") == ["true"] else "list") if name is None else "get"
    elif method == "DELETE":
        verb = "delete" if name else "deletecollection"
    else:
        verb = {"PATCH": "patch", "PUT": "update", "POST": "create"}[method]
    return RequestInfo(verb=verb, group=group, resource=resource, namespace=namespace, name=name)


def load_documents(path: Path) -> list[dict[str, Any]]:
    """The YAML documents of one manifest file."""
    with path.open(encoding="utf-8") as stream:
        return [document for document in yaml.safe_load_all(stream) if document]


def flatten(rules: Iterable[Mapping[str, Any]]) -> frozenset[Rule]:
    """Every (group, resource, verb) a list of policy rules grants."""
    return frozenset(
        Rule(group=group, resource=resource, verb=verb)
        for rule in rules
        for group in rule.get("apiGroups", [])
        for resource in rule.get("resources", [])
        for verb in rule.get("verbs", [])
    )


@dataclass(frozen=True)
class Policy:
    """The reader's ClusterRole (everywhere) and the writer's Role per namespace, from the manifests."""

    reader: frozenset[Rule]
    writer: Mapping[str, frozenset[Rule]]

    def allows(self, identity: str, info: RequestInfo) -> bool:
        """True when ``identity`` ("reader" or "writer") may send the request."""
        if identity == "reader":
            rules = self.reader
        elif identity == "writer" and info.namespace is not None:
            rules = self.writer.get(info.namespace, frozenset())
        else:
            return False
        return Rule(group=info.group, resource=info.resource, verb=info.verb) in rules


def load_policy() -> Policy:
    """The shipped manifests as a :class:`Policy`."""
    reader = [doc for doc in load_documents(READER_MANIFEST) if doc["kind"] == "ClusterRole"]
    writer = [doc for doc in load_documents(WRITER_MANIFEST) if doc["kind"] == "Role"]
    return Policy(
        reader=flatten(reader[0]["rules"]),
        writer={doc["metadata"]["namespace"]: flatten(doc["rules"]) for doc in writer},
    )


def service_account(identity: str) -> str:
    """The user name the API server gives the identity's service account."""
    return f"system:serviceaccount:{SERVICE_ACCOUNT_NAMESPACE}:aoi-{identity}"
