"""The describe writer and the sections every describer prints the same way.

``Writer`` is kubectl's PrefixWriter over a tabwriter; ``Context`` carries the clock, the object's events
and what a describer would fetch from the API server (``related``). The Name/Namespace header, Labels,
Annotations and the Events table look alike for every kind, so each describer takes them from here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from agents.cli.durations import age, parse_timestamp
from agents.cli.jsonpath import go_sprint
from agents.cli.render import dig, tabwrite

JSONObj = Mapping[str, Any]
_MAX_ANNOTATION = 140
_SKIPPED_ANNOTATIONS = frozenset({"kubectl.kubernetes.io/last-applied-configuration"})


class Writer:
    """kubectl's PrefixWriter over a tabwriter: two spaces per level; ``flush`` ends an alignment unit."""

    def __init__(self) -> None:
        self.units: list[list[str]] = [[]]

    def write(self, level: int, text: str) -> None:
        self.units[-1].append("  " * level + text)

    def line(self, text: str) -> None:
        self.units[-1].append(text + "\n")

    def flush(self) -> None:
        self.units.append([])

    def text(self) -> str:
        return "".join(tabwrite("".join(unit), minwidth=0, padding=2) for unit in self.units)


@dataclass(frozen=True)
class Context:
    """What a describer reads besides the object: the clock, its events, and what kubectl would fetch."""

    now: datetime
    events: Sequence[JSONObj]
    related: Mapping[str, Any] = field(default_factory=dict)

    def since(self, timestamp: str | None) -> str:
        return age(timestamp, self.now)


def meta(obj: JSONObj, key: str) -> Any:
    return dig(obj, "metadata", key)


def go_list(values: Sequence[Any] | None) -> str:
    """A list as Go's ``fmt`` prints a slice: ``[a b c]``."""
    return "[" + " ".join(go_sprint(value) for value in values or []) + "]"


def write_labels(w: Writer, title: str, labels: Mapping[str, Any] | None, indent: str = "") -> None:
    w.write(0, f"{indent}{title}:\t")
    if not labels:
        w.line("<none>")
        return
    for index, key in enumerate(sorted(labels)):
        if index:
            w.write(0, indent + "\t")
        w.write(0, f"{key}={labels[key]}\n")


def write_annotations(w: Writer, title: str, annotations: Mapping[str, Any] | None) -> None:
    w.write(0, f"{title}:\t")
    keys = sorted(key for key in annotations or {} if key not in _SKIPPED_ANNOTATIONS)
    if not keys:
        w.line("<none>")
        return
    for index, key in enumerate(keys):
        if index:
            w.write(0, "\t")
        value = str((annotations or {})[key]).removesuffix("\n")
        if len(value) + len(key) + 2 > _MAX_ANNOTATION or "\n" in value:
            w.write(0, f"{key}:\n")
            for part in value.split("\n"):
                shown = part[: _MAX_ANNOTATION - 2] + "..." if len(part) > _MAX_ANNOTATION - 2 else part
                w.write(0, f"\t  {shown}\n")
        else:
            w.write(0, f"{key}: {value}\n")


def controller_of(obj: JSONObj) -> str:
    """``Kind/name`` of the owner reference marked as controller, or empty."""
    for owner in meta(obj, "ownerReferences") or []:
        if owner.get("controller"):
            return f"{owner.get('kind', '')}/{owner.get('name', '')}"
    return ""


def write_header(w: Writer, obj: JSONObj, *, namespace: bool = True) -> None:
    w.write(0, f"Name:\t{meta(obj, 'name') or ''}\n")
    if namespace:
        w.write(0, f"Namespace:\t{meta(obj, 'namespace') or ''}\n")


def _event_order(event: JSONObj) -> datetime:
    stamp = dig(event, "series", "lastObservedTime") or event.get("lastTimestamp") or event.get("eventTime")
    return parse_timestamp(stamp) or datetime.min.replace(tzinfo=UTC)


def write_events(w: Writer, ctx: Context) -> None:
    """The Events table, oldest first, aligned on its own; ``Events: <none>`` when there are none."""
    if not ctx.events:
        w.write(0, "Events:\t<none>\n")
        return
    w.flush()
    w.write(0, "Events:\n  Type\tReason\tAge\tFrom\tMessage\n")
    w.write(1, "----\t------\t----\t----\t-------\n")
    for event in sorted(ctx.events, key=_event_order):
        first = ctx.since(event.get("eventTime") or event.get("firstTimestamp"))
        interval = first
        if event.get("series"):
            last, count = dig(event, "series", "lastObservedTime"), dig(event, "series", "count")
            interval = f"{ctx.since(last)} (x{count} over {first})"
        elif int(event.get("count") or 0) > 1:
            interval = f"{ctx.since(event.get('lastTimestamp'))} (x{event['count']} over {first})"
        source = dig(event, "source", "component") or event.get("reportingController") or ""
        message = str(event.get("message") or "").strip()
        if dig(event, "involvedObject", "fieldPath"):
            message = f"{dig(event, 'involvedObject', 'fieldPath')}: {message}"
        w.write(1, f"{event.get('type', '')}\t{event.get('reason', '')}\t{interval}\t{source}\t{message}\n")
