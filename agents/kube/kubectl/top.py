"""``kubectl top pod|node`` from the Metrics API (``metrics.k8s.io``), when the cluster serves it.

CPU prints in millicores rounded up, memory in MiB rounded down, as kubectl prints them; node
percentages are of the node's allocatable resources. Without the Metrics API kubectl says
``error: Metrics API not available``, and so does this.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from agents.cli.kube_resources import resource_type
from agents.cli.kubectl_args import KubectlCommand
from agents.kube.errors import KubeApiError
from agents.kube.kubectl.session import Output, Session, selector_query
from agents.kube.paths import collection_path, object_path

METRICS_VERSION = "metrics.k8s.io/v1beta1"
_SUFFIXES = {
    "n": Decimal("1e-9"),
    "u": Decimal("1e-6"),
    "m": Decimal("1e-3"),
    "k": Decimal(1000),
    "M": Decimal(1000**2),
    "G": Decimal(1000**3),
    "T": Decimal(1000**4),
    "P": Decimal(1000**5),
    "E": Decimal(1000**6),
    "Ki": Decimal(1024),
    "Mi": Decimal(1024**2),
    "Gi": Decimal(1024**3),
    "Ti": Decimal(1024**4),
    "Pi": Decimal(1024**5),
    "Ei": Decimal(1024**6),
}


def parse_quantity(text: str) -> Decimal:
    """A Kubernetes quantity (``250m``, ``1523417n``, ``6212Ki``, ``2``, ``1e3``) as a number."""
    for suffix in sorted(_SUFFIXES, key=len, reverse=True):
        if text.endswith(suffix) and text[: -len(suffix)]:
            return Decimal(text[: -len(suffix)]) * _SUFFIXES[suffix]
    try:
        return Decimal(text)
    except InvalidOperation as error:
        raise KubeApiError(f'error: quantities must match the regular expression: "{text}"') from error


def millicores(quantity: str) -> int:
    """CPU in millicores, rounded up (kubectl's MilliValue)."""
    return math.ceil(parse_quantity(quantity) * 1000)


def mebibytes(quantity: str) -> int:
    """Memory in MiB, rounded down."""
    return int(parse_quantity(quantity) // (1024 * 1024))


def format_table(rows: Sequence[Sequence[str]]) -> str:
    """Columns left-aligned, three spaces apart (kubectl's tabwriter)."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["   ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip() for row in rows]
    return "\n".join(lines) + "\n"


def run_top(session: Session, command: KubectlCommand, output: Output) -> None:
    """``kubectl top pod [NAME] [-n NS | -A] [-l SELECTOR] [--containers]`` or ``kubectl top node [NAME]``."""
    try:
        if command.subverb == "node":
            _top_nodes(session, command, output)
        else:
            _top_pods(session, command, output)
    except KubeApiError as error:
        if error.not_found and error.text.endswith("the server could not find the requested resource"):
            raise KubeApiError("error: Metrics API not available") from error
        raise


def _metrics(
    session: Session, plural: str, namespace: str | None, name: str | None, query: Any
) -> list[dict[str, Any]]:
    if name is not None:
        return [session.transport.get_json(object_path(METRICS_VERSION, plural, namespace, name))]
    listing = session.transport.get_json(collection_path(METRICS_VERSION, plural, namespace), query)
    items: list[dict[str, Any]] = listing.get("items") or []
    if plural != "pods" or namespace is not None:
        return items
    return [item for item in items if session.settings.allows_namespace(item["metadata"].get("namespace", ""))]


def _top_pods(session: Session, command: KubectlCommand, output: Output) -> None:
    namespace = None if command.all_namespaces else session.namespace(command)
    name = command.resources[0].name if command.resources else None
    items = _metrics(session, "pods", namespace, name, selector_query(command))
    if not items:
        output.err(f"No resources found in {namespace} namespace." if namespace else "No resources found")
        return
    rows = [row for item in items for row in _pod_row(item, command)]
    rows = _sorted(rows, str(command.flags.get("sort-by", "")), cpu_at=-2, memory_at=-1)
    header = ["NAME", "CPU(cores)", "MEMORY(bytes)"]
    if command.flags.get("containers"):
        header = ["POD", *header]
    if command.all_namespaces:
        header = ["NAMESPACE", *header]
    _print(output, header, rows, bool(command.flags.get("no-headers")))


def _pod_row(item: dict[str, Any], command: KubectlCommand) -> list[list[str]]:
    meta, containers = item["metadata"], item.get("containers") or []
    prefix = [meta.get("namespace", "")] if command.all_namespaces else []
    if command.flags.get("containers"):
        return [
            [
                *prefix,
                meta["name"],
                c["name"],
                f"{millicores(c['usage']['cpu'])}m",
                f"{mebibytes(c['usage']['memory'])}Mi",
            ]
            for c in containers
        ]
    cpu = sum(millicores(c["usage"]["cpu"]) for c in containers)
    memory = sum(parse_quantity(c["usage"]["memory"]) for c in containers)
    return [[*prefix, meta["name"], f"{cpu}m", f"{int(memory // (1024 * 1024))}Mi"]]


def _top_nodes(session: Session, command: KubectlCommand, output: Output) -> None:
    name = command.resources[0].name if command.resources else None
    items = _metrics(session, "nodes", None, name, selector_query(command))
    if not items:
        raise KubeApiError("error: metrics not available yet")
    nodes = {node["metadata"]["name"]: node for node in session.collection(resource_type("nodes"), None)}
    rows = []
    for item in items:
        allocatable = nodes.get(item["metadata"]["name"], {}).get("status", {}).get("allocatable", {})
        cpu, memory = millicores(item["usage"]["cpu"]), mebibytes(item["usage"]["memory"])
        rows.append(
            [
                item["metadata"]["name"],
                f"{cpu}m",
                _percent(cpu, millicores(allocatable["cpu"]) if "cpu" in allocatable else 0),
                f"{memory}Mi",
                _percent(memory, mebibytes(allocatable["memory"]) if "memory" in allocatable else 0),
            ]
        )
    rows = _sorted(rows, str(command.flags.get("sort-by", "")), cpu_at=1, memory_at=3)
    header = ["NAME", "CPU(cores)", "CPU%", "MEMORY(bytes)", "MEMORY%"]
    _print(output, header, rows, bool(command.flags.get("no-headers")))


def _percent(used: int, total: int) -> str:
    return f"{used * 100 // total}%" if total else "<unknown>"


def _sorted(rows: list[list[str]], sort_by: str, *, cpu_at: int, memory_at: int) -> list[list[str]]:
    if sort_by not in ("", "cpu", "memory"):
        raise KubeApiError(f"error: --sort-by accepts only cpu or memory, not {sort_by!r}")
    if not sort_by:
        return rows
    column = cpu_at if sort_by == "cpu" else memory_at
    return sorted(rows, key=lambda row: int(row[column].rstrip("mMi")), reverse=True)


def _print(output: Output, header: list[str], rows: list[list[str]], no_headers: bool) -> None:
    if rows:
        output.out(format_table(rows if no_headers else [header, *rows]))
