"""Traces and metrics: the service whose error rate, latency, CPU or memory stands out from the rest."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta

from agents.analyzers.findings import CRITICAL, WARNING, Finding
from agents.analyzers.objects import Services
from agents.analyzers.telemetry import (
    latest_sample,
    request_metrics_analyze,
    series_of,
    traces_analyze,
    usage_analyze,
)
from agents.environment import METRICS_COLUMNS, TRACES_COLUMNS
from tests.analyzers.kube_json import SELECTORS

TRACES = "get_traces books"
METRICS = "get_metrics books"
START = datetime(2026, 3, 2, 14, 25, tzinfo=UTC)


def _table(columns: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows(rows)
    return buffer.getvalue()


def _trace(index: int, *, ledger_fails: bool, ledger_us: int = 4_000, db_us: int = 1_500) -> list[list[object]]:
    """gateway -> ledger -> ledger-db, and gateway -> notifier; durations in microseconds."""
    trace = f"{index:016x}"
    root, ledger, db, mail = (f"{index:04x}{part}" for part in ("a0", "b1", "c2", "d3"))
    status, code, grpc = ("True", "500", "Internal") if ledger_fails else ("False", "200", "OK")
    return [
        [trace, root, "", "gateway", "POST /v1/entries", 0, ledger_us + 2_000, status, code],
        [trace, ledger, root, "ledger", "ledger.Ledger/Post", 500, ledger_us, status, grpc],
        [trace, db, ledger, "ledger-db", "INSERT entries", 900, db_us, "False", "OK"],
        [trace, mail, root, "notifier", "notifier.Notify/Send", 600, 800, "False", "OK"],
    ]


def _traces(rows: list[list[object]]) -> str:
    return _table(TRACES_COLUMNS, rows)


def test_healthy_traces_give_nothing():
    rows = [row for index in range(20) for row in _trace(index, ledger_fails=False)]

    assert traces_analyze(_traces(rows), source=TRACES) == []


def test_failures_are_counted_where_they_start_not_on_every_caller():
    rows = [row for index in range(20) for row in _trace(index, ledger_fails=index % 4 == 0)]

    found = traces_analyze(_traces(rows), source=TRACES)

    assert found == [
        Finding("ledger", "error_rate", "5 of 20 spans fail, 5 of them with no failing call below", TRACES, CRITICAL)
    ]


def test_a_few_failures_are_a_warning():
    rows = [row for index in range(20) for row in _trace(index, ledger_fails=index == 7)]

    found = traces_analyze(_traces(rows), source=TRACES)

    assert [(f.service, f.signal, f.severity) for f in found] == [("ledger", "error_rate", WARNING)]


def test_the_service_slow_by_its_own_time_stands_out_not_its_callers():
    # ledger spends 1.2 s itself on each request; gateway's span includes it but its own time stays small.
    rows = [row for index in range(20) for row in _trace(index, ledger_fails=False, ledger_us=1_200_000)]

    found = traces_analyze(_traces(rows), source=TRACES)

    assert [(f.service, f.signal) for f in found] == [("ledger", "latency")]
    assert found[0].detail.startswith("own time p95 1198 ms (others ~")


def test_a_table_that_is_not_a_traces_export_gives_nothing():
    assert traces_analyze("Error: traces are not configured for this cluster.", source=TRACES) == []
    assert traces_analyze("", source=TRACES) == []


def _samples(series: Mapping[str, Sequence[float]], kpi: str) -> str:
    rows = [
        [(START + timedelta(seconds=30 * step)).strftime("%Y-%m-%d %H:%M:%S"), name, kpi, value]
        for name, values in series.items()
        for step, value in enumerate(values)
    ]
    return _table(METRICS_COLUMNS, rows)


def test_request_metrics_name_the_service_whose_error_rate_rose():
    table = _samples(
        {
            "gateway": [0.01, 0.0, 0.01, 0.0, 0.01, 0.02, 0.01, 0.0, 0.01],
            "ledger": [0.0, 0.0, 0.01, 0.0, 0.0, 0.1, 0.4, 0.45, 0.5],
            "notifier": [0.0] * 9,
        },
        "error_rate",
    )

    found = request_metrics_analyze(table, source=METRICS)

    assert found == [Finding("ledger", "error_rate", "error rate 45% lately, 0% before", METRICS, CRITICAL)]


def test_request_metrics_name_the_service_whose_latency_rose():
    table = _samples(
        {
            "gateway": [42.0, 40.0, 45.0, 41.0, 44.0, 43.0],
            "notifier": [30.0, 31.0, 29.0, 30.0, 480.0, 510.0],
        },
        "latency_p95_ms",
    )

    found = request_metrics_analyze(table, source=METRICS)

    assert found == [Finding("notifier", "latency", "p95 latency 495 ms lately, 30 ms before", METRICS, WARNING)]


def test_steady_request_metrics_give_nothing():
    table = _samples({"gateway": [0.3, 0.31, 0.29, 0.3, 0.3, 0.31]}, "error_rate")  # high, but always so

    assert request_metrics_analyze(table, source=METRICS) == []


def test_the_pod_burning_cpu_and_the_pod_whose_memory_grows_stand_out_by_their_service():
    counters = {  # cumulative CPU seconds, sampled every 30 s
        "gateway-58c6d4f7b9-k2l9v": [100.0 + 1.5 * step for step in range(10)],
        "ledger-7d9c8f6b5-q2x8m": [4000.0 + 54.0 * step for step in range(10)],  # 1.8 cores
        "notifier-6d5f8c7b9-z7x2c": [50.0 + 0.9 * step for step in range(10)],
    }
    mib = 2**20
    memory = {
        "gateway-58c6d4f7b9-k2l9v": [120.0 * mib + step * 0.1 * mib for step in range(10)],
        "ledger-7d9c8f6b5-q2x8m": [140.0 * mib] * 10,
        "notifier-6d5f8c7b9-z7x2c": [80.0 * mib + step * 8 * mib for step in range(10)],  # +72 MiB
    }
    owners = Services(SELECTORS)

    found = usage_analyze(
        _samples(counters, "container_cpu_usage_seconds_total"),
        _samples(memory, "container_memory_working_set_bytes"),
        owner_of=owners.of_name,
        source=METRICS,
    )

    assert found == [
        Finding("ledger", "cpu", "pod ledger-7d9c8f6b5-q2x8m uses 1.80 CPU cores, others ~0.04", METRICS, WARNING),
        Finding(
            "notifier",
            "memory_growth",
            "pod notifier-6d5f8c7b9-z7x2c memory grew 72 MiB (+90%) over the window",
            METRICS,
            WARNING,
        ),
    ]


def test_even_usage_gives_nothing():
    counters = {f"gateway-58c6d4f7b9-{suffix}": [10.0 + 3.0 * step for step in range(8)] for suffix in "abc"}
    memory = {f"gateway-58c6d4f7b9-{suffix}": [64.0 * 2**20] * 8 for suffix in "abc"}

    found = usage_analyze(
        _samples(counters, "container_cpu_usage_seconds_total"),
        _samples(memory, "container_memory_working_set_bytes"),
        owner_of=Services(SELECTORS).of_name,
        source=METRICS,
    )

    assert found == []


def test_series_and_the_latest_sample_of_an_export():
    table = _samples({"ledger": [1.0, 2.0, 3.0]}, "error_rate")

    [series] = series_of(table, "error_rate")

    assert (series.name, series.values) == ("ledger", (1.0, 2.0, 3.0))
    assert latest_sample(f"Metrics data exported to directory: x\n{table}") == START + timedelta(seconds=60)
    assert latest_sample("no samples") is None
