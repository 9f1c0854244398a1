"""Traces of the simulated cluster: sampled requests of the workload, one span per call edge.

Each edge's span follows ``rules.edge_status`` at the request's moment: a failing edge marks its span and
the root (500), a slow one lengthens both. An export keeps the most recent requests, as Jaeger's does.
"""

from __future__ import annotations

import functools
import random

from agents.environment import TRACES_COLUMNS
from agents.sim import rules
from agents.sim.apps import AppSpec
from agents.sim.observability.tables import Table
from agents.sim.state import ClusterState

# An export keeps the most recent requests, as a Jaeger query with a limit does.
MAX_TRACES = 40


def traces_table(
    state: ClusterState, namespace: str, duration_minutes: int, *, requests_per_second: float = 2.0
) -> Table:
    """Sampled requests of the workload over the window; a failing edge marks its span and its ancestors."""
    app: AppSpec = state.app
    if namespace != app.namespace:
        return Table(TRACES_COLUMNS, ())
    end = state.clock.now
    start = end - duration_minutes * 60
    rng = state.rng("traces", int(end))
    total = int((end - start) * requests_per_second)
    sampled = (
        max(0, int(total * app.trace_sampling))
        if app.trace_sampling >= 1
        else sum(1 for _ in range(total) if rng.random() < app.trace_sampling)
    )
    sampled = min(sampled, MAX_TRACES)
    rows: list[tuple[object, ...]] = []
    oracle = rules.EdgeOracle(state)
    weights = [operation.weight for operation in app.operations]
    for index in range(sampled):
        operation = rng.choices(app.operations, weights=weights)[0]
        at = start + (end - start) * (index + rng.random()) / max(sampled, 1)
        trace_id = f"{rng.getrandbits(64):016x}"
        rows += _trace_rows(state, oracle, operation.edges, operation.http_route, trace_id, at, rng)
    return Table(TRACES_COLUMNS, tuple(rows))


@functools.lru_cache(maxsize=256)
def _operation_name(service: str) -> str:
    return f"/{service}.{service.title().replace('-', '')}Service/Call"


def _trace_rows(
    state: ClusterState,
    oracle: rules.EdgeOracle,
    edges: tuple[tuple[str, str], ...],
    route: str,
    trace_id: str,
    at: float,
    rng: random.Random,
) -> list[tuple[object, ...]]:
    """One request's spans: the root (the entry's route), then one per call edge in order."""
    root = f"{rng.getrandbits(64):016x}"
    entry = edges[0][0]
    rows: list[list[object]] = [[trace_id, root, "", entry, route, int(at * 1_000_000), 0, False, "200"]]
    spans, failed, latency_total = _call_spans(oracle, edges, trace_id, root, at, rng)
    rows += spans
    if oracle.has_load_generator:
        # Flags that slow the front end itself (slow images, a flood) show on the root span.
        latency_total += oracle.status("load-generator", entry, at).extra_latency_ms
    rows[0][6] = int((latency_total + rng.uniform(1, 4)) * 1000)
    if failed:
        rows[0][7], rows[0][8] = True, "500"
    return [tuple(row) for row in rows]


def _call_spans(
    oracle: rules.EdgeOracle,
    edges: tuple[tuple[str, str], ...],
    trace_id: str,
    root: str,
    at: float,
    rng: random.Random,
) -> tuple[list[list[object]], bool, float]:
    """The span rows of the request's call edges, whether any failed, and their summed latency (ms)."""
    span_of: dict[str, str] = {edges[0][0]: root}
    rows: list[list[object]] = []
    failed = False
    latency_total = 0.0
    for caller, callee in edges:
        status = oracle.status(caller, callee, at)
        latency = rng.uniform(0.4, 3.0) + status.extra_latency_ms
        error = (not status.ok) and rng.random() < max(status.error_rate, 0.0)
        failed = failed or error
        latency_total += latency
        span = f"{rng.getrandbits(64):016x}"
        span_of[callee] = span
        response = (
            "Unavailable"
            if error and status.kind in ("connect", "unregistered", "timeout")
            else ("Error" if error else "OK")
        )
        rows.append(
            [
                trace_id,
                span,
                span_of.get(caller, root),
                callee,
                _operation_name(callee),
                int((at + latency_total / 1000) * 1_000_000),
                int(latency * 1000),
                error,
                response,
            ]
        )
    return rows, failed, latency_total
