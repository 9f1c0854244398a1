"""Incidents, their event log, alert integrations and the write gate (action requests, approvals)."""

import uuid
from typing import ClassVar

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q


class Team(models.Model):
    """An SRE team. Its three groups carry its roles: viewers see the team's incidents, responders
    also change them and propose actions, approvers also approve actions. Object permissions on each
    incident are granted to these groups (guardian), so membership is the one switch for access."""

    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=100, unique=True)
    viewers = models.OneToOneField(Group, on_delete=models.PROTECT, related_name="team_as_viewers")
    responders = models.OneToOneField(Group, on_delete=models.PROTECT, related_name="team_as_responders")
    approvers = models.OneToOneField(Group, on_delete=models.PROTECT, related_name="team_as_approvers")
    auto_diagnose = models.BooleanField(default=False, help_text="Start a diagnosis when an alert opens an incident.")
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.name


class Severity(models.TextChoices):
    CRITICAL = "critical"
    HIGH = "high"
    WARNING = "warning"
    INFO = "info"


class IncidentStatus(models.TextChoices):
    OPEN = "open"
    INVESTIGATING = "investigating"
    AWAITING_APPROVAL = "awaiting_approval"
    MITIGATING = "mitigating"
    RESOLVED = "resolved"
    CLOSED = "closed"


S = IncidentStatus
# Every status change goes through this table; anything not listed is refused.
INCIDENT_TRANSITIONS: dict[str, frozenset[str]] = {
    S.OPEN: frozenset({S.INVESTIGATING, S.RESOLVED}),
    S.INVESTIGATING: frozenset({S.AWAITING_APPROVAL, S.MITIGATING, S.RESOLVED, S.OPEN}),
    S.AWAITING_APPROVAL: frozenset({S.MITIGATING, S.INVESTIGATING, S.RESOLVED}),
    S.MITIGATING: frozenset({S.INVESTIGATING, S.AWAITING_APPROVAL, S.RESOLVED}),
    S.RESOLVED: frozenset({S.CLOSED, S.OPEN, S.INVESTIGATING}),
    S.CLOSED: frozenset(),
}


class IncidentSource(models.TextChoices):
    ALERTMANAGER = "alertmanager"
    API = "api"
    SIMULATOR = "simulator"
    DEMO = "demo"


class SystemLevel(models.TextChoices):
    """Where the root cause sits (AIOpsLab's system levels)."""

    HARDWARE = "hardware"
    OPERATING_SYSTEM = "operating_system"
    VIRTUALIZATION = "virtualization"
    APPLICATION = "application"


class Incident(models.Model):
    """Something wrong in a team's system. ``status`` follows ``INCIDENT_TRANSITIONS``; alerts are
    deduplicated on (team, fingerprint) among incidents that are not closed. The ``rca_*`` fields are
    the post-incident label a person sets; they grade the agents' diagnosis later."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    title = models.CharField(max_length=300)
    description = models.TextField(blank=True)
    severity = models.CharField(max_length=16, choices=Severity.choices, default=Severity.WARNING)
    status = models.CharField(max_length=24, choices=IncidentStatus.choices, default=IncidentStatus.OPEN)
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="incidents")
    source = models.CharField(max_length=16, choices=IncidentSource.choices, default=IncidentSource.API)
    fingerprint = models.CharField(max_length=128, blank=True, default="")
    group_key = models.TextField(blank=True, default="")
    labels = models.JSONField(default=dict, blank=True)
    annotations = models.JSONField(default=dict, blank=True)
    application = models.CharField(max_length=100, blank=True, default="")
    namespace = models.CharField(max_length=253, blank=True, default="")
    starts_at = models.DateTimeField(null=True, blank=True)
    alert_count = models.PositiveIntegerField(default=0, help_text="Alertmanager deliveries that touched it.")
    rca_component = models.CharField(max_length=253, blank=True, default="")
    rca_system_level = models.CharField(max_length=24, choices=SystemLevel.choices, blank=True, default="")
    rca_fault_type = models.CharField(max_length=100, blank=True, default="")
    labelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    labelled_at = models.DateTimeField(null=True, blank=True)
    diagnosis = models.JSONField(
        null=True, blank=True, help_text="The agents' latest diagnosis: component, system level, fault type, run."
    )
    diagnosed_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    last_event_seq = models.PositiveBigIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering: ClassVar = ["-created_at"]
        permissions: ClassVar = [("approve_action", "Can approve write actions on the incident")]
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["team", "fingerprint"],
                condition=~Q(fingerprint="") & ~Q(status="closed"),
                name="incident_one_live_per_fingerprint",
            ),
        ]
        indexes: ClassVar = [models.Index(fields=["team", "status"]), models.Index(fields=["status", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.title} ({self.status})"

    def can_transition_to(self, status: str) -> bool:
        return status in INCIDENT_TRANSITIONS[self.status]

    @property
    def is_labelled(self) -> bool:
        return bool(self.rca_component or self.rca_fault_type or self.rca_system_level)


class IncidentEvent(models.Model):
    """One entry of an incident's ordered event log. ``seq`` is gapless per incident (allocated from
    ``Incident.last_event_seq`` under the incident's row lock), so a client that sees a gap knows it
    missed something and resyncs from ``?since=``."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="events")
    seq = models.PositiveBigIntegerField()
    type = models.CharField(max_length=64)
    payload = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering: ClassVar = ["incident", "seq"]
        constraints: ClassVar = [models.UniqueConstraint(fields=["incident", "seq"], name="incident_event_seq_unique")]

    def __str__(self) -> str:
        return f"{self.incident_id}#{self.seq} {self.type}"


