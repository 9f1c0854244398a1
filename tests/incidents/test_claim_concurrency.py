"""Single use under contention: 50 executors race to claim one approved action on PostgreSQL."""

import threading

import pytest
from django.db import connection, connections

from aoi_platform.errors import Conflict
from incidents.models import ActionRequest, ActionStatus
from incidents.services.actions import action_approve
from incidents.services.execution import action_claim
from tests.factories import UserFactory, make_action, make_command, make_incident, make_team
from trajectories.audit.services import Actor
from trajectories.models import AuditEvent

CLAIMERS = 50


@pytest.mark.django_db(transaction=True)
def test_fifty_concurrent_claims_of_one_approved_action_give_exactly_one_success() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("row-level concurrency is a PostgreSQL property; SQLite serialises all writers")
    requester, approver = UserFactory(username="req"), UserFactory(username="appr")
    team = make_team("race", responders=[requester], approvers=[approver])
    action = make_action(make_incident(team), requester)
    action_approve(action=action, user=approver, action_hash=action.action_hash)
    barrier = threading.Barrier(CLAIMERS)
    outcomes: list[str] = []
    lock = threading.Lock()

    def claim(n: int) -> None:
        try:
            barrier.wait()
            action_claim(action_uuid=action.uuid, command=make_command(), executor=Actor.agent(f"run-{n}"))
            outcome = "claimed"
        except Conflict:
            outcome = "conflict"
        except Exception as exc:  # anything else is a bug in the gate
            outcome = f"error: {exc!r}"
        finally:
            connections.close_all()
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=claim, args=(n,)) for n in range(CLAIMERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(outcomes) == ["claimed"] + ["conflict"] * (CLAIMERS - 1)
    assert ActionRequest.objects.get(pk=action.pk).status == ActionStatus.EXECUTING
    assert AuditEvent.objects.filter(verb="action.claimed").count() == 1
