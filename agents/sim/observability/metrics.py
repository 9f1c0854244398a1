"""Metrics of the simulated cluster: cAdvisor-style per-pod series and, for the Astronomy Shop, per-service
request series, sampled every 30 s over the asked window.

Counters are cumulative, as in Prometheus (a classic red herring: they only grow); a pod's load follows its
share of the workload, shaped by the flags flagd serves; request series follow ``rules.edge_status``.
"""

from __future__ import annotations

from agents.environment import METRICS_COLUMNS
from agents.sim import engine, rules
from agents.sim.apps import Component
from agents.sim.observability.tables import Table
from agents.sim.state import ClusterState, PodRecord

METRIC_FILES = (
    "container_cpu_usage_seconds_total",
    "container_memory_working_set_bytes",
    "container_network_receive_bytes_total",
    "container_network_transmit_bytes_total",
)
Rows = list[tuple[object, ...]]


def pod_load(state: ClusterState, component: Component | None, at: float) -> tuple[float, float]:
    """(cpu cores, memory MiB) of a pod at ``at``: workload share, flags and faults shape them."""
    if component is None:
        return 0.01, 40.0
    share = sum(op.weight for op in state.app.operations if any(component.name in edge for edge in op.edges))
    cpu = 0.02 + 0.25 * share
    memory = float(component.memory_mib)
    flags = rules.live_flags(state) if state.app.name == "AstronomyShop" else frozenset()
    if component.name == "ad" and "adHighCpu" in flags:
        cpu += 0.9
    if component.name == "recommendation" and "recommendationCacheFailure" in flags:
        memory *= 1 + max(0.0, at + 600) / 400
    if component.name == "frontend" and "loadGeneratorFloodHomepage" in flags:
        cpu += 0.7
    if component.name == "kafka" and "kafkaQueueProblems" in flags:
        cpu += 0.4
    return cpu, memory


def metrics_tables(state: ClusterState, namespace: str, duration_minutes: int) -> dict[str, Table]:
    """One table per metric, sampled every 30 s over the window, for every pod of the namespace."""
    end = state.clock.now
    start = end - duration_minutes * 60
    steps = [start + 30 * index for index in range(int((end - start) // 30) + 1)]
    tables: dict[str, Rows] = {name: [] for name in METRIC_FILES}
    request_rows: Rows = []
    for pod in state.live_pods(namespace):
        _pod_samples(state, pod, steps, tables)
    if state.app.name == "AstronomyShop":
        request_rows = _service_request_rows(state, steps)
    result = {name: Table(METRICS_COLUMNS, tuple(rows)) for name, rows in tables.items()}
    if request_rows:
        result["service_request_metrics"] = Table(METRICS_COLUMNS, tuple(request_rows))
    return result


def _pod_samples(state: ClusterState, pod: PodRecord, steps: list[float], tables: dict[str, Rows]) -> None:
    """Append the pod's sample at each step it existed on a node to each metric's rows."""
    component = rules.component_of(state, pod)
    rng = state.rng("metrics", pod.name)
    for at in steps:
        if at < pod.created_at or pod.node is None:
            continue
        alive = max(0.0, at - (pod.scheduled_at or pod.created_at))
        cpu, memory = pod_load(state, component, at)
        stamp = state.clock.at(at).strftime("%Y-%m-%d %H:%M:%S")
        noise = 1 + rng.uniform(-0.05, 0.05)
        tables["container_cpu_usage_seconds_total"].append(
            (
                stamp,
                pod.name,
                "container_cpu_usage_seconds_total",
                round(cpu * alive * noise + 60 * rng.random(), 3),
            )
        )
        ready = engine.container_ready(pod)
        tables["container_memory_working_set_bytes"].append(
            (stamp, pod.name, "container_memory_working_set_bytes", int(memory * 1048576 * noise) if ready else 0)
        )
        rate = 2000 * cpu
        tables["container_network_receive_bytes_total"].append(
            (stamp, pod.name, "container_network_receive_bytes_total", int(rate * alive * noise))
        )
        tables["container_network_transmit_bytes_total"].append(
            (stamp, pod.name, "container_network_transmit_bytes_total", int(rate * 1.3 * alive * noise))
        )


def _service_request_rows(state: ClusterState, steps: list[float]) -> Rows:
    rows: Rows = []
    app = state.app
    oracle = rules.EdgeOracle(state)
    for component in app.components:
        callers = [(caller.name, component.name) for caller in app.components if component.name in caller.calls]
        if not callers:
            continue
        rng = state.rng("svc-metrics", component.name)
        for at in steps:
            stamp = state.clock.at(at).strftime("%Y-%m-%d %H:%M:%S")
            statuses = [oracle.status(caller, callee, at) for caller, callee in callers]
            error_rate = max(status.error_rate for status in statuses)
            latency = 12 + max(status.extra_latency_ms for status in statuses) + rng.uniform(0, 6)
            rate = round(
                20
                * (1 + rng.uniform(-0.1, 0.1))
                * (
                    8 if component.name == "frontend" and "loadGeneratorFloodHomepage" in rules.live_flags(state) else 1
                ),
                2,
            )
            rows += [
                (stamp, component.name, "request_rate", rate),
                (stamp, component.name, "error_rate", round(error_rate, 3)),
                (stamp, component.name, "latency_p95_ms", round(latency, 1)),
            ]
    return rows
