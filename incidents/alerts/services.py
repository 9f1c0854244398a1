"""Alertmanager ingestion: apply a validated delivery to a team's incidents; keep refused deliveries.

One incident per alert fingerprint per team among incidents that are not closed (the partial unique
constraint ``incident_one_live_per_fingerprint`` backs it). A repeat updates that incident, a
resolved alert resolves it, a firing alert reopens it once resolved."""

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.dispatch import Signal
from django.utils import timezone

from incidents.alerts.mapping import alert_incident_fields
from incidents.alerts.parsing import Alert, AlertmanagerPayload
from incidents.models import AlertIntegration, Incident, IncidentSource, IncidentStatus, RejectedDelivery, Team
from incidents.services.incidents import incident_create, incident_event_append, incident_transition
from trajectories.audit.services import Actor, audit_append

ALERTMANAGER = Actor.system("alertmanager")
ACTIVE_STATUSES = frozenset(
    {IncidentStatus.OPEN, IncidentStatus.INVESTIGATING, IncidentStatus.AWAITING_APPROVAL, IncidentStatus.MITIGATING}
)


@dataclass
class IngestResult:
    """What one delivery did: one outcome per alert, and the incidents it touched (in order)."""

    created: int = 0
    updated: int = 0
    resolved: int = 0
    reopened: int = 0
    ignored: int = 0
    incidents: list[str] = field(default_factory=list)

    def count(self, *, outcome: str, incident: Incident | None) -> None:
        setattr(self, outcome, getattr(self, outcome) + 1)
        if incident is not None and str(incident.uuid) not in self.incidents:
            self.incidents.append(str(incident.uuid))

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@dataclass(frozen=True)
class _Delivery:
    """What every alert of one delivery shares."""

    team: Team
    integration: AlertIntegration
    group_key: str


@transaction.atomic
def alertmanager_ingest(*, integration: AlertIntegration, payload: AlertmanagerPayload) -> IngestResult:
    """Apply every alert of ``payload`` to the integration's team, all in one transaction.

    Deliveries for one team are serialised on the team's row: two deliveries of the same new
    fingerprint then cannot both miss the other's incident, and none waits for the audit lock
    while holding an incident insert another delivery waits on (a deadlock). A concurrent
    creator outside ingestion is still caught by the unique constraint (see ``_incident_open``)."""
    # NO KEY UPDATE does not block inserts of rows that reference the team (they take KEY SHARE).
    team = Team.objects.select_for_update(no_key=True).get(pk=integration.team_id)
    delivery = _Delivery(team=team, integration=integration, group_key=payload.group_key)
    result = IngestResult()
    for alert in payload.alerts:
        incident, outcome = _alert_apply(delivery=delivery, alert=alert)
        result.count(outcome=outcome, incident=incident)
    AlertIntegration.objects.filter(pk=integration.pk).update(last_delivery_at=timezone.now())
    return result


# Sent (``incident=``) after the delivery commits, for each incident an alert opened on a team that diagnoses
# automatically; the agents app starts a run.
incident_opened_for_diagnosis = Signal()


def _alert_apply(*, delivery: _Delivery, alert: Alert) -> tuple[Incident | None, str]:
    incident = _live_incident(team=delivery.team, fingerprint=alert.fingerprint)
    if incident is None and alert.status == "resolved":
        _alert_record(delivery=delivery, incident=None, alert=alert, outcome="ignored")
        return None, "ignored"
    if incident is None:
        incident, created = _incident_open(delivery=delivery, alert=alert)
        if created:
            _alert_record(delivery=delivery, incident=incident, alert=alert, outcome="created")
            if delivery.team.auto_diagnose:
                opened = incident
                transaction.on_commit(
                    lambda: incident_opened_for_diagnosis.send_robust(sender=Incident, incident=opened), robust=True
                )
            return incident, "created"
    Incident.objects.filter(pk=incident.pk).update(
        labels=alert.labels,
        annotations=alert.annotations,
        group_key=delivery.group_key,
        alert_count=F("alert_count") + 1,
        updated_at=timezone.now(),
    )
    outcome = _outcome(incident_status=incident.status, alert_status=alert.status)
    _alert_record(delivery=delivery, incident=incident, alert=alert, outcome=outcome)
    if outcome == "resolved":
        incident = incident_transition(
            incident=incident, to_status=IncidentStatus.RESOLVED, actor=ALERTMANAGER, reason="resolved by Alertmanager"
        )
    elif outcome == "reopened":
        incident = incident_transition(
            incident=incident, to_status=IncidentStatus.OPEN, actor=ALERTMANAGER, reason="firing again in Alertmanager"
        )
    return incident, outcome


