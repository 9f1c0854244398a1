"""Helpers for the audit tests: append events, tamper as the database owner, run the verifier."""

import io
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection, connections
from django.db.backends.base.base import BaseDatabaseWrapper

from trajectories.audit.chain import event_hash
from trajectories.audit.services import Actor, audit_append
from trajectories.migrations import _triggers
from trajectories.models import AuditEvent

requires_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs PostgreSQL (set DATABASE_URL)"
)


def append_events(count: int, *, verb: str = "test.event", object_type: str = "probe") -> list[AuditEvent]:
    """``count`` events through the real append service, each with its index in the payload."""
    return [
        audit_append(actor=Actor.system("tests"), verb=verb, object_type=object_type, object_id=i, payload={"i": i})
        for i in range(count)
    ]


@contextmanager
def lifted_triggers(alias: str = "default") -> Iterator[BaseDatabaseWrapper]:
    """What the database owner can do: let UPDATE and DELETE through the append-only triggers, on
    this connection only, and put them back afterwards whatever happens."""
    conn = connections[alias]
    postgresql = conn.vendor == "postgresql"
    with conn.cursor() as cursor:
        if postgresql:
            # Ordinary triggers do not fire for a replication session (superuser only).
            cursor.execute("SET session_replication_role = replica")
        else:
            for statement in _triggers.down(conn.vendor):
                cursor.execute(statement)
    try:
        yield conn
    finally:
        with conn.cursor() as cursor:
            if postgresql:
                cursor.execute("SET session_replication_role = DEFAULT")
            else:
                for statement in _triggers.up(conn.vendor):
                    cursor.execute(statement)


def run_verify(*args: str) -> tuple[int, str, str]:
    """``manage.py verify_audit ARGS`` as (exit status, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("verify_audit", *args, stdout=out, stderr=err)
    except SystemExit as exc:
        return int(exc.code or 0), out.getvalue(), err.getvalue()
    return 0, out.getvalue(), err.getvalue()


def chained_event(seq: int, prev_hash: str, **fields: Any) -> AuditEvent:
    """An unsaved event with a correct hash, for databases ``audit_append`` does not write to."""
    event = AuditEvent(
        seq=seq,
        created_at=fields.pop("created_at", datetime(2026, 1, 1, 12, 0, tzinfo=UTC) + timedelta(seconds=seq)),
        actor_type=fields.pop("actor_type", "system"),
        actor_label=fields.pop("actor_label", "tests"),
        verb=fields.pop("verb", "test.event"),
        object_type=fields.pop("object_type", "probe"),
        payload=fields.pop("payload", {"seq": seq}),
        prev_hash=prev_hash,
        **fields,
    )
    event.hash = event_hash(event.hashed_fields(), prev_hash)
    return event
