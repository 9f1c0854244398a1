"""Concurrent writers extend one chain: seqs stay gapless and no two events share a parent."""

import threading

import pytest
from django.db import connection, transaction

from tests.audit.helpers import requires_postgresql, run_verify
from trajectories.audit.services import Actor, audit_append
from trajectories.models import AuditEvent

WRITERS = 4
EVENTS_PER_WRITER = 25


def _append_in_own_transactions(writer: int, start: threading.Barrier, errors: list[BaseException]) -> None:
    try:
        start.wait(timeout=10)
        for i in range(EVENTS_PER_WRITER):
            with transaction.atomic():
                audit_append(
                    actor=Actor.agent(f"writer-{writer}"),
                    verb="test.concurrent",
                    object_type="writer",
                    object_id=writer,
                    payload={"i": i},
                )
    except BaseException as exc:  # a thread's exception would otherwise be lost: the test asserts on it
        errors.append(exc)
    finally:
        connection.close()


@requires_postgresql
@pytest.mark.django_db(transaction=True)
def test_concurrent_appends_form_one_gapless_chain() -> None:
    start, errors = threading.Barrier(WRITERS), list[BaseException]()
    threads = [
        threading.Thread(target=_append_in_own_transactions, args=(writer, start, errors)) for writer in range(WRITERS)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    total = WRITERS * EVENTS_PER_WRITER
    rows = list(AuditEvent.objects.order_by("seq").values_list("seq", "prev_hash", "object_id", "payload"))
    assert [seq for seq, *_ in rows] == list(range(1, total + 1))
    assert len({prev_hash for _, prev_hash, *_ in rows}) == total  # no fork: every parent used once
    for writer in range(WRITERS):
        # Each writer's events keep its own order in the chain.
        assert [payload["i"] for _, _, object_id, payload in rows if object_id == str(writer)] == list(
            range(EVENTS_PER_WRITER)
        )
    assert run_verify()[0] == 0
