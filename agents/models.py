"""The agents' stored state: long-term memory (knowledge items the Observer retrieves by similarity) and the
state of each run hosted on the workers (``AgentRun``)."""

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


class RunStatus(models.TextChoices):
    QUEUED = "queued"
    RUNNING = "running"
    AWAITING_APPROVAL = "awaiting_approval"
    FINISHED = "finished"


class AgentRun(models.Model):
    """One AOI run on an incident, hosted on the Celery workers: everything needed to resume it.

    ``state`` is the runtime's JSON state (``agents.runtime.aoi.AOIRun.state``) after the last stored phase,
    ``journal`` the simulator's call journal at that point (replayed to rebuild the episode), ``version``
    counts stored phases: a phase is stored with its steps only if ``version`` is still what the worker
    read (compare and set), so a duplicate delivery can never store a phase twice. ``queue`` and
    ``dispatched_at`` make the row its own outbox: a run that wants a worker (queued, or running with nobody
    working on it) and was not dispatched recently is sent again by the relay (``agents.hosting``)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    trajectory = models.OneToOneField("trajectories.Trajectory", on_delete=models.PROTECT, related_name="agent_run")
    incident = models.ForeignKey("incidents.Incident", on_delete=models.PROTECT, related_name="agent_runs")
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(max_length=24, choices=RunStatus.choices, default=RunStatus.QUEUED)
    state = models.JSONField(default=dict)
    journal = models.JSONField(default=list, blank=True)
    environment = models.JSONField(default=dict, blank=True, help_text="Kind, seed and description.")
    version = models.PositiveIntegerField(default=0)
    queue = models.CharField(max_length=16, default="agents")
    awaiting_action = models.ForeignKey(
        "incidents.ActionRequest", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    deliveries = models.PositiveIntegerField(default=0, help_text="Times a worker picked the run up.")
    dispatched_at = models.DateTimeField(null=True, blank=True)
    progressed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering: ClassVar = ["-created_at"]
        indexes: ClassVar = [models.Index(fields=["status", "dispatched_at"])]
        constraints: ClassVar = [
            models.CheckConstraint(condition=Q(status__in=RunStatus.values), name="agent_run_known_status"),
            models.UniqueConstraint(
                fields=["incident"], condition=~Q(status="finished"), name="agent_run_one_active_per_incident"
            ),
        ]

    def __str__(self) -> str:
        return f"run {self.pk} on incident {self.incident_id} ({self.status})"
