"""kubectl's writes: ``patch``, ``scale``, ``set image|env``, ``delete`` and ``apply -f -``. Each edits the
stored objects, then the engine reconciles (``changed``) so that pods follow as the controllers would.

The caller (``program``) has already refused them on a read-only handle.
"""

from __future__ import annotations

import json
from typing import Any

import yaml

from agents.cli.errors import KubectlUsageError
from agents.cli.kube_resources import ResourceType, resource_type
from agents.cli.kubectl_args import KubectlCommand
from agents.cli.shell import ProgramResult
from agents.sim import engine, patching
from agents.sim.kubectl.lookup import namespace_of, pod_record, select
from agents.sim.kubectl.replies import EXECUTOR, fail, forbidden, ok
from agents.sim.state import JSON, ClusterState

_DELETABLE = ("deployments", "services", "configmaps", "podchaos", "networkchaos", "persistentvolumeclaims")
_APPLICABLE = ("deployments", "services", "configmaps", "persistentvolumeclaims", "persistentvolumes")


def changed(state: ClusterState) -> None:
    """Let the controllers catch up with the edit: reconcile, and retry what was waiting."""
    engine.reconcile(state)
    engine.retry_pending(state)


# --- patch ----------------------------------------------------------------------------------------
def run_patch(state: ClusterState, command: KubectlCommand, stdin: str) -> ProgramResult:
    raw = command.flags.get("patch")
    if not isinstance(raw, str):
        return fail("error: must specify --patch or --patch-file containing the contents of the patch")
    try:
        body = json.loads(raw)
    except json.JSONDecodeError:
        try:
            body = yaml.safe_load(raw)
        except yaml.YAMLError:
            return fail(f'error: unable to parse "{raw}": yaml: did not find expected node content')
    patch_type = str(command.flags.get("type") or "strategic")
    results = []
    for ref in command.resources:
        found, error = select(state, ref, command)
        if error:
            return fail(error)
        for obj in found:
            stored = state.get(ref.type.plural, obj["metadata"].get("namespace", ""), obj["metadata"]["name"])
            if stored is None:
                return forbidden(command)
            updated = _patched(stored, body, patch_type)
            if updated is None:
                return fail(f'error: --type must be one of [json merge strategic], not "{patch_type}"')
            results.append(_store_patched(state, ref.type, obj["metadata"], stored, updated))
    changed(state)
    return ok("\n".join(results))


def _patched(stored: JSON, body: Any, patch_type: str) -> JSON | None:
    """``stored`` with the patch applied; None for an unknown patch type."""
    patches = {"json": patching.json_patch, "merge": patching.merge_patch, "strategic": patching.strategic_patch}
    if patch_type not in patches:
        return None
    updated: JSON = patches[patch_type](stored, body)
    return updated


def _store_patched(state: ClusterState, kind: ResourceType, metadata: JSON, stored: JSON, updated: JSON) -> str:
    """Store the patched object (a template change counts in the generation); kubectl's line for it."""
    label = f"{kind.qualified_name}/{metadata['name']}"
    if updated == stored:
        return f"{label} patched (no change)"
    if updated.get("spec", {}).get("template") != stored.get("spec", {}).get("template"):
        updated["metadata"]["generation"] = int(stored["metadata"].get("generation", 1)) + 1
    state.put(kind.plural, metadata.get("namespace", ""), updated)
    return f"{label} patched"


# --- scale and set --------------------------------------------------------------------------------
def run_scale(state: ClusterState, command: KubectlCommand, stdin: str) -> ProgramResult:
    replicas = command.flags.get("replicas")
    if not isinstance(replicas, int) or replicas < 0:
        return fail("error: The --replicas=COUNT flag is required, and COUNT must be greater than or equal to 0")
    results = []
    for ref in command.resources:
        found, error = select(state, ref, command)
        if error:
            return fail(error)
        for obj in found:
            stored = state.get(ref.type.plural, obj["metadata"]["namespace"], obj["metadata"]["name"])
            if stored is None or "replicas" not in stored.get("spec", {}):
                return fail(f'error: no scaler has been implemented for {{"" "{ref.type.kind}"}}')
            stored["spec"]["replicas"] = replicas
            results.append(f"{ref.type.qualified_name}/{obj['metadata']['name']} scaled")
    changed(state)
    return ok("\n".join(results))


def run_set(state: ClusterState, command: KubectlCommand, stdin: str) -> ProgramResult:
    results = []
    for ref in command.resources:
        found, error = select(state, ref, command)
        if error:
            return fail(error)
        for obj in found:
            stored = state.get(ref.type.plural, obj["metadata"]["namespace"], obj["metadata"]["name"])
            if stored is None or "template" not in stored.get("spec", {}):
                return forbidden(command)
            message = _set_one(command, stored["spec"]["template"]["spec"]["containers"])
            if message.startswith("error"):
                return fail(message)
            results.append(f"{ref.type.qualified_name}/{obj['metadata']['name']} {message}")
    changed(state)
    return ok("\n".join(results))


