"""Whether a connection gets through: a Service, its ports, and the ready pods behind it.

Nothing here knows of faults: a Service whose targetPort misses the container port refuses connections
whoever it belongs to. Start-up (a client dialling its database) and requests both ask here.
"""

from __future__ import annotations

from typing import Any

from agents.sim.state import ClusterState, PodRecord


def main_container(pod: PodRecord) -> dict[str, Any]:
    """The pod's first (in the simulated cluster, only) container spec."""
    container: dict[str, Any] = pod.template["spec"]["containers"][0]
    return container


def service_reachable(state: ClusterState, name: str, port: int) -> tuple[bool, str]:
    """Whether a connection to ``name:port`` reaches a listening, ready container."""
    service = state.service(name)
    if service is None:
        return False, f"dial tcp: lookup {name}: no such host"
    ports = service["spec"].get("ports", [])
    match = next((entry for entry in ports if int(entry.get("port", 0)) == port), None)
    if match is None:
        return False, f"dial tcp {service['spec'].get('clusterIP')}:{port}: connect: connection refused"
    endpoints = ready_backends(state, service)
    if not endpoints:
        return False, f"dial tcp {service['spec'].get('clusterIP')}:{port}: connect: connection refused"
    target = match.get("targetPort", port)
    for pod in endpoints:
        container_ports = {int(p.get("containerPort", 0)) for p in main_container(pod).get("ports", [])}
        if _resolve_target(target, main_container(pod)) in container_ports:
            return True, ""
    return False, f"dial tcp {endpoints[0].ip}:{target}: connect: connection refused"


def _resolve_target(target: object, container: dict[str, Any]) -> int:
    if isinstance(target, int):
        return target
    text = str(target)
    if text.isdigit():
        return int(text)
    for entry in container.get("ports", []):
        if entry.get("name") == text:
            return int(entry.get("containerPort", 0))
    return -1


def ready_backends(state: ClusterState, service: dict[str, Any]) -> list[PodRecord]:
    # Imported here, not at the top: engine imports this package (rules.start_outcome and friends) at
    # import time, so a top-level import of engine from here would close a cycle.
    from agents.sim.engine import container_ready

    selector = service["spec"].get("selector") or {}
    if not selector:
        return []
    namespace = service["metadata"]["namespace"]
    found = [
        pod
        for pod in state.pods.values()
        if pod.deleted_at is None
        and pod.namespace == namespace
        and all(pod.labels.get(key) == value for key, value in selector.items())
        and container_ready(pod)
    ]
    return sorted(found, key=lambda pod: pod.name)
