"""Reading kubectl's JSON output, and what the analyzers share: which service an object belongs to, times.

The analyzers read objects as ``kubectl get ... -o json`` prints them (a ``List`` of items, or one object),
so the same code serves the simulator and a real cluster. A pod belongs to the service (Deployment) whose
selector its labels satisfy; a ReplicaSet to the Deployment that owns it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

JSON = dict[str, Any]


def items_of(output: str) -> list[JSON] | None:
    """The objects of a ``-o json`` read (a List's items, or the one object); None when it is not JSON (an
    error message, a refusal)."""
    try:
        document = json.loads(output)
    except (ValueError, TypeError):
        return None
    if not isinstance(document, dict):
        return None
    if isinstance(document.get("items"), list):
        return [item for item in document["items"] if isinstance(item, dict)]
    return [document] if document.get("kind") else None


def labels_match(labels: Mapping[str, str], selector: Mapping[str, str]) -> bool:
    """Whether ``labels`` satisfy an equality selector (an empty selector selects nothing here)."""
    return bool(selector) and all(labels.get(key) == value for key, value in selector.items())


def selector_labels(selector: str) -> dict[str, str]:
    """``app=ledger,tier=db`` as a mapping."""
    pairs = (part.partition("=") for part in selector.split(",") if "=" in part)
    return {key.strip(): value.strip() for key, _, value in pairs}


class Services:
    """The namespace's services (Deployments) and their pod selectors: who owns an object."""

    def __init__(self, selectors: Sequence[tuple[str, str]]) -> None:
        self.names = tuple(name for name, _ in selectors)
        self._selectors = {name: selector_labels(selector) for name, selector in selectors}

    def of_labels(self, labels: Mapping[str, str]) -> str:
        """The service whose selector these labels satisfy (the most specific one), or ""."""
        owners = [name for name, selector in self._selectors.items() if labels_match(labels, selector)]
        return max(owners, key=lambda name: len(self._selectors[name]), default="")

    def of_pod(self, pod: Mapping[str, Any]) -> str:
        found = self.of_labels(meta(pod).get("labels") or {})
        return found or self.of_name(str(meta(pod).get("name", "")))

    def of_name(self, name: str) -> str:
        """The service an object's generated name starts with (``ledger-7d9f-x2k`` -> ``ledger``), or ""."""
        prefixes = [service for service in self.names if name == service or name.startswith(service + "-")]
        return max(prefixes, key=len, default="")

    def selector(self, service: str) -> dict[str, str]:
        return dict(self._selectors.get(service, {}))


def meta(obj: Mapping[str, Any]) -> JSON:
    found = obj.get("metadata")
    return found if isinstance(found, dict) else {}


def spec(obj: Mapping[str, Any]) -> JSON:
    found = obj.get("spec")
    return found if isinstance(found, dict) else {}


def status(obj: Mapping[str, Any]) -> JSON:
    found = obj.get("status")
    return found if isinstance(found, dict) else {}


def parse_time(value: Any) -> datetime | None:
    """An RFC 3339 timestamp as Kubernetes writes it (``2026-11-21T09:00:38Z``), or None."""
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def ago(moment: datetime | None, now: datetime | None) -> str:
    """``3m12s ago`` as kubectl words ages; "" when either time is unknown."""
    if moment is None or now is None:
        return ""
    seconds = max(0, int((now - moment).total_seconds()))
    if seconds < 120:
        return f"{seconds}s ago"
    if seconds < 3600:
        return f"{seconds // 60}m{seconds % 60}s ago"
    return f"{seconds // 3600}h{(seconds % 3600) // 60}m ago"


def seconds_between(earlier: datetime | None, later: datetime | None) -> float | None:
    if earlier is None or later is None:
        return None
    return (later - earlier).total_seconds()


def latest_time(objects: Sequence[Mapping[str, Any]]) -> datetime | None:
    """The newest timestamp written anywhere in ``objects``: the cluster's "now" as far as the reads show
    (on a simulated cluster the wall clock says nothing about the cluster's own time)."""
    newest: datetime | None = None
    stack: list[Any] = list(objects)
    while stack:
        value = stack.pop()
        if isinstance(value, dict):
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)
        elif isinstance(value, str) and len(value) >= 20 and value[4:5] == "-" and value[10:11] == "T":
            moment = parse_time(value)
            if moment is not None and (newest is None or moment > newest):
                newest = moment
    return newest
