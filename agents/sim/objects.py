"""The API form of what the engine computes: pods, ReplicaSets, Endpoints, Deployment status, Events.

kubectl (``agents.sim.kubectl``) asks here for the objects of a kind; spec objects come from the state as
stored, derived ones are rendered from the engine's records at the current simulated time.
"""

from __future__ import annotations

import copy
from typing import Any

from agents.cli.kube_resources import RESOURCE_TYPES
from agents.sim import engine, rules
from agents.sim.state import JSON, ClusterState, ContainerRun, PodRecord, fake_uid

DERIVED = ("pods", "replicasets", "endpoints", "events")


def objects_of(state: ClusterState, plural: str, namespace: str | None) -> list[JSON]:
    """Every object of a kind (in a namespace, or all when ``namespace`` is None), in kubectl's order."""
    if plural == "pods":
        return [pod_object(state, pod) for pod in state.live_pods(namespace)]
    if plural == "replicasets":
        return replicasets(state, namespace)
    if plural == "endpoints":
        return [endpoints_object(state, service) for service in state.find("services", namespace)]
    if plural == "events":
        return event_objects(state, namespace)
    if plural == "deployments":
        return [deployment_object(state, deployment) for deployment in state.find("deployments", namespace)]
    if plural == "jobs":
        return [job_object(state, job) for job in state.find("jobs", namespace)]
    return [copy.deepcopy(obj) for obj in state.find(plural, namespace)]


def object_named(state: ClusterState, plural: str, namespace: str, name: str) -> JSON | None:
    """One object by name, rendering only it (a named get or describe need not render the whole kind)."""
    if plural == "pods":
        pod = state.pods.get((namespace, name))
        return pod_object(state, pod) if pod is not None and pod.deleted_at is None else None
    if plural == "endpoints":
        service = state.get("services", namespace, name)
        return endpoints_object(state, service) if service is not None else None
    if plural == "deployments":
        deployment = state.get("deployments", namespace, name)
        return deployment_object(state, deployment) if deployment is not None else None
    if plural in ("replicasets", "events", "jobs"):
        return next((obj for obj in objects_of(state, plural, namespace) if obj["metadata"]["name"] == name), None)
    found = state.get(plural, namespace, name)
    return copy.deepcopy(found) if found is not None else None


def _run_state(state: ClusterState, run: ContainerRun) -> JSON:
    if run.finished_at is None:
        return {"running": {"startedAt": state.clock.stamp(run.started_at)}}
    return {
        "terminated": {
            "exitCode": run.exit_code,
            "reason": run.reason,
            "startedAt": state.clock.stamp(run.started_at),
            "finishedAt": state.clock.stamp(run.finished_at),
            "containerID": f"containerd://{fake_uid(run.started_at).replace('-', '')}",
        }
    }


def pod_object(state: ClusterState, pod: PodRecord) -> JSON:
    """The pod as the API server would return it now."""
    spec: JSON = copy.deepcopy(pod.template["spec"])
    if pod.node:
        spec["nodeName"] = pod.node
    container = spec["containers"][0]
    ready = engine.container_ready(pod)
    phase = engine.pod_phase(pod)
    status: JSON = {"phase": phase, "qosClass": "Burstable"}
    conditions = [{"type": "PodScheduled", "status": "True" if pod.node else "False"}]
    if pod.node is None:
        conditions[0].update({"reason": "Unschedulable", "message": pod.pending_reason or ""})
    else:
        status.update(
            {
                "hostIP": "172.18.0.3",
                "podIP": pod.ip,
                "podIPs": [{"ip": pod.ip}],
                "startTime": state.clock.stamp(pod.scheduled_at or pod.created_at),
            }
        )
        conditions += [
            {"type": "Initialized", "status": "True"},
            {"type": "Ready", "status": str(ready)},
            {"type": "ContainersReady", "status": str(ready)},
        ]
        container_status: JSON = {
            "name": container["name"],
            "image": container["image"],
            "imageID": f"docker.io/library/{container['image']}@sha256:{fake_uid(container['image']).replace('-', '')}",
            "ready": ready,
            "restartCount": pod.restarts,
            "started": pod.running,
        }
        run = pod.current_run
        if run is not None and (run.finished_at is None or pod.template["spec"].get("restartPolicy") == "Never"):
            container_status["state"] = _run_state(state, run)
            container_status["containerID"] = f"containerd://{fake_uid(pod.name, run.started_at).replace('-', '')}"
        else:
            reason = pod.waiting_reason or "ContainerCreating"
            waiting: JSON = {"reason": reason}
            if reason == "CrashLoopBackOff":
                waiting["message"] = (
                    f"back-off {_backoff_text(pod, state)} restarting failed container="
                    f"{container['name']} pod={pod.name}_{pod.namespace}({pod.uid})"
                )
            elif reason == "ImagePullBackOff":
                waiting["message"] = f'Back-off pulling image "{container["image"]}"'
            container_status["state"] = {"waiting": waiting}
        finished = [previous for previous in pod.runs if previous.finished_at is not None]
        never_restarts = pod.template["spec"].get("restartPolicy") == "Never"
        container_status["lastState"] = _run_state(state, finished[-1]) if finished and not never_restarts else {}
        status["containerStatuses"] = [container_status]
    for condition in conditions:
        condition["lastTransitionTime"] = state.clock.stamp(pod.scheduled_at or pod.created_at)
    status["conditions"] = conditions
    metadata: JSON = {
        "name": pod.name,
        "namespace": pod.namespace,
        "uid": pod.uid,
        "creationTimestamp": state.clock.stamp(pod.created_at),
        "labels": dict(pod.labels),
        "generateName": pod.name[: pod.name.rfind("-") + 1],
        "resourceVersion": str(state.resource_version),
        "ownerReferences": [_owner_reference(state, pod)],
    }
    return {"apiVersion": "v1", "kind": "Pod", "metadata": metadata, "spec": spec, "status": status}