def _set_one(command: KubectlCommand, containers: list[JSON]) -> str:
    if command.subverb == "image":
        return _set_image(command.args, containers)
    if command.subverb == "env":
        return _set_env(command.args, containers)
    return f'error: unknown command "set {command.subverb}"'


def _set_image(pairs: tuple[str, ...], containers: list[JSON]) -> str:
    for pair in pairs:
        name, _, image = pair.partition("=")
        matches = [c for c in containers if name in (c["name"], "*")]
        if not matches:
            return f'error: unable to find container named "{name}"'
        for container in matches:
            container["image"] = image
    return "image updated"


def _set_env(pairs: tuple[str, ...], containers: list[JSON]) -> str:
    for container in containers:
        env = container.setdefault("env", [])
        for pair in pairs:
            if pair.endswith("-") and "=" not in pair:
                env[:] = [item for item in env if item["name"] != pair[:-1]]
                continue
            key, _, value = pair.partition("=")
            env[:] = [item for item in env if item["name"] != key] + [{"name": key, "value": value}]
        if not env:
            container.pop("env")
    return "env updated"


# --- delete ---------------------------------------------------------------------------------------
def run_delete(state: ClusterState, command: KubectlCommand, stdin: str) -> ProgramResult:
    results = []
    for ref in command.resources:
        if ref.name is None and not (command.selector or command.flags.get("all")):
            return fail("error: resource(s) were provided, but no name was specified")
        found, error = select(state, ref, command)
        if error:
            return fail(error)
        for obj in found:
            name = obj["metadata"]["name"]
            if not _delete_one(state, ref.type.plural, obj["metadata"].get("namespace", ""), name):
                return forbidden(command)
            results.append(f'{ref.type.singular if not ref.type.group else ref.type.qualified_name} "{name}" deleted')
    if not results:
        return fail(f"No resources found in {namespace_of(command)} namespace.", 0)
    changed(state)
    return ok("\n".join(results))


def _delete_one(state: ClusterState, plural: str, namespace: str, name: str) -> bool:
    """Delete one object (a Deployment takes its pods along); False for a kind the executor may not delete."""
    if plural == "pods":
        pod = pod_record(state, name, namespace)
        if pod is not None:
            engine.pod_delete(state, pod)
        return True
    if plural not in _DELETABLE:
        return False
    state.delete(plural, namespace, name)
    if plural == "deployments":
        for pod in state.pods_of(name, namespace):
            pod.deleted_at = state.clock.now
    return True


# --- apply ----------------------------------------------------------------------------------------
def run_apply(state: ClusterState, command: KubectlCommand, stdin: str) -> ProgramResult:
    raw_files = command.flags.get("filename") or ()
    files = (raw_files,) if isinstance(raw_files, str | int) else tuple(raw_files)
    if files != ("-",):
        return fail(
            f'error: the path "{files[0] if files else ""}" does not exist'
            if files
            else "error: must specify one of -f and -k"
        )
    try:
        documents = [doc for doc in yaml.safe_load_all(stdin) if doc]
    except yaml.YAMLError as error:
        return fail(f"error: error parsing STDIN: {error}")
    results = []
    for document in documents:
        message = _apply_one(state, document, command)
        if message.startswith("error") or message.startswith("Error"):
            return fail(message)
        results.append(message)
    changed(state)
    return ok("\n".join(results))


def _apply_one(state: ClusterState, document: Any, command: KubectlCommand) -> str:
    kind, refusal = _applicable_kind(document)
    if kind is None:
        return refusal
    namespace = document["metadata"].get("namespace") or namespace_of(command) if kind.namespaced else ""
    name = document["metadata"].get("name", "")
    stored = state.get(kind.plural, namespace, name)
    label = f"{kind.qualified_name}/{name}"
    if stored is None:
        document.setdefault("metadata", {}).update({"namespace": namespace} if namespace else {})
        document["metadata"].setdefault("creationTimestamp", state.clock.stamp(state.clock.now))
        document["metadata"].setdefault("uid", f"{name}-{state.resource_version}")
        state.put(kind.plural, namespace, document)
        return f"{label} created"
    updated = patching.merge_patch(stored, {key: value for key, value in document.items() if key != "status"})
    if updated == stored:
        return f"{label} unchanged"
    state.put(kind.plural, namespace, updated)
    return f"{label} configured"


def _applicable_kind(document: Any) -> tuple[ResourceType | None, str]:
    """The document's kind when it is well-formed and one the executor may create; else kubectl's refusal."""
    if not isinstance(document, dict) or "kind" not in document or "metadata" not in document:
        return None, (
            "error: error validating data: [apiVersion not set, kind not set]; "
            "if you choose to ignore these errors, turn validation off with --validate=false"
        )
    try:
        kind = resource_type(str(document["kind"]))
    except KubectlUsageError:
        return None, (
            f'error: resource mapping not found for name: "{document["metadata"].get("name")}": '
            f'no matches for kind "{document["kind"]}"'
        )
    if kind.plural not in _APPLICABLE:
        return None, (
            f"Error from server (Forbidden): {kind.plural} is forbidden: "
            f'{EXECUTOR} cannot create resource "{kind.plural}"'
        )
    return kind, ""
