"""Appending to the audit log. Call ``audit_append`` inside the transaction of the change it records."""

import json
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AbstractUser, AnonymousUser, Group, Permission
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.utils import timezone

from trajectories.audit.chain import GENESIS_HASH, canonical_json, event_hash, event_hash_parts
from trajectories.models import ActorType, AuditEvent

AUDITORS_GROUP = "auditors"
AUDITOR_PERMISSIONS = ("view_auditevent", "export_auditevent")

# Any constant will do: it names the one lock that serialises audit appends on PostgreSQL
# (taken inside ``aoi_audit_append``, migration 0003).
_APPEND_LOCK_ID = 0x414F495F41554454  # "AOI_AUDT"


@dataclass(frozen=True)
class Actor:
    """Who did it: a person, an agent run, the platform itself, or a policy that decided."""

    type: str
    id: str = ""
    label: str = ""

    @classmethod
    def of_user(cls, user: AbstractBaseUser | AnonymousUser) -> "Actor":
        return cls(ActorType.USER, str(user.pk), user.get_username())

    @classmethod
    def agent(cls, run_id: str, label: str = "") -> "Actor":
        return cls(ActorType.AGENT, run_id, label or f"agent-run {run_id}")

    @classmethod
    def system(cls, label: str) -> "Actor":
        return cls(ActorType.SYSTEM, "", label)

    @classmethod
    def policy(cls, label: str) -> "Actor":
        return cls(ActorType.POLICY, "", label)


_acting: ContextVar["Actor | None"] = ContextVar("aoi_audit_actor", default=None)


@contextmanager
def acting_as(actor: Actor) -> Iterator[None]:
    """Attribute changes audited by signal (permission changes) to ``actor`` within the block."""
    token = _acting.set(actor)
    try:
        yield
    finally:
        _acting.reset(token)


def current_actor(default: Actor) -> Actor:
    """The actor set by ``acting_as``, or ``default``."""
    return _acting.get() or default


def _as_stored(value: Any) -> Any:
    """A JSON value as PostgreSQL's jsonb gives it back. jsonb keeps numbers as exact decimals and
    prints them without exponent or sign of zero: 1e+20 comes back as the integer 10**20 and -0.0
    as 0.0. Hashing the value as jsonb will return it keeps the chain verifiable on every vendor.
    jsonb also refuses NUL in text, which would roll back the change being audited: it becomes U+FFFD."""
    if isinstance(value, str):
        return value.replace("\x00", "\ufffd")
    if isinstance(value, float):
        if value == 0:
            return 0.0
        # Past 1e16 Python writes floats with an exponent; every such float is a whole number.
        return int(value) if abs(value) >= 1e16 else value
    if isinstance(value, dict):
        return {_as_stored(key): _as_stored(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_as_stored(item) for item in value]
    return value


def _json_safe(payload: dict[str, Any]) -> dict[str, Any]:
    """Round-trip through JSON so the stored payload is exactly what was hashed (UUIDs, times)."""
    result: dict[str, Any] = _as_stored(json.loads(json.dumps(payload, cls=DjangoJSONEncoder)))
    return result


def _head_under_sqlite_lock() -> tuple[int, str]:
    """The chain's head, on SQLite, where the IMMEDIATE transaction already holds the database's
    single write lock. (PostgreSQL locks and reads inside ``aoi_audit_append``.)"""
    head = AuditEvent.objects.order_by("-seq").values_list("seq", "hash").first()
    return head if head is not None else (0, GENESIS_HASH)


def audit_append(
    *, actor: Actor, verb: str, object_type: str, object_id: object = "", payload: dict[str, Any] | None = None
) -> AuditEvent:
    """Append one event to the chain. Must run inside the caller's transaction (or opens one), so
    the event commits or rolls back with the change it records. Appends are serialised: the
    head is read and extended under one lock, so concurrent writers never fork the chain. Take
    row locks before appending: the audit lock must be the last lock a transaction takes."""
    event = AuditEvent(
        created_at=timezone.now(),
        actor_type=actor.type,
        actor_id=actor.id,
        actor_label=actor.label,
        verb=verb,
        object_type=object_type,
        object_id=str(object_id),
        payload=_json_safe(payload or {}),
    )
    # No savepoint: an append fails only on a database error, which dooms the caller's transaction.
    with transaction.atomic(savepoint=False):
        if connection.vendor == "postgresql":
            _append_in_database(event)
        else:
            event.seq, event.prev_hash = _head_under_sqlite_lock()
            event.seq += 1
            event.hash = event_hash(event.hashed_fields(), event.prev_hash)
            event.save(force_insert=True)
    return event


def _append_in_database(event: AuditEvent) -> None:
    """One round trip: ``aoi_audit_append`` (migration 0003) locks, reads the head, hashes, inserts."""
    prefix, suffix = event_hash_parts(event.hashed_fields())
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT o_seq, o_prev_hash, o_hash "
            "FROM aoi_audit_append(%s, %s, %s, %s, %s, %s, %s, %s, %s::jsonb, %s, %s)",
            [
                _APPEND_LOCK_ID,
                event.created_at,
                event.actor_type,
                event.actor_id,
                event.actor_label,
                event.verb,
                event.object_type,
                event.object_id,
                canonical_json(event.payload).decode(),
                prefix,
                suffix,
            ],
        )
        event.seq, event.prev_hash, event.hash = cursor.fetchone()
    event._state.adding, event._state.db = False, connection.alias


@transaction.atomic
def auditors_group_ensure() -> Group:
    """The "auditors" group, which holds the audit log's view and export permissions (an admin may
    give it more). Created, or those permissions restored, when missing; calling it again changes
    nothing. A service rather than a data migration: the test runner's flush empties auth tables,
    and the grant is then audited by the m2m signal in ``signals`` like any other."""
    group, _ = Group.objects.get_or_create(name=AUDITORS_GROUP)
    permissions = Permission.objects.filter(
        content_type__app_label="trajectories", content_type__model="auditevent", codename__in=AUDITOR_PERMISSIONS
    )
    if len(permissions) != len(AUDITOR_PERMISSIONS):
        raise RuntimeError("the audit log's permissions do not exist yet: run migrate first")
    missing = list(permissions.exclude(group=group))
    if missing:
        group.permissions.add(*missing)
    return group


def auditor_add(*, user: AbstractUser) -> None:
    """Make ``user`` an auditor: a member of the "auditors" group (membership is audited by signal)."""
    user.groups.add(auditors_group_ensure())