def _backoff_text(pod: PodRecord, state: ClusterState) -> str:
    if pod.next_start_at is None or not pod.runs or pod.runs[-1].finished_at is None:
        return "10s"
    seconds = int(pod.next_start_at - (pod.runs[-1].finished_at or 0))
    return f"{seconds // 60}m{seconds % 60}s" if seconds >= 60 else f"{seconds}s"


def _owner_reference(state: ClusterState, pod: PodRecord) -> JSON:
    if pod.template["spec"].get("restartPolicy") == "Never":
        return {
            "apiVersion": "batch/v1",
            "kind": "Job",
            "name": pod.owner,
            "controller": True,
            "blockOwnerDeletion": True,
            "uid": fake_uid(state.seed, pod.namespace, pod.owner),
        }
    name = f"{pod.owner}-{pod.template_hash}"
    return {
        "apiVersion": "apps/v1",
        "kind": "ReplicaSet",
        "name": name,
        "controller": True,
        "blockOwnerDeletion": True,
        "uid": fake_uid(state.seed, pod.namespace, pod.owner, pod.template_hash),
    }


def deployment_object(state: ClusterState, deployment: JSON) -> JSON:
    """The Deployment with the status its controller would report."""
    obj = copy.deepcopy(deployment)
    pods = state.pods_of(obj["metadata"]["name"], obj["metadata"]["namespace"])
    current = engine.template_hash(obj["spec"]["template"])
    ready = [pod for pod in pods if engine.container_ready(pod)]
    updated = [pod for pod in pods if pod.template_hash == current]
    desired = int(obj["spec"].get("replicas", 1) or 0)
    status: JSON = {
        "observedGeneration": obj["metadata"].get("generation", 1),
        "replicas": len(pods),
        "updatedReplicas": len(updated),
    }
    if ready:
        status["readyReplicas"] = len(ready)
        status["availableReplicas"] = len(ready)
    if len(pods) - len(ready) > 0:
        status["unavailableReplicas"] = len(pods) - len(ready)
    available = len(ready) >= desired
    stamp = obj["metadata"]["creationTimestamp"]
    status["conditions"] = [
        {
            "type": "Available",
            "status": str(available),
            "reason": "MinimumReplicasAvailable" if available else "MinimumReplicasUnavailable",
            "message": "Deployment has minimum availability."
            if available
            else "Deployment does not have minimum availability.",
            "lastTransitionTime": stamp,
            "lastUpdateTime": stamp,
        },
        {
            "type": "Progressing",
            "status": "True",
            "reason": "NewReplicaSetAvailable",
            "message": f'ReplicaSet "{obj["metadata"]["name"]}-{current}" has successfully progressed.',
            "lastTransitionTime": stamp,
            "lastUpdateTime": stamp,
        },
    ]
    obj["status"] = status
    return obj


