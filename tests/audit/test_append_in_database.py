"""On PostgreSQL the append (lock, head, hash, insert) runs in the database in one round trip;
its hash must be exactly the one Python computes, whatever the text holds."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from trajectories.audit.chain import event_hash
from trajectories.audit.services import Actor, audit_append
from trajectories.models import AuditEvent

HOSTILE = [
    ("plain", {"a": 1}),
    ('quote","prev_hash":"\\u0000","seq":0', {"prev_hash": "\u0000", "seq": 0}),
    ("unicode", {"ключ": "値 ✓ \U0001f525", "nested": [{"x": None, "y": True, "z": 1.5}]}),
    ("numbers", {"big": 10**20, "neg": -0.0, "float": 1e-7}),
]


@pytest.mark.parametrize(("verb", "payload"), HOSTILE)
def test_the_databases_hash_is_pythons_hash(db: None, verb: str, payload: dict[str, object]) -> None:
    audit_append(actor=Actor.system("warm-up"), verb="first", object_type="x")

    event = audit_append(
        actor=Actor(type="user", id="7", label='ada "the" admin'),
        verb=verb,
        object_type="t",
        object_id="o",
        payload=payload,
    )

    stored = AuditEvent.objects.get(seq=event.seq)
    assert stored.prev_hash == AuditEvent.objects.get(seq=event.seq - 1).hash
    assert stored.hash == event.hash == event_hash(stored.hashed_fields(), stored.prev_hash)


def test_an_append_is_one_round_trip_on_postgresql(db: None) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("SQLite appends from Python")
    with CaptureQueriesContext(connection) as queries:
        audit_append(actor=Actor.system("tests"), verb="one", object_type="x")

    assert len(queries.captured_queries) == 1
