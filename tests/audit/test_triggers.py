"""The audit table is append-only in the database itself: the ORM and raw SQL both bounce off the
triggers, on PostgreSQL and on SQLite (the ``sqlite`` alias of the test settings)."""

from collections.abc import Callable

import pytest
from django.db import DatabaseError, connection, connections, transaction

from tests.audit.helpers import append_events, chained_event, lifted_triggers, requires_postgresql
from trajectories.audit.chain import GENESIS_HASH
from trajectories.models import AuditEvent

REFUSED = "append-only"
UPDATE_ONE = "UPDATE trajectories_auditevent SET verb = 'forged' WHERE seq = %s"
DELETE_ONE = "DELETE FROM trajectories_auditevent WHERE seq = %s"
DELETE_ALL = "DELETE FROM trajectories_auditevent"


def _refused(attempt: Callable[[], object], using: str = "default") -> None:
    # The savepoint keeps the test's transaction usable after the trigger aborts the statement.
    with pytest.raises(DatabaseError, match=REFUSED), transaction.atomic(using=using):
        attempt()


def _sqlite_chain(count: int) -> list[AuditEvent]:
    events, prev_hash = [], GENESIS_HASH
    for seq in range(1, count + 1):
        event = chained_event(seq, prev_hash)
        event.save(using="sqlite", force_insert=True)
        events.append(event)
        prev_hash = event.hash
    return events


def _snapshot(using: str = "default") -> list[tuple[object, ...]]:
    return list(AuditEvent.objects.using(using).order_by("seq").values_list("seq", "verb", "payload", "hash"))


@pytest.mark.django_db
def test_orm_cannot_update_or_delete_audit_events() -> None:
    events = append_events(3)
    before = _snapshot()
    event = AuditEvent.objects.get(seq=events[1].seq)
    event.verb = "forged"

    _refused(lambda: AuditEvent.objects.filter(seq=events[0].seq).update(verb="forged"))
    _refused(lambda: AuditEvent.objects.bulk_update([event], ["verb"]))
    _refused(event.save)
    _refused(AuditEvent.objects.get(seq=events[2].seq).delete)
    _refused(lambda: AuditEvent.objects.filter(seq__gte=events[0].seq).delete())
    _refused(lambda: AuditEvent.objects.all().delete())

    assert _snapshot() == before


@pytest.mark.django_db
def test_raw_sql_cannot_update_or_delete_audit_events() -> None:
    events = append_events(2)
    before = _snapshot()

    _refused(lambda: connection.cursor().execute(UPDATE_ONE, [events[0].seq]))
    _refused(lambda: connection.cursor().execute(DELETE_ONE, [events[1].seq]))
    _refused(lambda: connection.cursor().execute(DELETE_ALL))

    assert _snapshot() == before


@requires_postgresql
@pytest.mark.django_db
def test_truncate_is_refused_on_postgresql() -> None:
    append_events(2)
    before = _snapshot()

    _refused(lambda: connection.cursor().execute("TRUNCATE trajectories_auditevent"))
    _refused(lambda: connection.cursor().execute("TRUNCATE trajectories_auditevent CASCADE"))

    assert _snapshot() == before


@pytest.mark.django_db
def test_triggers_are_back_after_tampering() -> None:
    events = append_events(1)
    with lifted_triggers():
        AuditEvent.objects.filter(seq=events[0].seq).update(verb="edited while lifted")

    _refused(lambda: AuditEvent.objects.filter(seq=events[0].seq).update(verb="edited after"))

    assert AuditEvent.objects.get(seq=events[0].seq).verb == "edited while lifted"


@pytest.mark.django_db(databases=["default", "sqlite"])
def test_sqlite_orm_cannot_update_or_delete_audit_events() -> None:
    events = _sqlite_chain(3)
    before = _snapshot("sqlite")
    loaded = AuditEvent.objects.using("sqlite").get(seq=2)
    loaded.verb = "forged"
    sqlite_events = AuditEvent.objects.using("sqlite")

    _refused(lambda: sqlite_events.filter(seq=1).update(verb="forged"), using="sqlite")
    _refused(lambda: sqlite_events.bulk_update([loaded], ["verb"]), using="sqlite")
    _refused(loaded.save, using="sqlite")
    _refused(AuditEvent.objects.using("sqlite").get(seq=3).delete, using="sqlite")
    _refused(lambda: sqlite_events.all().delete(), using="sqlite")

    assert _snapshot("sqlite") == before
    assert [event.seq for event in events] == [1, 2, 3]


@pytest.mark.django_db(databases=["default", "sqlite"])
def test_sqlite_raw_sql_cannot_update_or_delete_audit_events() -> None:
    _sqlite_chain(2)
    before = _snapshot("sqlite")
    cursor = connections["sqlite"].cursor()

    _refused(lambda: cursor.execute(UPDATE_ONE, [1]), using="sqlite")
    _refused(lambda: cursor.execute(DELETE_ONE, [2]), using="sqlite")
    # SQLite has no TRUNCATE; an unqualified DELETE is its equivalent and must be refused too.
    _refused(lambda: cursor.execute(DELETE_ALL), using="sqlite")

    assert _snapshot("sqlite") == before


@pytest.mark.django_db(databases=["default", "sqlite"])
def test_sqlite_still_accepts_appends() -> None:
    first, second = _sqlite_chain(2)

    third = chained_event(3, second.hash)
    third.save(using="sqlite", force_insert=True)

    assert list(AuditEvent.objects.using("sqlite").values_list("seq", flat=True)) == [1, 2, 3]
    assert first.prev_hash == GENESIS_HASH
