"""A stand-in of Prometheus' range-query API and Jaeger's query API, for the telemetry exports.

Serves two pods' CPU and memory series and two traces of the Hotel Reservation frontend calling geo
(one span erroring), and records every request's path and query.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

START_US = 1_745_488_800_000_000  # 2025-04-24T10:00:00Z


def _series(pod: str, values: list[tuple[float, str]]) -> dict[str, Any]:
    return {"metric": {"pod": pod}, "values": [[stamp, value] for stamp, value in values]}


SERIES = {
    "container_cpu_usage_seconds_total": [
        _series("frontend-thgslhrlk-x2k9p", [(1745488800, "12.5"), (1745488815, "12.75")]),
        _series("geo-ftjftqlhd-x2k9p", [(1745488800, "0.25")]),
    ],
    "container_memory_usage_bytes": [_series("geo-ftjftqlhd-x2k9p", [(1745488800.5, "6361088")])],
}


def _span(span_id: str, service: str, operation: str, start: int, parent: str = "", tags: Any = None) -> dict[str, Any]:
    tags = tags or {}
    return {
        "traceID": "t1" if span_id.startswith("a") else "t2",
        "spanID": span_id,
        "operationName": operation,
        "references": [{"refType": "CHILD_OF", "traceID": "t", "spanID": parent}] if parent else [],
        "startTime": START_US + start,
        "duration": 1500 + start,
        "tags": [
            {"key": key, "type": "bool" if isinstance(value, bool) else "int64", "value": value}
            for key, value in tags.items()
        ],
        "processID": "p1" if service == "frontend" else "p2",
    }


PROCESSES = {"p1": {"serviceName": "frontend"}, "p2": {"serviceName": "geo"}}
TRACES: list[dict[str, Any]] = [
    {
        "traceID": "t1",
        "spans": [
            _span("a2", "geo", "geo.Geo/Nearby", 200, parent="a1", tags={"error": True}),
            _span("a1", "frontend", "HTTP GET /hotels", 0, tags={"http.status_code": 500}),
        ],
        "processes": PROCESSES,
    },
    {
        "traceID": "t2",
        "spans": [_span("b1", "frontend", "HTTP GET /recommendations", 50, tags={"http.status_code": 200})],
        "processes": PROCESSES,
    },
]


@dataclass
class TelemetryStandIn:
    """Requests received, as (path, query)."""

    url: str = ""
    requests: list[tuple[str, dict[str, list[str]]]] = field(default_factory=list)
    prometheus_status: str = "success"


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet."""

    def do_GET(self) -> None:
        split = urlsplit(self.path)
        query = parse_qs(split.query)
        state = self.server.state
        state.requests.append((split.path, query))
        if split.path == "/api/v1/query_range":
            kpi = re.findall(r"\(\s*([a-z_]+)\{", query["query"][0])[0]
            body: Any = {
                "status": state.prometheus_status,
                "data": {"resultType": "matrix", "result": SERIES.get(kpi, [])},
            }
            if state.prometheus_status != "success":
                body = {"status": "error", "errorType": "bad_data", "error": "parse error"}
        elif split.path == "/api/services":
            body = {"data": ["frontend", "geo", "jaeger-all-in-one"]}
        elif split.path == "/api/traces":
            service = query["service"][0]
            body = {
                "data": [
                    t for t in TRACES if any(PROCESSES[s["processID"]]["serviceName"] == service for s in t["spans"])
                ]
            }
        else:
            self.send_error(404)
            return
        data = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, state: TelemetryStandIn) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.state = state


def serve_telemetry() -> Iterator[TelemetryStandIn]:
    """Start the stand-in; yield its state (with ``url``); stop it."""
    state = TelemetryStandIn()
    server = _Server(state)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
