"""Metrics from Prometheus and traces from Jaeger, exported as in-memory CSV files with AIOpsLab's columns."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from agents.kube import telemetry
from agents.kube.exports import ExportStore, render_table
from tests.kube.telemetry_standin import TelemetryStandIn, serve_telemetry

NOW = datetime(2025, 4, 24, 10, 5, tzinfo=UTC)


@pytest.fixture
def backend() -> Iterator[TelemetryStandIn]:
    yield from serve_telemetry()


def test_metric_rows_query_each_kpi_for_the_namespace_over_the_window(backend):
    window = telemetry.Window.last(NOW, 5)

    rows = telemetry.metric_rows(backend.url, "test-hotel-reservation", window, timeout=2)

    assert rows == {
        "container_cpu_usage_seconds_total": [
            (1745488800, "frontend-thgslhrlk-x2k9p", "container_cpu_usage_seconds_total", "12.5"),
            (1745488815, "frontend-thgslhrlk-x2k9p", "container_cpu_usage_seconds_total", "12.75"),
            (1745488800, "geo-ftjftqlhd-x2k9p", "container_cpu_usage_seconds_total", "0.25"),
        ],
        "container_memory_usage_bytes": [
            (1745488800.5, "geo-ftjftqlhd-x2k9p", "container_memory_usage_bytes", "6361088"),
        ],
    }
    assert len(backend.requests) == len(telemetry.KPIS)
    path, query = backend.requests[0]
    assert path == "/api/v1/query_range"
    assert query["query"] == [
        'sum by (pod) (container_cpu_usage_seconds_total{namespace="test-hotel-reservation",'
        'container!="",container!="POD"})'
    ]
    assert query["start"] == ["1745488800.000"]
    assert query["end"] == ["1745489100.000"]
    assert query["step"] == ["15"]
    network = dict(backend.requests)["/api/v1/query_range"]
    assert network["query"] == [
        'sum by (pod) (container_network_transmit_errors_total{namespace="test-hotel-reservation"})'
    ]


def test_a_prometheus_error_is_a_telemetry_error(backend):
    backend.prometheus_status = "error"

    with pytest.raises(telemetry.TelemetryError, match="Prometheus query failed: parse error"):
        telemetry.metric_rows(backend.url, "test-hotel-reservation", telemetry.Window.last(NOW, 5), timeout=2)


def test_an_unreachable_backend_is_a_telemetry_error():
    with pytest.raises(telemetry.TelemetryError, match=r"cannot reach http://127\.0\.0\.1:9"):
        telemetry.fetch_json("http://127.0.0.1:9", "/api/services", {}, timeout=1)


def test_trace_rows_flatten_spans_once_each_without_jaeger_itself(backend):
    rows = telemetry.trace_rows(backend.url, telemetry.Window.last(NOW, 5), timeout=2)

    assert rows == [
        ("t1", "a1", "", "frontend", "HTTP GET /hotels", 1745488800000000, 1500, False, "500"),
        ("t1", "a2", "a1", "geo", "geo.Geo/Nearby", 1745488800000200, 1700, True, ""),
        ("t2", "b1", "", "frontend", "HTTP GET /recommendations", 1745488800000050, 1550, False, "200"),
    ]
    services = [query["service"][0] for path, query in backend.requests if path == "/api/traces"]
    assert services == ["frontend", "geo"]
    traces_query = backend.requests[1][1]
    assert traces_query["start"] == ["1745488800000000"]
    assert traces_query["end"] == ["1745489100000000"]


def test_the_export_store_prints_an_aligned_table():
    store = ExportStore()
    store.write("m/cpu.csv", telemetry.METRICS_HEADER, [(1, "geo-1", "cpu", "0.25"), (20, "frontend-2", "cpu", "12.5")])

    assert store.files["m/cpu.csv"] == "timestamp,cmdb_id,kpi_name,value\n1,geo-1,cpu,0.25\n20,frontend-2,cpu,12.5\n"
    assert store.table("m/cpu.csv") == (
        "timestamp    cmdb_id kpi_name value\n        1      geo-1      cpu  0.25\n       20 frontend-2      cpu  12.5"
    )
    assert store.table("m/other.csv") is None


def test_render_table_of_nothing_is_empty():
    assert render_table([]) == ""
