"""Hand-written Kubernetes objects as ``kubectl get ... -o json`` prints them, for the analyzers' tests.

The application is a made-up ledger: ``gateway`` calls ``ledger``, which keeps its books in ``ledger-db``
(PostgreSQL) and sends mail through ``notifier``; none of its names is a benchmark service. Every builder
writes the fields a real API server returns (uids, owner references, conditions, container statuses),
so that the analyzers read what they would read from a cluster.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

JSON = dict[str, Any]

NAMESPACE = "books"
NOW = datetime(2026, 3, 2, 14, 30, tzinfo=UTC)
SELECTORS = (
    ("gateway", "app=gateway"),
    ("ledger", "app=ledger"),
    ("ledger-db", "app=ledger-db"),
    ("notifier", "app=notifier"),
)
IMAGES = {
    "gateway": "registry.example.com/books/gateway:2.3.0",
    "ledger": "registry.example.com/books/ledger:1.8.4",
    "ledger-db": "docker.io/library/postgres:16.2",
    "notifier": "registry.example.com/books/notifier:0.9.1",
}
PORTS = {"gateway": 8080, "ledger": 8443, "ledger-db": 5432, "notifier": 9000}


def at(seconds_ago: float) -> str:
    """The RFC 3339 time ``seconds_ago`` before ``NOW``, as the API server writes it."""
    return (NOW - timedelta(seconds=seconds_ago)).strftime("%Y-%m-%dT%H:%M:%SZ")


def uid(name: str) -> str:
    digest = hashlib.sha256(name.encode()).hexdigest()
    return f"{digest[:8]}-{digest[8:12]}-{digest[12:16]}-{digest[16:20]}-{digest[20:32]}"


def listing(items: list[JSON]) -> JSON:
    return {"apiVersion": "v1", "items": items, "kind": "List", "metadata": {"resourceVersion": ""}}


def _metadata(name: str, *, labels: dict[str, str] | None = None, created: float = 3600.0, **extra: Any) -> JSON:
    data: JSON = {
        "creationTimestamp": at(created),
        "name": name,
        "namespace": NAMESPACE,
        "resourceVersion": str(int(hashlib.sha256(name.encode()).hexdigest()[:6], 16)),
        "uid": uid(name),
    }
    if labels is not None:
        data["labels"] = labels
    data.update(extra)
    return data


def container_spec(app: str, *, image: str | None = None, port: int | None = None, port_name: str = "http") -> JSON:
    return {
        "image": image or IMAGES[app],
        "imagePullPolicy": "IfNotPresent",
        "name": app,
        "ports": [{"containerPort": port or PORTS[app], "name": port_name, "protocol": "TCP"}],
        "resources": {"limits": {"memory": "256Mi"}, "requests": {"cpu": "100m", "memory": "128Mi"}},
        "terminationMessagePath": "/dev/termination-log",
        "terminationMessagePolicy": "File",
    }


# --- container states ------------------------------------------------------------------------------
def running(started_ago: float = 3500.0) -> JSON:
    return {"running": {"startedAt": at(started_ago)}}


def waiting(reason: str, message: str = "") -> JSON:
    state: JSON = {"reason": reason}
    if message:
        state["message"] = message
    return {"waiting": state}


def terminated(reason: str, exit_code: int, *, started_ago: float, finished_ago: float) -> JSON:
    return {
        "terminated": {
            "containerID": f"containerd://{uid(reason + str(finished_ago)).replace('-', '')}",
            "exitCode": exit_code,
            "finishedAt": at(finished_ago),
            "reason": reason,
            "startedAt": at(started_ago),
        }
    }


def container_status(
    app: str,
    *,
    state: JSON | None = None,
    ready: bool = True,
    restarts: int = 0,
    last: JSON | None = None,
    image: str | None = None,
) -> JSON:
    image = image or IMAGES[app]
    return {
        "containerID": f"containerd://{uid(app + 'container').replace('-', '')}",
        "image": image,
        "imageID": f"{image.split(':')[0]}@sha256:{hashlib.sha256(image.encode()).hexdigest()}",
        "lastState": last or {},
        "name": app,
        "ready": ready,
        "restartCount": restarts,
        "started": ready,
        "state": state or running(),
    }


def _condition(kind: str, status: bool, *, reason: str = "", message: str = "", ago: float = 3500.0) -> JSON:
    condition: JSON = {"lastProbeTime": None, "lastTransitionTime": at(ago), "status": str(status), "type": kind}
    if reason:
        condition["reason"] = reason
    if message:
        condition["message"] = message
    return condition


def pod(
    app: str,
    suffix: str = "7d9c8f6b5-q2x8m",
    *,
    phase: str = "Running",
    statuses: list[JSON] | None = None,
    ready: bool | None = None,
    scheduled: JSON | None = None,
    started_ago: float = 3600.0,
    node_selector: dict[str, str] | None = None,
    claim: str | None = None,
    image: str | None = None,
    port: int | None = None,
) -> JSON:
    """A pod of Deployment ``app`` (ReplicaSet ``app-<hash>``). ``statuses`` None: one healthy container;
    ``ready``: the pod's Ready condition (by default, whether every container is ready)."""
    hash_, _, _ = suffix.partition("-")
    name = f"{app}-{suffix}"
    statuses = [container_status(app, image=image)] if statuses is None else statuses
    all_ready = bool(statuses) and all(status["ready"] for status in statuses)
    is_ready = all_ready if ready is None else ready
    spec: JSON = {
        "containers": [container_spec(app, image=image, port=port)],
        "dnsPolicy": "ClusterFirst",
        "restartPolicy": "Always",
        "schedulerName": "default-scheduler",
        "serviceAccountName": "default",
        "terminationGracePeriodSeconds": 30,
    }
    if node_selector:
        spec["nodeSelector"] = node_selector
    if claim:
        spec["volumes"] = [{"name": "data", "persistentVolumeClaim": {"claimName": claim}}]
    status: JSON = {
        "conditions": [
            _condition("Initialized", True),
            _condition("Ready", is_ready, reason="" if is_ready else "ContainersNotReady"),
            _condition("ContainersReady", is_ready, reason="" if is_ready else "ContainersNotReady"),
            scheduled or _condition("PodScheduled", True),
        ],
        "phase": phase,
        "qosClass": "Burstable",
    }
    if scheduled is None or scheduled.get("status") == "True":
        spec["nodeName"] = "worker-2"
        status.update(hostIP="172.18.0.3", podIP="10.244.2.17", startTime=at(started_ago))
    if statuses:
        status["containerStatuses"] = statuses
    reference = {
        "apiVersion": "apps/v1",
        "blockOwnerDeletion": True,
        "controller": True,
        "kind": "ReplicaSet",
        "name": f"{app}-{hash_}",
        "uid": uid(f"{app}-{hash_}"),
    }
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": _metadata(
            name,
            labels={"app": app, "pod-template-hash": hash_},
            created=started_ago,
            generateName=f"{app}-{hash_}-",
            ownerReferences=[reference],
        ),
        "spec": spec,
        "status": status,
    }


