"""kubectl's reads of objects: ``get``, ``describe``, ``events``, and the fixed answers of ``explain``,
``version`` and ``cluster-info``. Objects come from ``agents.sim.objects``; the text comes from the shared
printers (``agents.cli.render`` / ``describe``), as the real-cluster adapter prints it."""

from __future__ import annotations

import json
from typing import Any

import yaml

from agents.cli.describe import render_describe
from agents.cli.kubectl_args import KubectlCommand
from agents.cli.render import render_get
from agents.cli.shell import ProgramResult
from agents.sim import engine, objects
from agents.sim.kubectl.lookup import namespace_of, select
from agents.sim.kubectl.replies import fail, ok
from agents.sim.state import JSON, ClusterState

_LIST_OUTPUTS = ("yaml", "json", "jsonpath", "custom-columns", "name")


# --- get ------------------------------------------------------------------------------------------
def run_get(state: ClusterState, command: KubectlCommand, stdin: str) -> ProgramResult:
    groups, errors = _grouped(state, command)
    show_kind = len(groups) > 1 or any(ref.type.plural == "all" for ref in command.resources)
    if command.output and command.output.split("=")[0] in _LIST_OUTPUTS and len(groups) > 1:
        outputs, stderr_parts = _render_merged(state, command, groups)
    else:
        outputs, stderr_parts = _render_groups(state, command, groups, show_kind=show_kind)
    stdout = "\n".join(part.rstrip("\n") for part in outputs if part) + ("\n" if any(outputs) else "")
    if show_kind and not stdout:
        stderr_parts.append(f"No resources found in {namespace_of(command)} namespace.")
    stderr = "\n".join(part.rstrip("\n") for part in [*stderr_parts, *errors] if part)
    return ProgramResult(stdout=stdout, stderr=stderr + ("\n" if stderr else ""), exit_code=1 if errors else 0)


def _grouped(state: ClusterState, command: KubectlCommand) -> tuple[dict[str, list[JSON]], list[str]]:
    """The objects of each resource kind named, in the order first named; the NotFound errors."""
    groups: dict[str, list[JSON]] = {}
    errors = []
    for ref in command.resources:
        found, error = select(state, ref, command)
        if error:
            errors.append(error)
            continue
        groups.setdefault(ref.type.plural, []).extend(found)
    return groups, errors


def _render_merged(
    state: ClusterState, command: KubectlCommand, groups: dict[str, list[JSON]]
) -> tuple[list[str], list[str]]:
    """Several kinds in one document (yaml, json, jsonpath...): one list of every object."""
    merged = [obj for found in groups.values() for obj in found]
    out, err = render_get(
        next(iter(groups)),
        merged,
        now=state.clock.datetime,
        output=command.output,
        all_namespaces=command.all_namespaces,
        namespace=namespace_of(command),
    )
    return [out], [err]


def _render_groups(
    state: ClusterState, command: KubectlCommand, groups: dict[str, list[JSON]], *, show_kind: bool
) -> tuple[list[str], list[str]]:
    """One table (or document) per kind; a single named object as yaml/json is printed as itself."""
    single = len(command.resources) == 1 and command.resources[0].name is not None
    outputs, stderr_parts = [], []
    for plural, found in groups.items():
        if single and command.output in ("yaml", "json"):
            outputs.append(_dump(found[0], command.output))
            continue
        out, err = render_get(
            plural,
            found,
            now=state.clock.datetime,
            output=command.output,
            all_namespaces=command.all_namespaces,
            show_kind=show_kind,
            show_labels=bool(command.flags.get("show-labels")),
            no_headers=bool(command.flags.get("no-headers")),
            namespace=namespace_of(command),
        )
        if out:
            outputs.append(out)
        if err and not show_kind:
            stderr_parts.append(err)
    return outputs, stderr_parts


def _dump(obj: JSON, output: str) -> str:
    return yaml.safe_dump(obj, sort_keys=True) if output == "yaml" else json.dumps(obj, indent=4, sort_keys=True) + "\n"


# --- describe -------------------------------------------------------------------------------------
def run_describe(state: ClusterState, command: KubectlCommand, stdin: str) -> ProgramResult:
    texts, errors = [], []
    for ref in command.resources:
        found, error = select(state, ref, command)
        if error:
            errors.append(error)
            continue
        for obj in found:
            texts.append(_describe_one(state, ref.type.plural, obj))
    if not texts and not errors:
        return fail(f"No resources found in {namespace_of(command)} namespace.", 0)
    stderr = "\n".join(errors)
    return ProgramResult(
        stdout="\n\n".join(texts) + ("\n" if texts else ""),
        stderr=stderr + ("\n" if stderr else ""),
        exit_code=1 if errors else 0,
    )


def _describe_one(state: ClusterState, plural: str, obj: JSON) -> str:
    metadata = obj["metadata"]
    namespace = metadata.get("namespace", "")
    events = objects.events_for(state, obj.get("kind", ""), metadata["name"], namespace) if namespace else []
    related: dict[str, Any] = {}
    if plural == "services":
        related["endpoints"] = objects.endpoints_object(
            state, state.get("services", namespace, metadata["name"]) or obj
        )
    if plural == "deployments":
        related.update(_replicasets_of(state, obj, namespace))
    return render_describe(plural, obj, now=state.clock.datetime, events=events, related=related)


def _replicasets_of(state: ClusterState, deployment: JSON, namespace: str) -> dict[str, Any]:
    """A Deployment's current ReplicaSet and its old ones that still have replicas."""
    name = deployment["metadata"]["name"]
    sets = [rs for rs in objects.replicasets(state, namespace) if rs["metadata"]["ownerReferences"][0]["name"] == name]
    current = f"{name}-{engine.template_hash(deployment['spec']['template'])}"
    return {
        "new_replicaset": next((rs for rs in sets if rs["metadata"]["name"] == current), None),
        "old_replicasets": [rs for rs in sets if rs["metadata"]["name"] != current and rs["status"]["replicas"]],
    }


# --- events and fixed answers ---------------------------------------------------------------------
def run_events(state: ClusterState, command: KubectlCommand, stdin: str) -> ProgramResult:
    found = objects.event_objects(state, None if command.all_namespaces else namespace_of(command))
    out, err = render_get(
        "events",
        found,
        now=state.clock.datetime,
        output=command.output,
        all_namespaces=command.all_namespaces,
        namespace=namespace_of(command),
    )
    return ProgramResult(stdout=out, stderr=err)


def run_explain(state: ClusterState, command: KubectlCommand, stdin: str) -> ProgramResult:
    ref = command.resources[0] if command.resources else None
    if ref is None:
        return fail(
            "error: You must specify the type of resource to explain. "
            'Use "kubectl api-resources" for a complete list of supported resources.'
        )
    return ok(
        f"GROUP:      {ref.type.group}\nKIND:       {ref.type.kind}\n"
        f"VERSION:    {ref.type.api_version.rsplit('/', 1)[-1]}\n\n"
        f"DESCRIPTION:\n    {ref.type.kind} is a Kubernetes {ref.type.singular} object.\n"
    )


def run_version(state: ClusterState, command: KubectlCommand, stdin: str) -> ProgramResult:
    return ok("Client Version: v1.32.2\nKustomize Version: v5.5.0\nServer Version: v1.32.2\n")


def run_cluster_info(state: ClusterState, command: KubectlCommand, stdin: str) -> ProgramResult:
    return ok(
        "Kubernetes control plane is running at https://127.0.0.1:6443\n"
        "CoreDNS is running at https://127.0.0.1:6443/api/v1/namespaces/kube-system/services/kube-dns:dns/proxy\n"
    )
