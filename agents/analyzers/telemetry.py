"""Metrics and traces: the services whose error rate, latency, CPU or memory stands out from the rest.

Traces: a failing span none of whose children fail is where the failure starts; failures counted there,
not on every caller they propagate to. A span's own time is its duration less its children's. Metrics:
each service's recent window against its own earlier samples and against the other services (container
CPU counters are cumulative, so a long-lived pod's total says nothing by itself: rates are compared).
"""

from __future__ import annotations

import csv
import io
import itertools
import re
import statistics
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from agents.analyzers.findings import CRITICAL, WARNING, Finding

MIN_SLOW_MS = 50.0
SLOW_FACTOR = 5.0
ERROR_RATE_FLOOR = 0.05


@dataclass
class _Spans:
    count: int = 0
    failed: int = 0
    started_here: int = 0
    self_ms: list[float] = field(default_factory=list)


def traces_analyze(table: str, *, source: str) -> list[Finding]:
    """Findings from an exported traces CSV (AIOpsLab's columns)."""
    rows = list(csv.DictReader(io.StringIO(table)))
    if not rows or "service_name" not in rows[0]:
        return []
    children: dict[str, list[dict[str, str]]] = defaultdict(list)
    for row in rows:
        if row.get("parent_span"):
            children[row["parent_span"]].append(row)
    per: dict[str, _Spans] = defaultdict(_Spans)
    for row in rows:
        spans = per[row["service_name"]]
        below = children.get(row.get("span_id", ""), [])
        spans.count += 1
        own_ms = (_number(row.get("duration")) - sum(_number(child.get("duration")) for child in below)) / 1000
        spans.self_ms.append(max(0.0, own_ms))
        if row.get("has_error") == "True":
            spans.failed += 1
            if not any(child.get("has_error") == "True" for child in below):
                spans.started_here += 1
    return _trace_errors(per, source) + _trace_latency(per, source)


def _number(value: str | None) -> float:
    try:
        return float(value or 0)
    except ValueError:
        return 0.0


def _trace_errors(per: dict[str, _Spans], source: str) -> list[Finding]:
    found = []
    for service, spans in per.items():
        if not spans.started_here:
            continue
        share = spans.started_here / spans.count
        detail = f"{spans.failed} of {spans.count} spans fail, {spans.started_here} of them with no failing call below"
        found.append(Finding(service, "error_rate", detail, source, CRITICAL if share >= 0.2 else WARNING))
    return found


def _trace_latency(per: dict[str, _Spans], source: str) -> list[Finding]:
    p95 = {service: _p95(spans.self_ms) for service, spans in per.items() if spans.self_ms}
    return _outliers(
        p95, source, "latency", lambda value, usual: f"own time p95 {value:.0f} ms (others ~{usual:.0f} ms)"
    )


def _p95(values: Sequence[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]


def _outliers(
    values: dict[str, float], source: str, signal: str, describe: Callable[[float, float], str]
) -> list[Finding]:
    """Services whose value is ``SLOW_FACTOR`` times the median of the others' (and above a floor)."""
    found = []
    for service, value in values.items():
        others = [other for name, other in values.items() if name != service]
        if not others:
            continue
        usual = statistics.median(others)
        if value >= MIN_SLOW_MS and value > SLOW_FACTOR * max(usual, 1.0):
            found.append(Finding(service, signal, describe(value, usual), source, WARNING))
    return found


@dataclass(frozen=True)
class Series:
    """One KPI of one service (or pod) over the exported window, oldest first."""

    name: str
    values: tuple[float, ...]

    @property
    def baseline(self) -> float:
        head = self.values[: max(1, len(self.values) // 2)]
        return statistics.fmean(head)

    @property
    def recent(self) -> float:
        tail = self.values[-max(1, len(self.values) // 3) :]
        return statistics.fmean(tail)


def series_of(table: str, kpi: str) -> list[Series]:
    """The series of ``kpi`` by ``cmdb_id`` in an exported metrics CSV."""
    values: dict[str, list[float]] = defaultdict(list)
    for row in csv.DictReader(io.StringIO(table)):
        if row.get("kpi_name") == kpi:
            values[row.get("cmdb_id", "")].append(_number(row.get("value")))
    return [Series(name, tuple(series)) for name, series in values.items() if series]


def request_metrics_analyze(table: str, *, source: str) -> list[Finding]:
    """Error rate and p95 latency per service: the recent window against the service's own earlier one."""
    found = []
    for series in series_of(table, "error_rate"):
        if series.recent >= ERROR_RATE_FLOOR and series.recent > series.baseline + ERROR_RATE_FLOOR:
            detail = f"error rate {series.recent:.0%} lately, {series.baseline:.0%} before"
            severity = CRITICAL if series.recent >= 0.2 else WARNING
            found.append(Finding(series.name, "error_rate", detail, source, severity))
    for series in series_of(table, "latency_p95_ms"):
        if series.recent >= MIN_SLOW_MS and series.recent > 3 * max(series.baseline, 1.0):
            detail = f"p95 latency {series.recent:.0f} ms lately, {series.baseline:.0f} ms before"
            found.append(Finding(series.name, "latency", detail, source, WARNING))
    return found


_SAMPLE_TIME = re.compile(r"^(\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2})", re.MULTILINE)


def latest_sample(export: str) -> datetime | None:
    """The newest sample time in exported metrics tables (first column), as UTC."""
    stamps = _SAMPLE_TIME.findall(export)
    if not stamps:
        return None
    return datetime.fromisoformat(max(stamps).replace(" ", "T")).replace(tzinfo=UTC)


def usage_analyze(cpu_table: str, memory_table: str, *, owner_of: Callable[[str], str], source: str) -> list[Finding]:
    """Pods whose CPU use or memory growth stands out from every other pod's (by their service)."""
    found: list[Finding] = []
    cpu = {s.name: _rate(s.values) for s in series_of(cpu_table, "container_cpu_usage_seconds_total")}
    for pod, rate in cpu.items():
        others = [value for name, value in cpu.items() if name != pod]
        if others and rate > 0.5 and rate > 4 * max(statistics.median(others), 0.01):
            detail = f"pod {pod} uses {rate:.2f} CPU cores, others ~{statistics.median(others):.2f}"
            found.append(Finding(owner_of(pod), "cpu", detail, source, WARNING))
    growth = {
        s.name: (s.values[-1] - s.values[0], s.values[0])
        for s in series_of(memory_table, "container_memory_working_set_bytes")
    }
    for pod, (grown, start) in growth.items():
        others = [value for name, (value, _) in growth.items() if name != pod]
        if others and start > 0 and grown > 0.15 * start and grown > 3 * max(statistics.median(others), 1.0):
            detail = f"pod {pod} memory grew {grown / 2**20:.0f} MiB (+{grown / start:.0%}) over the window"
            found.append(Finding(owner_of(pod), "memory_growth", detail, source, WARNING))
    return found


def _rate(values: Sequence[float]) -> float:
    """Cores used: the slope of a cumulative counter (30 s samples), or the mean of a gauge that is not one."""
    if len(values) < 2:
        return 0.0
    if all(later >= earlier for earlier, later in itertools.pairwise(values)):
        return (values[-1] - values[0]) / (30.0 * (len(values) - 1))
    return statistics.fmean(values) / 30.0
