"""Appending to the audit log. Call ``audit_append`` inside the transaction of the change it records."""

import json
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.utils import timezone

from trajectories.audit.chain import GENESIS_HASH, event_hash
from trajectories.models import ActorType, AuditEvent

# Any constant will do: it names the one lock that serialises audit appends on PostgreSQL.
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


def _json_safe(payload: dict[str, Any]) -> dict[str, Any]:
    """Round-trip through JSON so the stored payload is exactly what was hashed (UUIDs, times)."""
    result: dict[str, Any] = json.loads(json.dumps(payload, cls=DjangoJSONEncoder))
    return result


def _lock_head() -> tuple[int, str]:
    """Take the single-writer lock (held until the transaction ends) and read the chain's head."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_APPEND_LOCK_ID])
    # On SQLite the IMMEDIATE transaction already holds the database's single write lock.
    head = AuditEvent.objects.order_by("-seq").values_list("seq", "hash").first()
    return head if head is not None else (0, GENESIS_HASH)


def audit_append(*, actor: Actor, verb: str, object_type: str, object_id: object = "", payload: dict[str, Any] | None = None) -> AuditEvent:
    """Append one event to the chain. Must run inside the caller's transaction (or opens one), so
    the event commits or rolls back with the change it records. Appends are serialised: the
    head is read and extended under one lock, so concurrent writers never fork the chain."""
    with transaction.atomic():
        seq, prev_hash = _lock_head()
        event = AuditEvent(
            seq=seq + 1,
            created_at=timezone.now(),
            actor_type=actor.type,
            actor_id=actor.id,
            actor_label=actor.label,
            verb=verb,
            object_type=object_type,
            object_id=str(object_id),
            payload=_json_safe(payload or {}),
            prev_hash=prev_hash,
        )
        event.hash = event_hash(event.hashed_fields(), prev_hash)
        event.save(force_insert=True)
        return event
