"""``kubectl patch`` and ``kubectl scale``: the writer's direct edits of deployments and services.

``patch`` GETs the object first, as kubectl does, so that it can say ``patched (no change)`` when the
server's object came back identical. ``scale`` patches the ``scale`` subresource with a merge patch, as
kubectl does, so it never reads or rewrites the rest of the deployment.
"""

from __future__ import annotations

from typing import Any

import yaml

from agents.cli.kube_resources import ResourceType
from agents.cli.kubectl_args import KubectlCommand
from agents.kube.client import JSON_PATCH, MERGE_PATCH, STRATEGIC_MERGE_PATCH
from agents.kube.errors import KubeApiError
from agents.kube.kubectl.permissions import PATCHABLE, SCALABLE
from agents.kube.kubectl.session import Output, Session, display_name
from agents.kube.paths import object_path

CONTENT_TYPES = {"json": JSON_PATCH, "merge": MERGE_PATCH, "strategic": STRATEGIC_MERGE_PATCH}


def require(rtype: ResourceType, allowed: frozenset[str], verb: str) -> None:
    """Refuse, before any request, a write on a type the writer's Role does not cover."""
    if rtype.plural not in allowed:
        raise KubeApiError(f"error: {verb} of {rtype.plural} is not permitted through this adapter")


def require_names(command: KubectlCommand, verb: str) -> None:
    """Writes act on named objects only: a selection would need list rights the writer does not hold."""
    if command.selector or command.field_selector or command.flags.get("all") or command.all_namespaces:
        raise KubeApiError(f"error: {verb} through this adapter needs object names, not a selection")


def parse_patch(text: str, patch_type: str) -> Any:
    """The patch body: JSON or YAML, as kubectl accepts; a JSON patch must be a list of operations."""
    try:
        body = yaml.safe_load(text)
    except yaml.YAMLError as error:
        first_line = str(error).splitlines()[0] if str(error) else "invalid syntax"
        raise KubeApiError(f'error: unable to parse "{text}": {first_line}') from error
    if patch_type == "json" and not isinstance(body, list):
        raise KubeApiError(f'error: unable to parse "{text}": a json patch is a list of operations')
    if patch_type != "json" and not isinstance(body, dict):
        raise KubeApiError(f'error: unable to parse "{text}": a {patch_type} patch is an object')
    return body


def run_patch(session: Session, command: KubectlCommand, output: Output) -> None:
    """``kubectl patch TYPE NAME -p PATCH [--type strategic|merge|json]``."""
    if "patch-file" in command.flags:
        raise KubeApiError("error: --patch-file is not supported through this adapter; pass the patch with -p")
    patch_type = str(command.flags.get("type", "strategic"))
    body = parse_patch(str(command.flags.get("patch", "")), patch_type)
    namespace = session.namespace(command)
    for ref in command.resources:
        require(ref.type, PATCHABLE, "patch")
    for ref in command.resources:
        name = str(ref.name)
        try:
            before = session.fetch(ref.type, namespace, name)
            path = object_path(ref.type.api_version, ref.type.plural, namespace, name)
            after = session.transport.patch(path, body, CONTENT_TYPES[patch_type])
        except KubeApiError as error:
            output.fail(error.text)
            continue
        after.setdefault("kind", before.get("kind"))
        after.setdefault("apiVersion", before.get("apiVersion"))
        suffix = "" if after != before else " (no change)"
        output.out(f"{display_name(ref.type, name)} patched{suffix}")


def run_scale(session: Session, command: KubectlCommand, output: Output) -> None:
    """``kubectl scale deployment NAME --replicas=N``."""
    replicas = command.flags.get("replicas")
    if not isinstance(replicas, int) or isinstance(replicas, bool) or replicas < 0:
        raise KubeApiError("error: The --replicas=COUNT flag is required, and COUNT must be greater than or equal to 0")
    require_names(command, "scale")
    namespace = session.namespace(command)
    for ref in command.resources:
        require(ref.type, SCALABLE, "scale")
    for ref in command.resources:
        name = str(ref.name)
        path = object_path(ref.type.api_version, ref.type.plural, namespace, name, "scale")
        try:
            session.transport.patch(path, {"spec": {"replicas": replicas}}, MERGE_PATCH)
        except KubeApiError as error:
            output.fail(error.text)
            continue
        output.out(f"{display_name(ref.type, name)} scaled")
