"""The audit log API, for auditors: a filtered, paginated list and a streamed JSONL export.

An auditor holds the model permission ``trajectories.view_auditevent`` (members of the
"auditors" group, see ``services.auditors_group_ensure``; superusers); exporting also needs
``trajectories.export_auditevent``. An unfiltered export verifies offline with
``python -m trajectories.audit.verify_export``.
"""

from collections.abc import AsyncIterator, Iterator
from typing import Any

from asgiref.sync import sync_to_async
from django.core.handlers.asgi import ASGIRequest
from django.db.models import QuerySet
from django.http import StreamingHttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, renderers, serializers, viewsets
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.views import APIView

from trajectories.audit.chain import format_time
from trajectories.audit.selectors import audit_event_list, audit_head, audit_rows_page
from trajectories.audit.verification import EXPORT_FIELDS, export_line
from trajectories.models import ActorType, AuditEvent

VIEW, EXPORT = "trajectories.view_auditevent", "trajectories.export_auditevent"
EXPORT_PAGE_SIZE = 2000
JSONL_MEDIA_TYPE = "application/x-ndjson"


class AuditPermission(BasePermission):
    """Authenticated, and holding every model permission the view declares for the action in
    ``required_perms``. An action the view does not declare is denied."""

    message = "Only auditors may read the audit log."

    def has_permission(self, request: Request, view: APIView) -> bool:
        declared: dict[str, tuple[str, ...]] = getattr(view, "required_perms", {})
        action = getattr(view, "action", None)
        if action not in declared or not (request.user and request.user.is_authenticated):
            return False
        return bool(request.user.has_perms(declared[action]))


class ChainTimeField(serializers.DateTimeField):
    """A time written exactly as it is hashed, so a listed event can be re-hashed by hand."""

    def to_representation(self, value: Any) -> str:
        return format_time(value)


class AuditEventSerializer(serializers.ModelSerializer[AuditEvent]):
    """An event with every hashed field, ``prev_hash`` and ``hash``: enough to check it by hand."""

    created_at = ChainTimeField()

    class Meta:
        model = AuditEvent
        fields = EXPORT_FIELDS


class AuditFilterSerializer(serializers.Serializer[dict[str, Any]]):
    """Query parameters of the list and the export: exact matches, ISO 8601 times (the range is
    half-open). A parameter left empty, as a search form sends it, filters nothing."""

    actor_type = serializers.ChoiceField(choices=ActorType.choices, required=False)
    actor_id = serializers.CharField(required=False, max_length=100)
    verb = serializers.CharField(required=False, max_length=64)
    object_type = serializers.CharField(required=False, max_length=64)
    object_id = serializers.CharField(required=False, max_length=64)
    since_seq = serializers.IntegerField(required=False, min_value=0, help_text="Only events after this seq.")
    created_after = serializers.DateTimeField(required=False, help_text="Events at or after this time.")
    created_before = serializers.DateTimeField(required=False, help_text="Events before this time.")


class JSONLinesRenderer(renderers.JSONRenderer):
    """Lets a client ask for the export's media type; error bodies are then one JSON line."""

    media_type = JSONL_MEDIA_TYPE
    format = "jsonl"


def _export_chunks(events: QuerySet[AuditEvent]) -> Iterator[str]:
    after_seq = 0
    while page := audit_rows_page(events=events, after_seq=after_seq, limit=EXPORT_PAGE_SIZE):
        yield "".join(export_line(row) for row in page)
        after_seq = page[-1]["seq"]


def _next_chunk(chunks: Iterator[str]) -> str | None:
    return next(chunks, None)


async def _export_chunks_async(chunks: Iterator[str]) -> AsyncIterator[str]:
    # Under ASGI Django buffers a synchronous iterator whole before sending it; pulling each page
    # through sync_to_async keeps the export streamed, with the database used from a sync thread.
    while (chunk := await sync_to_async(_next_chunk)(chunks)) is not None:
        yield chunk


class AuditEventViewSet(mixins.ListModelMixin, viewsets.GenericViewSet[AuditEvent]):
    """``GET /audit/`` lists events (paginated); ``GET /audit/export/`` streams them as JSONL."""

    serializer_class = AuditEventSerializer
    permission_classes = [AuditPermission]
    required_perms = {"list": (VIEW,), "export": (VIEW, EXPORT)}

    def get_queryset(self) -> QuerySet[AuditEvent]:
        filters = AuditFilterSerializer(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        return audit_event_list(**filters.validated_data)

    def get_renderers(self) -> list[renderers.BaseRenderer]:
        if getattr(self, "action", None) == "export":
            return [renderers.JSONRenderer(), JSONLinesRenderer()]
        return super().get_renderers()

    @extend_schema(summary="Audit events in seq order, filtered and paginated", parameters=[AuditFilterSerializer])
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Any:
        return super().list(request, *args, **kwargs)

    @extend_schema(
        summary="The filtered audit events as JSONL, streamed; unfiltered, it verifies offline",
        parameters=[AuditFilterSerializer],
        responses={(200, JSONL_MEDIA_TYPE): OpenApiResponse(OpenApiTypes.STR, description="One event per line.")},
    )
    def export(self, request: Request) -> StreamingHttpResponse:
        # Bounded by the head at the start: a busy log cannot keep the export running forever.
        head_seq, _ = audit_head()
        chunks = _export_chunks(self.get_queryset().filter(seq__lte=head_seq))
        streamed = _export_chunks_async(chunks) if isinstance(request._request, ASGIRequest) else chunks
        response = StreamingHttpResponse(streamed, content_type=JSONL_MEDIA_TYPE)
        response["Content-Disposition"] = 'attachment; filename="audit-log.jsonl"'
        return response