def unschedulable(message: str) -> JSON:
    return _condition("PodScheduled", False, reason="Unschedulable", message=message, ago=240.0)


def job_pod(name: str, *, phase: str = "Succeeded") -> JSON:
    """A pod of a finished Job (a migration): not a service's pod."""
    statuses = [container_status("ledger", state=terminated("Completed", 0, started_ago=3000, finished_ago=2990))]
    found = pod("ledger", "migrate-8k2vd", phase=phase, statuses=statuses)
    found["metadata"].update(
        name=name,
        labels={"job-name": "ledger-migrate", "batch.kubernetes.io/job-name": "ledger-migrate"},
        ownerReferences=[{"apiVersion": "batch/v1", "kind": "Job", "name": "ledger-migrate", "controller": True}],
    )
    return found


# --- workloads -------------------------------------------------------------------------------------
def deployment(
    app: str,
    *,
    replicas: int | None = 1,
    available: int | None = None,
    revision: int = 1,
    unavailable_reason: str = "MinimumReplicasUnavailable",
) -> JSON:
    """A Deployment; ``available`` None: as many as desired. The API server omits ``replicas`` and
    ``availableReplicas`` from the status when they are zero."""
    desired = 1 if replicas is None else replicas
    ready = desired if available is None else available
    spec: JSON = {
        "progressDeadlineSeconds": 600,
        "revisionHistoryLimit": 10,
        "selector": {"matchLabels": {"app": app}},
        "strategy": {"rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"}, "type": "RollingUpdate"},
        "template": {"metadata": {"labels": {"app": app}}, "spec": {"containers": [container_spec(app)]}},
    }
    if replicas is not None:
        spec["replicas"] = replicas
    status: JSON = {"observedGeneration": revision}
    if desired:
        status.update(replicas=desired, updatedReplicas=desired)
    if ready:
        status.update(availableReplicas=ready, readyReplicas=ready)
    if ready < desired:
        status["unavailableReplicas"] = desired - ready
    available_condition = (
        _condition("Available", True, reason="MinimumReplicasAvailable", message="Deployment has minimum availability.")
        if ready >= desired
        else _condition(
            "Available", False, reason=unavailable_reason, message="Deployment does not have minimum availability."
        )
    )
    status["conditions"] = [
        available_condition,
        _condition(
            "Progressing",
            True,
            reason="NewReplicaSetAvailable",
            message=f'ReplicaSet "{app}-7d9c8f6b5" has successfully progressed.',
        ),
    ]
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": _metadata(
            app,
            labels={"app": app},
            annotations={"deployment.kubernetes.io/revision": str(revision)},
            generation=revision,
        ),
        "spec": spec,
        "status": status,
    }


