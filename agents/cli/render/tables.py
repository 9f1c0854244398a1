"""The table printer: one aligned table per resource type, as ``kubectl get`` prints it.

It adds kubectl's NAMESPACE and LABELS columns, names objects ``kind/name`` when several kinds print,
and words the "No resources found" message.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from agents.cli.render.cells import JSONObj, dig, format_labels
from agents.cli.render.registry import ResourceType, kind_prefix
from agents.cli.render.tabwriter import tabwrite


def _printable_cell(cell: str) -> str:
    # kubectl's table printer cuts a string cell at its first newline.
    head, newline, _ = cell.partition("\n")
    return head + "..." if newline else head


@dataclass(frozen=True)
class TableOptions:
    """Flags of ``kubectl get`` that shape a table; ``now`` is the clock that AGE is measured against."""

    now: datetime
    wide: bool
    all_namespaces: bool
    show_kind: bool
    show_labels: bool
    no_headers: bool


def render_table(rtype: ResourceType, objects: Sequence[JSONObj], options: TableOptions) -> str:
    """One resource type's table, aligned as kubectl aligns it, headers first unless ``no_headers``."""
    headers = list(rtype.table.wide_headers if options.wide else rtype.table.headers)
    name_index = headers.index("NAME") if "NAME" in headers else None
    with_namespace = options.all_namespaces and rtype.namespaced
    lines = []
    if not options.no_headers:
        lines.append(["NAMESPACE"] * with_namespace + headers + ["LABELS"] * options.show_labels)
    for obj in objects:
        cells = [_printable_cell(cell) for cell in rtype.table.row(obj, options.now, options.wide)]
        if options.show_kind and name_index is not None:
            cells[name_index] = f"{kind_prefix(rtype, obj)}/{cells[name_index]}"
        if with_namespace:
            cells.insert(0, str(dig(obj, "metadata", "namespace") or ""))
        if options.show_labels:
            cells.append(_printable_cell(format_labels(dig(obj, "metadata", "labels"))))
        lines.append(cells)
    return tabwrite("".join("\t".join(cells) + "\n" for cells in lines))


def no_resources(requested: Sequence[ResourceType], namespace: str | None, all_namespaces: bool) -> str:
    """kubectl's message when nothing matched, naming the namespace where every type is namespaced."""
    if all_namespaces or not all(rtype.namespaced for rtype in requested):
        return "No resources found\n"
    return f"No resources found in {namespace or 'default'} namespace.\n"
