"""Metrics from Prometheus and traces from Jaeger's query API, exported as the session's CSV files.

The columns are AIOpsLab's: metrics ``timestamp, cmdb_id, kpi_name, value`` (cAdvisor counters stay
cumulative, as there), traces ``trace_id, span_id, parent_span, service_name, operation_name,
start_time, duration, has_error, response`` (times in microseconds, as Jaeger reports them). Both are
reads over plain HTTP with a timeout; a failure is a line of text for the agent.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from agents.environment import METRICS_COLUMNS, TRACES_COLUMNS
from agents.kube.exports import ExportStore, Row

METRICS_HEADER = METRICS_COLUMNS
TRACES_HEADER = TRACES_COLUMNS
# (kpi, per container?) Network counters belong to the pod sandbox, not to a container.
KPIS = (
    ("container_cpu_usage_seconds_total", True),
    ("container_cpu_user_seconds_total", True),
    ("container_cpu_system_seconds_total", True),
    ("container_cpu_cfs_throttled_seconds_total", True),
    ("container_memory_usage_bytes", True),
    ("container_memory_working_set_bytes", True),
    ("container_memory_rss", True),
    ("container_fs_reads_bytes_total", True),
    ("container_fs_writes_bytes_total", True),
    ("container_network_receive_bytes_total", False),
    ("container_network_transmit_bytes_total", False),
    ("container_network_receive_errors_total", False),
    ("container_network_transmit_errors_total", False),
)
STEP_SECONDS = 15
TRACES_PER_SERVICE = 100
_JAEGER_OWN_SERVICES = frozenset({"jaeger-query", "jaeger-all-in-one", "jaeger-collector"})


class TelemetryError(Exception):
    """Prometheus or Jaeger did not answer usefully; ``str()`` is the agent's line."""


@dataclass(frozen=True)
class Window:
    """The export's time range."""

    start: datetime
    end: datetime

    @classmethod
    def last(cls, now: datetime, minutes: int) -> Window:
        """The ``minutes`` before ``now``."""
        return cls(start=now - timedelta(minutes=minutes), end=now)

    @property
    def stamp(self) -> str:
        """A folder name for an export ending now."""
        return self.end.strftime("%Y%m%dT%H%M%SZ")


def fetch_json(base_url: str, path: str, query: Mapping[str, str], timeout: float) -> Any:
    """GET ``base_url + path`` with ``query`` and decode its JSON, or raise :class:`TelemetryError`."""
    url = f"{base_url}{path}?{urllib.parse.urlencode(query)}"
    request = urllib.request.Request(url, headers={"Accept": "application/json"})  # noqa: S310 - scheme checked in config
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - scheme checked in config
            return json.loads(response.read())
    except urllib.error.HTTPError as error:
        raise TelemetryError(f"{base_url} answered {error.code} {error.reason} for {path}") from error
    except (urllib.error.URLError, OSError) as error:
        reason = getattr(error, "reason", error)
        raise TelemetryError(f"cannot reach {base_url}: {reason}") from error
    except ValueError as error:
        raise TelemetryError(f"{base_url} did not return JSON for {path}") from error


def metric_rows(prometheus_url: str, namespace: str, window: Window, timeout: float) -> dict[str, list[Row]]:
    """Rows per KPI for every pod of ``namespace``; KPIs with no series are left out."""
    exported: dict[str, list[Row]] = {}
    for kpi, per_container in KPIS:
        selector = f'namespace="{namespace}"' + (',container!="",container!="POD"' if per_container else "")
        query = {
            "query": f"sum by (pod) ({kpi}{{{selector}}})",
            "start": f"{window.start.timestamp():.3f}",
            "end": f"{window.end.timestamp():.3f}",
            "step": str(STEP_SECONDS),
        }
        reply = fetch_json(prometheus_url, "/api/v1/query_range", query, timeout)
        rows: list[Row] = [
            (_number(stamp), series.get("metric", {}).get("pod", ""), kpi, value)
            for series in _prometheus_result(reply)
            for stamp, value in series.get("values", [])
        ]
        if rows:
            exported[kpi] = rows
    return exported


def export_metrics(store: ExportStore, folder: str, rows_by_kpi: Mapping[str, Sequence[Row]]) -> list[str]:
    """Write one CSV per KPI under ``folder``; return the paths written."""
    paths = []
    for kpi, rows in rows_by_kpi.items():
        path = f"{folder}/{kpi}.csv"
        store.write(path, METRICS_HEADER, rows)
        paths.append(path)
    return paths


def trace_rows(jaeger_url: str, window: Window, timeout: float) -> list[Row]:
    """One row per span of the window's traces, each span once, in trace then start-time order."""
    services = fetch_json(jaeger_url, "/api/services", {}, timeout).get("data") or []
    spans: dict[tuple[str, str], Row] = {}
    for service in sorted(set(services) - _JAEGER_OWN_SERVICES):
        query = {
            "service": service,
            "start": str(int(window.start.timestamp() * 1_000_000)),
            "end": str(int(window.end.timestamp() * 1_000_000)),
            "limit": str(TRACES_PER_SERVICE),
        }
        for trace in fetch_json(jaeger_url, "/api/traces", query, timeout).get("data") or []:
            for span in trace.get("spans", []):
                row = _span_row(span, trace.get("processes", {}))
                spans.setdefault((str(row[0]), str(row[1])), row)
    return sorted(spans.values(), key=lambda row: (str(row[0]), int(str(row[5]))))


def _span_row(span: Mapping[str, Any], processes: Mapping[str, Any]) -> Row:
    tags = {tag.get("key"): tag.get("value") for tag in span.get("tags", [])}
    parents = [ref.get("spanID", "") for ref in span.get("references", []) if ref.get("refType") == "CHILD_OF"]
    response = tags.get("http.status_code", tags.get("rpc.grpc.status_code", tags.get("otel.status_code", "")))
    response = "" if response is None else str(response)
    return (
        span.get("traceID", ""),
        span.get("spanID", ""),
        parents[0] if parents else "",
        processes.get(span.get("processID", ""), {}).get("serviceName", ""),
        span.get("operationName", ""),
        int(span.get("startTime", 0)),
        int(span.get("duration", 0)),
        tags.get("error") in (True, "true"),
        response,
    )


def _prometheus_result(reply: Any) -> list[dict[str, Any]]:
    if not isinstance(reply, dict) or reply.get("status") != "success":
        error = reply.get("error", "unexpected reply") if isinstance(reply, dict) else "unexpected reply"
        raise TelemetryError(f"Prometheus query failed: {error}")
    result = reply.get("data", {}).get("result", [])
    return result if isinstance(result, list) else []


def _number(value: object) -> object:
    number = float(str(value))
    return int(number) if number.is_integer() else number
