"""kubectl's reads of objects: ``get``, ``describe``, ``events``, and the fixed answers of ``explain``,
``version`` and ``cluster-info``. Objects come from ``agents.sim.objects``; the text comes from the shared
printers (``agents.cli.render`` / ``describe``), as the real-cluster adapter prints it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from agents.cli.describe import render_describe
from agents.cli.kubectl_args import KubectlCommand, resource_type
from agents.cli.render import JSONObj, filter_events, get_failed, render_events, render_get
from agents.cli.shell import ProgramResult
from agents.sim import engine, objects
from agents.sim.kubectl.lookup import namespace_of, select
from agents.sim.kubectl.replies import fail, ok
from agents.sim.state import JSON, ClusterState


# --- get ------------------------------------------------------------------------------------------
def run_get(state: ClusterState, command: KubectlCommand, stdin: str) -> ProgramResult:
    """Every named or selected object through one ``render_get``, as kubectl prints one get: a table per
    kind, one List (or the single named object) for json, yaml and jsonpath, ``--sort-by`` applied."""
    if command.all_namespaces and any(ref.name is not None for ref in command.resources):
        return fail("error: a resource cannot be retrieved by name across all namespaces")
    found, errors = [], []
    for ref in command.resources:
        selected, error = select(state, ref, command)
        if error and not command.flags.get("ignore-not-found"):
            errors.append(error)
        found.extend(selected)
    named = all(ref.name is not None for ref in command.resources)
    stdout, stderr = "", ""
    if found or not named:
        sort_by = command.flags.get("sort-by")
        stdout, stderr = render_get(
            ",".join(dict.fromkeys(ref.type.plural for ref in command.resources)),
            found,
            now=state.clock.datetime,
            output=command.output,
            all_namespaces=command.all_namespaces,
            show_kind=bool(command.flags.get("show-kind")),
            show_labels=bool(command.flags.get("show-labels")),
            no_headers=bool(command.flags.get("no-headers")),
            namespace=namespace_of(command),
            single_item=len(command.resources) == 1 and named,
            presorted=named,
            sort_by=sort_by if isinstance(sort_by, str) else None,
        )
    failed = bool(errors) or get_failed(stderr)
    stderr += "".join(f"{error}\n" for error in errors)
    return ProgramResult(stdout=stdout, stderr=stderr, exit_code=1 if failed else 0)


# --- describe -------------------------------------------------------------------------------------
def run_describe(state: ClusterState, command: KubectlCommand, stdin: str) -> ProgramResult:
    """Each object's description, separated as kubectl separates them (two blank lines), ending with
    the last one's own newline."""
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
    stderr = "".join(f"{error}\n" for error in errors)
    return ProgramResult(stdout="\n\n".join(texts), stderr=stderr, exit_code=1 if errors else 0)


def _describe_one(state: ClusterState, plural: str, obj: JSON) -> str:
    metadata = obj["metadata"]
    namespace = metadata.get("namespace", "")
    events = objects.events_for(state, obj.get("kind", ""), metadata["name"], namespace)
    lookup = _RELATED.get(plural)
    related = lookup(state, obj) if lookup else {}
    return render_describe(plural, obj, now=state.clock.datetime, events=events, related=related)


def _service_endpoints(state: ClusterState, service: JSON) -> dict[str, Any]:
    metadata = service["metadata"]
    stored = state.get("services", metadata.get("namespace", ""), metadata["name"])
    return {"endpoints": objects.endpoints_object(state, stored or service)}


def _replicasets_of(state: ClusterState, deployment: JSON) -> dict[str, Any]:
    """A Deployment's current ReplicaSet and its old ones that still have replicas."""
    name, namespace = deployment["metadata"]["name"], deployment["metadata"]["namespace"]
    sets = [rs for rs in objects.replicasets(state, namespace) if rs["metadata"]["ownerReferences"][0]["name"] == name]
    current = f"{name}-{engine.template_hash(deployment['spec']['template'])}"
    return {
        "new_replicaset": next((rs for rs in sets if rs["metadata"]["name"] == current), None),
        "old_replicasets": [rs for rs in sets if rs["metadata"]["name"] != current and rs["status"]["replicas"]],
    }


def _owned_pods(state: ClusterState, owner: JSON) -> dict[str, Any]:
    """The pods a ReplicaSet, StatefulSet, DaemonSet or Job controls (by owner uid, as kubectl matches)."""
    uid = owner["metadata"].get("uid")
    pods = objects.objects_of(state, "pods", owner["metadata"].get("namespace"))
    return {"pods": [pod for pod in pods if any(ref.get("uid") == uid for ref in pod["metadata"]["ownerReferences"])]}


def _node_pods(state: ClusterState, node: JSON) -> dict[str, Any]:
    """The node's non-terminated pods, in every namespace (kubectl's field selector on spec.nodeName)."""
    name = node["metadata"]["name"]
    pods = objects.objects_of(state, "pods", None)
    return {
        "pods": [
            pod
            for pod in pods
            if pod["spec"].get("nodeName") == name and pod["status"].get("phase") not in ("Succeeded", "Failed")
        ]
    }


def _claim_users(state: ClusterState, claim: JSON) -> dict[str, Any]:
    name = claim["metadata"]["name"]
    pods = objects.objects_of(state, "pods", claim["metadata"].get("namespace"))
    return {
        "pods": [
            pod
            for pod in pods
            if any(
                (volume.get("persistentVolumeClaim") or {}).get("claimName") == name
                for volume in pod["spec"].get("volumes") or []
            )
        ]
    }


# What kubectl's describer fetches beside the object, by plural.
_RELATED: dict[str, Callable[[ClusterState, JSON], dict[str, Any]]] = {
    "services": _service_endpoints,
    "deployments": _replicasets_of,
    "replicasets": _owned_pods,
    "statefulsets": _owned_pods,
    "daemonsets": _owned_pods,
    "jobs": _owned_pods,
    "nodes": _node_pods,
    "persistentvolumeclaims": _claim_users,
}


# --- events and fixed answers ---------------------------------------------------------------------
def run_events(state: ClusterState, command: KubectlCommand, stdin: str) -> ProgramResult:
    """``kubectl events [-n NS | -A] [--for KIND/NAME] [--types Normal,Warning]``, kubectl's event printer."""
    namespace = None if command.all_namespaces else namespace_of(command)
    found: list[JSONObj] = list(objects.event_objects(state, namespace))
    target = command.flags.get("for")
    if isinstance(target, str):
        kind, _, name = target.partition("/")
        if not name:
            return fail("error: --for must be in resource/name form")
        wanted = resource_type(kind).kind
        found = [e for e in found if e["involvedObject"]["kind"] == wanted and e["involvedObject"]["name"] == name]
    types = command.flags.get("types")
    try:
        found = filter_events(found, types if isinstance(types, tuple) else None)
    except ValueError as error:
        return fail(str(error))
    out, err = render_events(
        found,
        now=state.clock.datetime,
        output=command.output,
        all_namespaces=command.all_namespaces,
        no_headers=bool(command.flags.get("no-headers")),
        namespace=namespace,
    )
    return ProgramResult(stdout=out, stderr=err, exit_code=1 if get_failed(err) else 0)


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