def replicasets(state: ClusterState, namespace: str | None) -> list[JSON]:
    found = []
    for (ns, name), history in sorted(state.history.items()):
        if namespace is not None and ns != namespace:
            continue
        deployment = state.get("deployments", ns, name)
        if deployment is None:
            continue
        current = engine.template_hash(deployment["spec"]["template"])
        for revision, digest, template in history:
            pods = [pod for pod in state.pods_of(name, ns) if pod.template_hash == digest]
            desired = int(deployment["spec"].get("replicas", 1) or 0) if digest == current else 0
            ready = sum(1 for pod in pods if engine.container_ready(pod))
            labels = dict(template.get("metadata", {}).get("labels", {}), **{"pod-template-hash": digest})
            found.append(
                {
                    "apiVersion": "apps/v1",
                    "kind": "ReplicaSet",
                    "metadata": {
                        "name": f"{name}-{digest}",
                        "namespace": ns,
                        "uid": fake_uid(state.seed, ns, name, digest),
                        "creationTimestamp": deployment["metadata"]["creationTimestamp"],
                        "labels": labels,
                        "annotations": {"deployment.kubernetes.io/revision": str(revision)},
                        "ownerReferences": [
                            {
                                "apiVersion": "apps/v1",
                                "kind": "Deployment",
                                "name": name,
                                "controller": True,
                                "uid": deployment["metadata"]["uid"],
                            }
                        ],
                    },
                    "spec": {
                        "replicas": desired,
                        "selector": {"matchLabels": labels},
                        "template": copy.deepcopy(template),
                    },
                    "status": {
                        "replicas": len(pods),
                        "readyReplicas": ready,
                        "availableReplicas": ready,
                        "fullyLabeledReplicas": len(pods),
                    },
                }
            )
    return found


def endpoints_object(state: ClusterState, service: JSON) -> JSON:
    """Endpoints list the ready pods a Service selects, on the Service's targetPort."""
    ports = service["spec"].get("ports", [])
    backends = rules.ready_backends(state, service)
    subsets: list[JSON] = []
    if backends and ports:
        subsets.append(
            {
                "addresses": [
                    {
                        "ip": pod.ip,
                        "nodeName": pod.node,
                        "targetRef": {"kind": "Pod", "name": pod.name, "namespace": pod.namespace, "uid": pod.uid},
                    }
                    for pod in backends
                ],
                "ports": [
                    {"name": port.get("name"), "port": _target(port), "protocol": port.get("protocol", "TCP")}
                    for port in ports
                ],
            }
        )
    metadata = {
        key: service["metadata"][key]
        for key in ("name", "namespace", "creationTimestamp", "labels")
        if key in service["metadata"]
    }
    result: JSON = {"apiVersion": "v1", "kind": "Endpoints", "metadata": metadata}
    if subsets:
        result["subsets"] = subsets
    return result


def _target(port: JSON) -> Any:
    target = port.get("targetPort", port.get("port"))
    return int(str(target)) if str(target).isdigit() else target


def event_objects(
    state: ClusterState, namespace: str | None, *, kind: str | None = None, name: str | None = None
) -> list[JSON]:
    found = []
    for index, event in enumerate(state.events):
        if namespace is not None and event.namespace != namespace:
            continue
        if (kind is not None and event.kind != kind) or (name is not None and event.name != name):
            continue
        if event.first > state.clock.now:
            continue
        found.append(
            {
                "apiVersion": "v1",
                "kind": "Event",
                "metadata": {
                    "name": f"{event.name}.{index:016x}",
                    "namespace": event.namespace,
                    "creationTimestamp": state.clock.stamp(event.first),
                },
                "involvedObject": {
                    "apiVersion": _api_version_of(event.kind),
                    "kind": event.kind,
                    "name": event.name,
                    "namespace": event.namespace,
                    "uid": event.uid,
                },
                "type": event.type,
                "reason": event.reason,
                "message": event.message,
                "source": {"component": event.source},
                "count": event.count,
                "firstTimestamp": state.clock.stamp(event.first),
                "lastTimestamp": state.clock.stamp(event.last),
                "reportingComponent": event.source,
            }
        )
    return sorted(found, key=lambda item: item["lastTimestamp"])


def _api_version_of(kind: str) -> str:
    """The API version of a kind, as an event's involvedObject names it (``apps/v1`` for a ReplicaSet)."""
    return next((rtype.api_version for rtype in RESOURCE_TYPES if rtype.kind == kind), "v1")


def job_object(state: ClusterState, job: JSON) -> JSON:
    obj = copy.deepcopy(job)
    pods = [pod for pod in state.live_pods(obj["metadata"]["namespace"]) if pod.owner == obj["metadata"]["name"]]
    succeeded = sum(1 for pod in pods if engine.pod_phase(pod) == "Succeeded")
    obj["status"] = {
        "succeeded": succeeded,
        "active": len(pods) - succeeded,
        "startTime": obj["metadata"]["creationTimestamp"],
    }
    if succeeded:
        obj["status"]["completionTime"] = state.clock.stamp(
            min(pod.runs[-1].finished_at or 0 for pod in pods if pod.runs)
        )
    return obj


def events_for(state: ClusterState, kind: str, name: str, namespace: str) -> list[JSON]:
    return event_objects(state, namespace, kind=kind, name=name)
