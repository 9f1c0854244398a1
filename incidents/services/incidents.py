"""Incident lifecycle: creation, status transitions, the event log, the post-incident label."""

import json
from typing import Any

from django.contrib.auth.models import User
from django.db import connection, transaction
from django.utils import timezone

from aoi_platform.errors import Conflict, DomainError
from incidents.models import Incident, IncidentEvent, IncidentStatus, SystemLevel, Team
from incidents.services.teams import incident_grant_team_permissions
from incidents.streaming import event_publish_on_commit
from trajectories.audit.services import Actor, audit_append

# Table names come from model metadata, never from input (hence the S608 waivers).
_INCIDENTS, _EVENTS = Incident._meta.db_table, IncidentEvent._meta.db_table
_NEXT_EVENT_SEQ = f"UPDATE {_INCIDENTS} SET last_event_seq = last_event_seq + 1 WHERE id = %s RETURNING last_event_seq"  # noqa: S608
# PostgreSQL takes the counter and inserts the event in one statement.
_APPEND_EVENT_POSTGRES = (
    f"WITH next AS ({_NEXT_EVENT_SEQ}) INSERT INTO {_EVENTS} (incident_id, seq, type, payload, created_at) "  # noqa: S608
    "SELECT %s, next.last_event_seq, %s, %s::jsonb, %s FROM next RETURNING id, seq"
)


def incident_event_append(*, incident: Incident, type: str, payload: dict[str, Any]) -> IncidentEvent:
    """Append to the incident's event log with the next gapless ``seq``. The counter update takes
    the incident's row lock until the caller's transaction ends, so seqs never collide or skip.
    No savepoint: a failure here is a database error, which dooms the caller's transaction anyway."""
    event = IncidentEvent(incident=incident, type=type, payload=payload, created_at=timezone.now())
    with transaction.atomic(savepoint=False), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                _APPEND_EVENT_POSTGRES, [incident.pk, incident.pk, type, json.dumps(payload), event.created_at]
            )
            event.pk, event.seq = cursor.fetchone()
            event._state.adding, event._state.db = False, connection.alias
        else:  # the ORM's update() cannot return the new value; SQLite >= 3.35 can
            cursor.execute(_NEXT_EVENT_SEQ, [incident.pk])
            (event.seq,) = cursor.fetchone()
            event.save(force_insert=True)
    incident.last_event_seq = event.seq
    event_publish_on_commit(event, incident.uuid)
    return event


@transaction.atomic(savepoint=False)  # fails only on database errors; callers that retry hold a savepoint
def incident_create(*, team: Team, title: str, actor: Actor, created_by: User | None = None, **fields: Any) -> Incident:
    """Open an incident for ``team`` and grant the team's groups their permissions on it."""
    incident = Incident.objects.create(team=team, title=title, created_by=created_by, **fields)
    incident_grant_team_permissions(incident=incident, actor=actor)
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


@transaction.atomic
def incident_diagnosis_set(*, incident: Incident, diagnosis: dict[str, Any], run: str, actor: Actor) -> Incident:
    """Record the agents' latest diagnosis on the incident (``run``: the trajectory that reached it).
    The event comes before the audit entry: the audit lock is the last one a transaction takes."""
    locked = _lock(incident)
    locked.diagnosis = {**diagnosis, "run": run}
    locked.diagnosed_at = timezone.now()
    locked.save(update_fields=["diagnosis", "diagnosed_at", "updated_at"])
    incident_event_append(incident=locked, type="incident.diagnosed", payload=locked.diagnosis)
    audit_append(
        actor=actor, verb="incident.diagnosed", object_type="incident", object_id=locked.uuid, payload=locked.diagnosis
    )
    return locked
