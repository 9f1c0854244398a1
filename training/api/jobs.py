"""``/api/v1/learning/``: training runs, model versions, evaluations and Evolver runs.

Reading needs one of the learning loop's permissions (``training.web_jobs.LEARNING_PERMISSIONS``); each
action checks its own in the service it calls (or here, where the service takes no user): start and cancel
training and evaluations ``training.start_trainingrun``, activate and roll back
``training.activate_modelversion``, start and cancel the Evolver ``training.start_evolverrun``. Views are
thin: validate, call one service, serialize. The pages poll the detail endpoints for progress."""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.shortcuts import get_object_or_404
from django.urls import URLPattern, path
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from aoi_platform.api import request_user
from training.models import Evaluation, EvolverRun, ModelVersion, TrainingMetric, TrainingRun
from training.services.evaluation import MAX_RUNS, evaluation_cancel, evaluation_create
from training.services.evolver import evolver_run_cancel, evolver_run_create
from training.services.grpo import training_run_cancel, training_run_create
from training.services.versions import model_version_activate, model_version_rollback
from training.web_jobs import learning_viewer
from trajectories.audit.services import Actor

JOB_FIELDS = (
    "id",
    "status",
    "config",
    "progress_done",
    "progress_total",
    "progress_note",
    "progress_percent",
    "cancel_requested",
    "error",
    "created_at",
    "started_at",
    "finished_at",
)


class LearningPermission(BasePermission):
    """Signed in and allowed to read the learning loop."""

    message = "The learning loop needs one of its permissions."

    def has_permission(self, request: Request, view: APIView) -> bool:
        return learning_viewer(request.user)


def _require(request: Request, permission: str) -> None:
    if not request_user(request).has_perm(permission):
        raise PermissionDenied(f"This needs the permission {permission}.")


# --- serializers ------------------------------------------------------------------------------------------


class MetricSerializer(serializers.ModelSerializer[TrainingMetric]):
    class Meta:
        model = TrainingMetric
        fields: ClassVar = ["step", "values", "created_at"]


class TrainingRunSerializer(serializers.ModelSerializer[TrainingRun]):
    created_by = serializers.CharField(source="created_by.username", read_only=True, default=None)
    base_version = serializers.CharField(source="base_version.name", read_only=True, default=None)
    model_version = serializers.SerializerMethodField()

    class Meta:
        model = TrainingRun
        fields: ClassVar = [
            *JOB_FIELDS,
            "created_by",
            "base_version",
            "base_model",
            "dataset_hash",
            "dataset_rows",
            "dataset_summary",
            "output_dir",
            "seconds_per_step",
            "model_version",
        ]

    def get_model_version(self, run: TrainingRun) -> str | None:
        version = ModelVersion.objects.filter(training_run=run).only("name").first()
        return version.name if version is not None else None


class TrainingRunDetailSerializer(TrainingRunSerializer):
    metrics = MetricSerializer(many=True, read_only=True)

    class Meta(TrainingRunSerializer.Meta):
        fields: ClassVar = [*TrainingRunSerializer.Meta.fields, "metrics"]


class TrainingStartSerializer(serializers.Serializer[Any]):
    base_version = serializers.SlugRelatedField(
        slug_field="name", queryset=ModelVersion.objects.all(), required=False, allow_null=True
    )
    settings = serializers.DictField(required=False, default=dict, help_text="GRPOSettings fields to override.")
    max_rows = serializers.IntegerField(required=False, allow_null=True, min_value=1)


class EvaluationSerializer(serializers.ModelSerializer[Evaluation]):
    version = serializers.CharField(source="version.name", read_only=True)

    class Meta:
        model = Evaluation
        fields: ClassVar = [*JOB_FIELDS, "version", "split", "runs", "seed", "knowledge", "benchmark_label", "summary"]


class EvaluateSerializer(serializers.Serializer[Any]):
    split = serializers.CharField(default="test")
    runs = serializers.IntegerField(default=1, min_value=1, max_value=MAX_RUNS)
    seed = serializers.IntegerField(default=0)
    knowledge = serializers.BooleanField(default=True)


class ModelVersionSerializer(serializers.ModelSerializer[ModelVersion]):
    trained_from = serializers.CharField(source="parent.name", read_only=True, default=None)
    previous = serializers.CharField(source="previous.name", read_only=True, default=None)
    serving = serializers.SerializerMethodField()

    class Meta:
        model = ModelVersion
        fields: ClassVar = [
            "id",
            "name",
            "kind",
            "base_model",
            "location",
            "serving",
            "trained_from",
            "training_run",
            "active",
            "activated_at",
            "previous",
            "created_at",
        ]

    def get_serving(self, version: ModelVersion) -> dict[str, Any]:
        return {key: value for key, value in version.serving.items() if "key" not in key.lower()}


