"""Incident lifecycle: transitions, the gapless event log, the post-incident label, permissions."""

import threading
from typing import Any

import pytest
from django.db import connection, connections
from guardian.shortcuts import get_perms

from aoi_platform.errors import Conflict, DomainError
from incidents.models import INCIDENT_TRANSITIONS, Incident, IncidentStatus
from incidents.services.incidents import incident_event_append, incident_label, incident_transition
from tests.factories import make_incident, make_team
from trajectories.audit.services import Actor
from trajectories.models import AuditEvent

SYSTEM = Actor.system("tests")
ALL_PAIRS = [(a, b) for a in IncidentStatus.values for b in IncidentStatus.values if a != b]


@pytest.mark.parametrize(("from_status", "to_status"), ALL_PAIRS)
def test_only_listed_transitions_are_allowed(incident: Incident, from_status: str, to_status: str) -> None:
    Incident.objects.filter(pk=incident.pk).update(status=from_status)
    audited = AuditEvent.objects.count()

    if to_status in INCIDENT_TRANSITIONS[from_status]:
        moved = incident_transition(incident=incident, to_status=to_status, actor=SYSTEM)
        assert moved.status == to_status
        assert AuditEvent.objects.count() == audited + 1
    else:
        with pytest.raises(Conflict, match=f"from {from_status} to {to_status}"):
            incident_transition(incident=incident, to_status=to_status, actor=SYSTEM)
        assert Incident.objects.get(pk=incident.pk).status == from_status
        assert AuditEvent.objects.count() == audited


def test_the_main_path_open_to_closed(incident: Incident) -> None:
    for status in ("investigating", "awaiting_approval", "mitigating", "resolved", "closed"):
        incident = incident_transition(incident=incident, to_status=status, actor=SYSTEM)

    assert incident.resolved_at is not None
    assert incident.closed_at is not None
    assert INCIDENT_TRANSITIONS[IncidentStatus.CLOSED] == frozenset()


def test_an_unknown_status_is_refused(incident: Incident) -> None:
    with pytest.raises(DomainError, match="Unknown status"):
        incident_transition(incident=incident, to_status="exploded", actor=SYSTEM)


def test_event_seqs_are_gapless_per_incident(team: Any) -> None:
    first, second = make_incident(team), make_incident(team, title="disk full")
    for n in range(3):
        incident_event_append(incident=first, type="note", payload={"n": n})
    incident_event_append(incident=second, type="note", payload={})

    assert list(first.events.values_list("seq", flat=True)) == [1, 2, 3, 4]
    assert list(second.events.values_list("seq", flat=True)) == [1, 2]
    first.refresh_from_db()
    assert first.last_event_seq == 4


@pytest.mark.django_db(transaction=True)
def test_concurrent_event_appends_stay_gapless() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs concurrent writers (PostgreSQL)")
    incident = make_incident(make_team("events"))
    writers, per_writer = 8, 10

    def append() -> None:
        try:
            for _ in range(per_writer):
                incident_event_append(incident=Incident.objects.get(pk=incident.pk), type="tick", payload={})
        finally:
            connections.close_all()

    threads = [threading.Thread(target=append) for _ in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert list(incident.events.values_list("seq", flat=True)) == list(range(1, writers * per_writer + 2))


def test_creating_an_incident_is_audited_and_starts_its_event_log(incident: Incident) -> None:
    assert AuditEvent.objects.filter(verb="incident.created", object_id=str(incident.uuid)).count() == 1
    assert list(incident.events.values_list("seq", "type")) == [(1, "incident.created")]


def test_creating_an_incident_grants_its_team_roles(incident: Incident, team: Any, other_team: Any) -> None:
    assert set(get_perms(team.viewers, incident)) == {"view_incident"}
    assert set(get_perms(team.responders, incident)) == {"view_incident", "change_incident"}
    assert set(get_perms(team.approvers, incident)) == {"view_incident", "change_incident", "approve_action"}
    assert get_perms(other_team.approvers, incident) == []
    granted = AuditEvent.objects.get(verb="permission.granted", object_id=str(incident.uuid))
    assert sorted((g["holder"], g["permission"]) for g in granted.payload["grants"]) == [
        ("sre:approvers", "incidents.approve_action"),
        ("sre:approvers", "incidents.change_incident"),
        ("sre:approvers", "incidents.view_incident"),
        ("sre:responders", "incidents.change_incident"),
        ("sre:responders", "incidents.view_incident"),
        ("sre:viewers", "incidents.view_incident"),
    ]


def test_a_person_labels_the_root_cause(incident: Incident, responder: Any) -> None:
    labelled = incident_label(
        incident=incident,
        user=responder,
        rca_component="geo",
        rca_system_level="application",
        rca_fault_type="misconfig_app",
    )

    assert (labelled.rca_component, labelled.rca_system_level, labelled.rca_fault_type) == (
        "geo",
        "application",
        "misconfig_app",
    )
    assert labelled.labelled_by == responder
    assert labelled.is_labelled
    event = AuditEvent.objects.get(verb="incident.labelled")
    assert event.payload["after"]["rca_component"] == "geo"
    assert event.actor_label == "responder"


@pytest.mark.parametrize(("level", "message"), [("kernel", "Unknown system level"), ("", "at least one")])
def test_a_bad_label_is_refused(incident: Incident, responder: Any, level: str, message: str) -> None:
    with pytest.raises(DomainError, match=message):
        incident_label(incident=incident, user=responder, rca_component="", rca_system_level=level, rca_fault_type="")
    incident.refresh_from_db()
    assert not incident.is_labelled
