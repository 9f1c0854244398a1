"""API representations of runs and steps, and the query parameters of their endpoints."""

from typing import Any

from django.contrib.auth.models import User
from rest_framework import serializers

from trajectories.models import AgentKind, Step, Trajectory, TrajectoryStatus
from trajectories.selectors import OUTCOMES

STEPS_PAGE_DEFAULT, STEPS_PAGE_MAX = 100, 500


class TrajectorySerializer(serializers.ModelSerializer[Trajectory]):
    """A run: what it ran on and with, where it stands, what it cost and how it was graded."""

    incident = serializers.UUIDField(source="incident.uuid", read_only=True, allow_null=True, default=None)
    created_by: serializers.SlugRelatedField[User] = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = Trajectory
        fields = [
            "id",
            "incident",
            "problem_id",
            "scenario",
            "agent_kind",
            "backend",
            "model",
            "prompt_versions",
            "seed",
            "leaks",
            "status",
            "outcome",
            "success",
            "strict_success",
            "steps_count",
            "tokens_in",
            "tokens_out",
            "wall_time_s",
            "started_at",
            "finished_at",
            "created_by",
            "benchmark_run",
        ]
        read_only_fields = fields


class StepSerializer(serializers.ModelSerializer[Step]):
    """A step for display: the tool result's preview and size, the prompt by hash."""

    prompt_sha256 = serializers.CharField(source="prompt_id", read_only=True, allow_null=True)
    tool_result_chars = serializers.SerializerMethodField()

    class Meta:
        model = Step
        fields = [
            "index",
            "role",
            "phase",
            "prompt_sha256",
            "completion",
            "action",
            "tool_preview",
            "tool_result_chars",
            "tokens_in",
            "tokens_out",
            "latency_ms",
            "error",
            "created_at",
        ]
        read_only_fields = fields

    def get_tool_result_chars(self, step: Step) -> int:
        return len(step.tool_result)


class StepFullSerializer(StepSerializer):
    """A step in full: the prompt's text and the whole tool result as well."""

    prompt = serializers.CharField(source="prompt.text", read_only=True, allow_null=True, default=None)

    class Meta(StepSerializer.Meta):
        fields = [*StepSerializer.Meta.fields, "prompt", "tool_result"]
        read_only_fields = fields


class TrajectoryFilterSerializer(serializers.Serializer[dict[str, Any]]):
    """Query parameters of the list: exact matches, ISO 8601 times (the range is half-open). A
    parameter left empty, as a search form sends it, filters nothing."""

    problem = serializers.CharField(required=False, max_length=200, source="problem_id")
    agent_kind = serializers.ChoiceField(choices=AgentKind.choices, required=False)
    status = serializers.ChoiceField(choices=TrajectoryStatus.choices, required=False)
    outcome = serializers.ChoiceField(choices=sorted(OUTCOMES), required=False, help_text="Graded result.")
    model = serializers.CharField(required=False, max_length=200)
    backend = serializers.CharField(required=False, max_length=32)
    benchmark_run = serializers.CharField(required=False, max_length=100)
    incident = serializers.UUIDField(required=False, help_text="The incident's id.")
    started_after = serializers.DateTimeField(required=False, help_text="Runs started at or after this time.")
    started_before = serializers.DateTimeField(required=False, help_text="Runs started before this time.")


class StepQuerySerializer(serializers.Serializer[dict[str, Any]]):
    """Query parameters of the steps endpoint."""

    since = serializers.IntegerField(required=False, default=0, min_value=0, help_text="Steps after this index.")
    limit = serializers.IntegerField(
        required=False, default=STEPS_PAGE_DEFAULT, min_value=1, max_value=STEPS_PAGE_MAX, help_text="Most steps."
    )
    full = serializers.BooleanField(required=False, default=False, help_text="Include prompt texts and full results.")
