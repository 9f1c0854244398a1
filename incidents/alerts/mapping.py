"""How an Alertmanager alert becomes an incident's fields. Pure: labels and annotations in, values out.

The severity values are the ``incidents.models.Severity`` choices, spelled out here so this module
stays free of the ORM (a test checks the two agree)."""

from dataclasses import dataclass
from datetime import datetime

from incidents.alerts.parsing import Alert

# Prometheus rules use several vocabularies; anything unknown is treated as a warning, not ignored.
SEVERITY_BY_LABEL: dict[str, str] = {
    "critical": "critical",
    "high": "high",
    "error": "high",
    "warning": "warning",
    "info": "info",
    "none": "info",
}
DEFAULT_SEVERITY = "warning"
APPLICATION_LABELS = ("app", "application", "service", "job")
# Column widths of the Incident fields these values land in.
TITLE_MAX, APPLICATION_MAX, NAMESPACE_MAX = 300, 100, 253


@dataclass(frozen=True)
class IncidentFields:
    """The fields of a new incident opened by an alert (its team, source and group key aside)."""

    title: str
    description: str
    severity: str
    application: str
    namespace: str
    starts_at: datetime | None
    fingerprint: str
    labels: dict[str, str]
    annotations: dict[str, str]


def alert_incident_fields(alert: Alert) -> IncidentFields:
    """Map ``alert`` to the fields of the incident it opens."""
    labels = alert.labels
    return IncidentFields(
        title=alert_title(alert),
        description=alert.annotations.get("description", ""),
        severity=alert_severity(labels),
        application=alert_application(labels)[:APPLICATION_MAX],
        namespace=labels.get("namespace", "")[:NAMESPACE_MAX],
        starts_at=alert.starts_at,
        fingerprint=alert.fingerprint,
        labels=labels,
        annotations=alert.annotations,
    )


def alert_title(alert: Alert) -> str:
    """The summary annotation, else the alert name with the service and namespace it concerns."""
    summary = alert.annotations.get("summary", "").strip()
    if summary:
        return summary[:TITLE_MAX]
    labels = alert.labels
    name = labels.get("alertname", "").strip() or f"Alert {alert.fingerprint[:16]}"
    where = ", ".join(f"{key}={labels[key]}" for key in ("service", "namespace") if labels.get(key))
    return (f"{name} ({where})" if where else name)[:TITLE_MAX]


def alert_severity(labels: dict[str, str]) -> str:
    """The ``severity`` label in the platform's vocabulary."""
    return SEVERITY_BY_LABEL.get(labels.get("severity", "").strip().lower(), DEFAULT_SEVERITY)


def alert_application(labels: dict[str, str]) -> str:
    """The first of the labels ``app``, ``application``, ``service``, ``job`` that is set."""
    return next((labels[key] for key in APPLICATION_LABELS if labels.get(key)), "")