def replicaset(app: str, hash_: str, *, revision: int, replicas: int = 1, **container: Any) -> JSON:
    """A ReplicaSet of Deployment ``app`` at ``revision``; ``container`` overrides fields of its template's
    container (``image``, ``command``, ``args``, ``env``)."""
    template_container = {**container_spec(app), **container}
    return {
        "apiVersion": "apps/v1",
        "kind": "ReplicaSet",
        "metadata": _metadata(
            f"{app}-{hash_}",
            labels={"app": app, "pod-template-hash": hash_},
            annotations={
                "deployment.kubernetes.io/desired-replicas": "1",
                "deployment.kubernetes.io/max-replicas": "2",
                "deployment.kubernetes.io/revision": str(revision),
            },
            ownerReferences=[
                {
                    "apiVersion": "apps/v1",
                    "blockOwnerDeletion": True,
                    "controller": True,
                    "kind": "Deployment",
                    "name": app,
                    "uid": uid(app),
                }
            ],
        ),
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": app, "pod-template-hash": hash_}},
            "template": {
                "metadata": {"labels": {"app": app, "pod-template-hash": hash_}},
                "spec": {"containers": [template_container]},
            },
        },
        "status": {"observedGeneration": 1, "replicas": replicas},
    }


# --- services and endpoints ------------------------------------------------------------------------
def service(name: str, *, selector: dict[str, str] | None = None, port: int = 80, target_port: Any = None) -> JSON:
    """A ClusterIP Service; ``selector`` None: ``app=<name>``; ``target_port`` None: the app's port."""
    spec: JSON = {
        "clusterIP": "10.96.41.7",
        "clusterIPs": ["10.96.41.7"],
        "internalTrafficPolicy": "Cluster",
        "ipFamilies": ["IPv4"],
        "ports": [
            {
                "name": "http",
                "port": port,
                "protocol": "TCP",
                "targetPort": PORTS.get(name, 8080) if target_port is None else target_port,
            }
        ],
        "sessionAffinity": "None",
        "type": "ClusterIP",
    }
    if selector != {}:
        spec["selector"] = selector or {"app": name}
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": _metadata(name, labels={"app": name}),
        "spec": spec,
        "status": {"loadBalancer": {}},
    }


