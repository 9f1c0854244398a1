"""Events: Warning events grouped by the object they are about, with their counts and latest message.

A single Warning long ago (a back-off while a pod first started) is kept as a notice; Warnings that keep
coming, or came in the last minutes, are signs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from agents.analyzers.findings import NOTICE, WARNING, Finding
from agents.analyzers.objects import JSON, Services, ago, parse_time, seconds_between

QUIET_AFTER_S = 120.0


@dataclass
class _Group:
    kind: str
    name: str
    reasons: dict[str, int] = field(default_factory=dict)
    message: str = ""
    last: datetime | None = None


def events_analyze(events: list[JSON], services: Services, *, source: str, now: datetime | None) -> list[Finding]:
    """One finding per object with Warning events (``kubectl get events -o json``)."""
    groups: dict[tuple[str, str], _Group] = {}
    for event in events:
        if event.get("type") != "Warning":
            continue
        involved = event.get("involvedObject") or {}
        key = (str(involved.get("kind", "")), str(involved.get("name", "")))
        group = groups.setdefault(key, _Group(*key))
        reason = str(event.get("reason", ""))
        group.reasons[reason] = group.reasons.get(reason, 0) + int(event.get("count") or 1)
        moment = parse_time(event.get("lastTimestamp") or event.get("eventTime") or event.get("firstTimestamp"))
        if group.last is None or (moment is not None and moment >= group.last):
            group.last, group.message = moment, str(event.get("message", ""))
    found = []
    for group in groups.values():
        total = sum(group.reasons.values())
        reasons = ", ".join(f"{reason} x{count}" for reason, count in group.reasons.items())
        quiet = seconds_between(group.last, now)
        severity = NOTICE if total == 1 and quiet is not None and quiet > QUIET_AFTER_S else WARNING
        when = ago(group.last, now)
        detail = (
            f"{group.kind.lower()}/{group.name}: {reasons}{', last ' + when if when else ''}: {group.message[:160]}"
        )
        service = services.of_name(group.name)
        found.append(Finding(service, "warning_events", detail, source, severity, related=""))
    return found
