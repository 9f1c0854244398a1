"""How the graders read the state after ``submit()``: AIOpsLab's readiness checks and our strict health check.

The lenient (AIOpsLab) mitigation checks only ask whether containers are ready; the strict "true fix"
checks also ask that every call of the workload succeeds. Faults combine these with their own checks.
"""

from __future__ import annotations

from agents.sim import engine, rules
from agents.sim.state import ClusterState


def all_containers_ready(state: ClusterState) -> bool:
    """AIOpsLab's readiness check: every container of every pod of the application's namespace is ready."""
    pods = list(state.live_pods(state.app.namespace))
    return bool(pods) and all(engine.container_ready(pod) for pod in pods)


def healthy_with_statuses(state: ClusterState) -> bool:
    """AIOpsLab's check for the scheduling fault: pods that have container statuses are healthy (Pending passes)."""
    return all(engine.container_ready(pod) for pod in state.live_pods(state.app.namespace) if pod.node is not None)


def requests_succeed(state: ClusterState) -> bool:
    """Every call edge of the workload works: what users would see if the fault is truly gone."""
    at = state.clock.now
    for operation in state.app.operations:
        for caller, callee in operation.edges:
            status = rules.edge_status(state, caller, callee, at)
            if not status.ok or status.error_rate > 0 or status.extra_latency_ms > 0:
                return False
    return True


def app_healthy(state: ClusterState) -> bool:
    """The strict check's common part: ready containers, working calls, no pod waiting."""
    return (
        all_containers_ready(state)
        and requests_succeed(state)
        and not any(pod.waiting_reason for pod in state.live_pods(state.app.namespace))
    )
