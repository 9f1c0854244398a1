"""Finding what a command names: the objects of a resource reference, and the pod behind a pod, workload or
Service reference (for ``logs`` and ``exec``). Errors come back as kubectl's text, for the caller to print."""

from __future__ import annotations

from agents.cli.kubectl_args import KubectlCommand, ResourceRef
from agents.sim import objects
from agents.sim.kubectl.selectors import field_matches, selector_matches
from agents.sim.state import JSON, ClusterState, PodRecord

_POD_OWNERS = ("deployments", "replicasets", "services", "jobs", "statefulsets")


def namespace_of(command: KubectlCommand) -> str:
    return command.namespace or "default"


def api_name(ref: ResourceRef) -> str:
    """How the API server names a resource in errors: `pods`, `deployments.apps`."""
    return f"{ref.type.plural}.{ref.type.group}" if ref.type.group else ref.type.plural


def select(state: ClusterState, ref: ResourceRef, command: KubectlCommand) -> tuple[list[JSON], str]:
    """Objects named by ``ref`` (or all of its kind, filtered by -l/--field-selector); an error text."""
    plural = ref.type.plural
    namespace = None if command.all_namespaces or not ref.type.namespaced else namespace_of(command)
    if ref.name is not None:
        one = (
            objects.object_named(state, plural, namespace or "", ref.name)
            if namespace is not None or not ref.type.namespaced
            else None
        )
        if one is None:
            return [], f'Error from server (NotFound): {api_name(ref)} "{ref.name}" not found'
        return [one], ""
    found = objects.objects_of(state, plural, namespace)
    if command.selector:
        found = [obj for obj in found if selector_matches(command.selector, obj["metadata"].get("labels") or {})]
    if command.field_selector:
        found = [obj for obj in found if field_matches(command.field_selector, obj)]
    return found, ""


def pod_record(state: ClusterState, name: str, namespace: str) -> PodRecord | None:
    """The live pod called ``name``; None when there is none or it is deleted."""
    pod = state.pods.get((namespace, name))
    return pod if pod is not None and pod.deleted_at is None else None


def resolve_pod(state: ClusterState, ref: ResourceRef, command: KubectlCommand) -> tuple[PodRecord | None, str]:
    """The pod ``ref`` leads to (the first of a workload's or a Service's); an error text when none."""
    namespace = namespace_of(command)
    plural = ref.type.plural
    if plural == "pods":
        pod = pod_record(state, ref.name or "", namespace)
        return pod, "" if pod else f'Error from server (NotFound): pods "{ref.name}" not found'
    if plural not in _POD_OWNERS:
        return None, f"error: cannot exec into or get logs of a {ref.type.kind}"
    owner = ref.name or ""
    if plural == "replicasets":
        owner = owner.rsplit("-", 1)[0]
    if state.get("deployments", namespace, owner) is None and state.get(plural, namespace, ref.name or "") is None:
        return None, f'Error from server (NotFound): {plural}.{ref.type.group or "v1"} "{ref.name}" not found'
    pods = _pods_behind(state, ref, owner, namespace)
    if not pods:
        return (
            None,
            f"error: no pods found for {ref.type.singular} {ref.name}"
            if plural != "services"
            else f"error: cannot attach to *v1.Service: selector for service {ref.name} has no pods",
        )
    return pods[0], ""


def _pods_behind(state: ClusterState, ref: ResourceRef, owner: str, namespace: str) -> list[PodRecord]:
    """A Service's pods by its selector; a workload's pods by owner."""
    if ref.type.plural != "services":
        return state.pods_of(owner, namespace)
    service = state.get("services", namespace, ref.name or "")
    selector = (service or {}).get("spec", {}).get("selector") or {}
    return [
        pod
        for pod in state.live_pods(namespace)
        if selector and all(pod.labels.get(key) == value for key, value in selector.items())
    ]
