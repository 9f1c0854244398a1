"""Run endpoints, read-only. Thin: validate the query, call one selector, serialize.

Runs are found through ``trajectory_list`` (the visibility rule in ``trajectories.selectors``), so a
run the caller may not see is a 404, never a hint that it exists; ``TrajectoryPermission`` checks the
same rule again on the object, and denies any action a view does not declare."""

from collections.abc import AsyncIterator, Iterator
from typing import Any
from uuid import UUID

from asgiref.sync import sync_to_async
from django.core.handlers.asgi import ASGIRequest
from django.db.models import QuerySet
from django.http import StreamingHttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import mixins, renderers, serializers, viewsets
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from trajectories.api.serializers import (
    StepFullSerializer,
    StepQuerySerializer,
    StepSerializer,
    TrajectoryFilterSerializer,
    TrajectorySerializer,
)
from trajectories.models import Trajectory
from trajectories.selectors import step_list, trajectory_export_jsonl, trajectory_is_visible, trajectory_list

JSONL_MEDIA_TYPE = "application/x-ndjson"
EXPORT_LINES_PER_CHUNK = 50


class TrajectoryPermission(BasePermission):
    """Authenticated, the action declared in the view's ``allowed_actions``, and the run visible."""

    message = "You may not see this run."

    def has_permission(self, request: Request, view: APIView) -> bool:
        declared: frozenset[str] = getattr(view, "allowed_actions", frozenset())
        authenticated = bool(request.user and request.user.is_authenticated)
        return authenticated and getattr(view, "action", None) in declared

    def has_object_permission(self, request: Request, view: APIView, obj: Any) -> bool:
        return isinstance(obj, Trajectory) and trajectory_is_visible(user=request.user, trajectory=obj)


class JSONLinesRenderer(renderers.JSONRenderer):
    """Lets a client ask for the export's media type; error bodies are then one JSON line."""

    media_type = JSONL_MEDIA_TYPE
    format = "jsonl"


def _chunks(lines: Iterator[str]) -> Iterator[str]:
    """Lines joined in small batches: fewer writes than one per line, never the whole run at once."""
    batch: list[str] = []
    for line in lines:
        batch.append(line)
        if len(batch) == EXPORT_LINES_PER_CHUNK:
            yield "".join(batch)
            batch = []
    if batch:
        yield "".join(batch)


def _next_chunk(chunks: Iterator[str]) -> str | None:
    return next(chunks, None)


async def _chunks_async(chunks: Iterator[str]) -> AsyncIterator[str]:
    # Under ASGI Django buffers a synchronous iterator whole; pulling each chunk through
    # sync_to_async keeps the export streamed, with the database used from the sync thread.
    while (chunk := await sync_to_async(_next_chunk)(chunks)) is not None:
        yield chunk


class TrajectoryViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet[Trajectory]):
    """``GET /trajectories/`` (filtered, paginated), ``/<id>/``, ``/<id>/steps/?since=N``, ``/<id>/export/``."""

    serializer_class = TrajectorySerializer
    permission_classes = [TrajectoryPermission]
    allowed_actions = frozenset({"list", "retrieve", "steps", "export"})

    def get_queryset(self) -> QuerySet[Trajectory]:
        if self.action != "list":
            return trajectory_list(user=self.request.user)
        filters = TrajectoryFilterSerializer(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        return trajectory_list(user=self.request.user, **filters.validated_data)

    def get_renderers(self) -> list[renderers.BaseRenderer]:
        if getattr(self, "action", None) == "export":
            return [renderers.JSONRenderer(), JSONLinesRenderer()]
        return super().get_renderers()

    @extend_schema(summary="Runs the caller may see, newest first", parameters=[TrajectoryFilterSerializer])
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)

    @extend_schema(
        summary="The run's steps after index `since`, in order",
        parameters=[StepQuerySerializer],
        responses=inline_serializer(
            "TrajectorySteps",
            {"steps_count": serializers.IntegerField(), "steps": StepFullSerializer(many=True)},
        ),
    )
    def steps(self, request: Request, pk: UUID) -> Response:
        trajectory = self.get_object()
        query = StepQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        full = query.validated_data["full"]
        steps = step_list(
            trajectory=trajectory,
            since=query.validated_data["since"],
            limit=query.validated_data["limit"],
            with_prompts=full,
        )
        serializer = StepFullSerializer if full else StepSerializer
        return Response({"steps_count": trajectory.steps_count, "steps": serializer(steps, many=True).data})

    @extend_schema(
        summary="The run and its steps as JSON lines, each prompt's text once",
        responses={(200, JSONL_MEDIA_TYPE): OpenApiResponse(OpenApiTypes.STR, description="One record per line.")},
    )
    def export(self, request: Request, pk: UUID) -> StreamingHttpResponse:
        trajectory = self.get_object()
        chunks = _chunks(trajectory_export_jsonl(trajectory=trajectory))
        streamed = _chunks_async(chunks) if isinstance(request._request, ASGIRequest) else chunks
        response = StreamingHttpResponse(streamed, content_type=JSONL_MEDIA_TYPE)
        response["Content-Disposition"] = f'attachment; filename="trajectory-{trajectory.pk}.jsonl"'
        return response
