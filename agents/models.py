"""The agents' stored state: long-term memory (knowledge items the Observer retrieves by similarity)."""

import uuid
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q


class KnowledgeKind(models.TextChoices):
    GUIDANCE = "guidance"
    INCIDENT_SUMMARY = "incident_summary"


class KnowledgeItem(models.Model):
    """One entry of the Observer's long-term memory: curated diagnostic guidance (the Evolver proposes
    it, people curate it) or the summary of a past incident. ``fault_types`` and ``services`` are lists
    of names that narrow where it applies; retrieval by similarity to the current evidence is pure code
    over ``title`` and ``text`` (no embeddings stored). Only ``active`` items are retrieved; retiring an
    item clears it rather than deleting the row, so past runs stay explainable."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(max_length=24, choices=KnowledgeKind.choices)
    title = models.CharField(max_length=200)
    text = models.TextField()
    fault_types = models.JSONField(default=list, blank=True)
    services = models.JSONField(default=list, blank=True)
    source = models.CharField(
        max_length=200, blank=True, default="", help_text="Where it came from: an Evolver proposal id, an incident id."
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    active = models.BooleanField(default=True)

    class Meta:
        ordering: ClassVar = ["-created_at"]
        indexes: ClassVar = [models.Index(fields=["active", "kind"])]
        constraints: ClassVar = [
            models.CheckConstraint(condition=Q(kind__in=KnowledgeKind.values), name="knowledge_item_known_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.kind}: {self.title}"
