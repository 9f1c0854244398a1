"""Alertmanager webhook bodies shaped like the ones Alertmanager sends (payload version 4)."""

import json
from typing import Any

EXTERNAL_URL = "http://alertmanager.monitoring:9093"
STARTS_AT = "2025-03-14T09:26:53.589793238Z"
GO_ZERO_TIME = "0001-01-01T00:00:00Z"


def alert(
    alertname: str = "HighErrorRate",
    *,
    status: str = "firing",
    fingerprint: str | None = "5c0a8e1f2b3d4e6a",
    labels: dict[str, Any] | None = None,
    annotations: dict[str, Any] | None = None,
    starts_at: str = STARTS_AT,
) -> dict[str, Any]:
    """One alert as Alertmanager renders it. ``fingerprint=None`` leaves the field out."""
    all_labels: dict[str, Any] = {
        "alertname": alertname,
        "service": "checkout",
        "namespace": "shop",
        "severity": "critical",
    }
    all_labels.update(labels or {})
    rendered: dict[str, Any] = {
        "status": status,
        "labels": all_labels,
        "annotations": {
            "summary": f"{alertname} on checkout",
            "description": "5xx ratio above 5% for 10 minutes.",
            **(annotations or {}),
        },
        "startsAt": starts_at,
        "endsAt": "2025-03-14T10:01:53.589Z" if status == "resolved" else GO_ZERO_TIME,
        "generatorURL": "http://prometheus.monitoring:9090/graph?g0.expr=rate%28http_errors_total%5B5m%5D%29",
    }
    if fingerprint is not None:
        rendered["fingerprint"] = fingerprint
    return rendered


def webhook(
    *alerts: dict[str, Any], group_key: str = '{}:{alertname="HighErrorRate"}', **overrides: Any
) -> dict[str, Any]:
    """A whole delivery: the alerts of one group plus the group's common labels and annotations."""
    alerts = alerts or (alert(),)
    # Tests also build deliberately broken alerts; derive the group's fields from the sound ones.
    label_sets = [set(a["labels"].items()) for a in alerts if isinstance(a.get("labels"), dict)] or [set()]
    common_labels = dict(set.intersection(*label_sets))
    payload: dict[str, Any] = {
        "receiver": "aoi-sre",
        "status": "firing" if any(a.get("status") == "firing" for a in alerts) else "resolved",
        "alerts": list(alerts),
        "groupLabels": {k: v for k, v in common_labels.items() if k == "alertname"},
        "commonLabels": common_labels,
        "commonAnnotations": {},
        "externalURL": EXTERNAL_URL,
        "version": "4",
        "groupKey": group_key,
        "truncatedAlerts": 0,
    }
    payload.update(overrides)
    return payload


def body(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload).encode()
