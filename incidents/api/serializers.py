"""API representations. Reads expose public UUIDs only; writes validate input, services decide."""

from typing import Any

from django.contrib.auth.models import User
from rest_framework import serializers

from agents.models import AgentRun
from incidents.models import (
    ActionRequest,
    Approval,
    Incident,
    IncidentEvent,
    IncidentStatus,
    RiskClass,
    Severity,
    SystemLevel,
    Team,
)


class TeamField(serializers.SlugRelatedField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(slug_field="slug", queryset=Team.objects.all(), **kwargs)


class IncidentSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="uuid", read_only=True)
    team: serializers.SlugRelatedField[Team] = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    labelled_by: serializers.SlugRelatedField[User] = serializers.SlugRelatedField(
        slug_field="username", read_only=True
    )

    class Meta:
        model = Incident
        fields = [
            "id",
            "title",
            "description",
            "severity",
            "status",
            "team",
            "source",
            "fingerprint",
            "group_key",
            "labels",
            "annotations",
            "application",
            "namespace",
            "starts_at",
            "alert_count",
            "rca_component",
            "rca_system_level",
            "rca_fault_type",
            "labelled_by",
            "labelled_at",
            "diagnosis",
            "diagnosed_at",
            "last_event_seq",
            "created_at",
            "updated_at",
            "resolved_at",
            "closed_at",
        ]
        read_only_fields = fields


class IncidentCreateSerializer(serializers.Serializer):
    team = TeamField()
    title = serializers.CharField(max_length=300)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    severity = serializers.ChoiceField(choices=Severity.choices, default=Severity.WARNING)
    labels = serializers.DictField(child=serializers.CharField(max_length=1024), required=False, default=dict)
    application = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    namespace = serializers.CharField(max_length=253, required=False, allow_blank=True, default="")


class TransitionSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=IncidentStatus.choices)
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


class LabelSerializer(serializers.Serializer):
    rca_component = serializers.CharField(max_length=253, required=False, allow_blank=True, default="")
    rca_system_level = serializers.ChoiceField(
        choices=SystemLevel.choices, required=False, allow_blank=True, default=""
    )
    rca_fault_type = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")


class IncidentEventSerializer(serializers.ModelSerializer):
    class Meta:
        model = IncidentEvent
        fields = ["seq", "type", "payload", "created_at"]
        read_only_fields = fields


class ApprovalSerializer(serializers.ModelSerializer):
    user: serializers.SlugRelatedField[User] = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = Approval
        fields = ["user", "decision", "reason", "action_hash", "created_at"]
        read_only_fields = fields


class ActionSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="uuid", read_only=True)
    incident = serializers.UUIDField(source="incident.uuid", read_only=True)
    requester_user: serializers.SlugRelatedField[User] = serializers.SlugRelatedField(
        slug_field="username", read_only=True
    )
    approvals = ApprovalSerializer(many=True, read_only=True)

    class Meta:
        model = ActionRequest
        fields = [
            "id",
            "incident",
            "requester_kind",
            "requester_user",
            "requester_agent",
            "command",
            "action_hash",
            "risk_class",
            "rationale",
            "expected_effect",
            "verification_check",
            "status",
            "status_reason",
            "approvals_required",
            "approvals",
            "expires_at",
            "created_at",
            "decided_at",
            "claimed_at",
            "completed_at",
            "result",
        ]
        read_only_fields = fields


class ActionRequestSerializer(serializers.Serializer):
    command = serializers.JSONField()
    risk_class = serializers.ChoiceField(choices=RiskClass.choices)
    rationale = serializers.CharField(max_length=4000)
    expected_effect = serializers.CharField(max_length=4000, required=False, allow_blank=True, default="")
    verification_check = serializers.CharField(max_length=4000, required=False, allow_blank=True, default="")


class ApproveSerializer(serializers.Serializer):
    action_hash = serializers.RegexField(r"^[0-9a-f]{64}$", help_text="The hash of the command you reviewed.")
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


class RejectSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


class AgentRunSerializer(serializers.ModelSerializer):
    """A hosted agent run on an incident (``agents.models.AgentRun``)."""

    def get_evidence(self, run: AgentRun) -> list[str]:
        items = (run.state or {}).get("evidence", {}).get("items", [])
        return [str(item) for item in items]

    incident = serializers.UUIDField(source="incident.uuid", read_only=True)
    started_by: serializers.SlugRelatedField[User] = serializers.SlugRelatedField(slug_field="username", read_only=True)
    awaiting_action = serializers.UUIDField(source="awaiting_action.uuid", read_only=True, allow_null=True)
    outcome = serializers.JSONField(source="trajectory.outcome", read_only=True)
    trajectory_status = serializers.CharField(source="trajectory.status", read_only=True)
    evidence = serializers.SerializerMethodField(
        help_text="The evidence the Observer holds after the last stored phase."
    )

    class Meta:
        model = AgentRun
        fields = [
            "id",
            "incident",
            "trajectory",
            "trajectory_status",
            "status",
            "queue",
            "started_by",
            "awaiting_action",
            "deliveries",
            "version",
            "outcome",
            "evidence",
            "created_at",
            "progressed_at",
            "finished_at",
        ]
        read_only_fields = fields
