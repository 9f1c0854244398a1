"""Trajectories of agent runs (later issues) and the audit log."""

from typing import ClassVar

from django.db import models


class ActorType(models.TextChoices):
    USER = "user"
    AGENT = "agent"
    SYSTEM = "system"
    POLICY = "policy"


class AuditEvent(models.Model):
    """One entry of the append-only, hash-chained audit log.

    ``seq`` is gapless and global; ``hash`` = SHA-256 over the canonical encoding of the row and
    ``prev_hash`` (see ``trajectories.audit.chain``). Rows are appended only through
    ``trajectories.audit.services.audit_append`` (single writer, same transaction as the change);
    database triggers refuse UPDATE, DELETE and TRUNCATE."""

    seq = models.BigIntegerField(primary_key=True)
    created_at = models.DateTimeField()
    actor_type = models.CharField(max_length=8, choices=ActorType.choices)
    actor_id = models.CharField(max_length=100, blank=True, default="")
    actor_label = models.CharField(max_length=200, blank=True, default="")
    verb = models.CharField(max_length=64, db_index=True)
    object_type = models.CharField(max_length=64, db_index=True)
    object_id = models.CharField(max_length=64, blank=True, default="")
    payload = models.JSONField(default=dict)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering: ClassVar = ["seq"]
        indexes: ClassVar = [
            models.Index(fields=["object_type", "object_id"]),
            models.Index(fields=["actor_type", "actor_id"]),
            models.Index(fields=["created_at"]),
        ]
        permissions: ClassVar = [("export_auditevent", "Can export the audit log")]

    def __str__(self) -> str:
        actor = f"{self.actor_type}:{self.actor_label or self.actor_id}"
        return f"#{self.seq} {actor} {self.verb} {self.object_type}:{self.object_id}"

    def hashed_fields(self) -> dict[str, object]:
        from trajectories.audit.chain import format_time

        return {
            "seq": self.seq,
            "created_at": format_time(self.created_at),
            "actor_type": self.actor_type,
            "actor_id": self.actor_id,
            "actor_label": self.actor_label,
            "verb": self.verb,
            "object_type": self.object_type,
            "object_id": self.object_id,
            "payload": self.payload,
        }