class EvolverRunSerializer(serializers.ModelSerializer[EvolverRun]):
    created_by = serializers.CharField(source="created_by.username", read_only=True, default=None)

    class Meta:
        model = EvolverRun
        fields: ClassVar = [*JOB_FIELDS, "created_by", "summary"]


class EvolverStartSerializer(serializers.Serializer[Any]):
    problems = serializers.CharField(required=False, allow_blank=True, default="")
    from_label = serializers.CharField(required=False, allow_blank=True, default="")
    runs = serializers.IntegerField(default=1, min_value=1, max_value=10)
    validation_runs = serializers.IntegerField(default=1, min_value=1, max_value=10)
    include_incidents = serializers.BooleanField(default=False)
    teacher = serializers.DictField(required=False, help_text="Backend configuration; default: the configured one.")
    seed = serializers.IntegerField(default=0)


# --- views ------------------------------------------------------------------------------------------------


class _JobViews(APIView):
    permission_classes = [LearningPermission]


class TrainingRunList(_JobViews):
    @extend_schema(operation_id="learning_training_runs_list", request=None, responses=TrainingRunSerializer(many=True))
    def get(self, request: Request) -> Response:
        runs = TrainingRun.objects.select_related("created_by", "base_version")[:100]
        return Response(TrainingRunSerializer(runs, many=True).data)

    @extend_schema(
        operation_id="learning_training_runs_create", request=TrainingStartSerializer, responses=TrainingRunSerializer
    )
    def post(self, request: Request) -> Response:
        user = request_user(request)
        body = TrainingStartSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        overrides = dict(body.validated_data["settings"])
        run = training_run_create(
            user=user,
            base_version=body.validated_data.get("base_version"),
            settings_overrides=overrides,
            max_rows=body.validated_data.get("max_rows"),
            actor=Actor.of_user(user),
        )
        return Response(TrainingRunSerializer(run).data, status=status.HTTP_201_CREATED)


class TrainingRunDetail(_JobViews):
    @extend_schema(operation_id="learning_training_runs_retrieve", request=None, responses=TrainingRunDetailSerializer)
    def get(self, request: Request, pk: str) -> Response:
        run = get_object_or_404(TrainingRun.objects.prefetch_related("metrics"), pk=pk)
        return Response(TrainingRunDetailSerializer(run).data)


class TrainingRunCancel(_JobViews):
    @extend_schema(operation_id="learning_training_runs_cancel", request=None, responses=TrainingRunSerializer)
    def post(self, request: Request, pk: str) -> Response:
        _require(request, "training.start_trainingrun")
        run = get_object_or_404(TrainingRun, pk=pk)
        run = training_run_cancel(run=run, actor=Actor.of_user(request_user(request)))
        return Response(TrainingRunSerializer(run).data)


class ModelVersionList(_JobViews):
    @extend_schema(operation_id="learning_versions_list", request=None, responses=ModelVersionSerializer(many=True))
    def get(self, request: Request) -> Response:
        versions = ModelVersion.objects.select_related("parent", "previous").order_by("-active", "-created_at")
        return Response(ModelVersionSerializer(versions, many=True).data)


class ModelVersionDetail(_JobViews):
    @extend_schema(operation_id="learning_versions_retrieve", request=None, responses=ModelVersionSerializer)
    def get(self, request: Request, pk: str) -> Response:
        version = get_object_or_404(ModelVersion, pk=pk)
        data = dict(ModelVersionSerializer(version).data)
        data["evaluations"] = EvaluationSerializer(version.evaluations.order_by("-created_at"), many=True).data
        return Response(data)


class ModelVersionActivate(_JobViews):
    @extend_schema(operation_id="learning_versions_activate", request=None, responses=ModelVersionSerializer)
    def post(self, request: Request, pk: str) -> Response:
        user = request_user(request)
        version = get_object_or_404(ModelVersion, pk=pk)
        version = model_version_activate(version=version, user=user, actor=Actor.of_user(user))
        return Response(ModelVersionSerializer(version).data)


class ModelVersionRollback(_JobViews):
    @extend_schema(operation_id="learning_versions_rollback", request=None, responses=ModelVersionSerializer)
    def post(self, request: Request) -> Response:
        user = request_user(request)
        version = model_version_rollback(user=user, actor=Actor.of_user(user))
        return Response(ModelVersionSerializer(version).data)