def _address(pod_name: str, ip: str) -> JSON:
    return {
        "ip": ip,
        "nodeName": "worker-2",
        "targetRef": {"kind": "Pod", "name": pod_name, "namespace": NAMESPACE, "uid": uid(pod_name)},
    }


def endpoints(name: str, *, ready: Sequence[str] = (), not_ready: Sequence[str] = (), port: int | None = None) -> JSON:
    """The Endpoints of Service ``name`` with those pods' addresses; no subsets at all when both are empty."""
    found: JSON = {"apiVersion": "v1", "kind": "Endpoints", "metadata": _metadata(name, labels={"app": name})}
    if ready or not_ready:
        subset: JSON = {"ports": [{"name": "http", "port": port or PORTS.get(name, 8080), "protocol": "TCP"}]}
        if ready:
            subset["addresses"] = [_address(pod_name, f"10.244.2.{20 + i}") for i, pod_name in enumerate(ready)]
        if not_ready:
            subset["notReadyAddresses"] = [
                _address(pod_name, f"10.244.3.{20 + i}") for i, pod_name in enumerate(not_ready)
            ]
        found["subsets"] = [subset]
    return found


# --- storage ---------------------------------------------------------------------------------------
def claim(name: str, *, phase: str = "Bound", volume: str = "") -> JSON:
    spec: JSON = {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "5Gi"}}}
    spec["storageClassName"] = "standard"
    if volume:
        spec["volumeName"] = volume
    return {
        "apiVersion": "v1",
        "kind": "PersistentVolumeClaim",
        "metadata": _metadata(name, labels={"app": "ledger-db"}),
        "spec": spec,
        "status": {"phase": phase},
    }


def volume(name: str, *, phase: str, claim_name: str, claim_uid: str) -> JSON:
    found: JSON = {
        "apiVersion": "v1",
        "kind": "PersistentVolume",
        "metadata": _metadata(name),
        "spec": {
            "accessModes": ["ReadWriteOnce"],
            "capacity": {"storage": "5Gi"},
            "claimRef": {
                "apiVersion": "v1",
                "kind": "PersistentVolumeClaim",
                "name": claim_name,
                "namespace": NAMESPACE,
                "uid": claim_uid,
            },
            "hostPath": {"path": f"/data/{name}", "type": ""},
            "persistentVolumeReclaimPolicy": "Retain",
            "storageClassName": "standard",
        },
        "status": {"phase": phase},
    }
    del found["metadata"]["namespace"]
    return found


# --- events ----------------------------------------------------------------------------------------
def event(
    kind: str,
    name: str,
    reason: str,
    message: str,
    *,
    type_: str = "Warning",
    count: int = 1,
    first_ago: float = 600.0,
    last_ago: float | None = None,
    component: str = "kubelet",
) -> JSON:
    last = first_ago if last_ago is None else last_ago
    return {
        "apiVersion": "v1",
        "count": count,
        "firstTimestamp": at(first_ago),
        "involvedObject": {
            "apiVersion": "v1" if kind == "Pod" else "apps/v1",
            "kind": kind,
            "name": name,
            "namespace": NAMESPACE,
            "uid": uid(name),
        },
        "kind": "Event",
        "lastTimestamp": at(last),
        "message": message,
        "metadata": {
            "creationTimestamp": at(first_ago),
            "name": f"{name}.{uid(reason + name)[:16].replace('-', '')}",
            "namespace": NAMESPACE,
        },
        "reason": reason,
        "reportingComponent": component,
        "source": {"component": component},
        "type": type_,
    }
