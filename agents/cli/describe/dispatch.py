"""``render_describe``: what ``kubectl describe`` prints, by the describer for the plural."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

from agents.cli.describe.common import Context, JSONObj, Writer
from agents.cli.describe.config import describe_configmap, describe_namespace, describe_secret
from agents.cli.describe.generic import describe_generic
from agents.cli.describe.nodes import describe_node
from agents.cli.describe.pods import describe_pod
from agents.cli.describe.services import describe_endpoints, describe_service
from agents.cli.describe.storage import describe_pv, describe_pvc
from agents.cli.describe.workloads import (
    describe_daemonset,
    describe_deployment,
    describe_job,
    describe_replicaset,
    describe_statefulset,
)

_DESCRIBERS: dict[str, Callable[[Writer, JSONObj, Context], None]] = {
    "pods": describe_pod,
    "services": describe_service,
    "endpoints": describe_endpoints,
    "deployments": describe_deployment,
    "replicasets": describe_replicaset,
    "statefulsets": describe_statefulset,
    "daemonsets": describe_daemonset,
    "jobs": describe_job,
    "nodes": describe_node,
    "persistentvolumes": describe_pv,
    "persistentvolumeclaims": describe_pvc,
    "configmaps": describe_configmap,
    "secrets": describe_secret,
    "namespaces": describe_namespace,
}


def render_describe(
    plural: str,
    obj: Mapping[str, Any],
    *,
    now: datetime,
    events: Sequence[Mapping[str, Any]] = (),
    related: Mapping[str, Any] | None = None,
) -> str:
    """What ``kubectl describe <plural> <name>`` prints for ``obj``.

    ``events`` are the events whose involvedObject is ``obj`` (shown oldest first, "Events: <none>"
    when empty). ``related`` carries what kubectl would look up: ``endpoints`` (the Service's Endpoints
    object), ``replicasets`` (a Deployment's, or ``new_replicaset``/``old_replicasets``), ``pods`` (a
    controller's pods, the pods on a node, the pods using a claim) and ``lease`` (a node's Lease).
    Kinds without a describer of their own, Events and custom resources included, use the generic one.
    """
    writer = Writer()
    describer = _DESCRIBERS.get(plural, describe_generic)
    describer(writer, obj, Context(now=now, events=events, related=related or {}))
    return writer.text()
