"""``kubectl describe``: the object, the events about it, and what kubectl looks up beside it.

The events are listed with kubectl's field selector on the involved object (name, namespace, kind, uid).
The lookups follow kubectl's describers: a Service's Endpoints, a Deployment's ReplicaSets, the pods of a
ReplicaSet, StatefulSet, DaemonSet or Job, the pods on a node, the pods using a claim. Printing is
``agents.cli.describe``'s.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from agents.cli.describe import render_describe
from agents.cli.kube_resources import ResourceType, resource_type
from agents.cli.kubectl_args import KubectlCommand
from agents.kube.errors import KubeApiError
from agents.kube.kubectl.session import (
    EVENTS,
    PODS,
    REPLICASETS,
    Output,
    Session,
    fetch_named,
    group_refs,
    selector_query,
)

Related = dict[str, Any]


def run_describe(session: Session, command: KubectlCommand, output: Output) -> None:
    """``kubectl describe TYPE [NAME...] [-n NS | -A] [-l SELECTOR]``."""
    described: list[str] = []
    for rtype, names in group_refs(command.resources):
        namespace = session.scope(rtype, command)
        if names:
            if rtype.namespaced and namespace is None:
                namespace = session.namespace(command)
            objects = fetch_named(session, rtype, namespace, names, output)
        else:
            objects = session.collection(rtype, namespace, selector_query(command))
            if not objects:
                where = f" in {namespace} namespace." if namespace else ""
                output.err(f"No resources found{where}")
        described += [_describe(session, rtype, obj) for obj in objects]
    output.out("\n\n".join(described))


def _describe(session: Session, rtype: ResourceType, obj: dict[str, Any]) -> str:
    lookup = _LOOKUPS.get(rtype.plural)
    related = lookup(session, obj) if lookup else {}
    return render_describe(rtype.plural, obj, now=session.now, events=events_about(session, obj), related=related)


def events_about(session: Session, obj: dict[str, Any]) -> list[dict[str, Any]]:
    """The events whose involved object is ``obj``."""
    meta = obj.get("metadata", {})
    namespace = meta.get("namespace") or None
    fields = [f"involvedObject.name={meta.get('name', '')}", f"involvedObject.namespace={namespace or ''}"]
    if obj.get("kind"):
        fields.append(f"involvedObject.kind={obj['kind']}")
    if meta.get("uid"):
        fields.append(f"involvedObject.uid={meta['uid']}")
    return session.collection(EVENTS, namespace, [("fieldSelector", ",".join(fields))])


def _match_labels(obj: dict[str, Any]) -> str:
    selector = obj.get("spec", {}).get("selector") or {}
    labels = selector.get("matchLabels") or {}
    return ",".join(f"{key}={value}" for key, value in sorted(labels.items()))


def _owned(items: list[dict[str, Any]], owner: dict[str, Any]) -> list[dict[str, Any]]:
    uid = owner.get("metadata", {}).get("uid")
    return [
        item
        for item in items
        if any(ref.get("uid") == uid for ref in item.get("metadata", {}).get("ownerReferences") or [])
    ]


def _controlled(kind: ResourceType) -> Callable[[Session, dict[str, Any]], Related]:
    def lookup(session: Session, owner: dict[str, Any]) -> Related:
        selector = _match_labels(owner)
        if not selector:
            return {kind.plural: []}
        items = session.collection(kind, owner["metadata"].get("namespace"), [("labelSelector", selector)])
        return {kind.plural: _owned(items, owner)}

    return lookup


def _service_endpoints(session: Session, service: dict[str, Any]) -> Related:
    meta = service["metadata"]
    try:
        return {"endpoints": session.fetch(resource_type("endpoints"), meta.get("namespace"), meta["name"])}
    except KubeApiError as error:
        if error.not_found:
            return {}
        raise


def _node_pods(session: Session, node: dict[str, Any]) -> Related:
    query = [
        ("fieldSelector", f"spec.nodeName={node['metadata']['name']},status.phase!=Succeeded,status.phase!=Failed")
    ]
    return {"pods": session.collection(PODS, None, query)}


def _claim_users(session: Session, claim: dict[str, Any]) -> Related:
    meta = claim["metadata"]
    pods = session.collection(PODS, meta.get("namespace"))
    return {
        "pods": [
            pod
            for pod in pods
            if any(
                (volume.get("persistentVolumeClaim") or {}).get("claimName") == meta["name"]
                for volume in pod.get("spec", {}).get("volumes") or []
            )
        ]
    }


_LOOKUPS: dict[str, Callable[[Session, dict[str, Any]], Related]] = {
    "services": _service_endpoints,
    "deployments": _controlled(REPLICASETS),
    "replicasets": _controlled(PODS),
    "statefulsets": _controlled(PODS),
    "daemonsets": _controlled(PODS),
    "jobs": _controlled(PODS),
    "nodes": _node_pods,
    "persistentvolumeclaims": _claim_users,
}
