"""Logs, metrics and traces of the simulated cluster, derived from state at read time.

A container's log is its start-up lines (decided when it started, ``rules.StartOutcome``) followed by what
it logs while serving: request lines, and errors for each call edge that fails *now* (``rules.edge_status``).
Metrics are cAdvisor-style per-pod series (counters cumulative, as in Prometheus, a classic red herring)
plus, for the Astronomy Shop, per-service request series. Traces are sampled requests of the workload.

The sub-modules: ``logs`` (``kubectl logs``), ``request_logs`` (what a serving container logs),
``metrics``, ``traces`` and ``tables`` (the CSV export both write). Callers use this package's names.
"""

from agents.sim.observability.logs import LOG_WINDOW, pod_logs, run_log_lines
from agents.sim.observability.metrics import METRIC_FILES, metrics_tables, pod_load
from agents.sim.observability.tables import Table
from agents.sim.observability.traces import MAX_TRACES, traces_table

__all__ = [
    "LOG_WINDOW",
    "MAX_TRACES",
    "METRIC_FILES",
    "Table",
    "metrics_tables",
    "pod_load",
    "pod_logs",
    "run_log_lines",
    "traces_table",
]
