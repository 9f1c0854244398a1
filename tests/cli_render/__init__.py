"""Builders of API-shaped objects (one item of ``kubectl get -o json``) for the kubectl renderer tests."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

NOW = datetime(2026, 11, 21, 10, 5, 0, tzinfo=UTC)
SN = "test-social-network"


def meta(name: str, namespace: str | None = SN, created: str = "2026-11-21T10:00:00Z", **extra: Any) -> dict[str, Any]:
    """ObjectMeta as the API server returns it; ``namespace=None`` for cluster-scoped objects."""
    data: dict[str, Any] = {"name": name, "creationTimestamp": created, "uid": f"uid-{name}", **extra}
    if namespace is not None:
        data["namespace"] = namespace
    return data


def running(started: str = "2026-11-21T10:00:05Z") -> dict[str, Any]:
    return {"running": {"startedAt": started}}


def container_status(
    name: str, state: dict[str, Any], *, ready: bool, restarts: int = 0, **extra: Any
) -> dict[str, Any]:
    return {"name": name, "state": state, "ready": ready, "restartCount": restarts, "image": "img", **extra}


def pod(
    name: str,
    *,
    phase: str = "Running",
    statuses: list[dict[str, Any]] | None = None,
    containers: tuple[str, ...] = ("app",),
    created: str = "2026-11-21T10:00:00Z",
    **status: Any,
) -> dict[str, Any]:
    """A pod on kind-worker; ``statuses`` default to every container running and ready."""
    if statuses is None:
        statuses = [container_status(c, running(), ready=True) for c in containers]
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": meta(name, created=created, labels={"app": name.split("-")[0]}),
        "spec": {"nodeName": "kind-worker", "containers": [{"name": c, "image": f"{c}:1.0"} for c in containers]},
        "status": {"phase": phase, "podIP": "10.244.1.12", "containerStatuses": statuses, **status},
    }


def crashloop_pod() -> dict[str, Any]:
    """user-service crashing: waiting in CrashLoopBackOff after its third failure, 45 s before NOW."""
    last = {
        "terminated": {
            "exitCode": 1,
            "reason": "Error",
            "startedAt": "2026-11-21T10:04:10Z",
            "finishedAt": "2026-11-21T10:04:15Z",
        }
    }
    status = container_status(
        "user-service",
        {"waiting": {"reason": "CrashLoopBackOff", "message": "back-off 40s restarting failed container"}},
        ready=False,
        restarts=3,
        lastState=last,
        containerID="containerd://4f2a",
        imageID="docker.io/deathstarbench/social-network-microservices@sha256:9e1f",
    )
    obj = pod("user-service-6d5f8b7c9-x2x4q", statuses=[status], containers=("user-service",))
    obj["metadata"]["labels"] = {"app": "user-service", "service": "user-service"}
    obj["metadata"]["ownerReferences"] = [
        {
            "apiVersion": "apps/v1",
            "kind": "ReplicaSet",
            "name": "user-service-6d5f8b7c9",
            "controller": True,
            "uid": "rs1",
        }
    ]
    obj["spec"]["containers"] = [
        {
            "name": "user-service",
            "image": "deathstarbench/social-network-microservices:latest",
            "command": ["UserService"],
            "ports": [{"containerPort": 9090, "protocol": "TCP"}],
        }
    ]
    obj["spec"]["serviceAccountName"] = "default"
    obj["status"].update(
        hostIP="172.18.0.3",
        podIPs=[{"ip": "10.244.1.12"}],
        startTime="2026-11-21T10:00:00Z",
        qosClass="BestEffort",
        conditions=[
            {"type": "Initialized", "status": "True"},
            {"type": "Ready", "status": "False"},
            {"type": "ContainersReady", "status": "False"},
            {"type": "PodScheduled", "status": "True"},
        ],
    )
    return obj


def pending_pod() -> dict[str, Any]:
    """A geo pod no node can take: unscheduled, so no IP, no node, no container statuses."""
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": meta("geo-84fbc958c7-p8wq6", "test-hotel-reservation", created="2026-11-21T10:03:00Z"),
        "spec": {
            "containers": [{"name": "hotel-reserv-geo", "image": "yinfangchen/geo:app3"}],
            "nodeSelector": {"kubernetes.io/hostname": "extra-node"},
        },
        "status": {
            "phase": "Pending",
            "qosClass": "Burstable",
            "conditions": [{"type": "PodScheduled", "status": "False", "reason": "Unschedulable"}],
        },
    }


def event(
    reason: str, message: str, *, kind: str = "Pod", name: str, type_: str = "Normal", **extra: Any
) -> dict[str, Any]:
    """A core/v1 Event about ``kind/name``; timestamps and counts come in ``extra``."""
    return {
        "apiVersion": "v1",
        "kind": "Event",
        "metadata": meta(f"{name}.17a1b2c3d4e5f6a7", namespace=extra.pop("namespace", SN)),
        "involvedObject": {"kind": kind, "name": name},
        "reason": reason,
        "message": message,
        "type": type_,
        **extra,
    }


def service(name: str, target_port: int | str = 9090, **spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": meta(name, created="2026-11-21T09:50:00Z", labels={"app": name}),
        "spec": {
            "type": "ClusterIP",
            "clusterIP": "10.96.12.34",
            "clusterIPs": ["10.96.12.34"],
            "ports": [{"name": "9090", "port": 9090, "protocol": "TCP", "targetPort": target_port}],
            "selector": {"service": name},
            "sessionAffinity": "None",
            **spec,
        },
    }


def endpoints(name: str, ips: list[str], port: int = 9090, not_ready: list[str] | None = None) -> dict[str, Any]:
    subset: dict[str, Any] = {"ports": [{"name": "9090", "port": port, "protocol": "TCP"}]}
    if ips:
        subset["addresses"] = [{"ip": ip} for ip in ips]
    if not_ready:
        subset["notReadyAddresses"] = [{"ip": ip} for ip in not_ready]
    return {"apiVersion": "v1", "kind": "Endpoints", "metadata": meta(name), "subsets": [subset]}


def deployment(name: str, *, replicas: int, ready: int = 0, **status: Any) -> dict[str, Any]:
    container = {
        "name": name,
        "image": "deathstarbench/social-network-microservices:latest",
        "command": ["UserService"],
        "ports": [{"containerPort": 9090, "protocol": "TCP"}],
    }
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": meta(name, created="2026-11-21T09:50:00Z", labels={"app": name}),
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"service": name}},
            "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"}},
            "template": {"metadata": {"labels": {"service": name}}, "spec": {"containers": [container]}},
        },
        "status": {"readyReplicas": ready, **status} if ready else dict(status),
    }


def pending_claim() -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "PersistentVolumeClaim",
        "metadata": meta("geo-pvc", "test-hotel-reservation", finalizers=["kubernetes.io/pvc-protection"]),
        "spec": {
            "accessModes": ["ReadWriteOnce"],
            "resources": {"requests": {"storage": "1Gi"}},
            "storageClassName": "geo-storage",
            "volumeMode": "Filesystem",
        },
        "status": {"phase": "Pending"},
    }