def _outcome(*, incident_status: str, alert_status: str) -> str:
    if alert_status == "resolved" and incident_status in ACTIVE_STATUSES:
        return "resolved"
    if alert_status == "firing" and incident_status == IncidentStatus.RESOLVED:
        return "reopened"
    return "updated"


def _live_incident(*, team: Team, fingerprint: str) -> Incident | None:
    """The team's incident for ``fingerprint`` that is not closed, locked for this transaction."""
    live = Incident.objects.select_for_update().filter(team=team, fingerprint=fingerprint)
    return live.exclude(status=IncidentStatus.CLOSED).first()


def _incident_open(*, delivery: _Delivery, alert: Alert) -> tuple[Incident, bool]:
    """Open the incident for a new fingerprint, or return the one a concurrent writer just opened.
    Returns ``(incident, created)``."""
    fields = dataclasses.asdict(alert_incident_fields(alert))
    try:
        # A savepoint, so that losing the race leaves this delivery's transaction usable.
        with transaction.atomic():
            incident = incident_create(
                team=delivery.team,
                actor=ALERTMANAGER,
                source=IncidentSource.ALERTMANAGER,
                group_key=delivery.group_key,
                alert_count=1,
                **fields,
            )
            return incident, True
    except IntegrityError:
        # The other writer committed before our insert could proceed, so its row is visible now.
        existing = _live_incident(team=delivery.team, fingerprint=alert.fingerprint)
        if existing is None:
            raise
        return existing, False


def _alert_record(*, delivery: _Delivery, incident: Incident | None, alert: Alert, outcome: str) -> None:
    """The audit event of one alert, and its entry in the incident's event log when it has one."""
    details = {
        "fingerprint": alert.fingerprint,
        "status": alert.status,
        "group_key": delivery.group_key,
        "outcome": outcome,
    }
    audit_payload = {
        **details,
        "alertname": alert.labels.get("alertname", ""),
        "team": delivery.team.slug,
        "integration": delivery.integration.name,
    }
    if incident is None:
        audit_append(
            actor=ALERTMANAGER,
            verb="alert.received",
            object_type="alert_integration",
            object_id=delivery.integration.pk,
            payload=audit_payload,
        )
        return
    audit_append(
        actor=ALERTMANAGER,
        verb="alert.received",
        object_type="incident",
        object_id=incident.uuid,
        payload=audit_payload,
    )
    incident_event_append(
        incident=incident,
        type="alert.received",
        payload={
            **details,
            "starts_at": alert.starts_at.isoformat() if alert.starts_at else None,
            "ends_at": alert.ends_at.isoformat() if alert.ends_at else None,
            "generator_url": alert.generator_url,
        },
    )


def rejected_delivery_record(
    *,
    reason: str,
    status_code: int,
    body_head: bytes,
    body_size: int,
    content_type: str,
    remote_addr: str,
    integration: AlertIntegration | None = None,
) -> RejectedDelivery:
    """Keep a refused delivery for inspection: its reason and the first
    ``AOI_REJECTED_DELIVERY_BODY_BYTES`` of its body as received. Only the newest
    ``AOI_REJECTED_DELIVERY_KEEP`` are kept; older ones are deleted in the same transaction.
    Touches no incident."""
    with transaction.atomic():
        rejected = RejectedDelivery.objects.create(
            integration=integration,
            status_code=status_code,
            reason=reason,
            remote_addr=remote_addr[:64],
            content_type=content_type[:200],
            body_size=body_size,
            body_excerpt=bytes(body_head[: settings.AOI_REJECTED_DELIVERY_BODY_BYTES]),
        )
        newest_first = RejectedDelivery.objects.order_by("-pk").values_list("pk", flat=True)
        stale = list(newest_first[settings.AOI_REJECTED_DELIVERY_KEEP :])
        RejectedDelivery.objects.filter(pk__in=stale).delete()
    return rejected
