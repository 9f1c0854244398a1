"""Concurrent deliveries on PostgreSQL: one incident per fingerprint, whoever wins the race."""

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection, transaction
from django.test import Client

from incidents.models import AlertIntegration, Incident, Team
from incidents.services.incidents import incident_create
from tests.alerts.payloads import alert, body, webhook
from tests.alerts.support import TOKEN, URL
from trajectories.audit.services import Actor

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL's concurrent transactions"),
]


def in_thread(work: Callable[[], Any], results: list[Any]) -> threading.Thread:
    """Run ``work`` on its own thread (so its own database connection); append its result or error."""

    def run() -> None:
        try:
            results.append(work())
        except BaseException as exc:
            results.append(exc)
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def post_delivery(raw: bytes) -> tuple[int, dict[str, Any]]:
    response = Client().post(URL, data=raw, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    return response.status_code, response.json()


def test_two_simultaneous_deliveries_of_a_new_fingerprint_open_one_incident(integration: AlertIntegration) -> None:
    raw = body(webhook(alert(), alert("Other", fingerprint="other")))
    start = threading.Barrier(2)
    results: list[Any] = []

    def deliver() -> tuple[int, dict[str, Any]]:
        start.wait(timeout=10)
        return post_delivery(raw)

    threads = [in_thread(deliver, results) for _ in range(2)]
    for thread in threads:
        thread.join(timeout=60)

    assert [status for status, _ in results] == [200, 200]
    assert sorted((r["created"], r["updated"]) for _, r in results) == [(0, 2), (2, 0)]
    assert sorted(Incident.objects.values_list("fingerprint", "alert_count")) == [("5c0a8e1f2b3d4e6a", 2), ("other", 2)]


def someone_waits_for_my_transaction() -> bool:
    """Whether another session is blocked until this transaction ends (a row or index entry it wrote)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'transactionid' AND NOT granted"
            " AND transactionid = pg_current_xact_id()::xid"
        )
        row = cursor.fetchone()
        return row is not None and row[0] > 0


def test_a_delivery_that_loses_the_insert_race_updates_the_winners_incident(
    team: Team, integration: AlertIntegration
) -> None:
    """Another writer holds an uncommitted incident for the fingerprint; the delivery's insert waits
    on it, fails on the unique constraint once it commits, and must then find and update it."""
    opened = threading.Event()
    winner: list[Any] = []
    delivered: list[Any] = []

    def open_and_commit_once_the_delivery_waits() -> bool:
        with transaction.atomic():
            incident_create(
                team=team, title="opened by hand", actor=Actor.system("tests"), fingerprint="5c0a8e1f2b3d4e6a"
            )
            opened.set()
            for _ in range(200):
                if someone_waits_for_my_transaction():
                    return True
                threading.Event().wait(0.05)
            return False

    holder = in_thread(open_and_commit_once_the_delivery_waits, winner)
    assert opened.wait(timeout=10)
    sender = in_thread(lambda: post_delivery(body(webhook(alert()))), delivered)
    holder.join(timeout=30)
    sender.join(timeout=30)

    assert winner == [True], "the delivery never waited on the uncommitted incident"
    assert delivered == [
        (
            200,
            {
                "created": 0,
                "updated": 1,
                "resolved": 0,
                "reopened": 0,
                "ignored": 0,
                "incidents": [str(Incident.objects.get().uuid)],
            },
        )
    ]
    incident = Incident.objects.get()
    assert (incident.title, incident.alert_count, incident.status) == ("opened by hand", 1, "open")


def test_deliveries_naming_the_same_new_fingerprints_in_opposite_orders_both_succeed(
    integration: AlertIntegration,
) -> None:
    """Each delivery would hold one new incident the other waits for, while waiting for the audit
    lock the other holds; serialising a team's deliveries keeps that from becoming a deadlock."""
    alerts = [alert(f"Alert{n}", fingerprint=f"fp{n}") for n in range(8)]
    forwards, backwards = body(webhook(*alerts)), body(webhook(*reversed(alerts)))
    start = threading.Barrier(2)
    results: list[Any] = []

    def deliver(raw: bytes) -> Callable[[], tuple[int, dict[str, Any]]]:
        def send() -> tuple[int, dict[str, Any]]:
            start.wait(timeout=10)
            return post_delivery(raw)

        return send

    threads = [in_thread(deliver(forwards), results), in_thread(deliver(backwards), results)]
    for thread in threads:
        thread.join(timeout=60)

    assert [status for status, _ in results] == [200, 200]
    assert sorted((r["created"], r["updated"]) for _, r in results) == [(0, 8), (8, 0)]
    assert sorted(Incident.objects.values_list("alert_count", flat=True)) == [2] * 8
