"""Incident lifecycle: creation, status transitions, the event log, the post-incident label."""

from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from aoi_platform.errors import Conflict, DomainError
from incidents.models import Incident, IncidentEvent, IncidentStatus, SystemLevel, Team
from incidents.services.teams import incident_grant_team_permissions
from trajectories.audit.services import Actor, acting_as, audit_append


def incident_event_append(*, incident: Incident, type: str, payload: dict[str, Any]) -> IncidentEvent:
    """Append to the incident's event log with the next gapless ``seq``. The counter update takes
    the incident's row lock until the caller's transaction ends, so seqs never collide or skip."""
    with transaction.atomic():
        Incident.objects.filter(pk=incident.pk).update(last_event_seq=F("last_event_seq") + 1)
        seq = Incident.objects.filter(pk=incident.pk).values_list("last_event_seq", flat=True).get()
        incident.last_event_seq = seq
        return IncidentEvent.objects.create(incident=incident, seq=seq, type=type, payload=payload)


@transaction.atomic
def incident_create(*, team: Team, title: str, actor: Actor, created_by: User | None = None, **fields: Any) -> Incident:
    """Open an incident for ``team`` and grant the team's groups their permissions on it."""
    incident = Incident.objects.create(team=team, title=title, created_by=created_by, **fields)
    with acting_as(actor):
        incident_grant_team_permissions(incident=incident)
    audit_append(
        actor=actor,
        verb="incident.created",
        object_type="incident",
        object_id=incident.uuid,
        payload={"title": title, "team": team.slug, "severity": incident.severity, "source": incident.source},
    )
    incident_event_append(
        incident=incident,
        type="incident.created",
        payload={"status": incident.status, "severity": incident.severity, "title": title},
    )
    return incident


def _lock(incident: Incident) -> Incident:
    return Incident.objects.select_for_update().get(pk=incident.pk)


@transaction.atomic
def incident_transition(*, incident: Incident, to_status: str, actor: Actor, reason: str = "") -> Incident:
    """Move the incident to ``to_status`` if ``INCIDENT_TRANSITIONS`` allows it (under its row lock)."""
    if to_status not in IncidentStatus.values:
        raise DomainError(f"Unknown status {to_status!r}.", code="unknown_status")
    locked = _lock(incident)
    if not locked.can_transition_to(to_status):
        raise Conflict(f"An incident cannot go from {locked.status} to {to_status}.", code="invalid_transition")
    from_status, now = locked.status, timezone.now()
    locked.status = to_status
    update = ["status", "updated_at"]
    if to_status == IncidentStatus.RESOLVED:
        locked.resolved_at = now
        update.append("resolved_at")
    elif to_status == IncidentStatus.CLOSED:
        locked.closed_at = now
        update.append("closed_at")
    locked.save(update_fields=update)
    payload = {"from": from_status, "to": to_status, "reason": reason}
    audit_append(
        actor=actor, verb="incident.transitioned", object_type="incident", object_id=locked.uuid, payload=payload
    )
    incident_event_append(incident=locked, type="incident.status_changed", payload=payload)
    return locked


@transaction.atomic
def incident_label(
    *, incident: Incident, user: User, rca_component: str, rca_system_level: str, rca_fault_type: str
) -> Incident:
    """Set the post-incident label (a person's ground truth that later grades the agents)."""
    if rca_system_level and rca_system_level not in SystemLevel.values:
        raise DomainError(f"Unknown system level {rca_system_level!r}.", code="unknown_system_level")
    if not (rca_component or rca_fault_type or rca_system_level):
        raise DomainError("A label needs at least one of component, system level or fault type.", code="empty_label")
    locked = _lock(incident)
    before = {
        "rca_component": locked.rca_component,
        "rca_system_level": locked.rca_system_level,
        "rca_fault_type": locked.rca_fault_type,
    }
    locked.rca_component, locked.rca_system_level, locked.rca_fault_type = (
        rca_component,
        rca_system_level,
        rca_fault_type,
    )
    locked.labelled_by, locked.labelled_at = user, timezone.now()
    locked.save(
        update_fields=[
            "rca_component",
            "rca_system_level",
            "rca_fault_type",
            "labelled_by",
            "labelled_at",
            "updated_at",
        ]
    )
    after = {"rca_component": rca_component, "rca_system_level": rca_system_level, "rca_fault_type": rca_fault_type}
    audit_append(
        actor=Actor.of_user(user),
        verb="incident.labelled",
        object_type="incident",
        object_id=locked.uuid,
        payload={"before": before, "after": after},
    )
    incident_event_append(incident=locked, type="incident.labelled", payload=after)
    return locked
