"""Trajectories of agent runs (each run, its prompts and its steps) and the audit log."""

import uuid
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


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


class AgentKind(models.TextChoices):
    AOI = "aoi"
    BASELINE = "baseline"


class TrajectoryStatus(models.TextChoices):
    RUNNING = "running"
    AWAITING_APPROVAL = "awaiting_approval"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    ERROR = "error"
    CANCELLED = "cancelled"


T = TrajectoryStatus
# Every status change goes through this table; anything not listed is refused. A run waiting for an
# approval resumes (running) or ends; it never succeeds without running again to verify the write.
TRAJECTORY_TRANSITIONS: dict[str, frozenset[str]] = {
    T.RUNNING: frozenset({T.AWAITING_APPROVAL, T.SUCCEEDED, T.FAILED, T.ERROR, T.CANCELLED}),
    T.AWAITING_APPROVAL: frozenset({T.RUNNING, T.FAILED, T.ERROR, T.CANCELLED}),
    T.SUCCEEDED: frozenset(),
    T.FAILED: frozenset(),
    T.ERROR: frozenset(),
    T.CANCELLED: frozenset(),
}
TERMINAL_STATUSES = frozenset(status for status, targets in TRAJECTORY_TRANSITIONS.items() if not targets)


class Trajectory(models.Model):
    """One agent run: on an incident, or on a simulated problem (``problem_id``; ``scenario`` holds the
    scenario file's fields when the problem came from one). The row is updated while the run goes on
    (``status`` follows ``TRAJECTORY_TRANSITIONS``; the counters sum its steps); its steps are not.
    ``outcome`` is the grade dict (``agents.sim.grading.Grade.as_dict``) or, for an incident, the
    comparison with its post-incident label."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    incident = models.ForeignKey(
        "incidents.Incident", null=True, blank=True, on_delete=models.PROTECT, related_name="trajectories"
    )
    problem_id = models.CharField(max_length=200, blank=True, default="", db_index=True)
    scenario = models.JSONField(null=True, blank=True)
    agent_kind = models.CharField(max_length=16, choices=AgentKind.choices)
    backend = models.CharField(max_length=32)
    model = models.CharField(max_length=200, db_index=True)
    prompt_versions = models.JSONField(default=dict, blank=True, help_text="Role -> prompt template version.")
    seed = models.BigIntegerField(null=True, blank=True)
    leaks = models.BooleanField(null=True, blank=True, help_text="Problem runs: answer-revealing objects kept.")
    status = models.CharField(max_length=24, choices=TrajectoryStatus.choices, default=TrajectoryStatus.RUNNING)
    outcome = models.JSONField(default=dict, blank=True)
    success = models.BooleanField(null=True, blank=True)
    strict_success = models.BooleanField(null=True, blank=True)
    steps_count = models.PositiveIntegerField(default=0)
    tokens_in = models.PositiveBigIntegerField(default=0)
    tokens_out = models.PositiveBigIntegerField(default=0)
    wall_time_s = models.FloatField(null=True, blank=True)
    started_at = models.DateTimeField(default=timezone.now, db_index=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    benchmark_run = models.CharField(max_length=100, blank=True, default="", db_index=True)
    model_version = models.ForeignKey(
        "training.ModelVersion",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="trajectories",
        help_text="The Observer's model version the run used (none: the configured default).",
    )

    class Meta:
        ordering: ClassVar = ["-started_at"]
        verbose_name_plural = "trajectories"
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=Q(incident__isnull=False) | ~Q(problem_id=""), name="trajectory_has_incident_or_problem"
            ),
            models.CheckConstraint(condition=Q(agent_kind__in=AgentKind.values), name="trajectory_known_agent_kind"),
            models.CheckConstraint(condition=Q(status__in=TrajectoryStatus.values), name="trajectory_known_status"),
        ]
        indexes: ClassVar = [
            models.Index(fields=["status", "-started_at"]),
            models.Index(fields=["problem_id", "agent_kind"]),
        ]

    def __str__(self) -> str:
        subject = self.problem_id or f"incident {self.incident_id}"
        return f"{self.agent_kind} on {subject} ({self.status})"

    def can_transition_to(self, status: str) -> bool:
        return status in TRAJECTORY_TRANSITIONS[self.status]

    @property
    def is_finished(self) -> bool:
        return self.status in TERMINAL_STATUSES


class Prompt(models.Model):
    """A prompt's text, stored once and referenced by its SHA-256 (hex of the UTF-8 text) from every
    step that sent it. Append-only: database triggers refuse UPDATE and DELETE."""

    sha256 = models.CharField(max_length=64, primary_key=True)
    text = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.sha256[:12]


class StepRole(models.TextChoices):
    OBSERVER = "observer"
    PROBE = "probe"
    EXECUTOR = "executor"
    BASELINE = "baseline"
    COMPRESSOR = "compressor"
    SYSTEM = "system"


class StepPhase(models.TextChoices):
    OBSERVE = "observe"
    REASON = "reason"
    ACT = "act"


TOOL_PREVIEW_CHARS = 400


class Step(models.Model):
    """One step of a run: what a role was asked (``prompt``), what it answered, the action parsed from
    the answer and the tool's result (in full, and the first characters for display). ``index`` is
    gapless per trajectory, from 1 (allocated under the trajectory's row lock). Append-only: database
    triggers refuse UPDATE and DELETE."""

    trajectory = models.ForeignKey(Trajectory, on_delete=models.PROTECT, related_name="steps")
    index = models.PositiveIntegerField()
    role = models.CharField(max_length=16, choices=StepRole.choices)
    phase = models.CharField(max_length=8, choices=StepPhase.choices)
    prompt = models.ForeignKey(Prompt, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    completion = models.TextField(blank=True, default="")
    action = models.JSONField(null=True, blank=True)
    tool_result = models.TextField(blank=True, default="")
    tool_preview = models.CharField(max_length=TOOL_PREVIEW_CHARS, blank=True, default="")
    tokens_in = models.PositiveIntegerField(default=0)
    tokens_out = models.PositiveIntegerField(default=0)
    latency_ms = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True, default="")
    schema = models.JSONField(
        null=True, blank=True, help_text="Reasoning steps: the JSON schema the decision was taken under."
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering: ClassVar = ["trajectory", "index"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["trajectory", "index"], name="step_index_unique_per_trajectory"),
            models.CheckConstraint(condition=Q(index__gte=1), name="step_index_from_one"),
        ]

    def __str__(self) -> str:
        return f"{self.trajectory_id}#{self.index} {self.role}/{self.phase}"
