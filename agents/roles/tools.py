"""Running a Probe's read call on a read-only handle, and trimming what comes back to a budget.

A read call is one of the strings of ``Inventory.reads``: a kubectl line, or one of AIOpsLab's own calls
written as ``get_logs NAMESPACE SERVICE``, ``get_traces NAMESPACE``, ``get_metrics NAMESPACE``. Traces and
metrics are exported and then summarised, because a raw export is far longer than a small model's window.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict

from agents.environment import CloudEnvironment


def trim(text: str, limit: int) -> str:
    """The head and tail of ``text`` within ``limit`` characters, saying how much was left out."""
    if len(text) <= limit:
        return text
    head = limit * 2 // 3
    tail = limit - head
    return f"{text[:head]}\n... [{len(text) - limit} characters omitted] ...\n{text[-tail:]}"


def run_read(env: CloudEnvironment, call: str) -> str:
    """Run one read call of the inventory on ``env``; the output as the agent sees it."""
    words = call.split()
    if words[:1] == ["get_logs"] and len(words) == 3:
        return env.get_logs(words[1], words[2])
    if words[:1] == ["get_traces"] and len(words) == 2:
        return _traces_summary(env, words[1])
    if words[:1] == ["get_metrics"] and len(words) == 2:
        return _metrics_summary(env, words[1])
    return env.exec_shell(call)


def _exported_path(message: str) -> str | None:
    for marker in ("exported to: ", "exported to directory: ", "Traces exported to ", "Metrics exported to "):
        if marker in message:
            return message.split(marker, 1)[1].split()[0].rstrip(".")
    return None


def _traces_summary(env: CloudEnvironment, namespace: str) -> str:
    message = env.get_traces(namespace, 5)
    path = _exported_path(message)
    if path is None:
        return message
    rows = list(csv.DictReader(io.StringIO(env.read_traces(path))))
    if not rows:
        return f"{message}\nNo spans in the window."
    spans: dict[str, list[float]] = defaultdict(list)
    errors: dict[str, int] = defaultdict(int)
    for row in rows:
        service = row.get("service_name", "?")
        spans[service].append(float(row.get("duration", 0) or 0) / 1000)
        errors[service] += row.get("has_error") == "True"
    lines = [f"{len(rows)} spans over 5 min; per service: spans, errors, max ms"]
    for service in sorted(spans, key=lambda name: (-errors[name], -max(spans[name]))):
        lines.append(
            f"{service}: {len(spans[service])} spans, {errors[service]} errors, max {max(spans[service]):.0f} ms"
        )
    return "\n".join(lines)


def _metrics_summary(env: CloudEnvironment, namespace: str) -> str:
    message = env.get_metrics(namespace, 5)
    folder = _exported_path(message)
    if folder is None:
        return message
    lines = []
    for kpi in ("container_memory_working_set_bytes", "container_cpu_usage_seconds_total"):
        rows = list(csv.DictReader(io.StringIO(env.read_metrics(f"{folder}/{kpi}.csv"))))
        last: dict[str, float] = {}
        for row in rows:
            last[row["cmdb_id"]] = float(row["value"] or 0)
        top = sorted(last.items(), key=lambda item: -item[1])[:5]
        lines.append(f"{kpi} (latest, top 5): " + ", ".join(f"{pod}={value:.0f}" for pod, value in top))
    return "\n".join(lines)