class AlertIntegration(models.Model):
    """A per-team Alertmanager receiver. Only the SHA-256 digest of its bearer token is stored."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="alert_integrations")
    name = models.CharField(max_length=100)
    token_digest = models.CharField(max_length=64, unique=True, editable=False)
    token_prefix = models.CharField(max_length=8, editable=False, help_text="First characters, to tell tokens apart.")
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_delivery_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints: ClassVar = [models.UniqueConstraint(fields=["team", "name"], name="alert_integration_name_unique")]

    def __str__(self) -> str:
        return f"{self.team.slug}/{self.name}"


class RejectedDelivery(models.Model):
    """A webhook delivery that was refused, kept (body truncated, count capped) for inspection."""

    integration = models.ForeignKey(AlertIntegration, null=True, blank=True, on_delete=models.SET_NULL)
    received_at = models.DateTimeField(auto_now_add=True, db_index=True)
    status_code = models.PositiveSmallIntegerField()
    reason = models.TextField()
    remote_addr = models.CharField(max_length=64, blank=True, default="")
    content_type = models.CharField(max_length=200, blank=True, default="")
    body_size = models.PositiveBigIntegerField(default=0)
    body_excerpt = models.BinaryField(default=bytes, help_text="The first bytes of the body, as received.")

    class Meta:
        ordering: ClassVar = ["-received_at"]
        verbose_name_plural = "rejected deliveries"

    def __str__(self) -> str:
        return f"{self.received_at:%Y-%m-%d %H:%M:%S} {self.status_code} {self.reason[:60]}"


class RiskClass(models.TextChoices):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"


class ActionStatus(models.TextChoices):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    EXPIRED = "expired"
    EXECUTING = "executing"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    BLOCKED = "blocked"
    # Claimed, and its executor stopped before recording a result: whether the write took effect is
    # unknown, so a person checks the system; nothing retries it.
    NEEDS_ATTENTION = "needs_attention"


class RequesterKind(models.TextChoices):
    USER = "user"
    AGENT = "agent"


class ActionRequest(models.Model):
    """A write someone (a person or an agent run) wants to run against an environment.

    ``command`` is the canonical command (verb, target kind and name, namespace, arguments) and
    ``action_hash`` the SHA-256 of its canonical JSON. Approvals name the hash they approve; the
    claim before execution recomputes it from the command about to run. ``requester_user`` is the
    person accountable for the request: the requester, or the person who started the agent run."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="actions")
    requester_kind = models.CharField(max_length=8, choices=RequesterKind.choices)
    requester_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    requester_agent = models.CharField(max_length=100, blank=True, default="", help_text="Agent run id, if any.")
    command = models.JSONField()
    action_hash = models.CharField(max_length=64, db_index=True)
    risk_class = models.CharField(max_length=16, choices=RiskClass.choices)
    rationale = models.TextField()
    expected_effect = models.TextField(blank=True, default="")
    verification_check = models.TextField(blank=True, default="")
    status = models.CharField(max_length=16, choices=ActionStatus.choices, default=ActionStatus.PENDING)
    status_reason = models.TextField(blank=True, default="")
    approvals_required = models.PositiveSmallIntegerField(default=1)
    expires_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    claimed_by = models.CharField(max_length=200, blank=True, default="")
    completed_at = models.DateTimeField(null=True, blank=True)
    result = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering: ClassVar = ["-created_at"]
        indexes: ClassVar = [models.Index(fields=["status", "expires_at"])]
        constraints: ClassVar = [
            models.CheckConstraint(condition=Q(approvals_required__gte=1), name="action_needs_at_least_one_approval"),
            models.CheckConstraint(
                condition=Q(requester_kind="agent") | Q(requester_user__isnull=False),
                name="action_person_requester_named",
            ),
        ]

    def __str__(self) -> str:
        verb = self.command.get("verb", "?") if isinstance(self.command, dict) else "?"
        return f"{verb} ({self.status})"

    def clean(self) -> None:
        if self.risk_class not in RiskClass.values:
            raise ValidationError({"risk_class": "Unknown risk class."})


class Decision(models.TextChoices):
    APPROVE = "approve"
    REJECT = "reject"


class Approval(models.Model):
    """One person's decision on one action. It counts only for the hash it names; a person decides
    once per action (unique), and any rejection vetoes the action."""

    action = models.ForeignKey(ActionRequest, on_delete=models.PROTECT, related_name="approvals")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decision = models.CharField(max_length=8, choices=Decision.choices)
    reason = models.TextField(blank=True, default="")
    action_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering: ClassVar = ["created_at"]
        constraints: ClassVar = [models.UniqueConstraint(fields=["action", "user"], name="approval_one_per_person")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.decision} {self.action_id}"
