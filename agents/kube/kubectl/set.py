"""``kubectl set image`` and ``kubectl set env`` on deployments, as strategic merge patches.

kubectl reads the object, changes its pod template and sends the difference; so does this. Containers
and environment variables merge by name, ``$patch: delete`` removes a variable. A command that changes
nothing sends no patch and prints nothing, as kubectl.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from agents.cli.kubectl_args import KubectlCommand
from agents.kube.client import STRATEGIC_MERGE_PATCH
from agents.kube.errors import KubeApiError
from agents.kube.kubectl.patch import require, require_names
from agents.kube.kubectl.permissions import SETTABLE
from agents.kube.kubectl.session import Output, Session, display_name
from agents.kube.paths import object_path


def _containers(deployment: dict[str, Any]) -> list[dict[str, Any]]:
    containers = deployment.get("spec", {}).get("template", {}).get("spec", {}).get("containers", [])
    return containers if isinstance(containers, list) else []


def _template_patch(containers: Sequence[dict[str, Any]]) -> dict[str, Any]:
    return {"spec": {"template": {"spec": {"containers": list(containers)}}}}


def _pairs(updates: Sequence[str], what: str) -> list[tuple[str, str]]:
    pairs = []
    for update in updates:
        key, has_value, value = update.partition("=")
        if not has_value or not key:
            raise KubeApiError(f"error: invalid {what} update {update!r}: expected NAME=VALUE")
        pairs.append((key, value))
    return pairs


def image_changes(deployment: dict[str, Any], updates: Sequence[str]) -> list[dict[str, Any]]:
    """The containers whose image ``CONTAINER=IMAGE`` updates change (``*`` means every container)."""
    containers = _containers(deployment)
    names = [c.get("name") for c in containers]
    wanted: dict[str, str] = {}
    for name, image in _pairs(updates, "image"):
        if name != "*" and name not in names:
            raise KubeApiError(f'error: unable to find container named "{name}"')
        for container_name in names if name == "*" else [name]:
            wanted[str(container_name)] = image
    return [
        {"name": c["name"], "image": wanted[c["name"]]}
        for c in containers
        if c.get("name") in wanted and c.get("image") != wanted[c["name"]]
    ]


def env_changes(deployment: dict[str, Any], updates: Sequence[str], container: str | None) -> list[dict[str, Any]]:
    """Per container, the env entries that ``NAME=VALUE`` and ``NAME-`` updates set or remove."""
    removals = [update[:-1] for update in updates if update.endswith("-") and "=" not in update]
    settings = _pairs([u for u in updates if not (u.endswith("-") and "=" not in u)], "env")
    targets = [c for c in _containers(deployment) if container in (None, "*", c.get("name"))]
    if container not in (None, "*") and not targets:
        raise KubeApiError(f'error: unable to find container named "{container}"')
    changes = []
    for target in targets:
        current = {e.get("name"): e for e in target.get("env") or []}
        entries = [_env_entry(name, value, current.get(name)) for name, value in settings]
        entries = [entry for entry in entries if entry is not None]
        entries += [{"name": name, "$patch": "delete"} for name in removals if name in current]
        if entries:
            changes.append({"name": target["name"], "env": entries})
    return changes


def _env_entry(name: str, value: str, current: dict[str, Any] | None) -> dict[str, Any] | None:
    if current == {"name": name, "value": value}:
        return None
    entry: dict[str, Any] = {"name": name, "value": value}
    if current and "valueFrom" in current:
        # The patch merges into the old entry: a variable set from a reference must drop the reference.
        entry["valueFrom"] = None
    return entry


def run_set(session: Session, command: KubectlCommand, output: Output) -> None:
    """``kubectl set image|env deployment/NAME ...``."""
    if command.subverb == "env" and command.flags.get("list"):
        raise KubeApiError("error: set env --list is not available through this adapter; use kubectl get -o yaml")
    require_names(command, f"set {command.subverb}")
    namespace = session.namespace(command)
    for ref in command.resources:
        require(ref.type, SETTABLE, f"set {command.subverb}")
    updates = [*command.args, *_env_flag(command)]
    for ref in command.resources:
        name = str(ref.name)
        try:
            deployment = session.fetch(ref.type, namespace, name)
            if command.subverb == "image":
                changes = image_changes(deployment, updates)
            else:
                container = command.flags.get("containers")
                changes = env_changes(deployment, updates, container if isinstance(container, str) else None)
            if not changes:
                continue
            path = object_path(ref.type.api_version, ref.type.plural, namespace, name)
            session.transport.patch(path, _template_patch(changes), STRATEGIC_MERGE_PATCH)
        except KubeApiError as error:
            output.fail(error.text)
            continue
        output.out(f"{display_name(ref.type, name)} {'image' if command.subverb == 'image' else 'env'} updated")


def _env_flag(command: KubectlCommand) -> tuple[str, ...]:
    values = command.flags.get("env", ())
    return values if isinstance(values, tuple) else ()