class ModelVersionEvaluate(_JobViews):
    @extend_schema(
        operation_id="learning_versions_evaluate", request=EvaluateSerializer, responses=EvaluationSerializer
    )
    def post(self, request: Request, pk: str) -> Response:
        _require(request, "training.start_trainingrun")
        user = request_user(request)
        version = get_object_or_404(ModelVersion, pk=pk)
        body = EvaluateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        evaluation = evaluation_create(version=version, user=user, dispatch=True, **body.validated_data)
        return Response(EvaluationSerializer(evaluation).data, status=status.HTTP_202_ACCEPTED)


class EvaluationDetail(_JobViews):
    @extend_schema(operation_id="learning_evaluations_retrieve", request=None, responses=EvaluationSerializer)
    def get(self, request: Request, pk: str) -> Response:
        return Response(EvaluationSerializer(get_object_or_404(Evaluation, pk=pk)).data)


class EvaluationCancel(_JobViews):
    @extend_schema(operation_id="learning_evaluations_cancel", request=None, responses=EvaluationSerializer)
    def post(self, request: Request, pk: str) -> Response:
        _require(request, "training.start_trainingrun")
        evaluation = get_object_or_404(Evaluation, pk=pk)
        evaluation = evaluation_cancel(evaluation=evaluation, actor=Actor.of_user(request_user(request)))
        return Response(EvaluationSerializer(evaluation).data)


class EvolverRunList(_JobViews):
    @extend_schema(operation_id="learning_evolver_runs_list", request=None, responses=EvolverRunSerializer(many=True))
    def get(self, request: Request) -> Response:
        return Response(EvolverRunSerializer(EvolverRun.objects.select_related("created_by")[:100], many=True).data)

    @extend_schema(
        operation_id="learning_evolver_runs_create", request=EvolverStartSerializer, responses=EvolverRunSerializer
    )
    def post(self, request: Request) -> Response:
        user = request_user(request)
        body = EvolverStartSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        run = evolver_run_create(
            user=user,
            problems=data["problems"] or None,
            runs=data["runs"],
            from_label=data["from_label"] or None,
            include_incidents=data["include_incidents"],
            teacher=dict(data.get("teacher") or settings.AOI_LLM),
            validation_runs=data["validation_runs"],
            seed=data["seed"],
            actor=Actor.of_user(user),
        )
        return Response(EvolverRunSerializer(run).data, status=status.HTTP_201_CREATED)


class EvolverRunDetail(_JobViews):
    @extend_schema(operation_id="learning_evolver_runs_retrieve", request=None, responses=EvolverRunSerializer)
    def get(self, request: Request, pk: str) -> Response:
        return Response(EvolverRunSerializer(get_object_or_404(EvolverRun, pk=pk)).data)


class EvolverRunCancel(_JobViews):
    @extend_schema(operation_id="learning_evolver_runs_cancel", request=None, responses=EvolverRunSerializer)
    def post(self, request: Request, pk: str) -> Response:
        _require(request, "training.start_evolverrun")
        run = get_object_or_404(EvolverRun, pk=pk)
        run = evolver_run_cancel(run=run, actor=Actor.of_user(request_user(request)))
        return Response(EvolverRunSerializer(run).data)


urlpatterns: list[URLPattern] = [
    path("training-runs/", TrainingRunList.as_view(), name="api-training-run-list"),
    path("training-runs/<uuid:pk>/", TrainingRunDetail.as_view(), name="api-training-run-detail"),
    path("training-runs/<uuid:pk>/cancel/", TrainingRunCancel.as_view(), name="api-training-run-cancel"),
    path("versions/", ModelVersionList.as_view(), name="api-model-version-list"),
    path("versions/rollback/", ModelVersionRollback.as_view(), name="api-model-version-rollback"),
    path("versions/<uuid:pk>/", ModelVersionDetail.as_view(), name="api-model-version-detail"),
    path("versions/<uuid:pk>/activate/", ModelVersionActivate.as_view(), name="api-model-version-activate"),
    path("versions/<uuid:pk>/evaluate/", ModelVersionEvaluate.as_view(), name="api-model-version-evaluate"),
    path("evaluations/<uuid:pk>/", EvaluationDetail.as_view(), name="api-evaluation-detail"),
    path("evaluations/<uuid:pk>/cancel/", EvaluationCancel.as_view(), name="api-evaluation-cancel"),
    path("evolver-runs/", EvolverRunList.as_view(), name="api-evolver-run-list"),
    path("evolver-runs/<uuid:pk>/", EvolverRunDetail.as_view(), name="api-evolver-run-detail"),
    path("evolver-runs/<uuid:pk>/cancel/", EvolverRunCancel.as_view(), name="api-evolver-run-cancel"),
]
