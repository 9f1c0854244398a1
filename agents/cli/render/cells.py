"""Cell formatting shared by the ``kubectl get`` row printers and by the describers.

``dig`` walks the API-shaped dicts; ``format_labels``, ``format_selector``, ``access_modes`` and
``format_endpoints`` are kubectl's own helpers for those cells; the rest are the small cells (name, age,
container names and images) that nearly every row printer starts from.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import Any

from agents.cli.durations import age

JSONObj = Mapping[str, Any]
RowPrinter = Callable[[JSONObj, datetime, bool], list[str]]


def dig(obj: Any, *path: str | int) -> Any:
    """The value at ``path`` inside nested dicts and lists, or None where any step is missing."""
    current = obj
    for key in path:
        if isinstance(key, int):
            if not isinstance(current, list) or not -len(current) <= key < len(current):
                return None
            current = current[key]
        elif isinstance(current, Mapping):
            current = current.get(key)
        else:
            return None
    return current


def format_labels(labels: Mapping[str, Any] | None) -> str:
    """``labels.FormatLabels``: sorted ``k=v`` pairs joined by commas, ``<none>`` when empty."""
    if not labels:
        return "<none>"
    return ",".join(f"{key}={labels[key]}" for key in sorted(labels))


def format_selector(selector: Mapping[str, Any] | None, *, empty: str = "<none>") -> str:
    """A LabelSelector as ``labels.Selector.String()`` prints it (requirements sorted by key)."""
    requirements: list[tuple[str, str]] = []
    for key, value in ((selector or {}).get("matchLabels") or {}).items():
        requirements.append((key, f"{key}={value}"))
    for expression in (selector or {}).get("matchExpressions") or []:
        key = expression.get("key", "")
        values = ",".join(sorted(expression.get("values") or []))
        operator = expression.get("operator")
        shown = {"In": f"{key} in ({values})", "NotIn": f"{key} notin ({values})", "DoesNotExist": f"!{key}"}
        requirements.append((key, shown.get(operator, key)))
    text = ",".join(text for _, text in sorted(requirements, key=lambda pair: pair[0]))
    return text or empty


def access_modes(modes: Iterable[str] | None) -> str:
    """Access modes abbreviated in kubectl's fixed order (RWO, ROX, RWX, RWOP)."""
    present = set(modes or ())
    names = (("ReadWriteOnce", "RWO"), ("ReadOnlyMany", "ROX"), ("ReadWriteMany", "RWX"), ("ReadWriteOncePod", "RWOP"))
    return ",".join(short for mode, short in names if mode in present)


def _host_port(ip: str, port: Any) -> str:
    return f"[{ip}]:{port}" if ":" in ip else f"{ip}:{port}"


def format_endpoints(endpoints: JSONObj | None, port_names: set[str] | None = None) -> str:
    """The ENDPOINTS cell: up to three ``ip:port`` of ready addresses, then "+ N more...", or <none>."""
    subsets = (endpoints or {}).get("subsets") or []
    if not subsets:
        return "<none>"
    listed: list[str] = []
    count = 0
    for subset in subsets:
        ips = [address.get("ip", "") for address in subset.get("addresses") or []]
        ports = subset.get("ports") or []
        if not ports:
            count += len(ips)
            listed.extend(ips)
            continue
        for port in ports:
            if port_names is None or (port.get("name") or "") in port_names:
                count += len(ips)
                listed.extend(_host_port(ip, port.get("port")) for ip in ips)
    text = ",".join(listed[:3])
    return f"{text} + {count - 3} more..." if count > 3 else text


def as_int(value: Any, default: int = 0) -> int:
    """A JSON number as an int; ``default`` for anything else, booleans included."""
    return int(value) if isinstance(value, int | float) and not isinstance(value, bool) else default


def object_name(obj: JSONObj) -> str:
    return str(dig(obj, "metadata", "name") or "")


def object_age(obj: JSONObj, now: datetime) -> str:
    return age(dig(obj, "metadata", "creationTimestamp"), now)


def container_columns(template_spec: Any) -> tuple[str, str]:
    """The CONTAINERS and IMAGES cells of ``-o wide``: a pod spec's container names and images."""
    containers = dig(template_spec, "containers") or []
    return ",".join(c.get("name", "") for c in containers), ",".join(c.get("image", "") for c in containers)
