"""Container logs through the pod's ``log`` subresource, with kubectl's choice of container.

Without ``-c`` kubectl takes the container named by the ``kubectl.kubernetes.io/default-container``
annotation, else the first one, and says so on stderr when the pod has several. ``get_logs`` and
``kubectl logs`` share this.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from agents.kube.client import KubeTransport
from agents.kube.paths import collection_path, object_path

DEFAULT_CONTAINER_ANNOTATION = "kubectl.kubernetes.io/default-container"
# get_logs tries the label conventions of AIOpsLab's three applications, in this order.
SERVICE_LABELS = ("app", "io.kompose.service", "app.kubernetes.io/name")
_LABEL_VALUE = re.compile(r"^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$")


@dataclass(frozen=True)
class LogRequest:
    """Which log to read: kubectl's -c, --tail, --previous, --since, --timestamps and --limit-bytes."""

    container: str | None = None
    tail: int | None = None
    previous: bool = False
    since_seconds: int | None = None
    timestamps: bool = False
    limit_bytes: int | None = None


@dataclass(frozen=True)
class PodLog:
    """The log text, the container it came from, and kubectl's notice when it had to choose one."""

    text: str
    container: str
    notice: str = ""


def default_container(pod: Mapping[str, Any]) -> tuple[str, str]:
    """(container, notice) as kubectl picks it for a pod with no ``-c``."""
    spec = pod.get("spec", {})
    names = [c["name"] for c in spec.get("containers", [])]
    init_names = [c["name"] for c in spec.get("initContainers", [])]
    annotated = (pod.get("metadata", {}).get("annotations") or {}).get(DEFAULT_CONTAINER_ANNOTATION)
    if isinstance(annotated, str) and annotated in names:
        return annotated, ""
    if not names:
        return "", ""
    if len(names) + len(init_names) == 1:
        return names[0], ""
    others = ", ".join([*names, *(f"{name} (init)" for name in init_names)])
    return names[0], f'Defaulted container "{names[0]}" out of: {others}'


def pod_log(transport: KubeTransport, pod: Mapping[str, Any], request: LogRequest) -> PodLog:
    """The log of one pod (a pod object as the API returns it)."""
    container, notice = (request.container, "") if request.container else default_container(pod)
    query = [("container", container)] if container else []
    if request.tail is not None and request.tail >= 0:
        query.append(("tailLines", str(request.tail)))
    if request.previous:
        query.append(("previous", "true"))
    if request.since_seconds is not None:
        query.append(("sinceSeconds", str(request.since_seconds)))
    if request.timestamps:
        query.append(("timestamps", "true"))
    if request.limit_bytes is not None:
        query.append(("limitBytes", str(request.limit_bytes)))
    meta = pod["metadata"]
    path = object_path("v1", "pods", meta["namespace"], meta["name"], "log")
    return PodLog(text=transport.get_text(path, query), container=container, notice=notice)


def first_pod_of_service(transport: KubeTransport, namespace: str, service: str) -> dict[str, Any] | None:
    """The first pod labelled as ``service`` under one of :data:`SERVICE_LABELS`, or None."""
    if not _LABEL_VALUE.match(service):
        return None
    for label in SERVICE_LABELS:
        listing = transport.get_json(
            collection_path("v1", "pods", namespace), [("labelSelector", f"{label}={service}")]
        )
        items = listing.get("items") or []
        if items:
            return dict(items[0], kind="Pod", apiVersion="v1")
    return None
