"""Lock order: row locks (action, then incident) before the audit log's single-writer lock.

A transaction that holds an incident's row lock and then appends to the audit log (every
incident change does) must never wait on one that holds the audit lock and wants that row.
The write-gate services lock the action together with its incident (``select_for_update`` over
the join) and append to the audit log last; this test fails if either stops being true."""

import threading
import time

import pytest
from django.db import connection, connections, transaction

from incidents.models import ActionStatus, Incident
from incidents.services.actions import action_approve
from tests.factories import UserFactory, make_action, make_incident, make_team
from trajectories.audit.services import Actor, audit_append


@pytest.mark.django_db(transaction=True)
def test_an_approval_waits_for_the_incident_row_before_taking_the_audit_lock() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("row locks and concurrent writers need PostgreSQL")
    requester, approver = UserFactory(username="req"), UserFactory(username="appr")
    incident = make_incident(make_team("locks", responders=[requester], approvers=[approver]))
    action = make_action(incident, requester)
    row_locked, errors = threading.Event(), []

    def change_incident_then_audit() -> None:
        try:
            with transaction.atomic():
                Incident.objects.select_for_update().get(pk=incident.pk)
                row_locked.set()
                time.sleep(0.5)  # the approval now runs and must block on the row, holding nothing global
                audit_append(actor=Actor.system("tests"), verb="test.incident_changed", object_type="incident")
        except Exception as exc:
            errors.append(repr(exc))
        finally:
            connections.close_all()

    holder = threading.Thread(target=change_incident_then_audit)
    holder.start()
    assert row_locked.wait(10)
    approved = action_approve(action=action, user=approver, action_hash=action.action_hash)
    holder.join(30)

    assert errors == []
    assert approved.status == ActionStatus.APPROVED
