"""Incident and action endpoints. Thin: validate, call one service or selector, serialize."""

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from aoi_platform.api import request_user
from incidents.api.permissions import IncidentObjectPermission
from incidents.api.serializers import (
    ActionRequestSerializer,
    ActionSerializer,
    AgentRunSerializer,
    ApproveSerializer,
    IncidentCreateSerializer,
    IncidentEventSerializer,
    IncidentSerializer,
    LabelSerializer,
    RejectSerializer,
    TransitionSerializer,
)
from incidents.models import ActionRequest, Incident, IncidentSource
from incidents.selectors import (
    action_list_approvable_by_user,
    action_list_for_user,
    incident_events_since,
    incident_list_for_user,
)
from incidents.services.actions import action_approve, action_reject, action_request
from incidents.services.incidents import incident_create, incident_label, incident_transition
from incidents.services.teams import ROLES
from trajectories.audit.services import Actor

VIEW, CHANGE, APPROVE = "incidents.view_incident", "incidents.change_incident", "incidents.approve_action"


def _int_param(request: Request, name: str, default: int) -> int:
    raw = request.query_params.get(name, default)
    try:
        value = int(raw)
    except (TypeError, ValueError) as exc:
        raise ValidationError({name: "Must be a non-negative integer."}) from exc
    if value < 0:
        raise ValidationError({name: "Must be a non-negative integer."})
    return value


class IncidentViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    """Incidents the caller may view; create, transition, label, events, and actions of one incident."""

    serializer_class = IncidentSerializer
    permission_classes = [IncidentObjectPermission]
    lookup_field = "uuid"
    required_object_perms = {
        "list": VIEW,
        "retrieve": VIEW,
        "create": None,
        "transition": CHANGE,
        "label": CHANGE,
        "events": VIEW,
        "actions": VIEW,
        "request_action": CHANGE,
        "diagnose": CHANGE,
        "runs": VIEW,
    }
    filter_fields = ("status", "severity", "application", "namespace", "source")

    def get_queryset(self) -> QuerySet[Incident]:
        qs = incident_list_for_user(user=self.request.user).select_related("team", "labelled_by")
        params = self.request.query_params
        for field in self.filter_fields:
            if params.get(field):
                qs = qs.filter(**{field: params[field]})
        if params.get("team"):
            qs = qs.filter(team__slug=params["team"])
        return qs.order_by("-created_at")

    @extend_schema(request=IncidentCreateSerializer, responses=IncidentSerializer)
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = IncidentCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        team = data.validated_data.pop("team")
        member_of = {g.pk for g in request.user.groups.all()}
        if not request.user.is_superuser and not member_of & {
            getattr(team, f"{r}_id") for r in ROLES if r != "viewers"
        }:
            raise PermissionDenied("Only the team's responders and approvers may open its incidents.")
        incident = incident_create(
            team=team,
            actor=Actor.of_user(request.user),
            created_by=request_user(request),
            source=IncidentSource.API,
            **data.validated_data,
        )
        return Response(IncidentSerializer(incident).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=TransitionSerializer, responses=IncidentSerializer)
    @action(detail=True, methods=["post"])
    def transition(self, request: Request, uuid: str) -> Response:
        target = self.get_object()
        data = TransitionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        incident = incident_transition(
            incident=target,
            to_status=data.validated_data["status"],
            actor=Actor.of_user(request.user),
            reason=data.validated_data["reason"],
        )
        return Response(IncidentSerializer(incident).data)

    @extend_schema(request=LabelSerializer, responses=IncidentSerializer)
    @action(detail=True, methods=["post"])
    def label(self, request: Request, uuid: str) -> Response:
        target = self.get_object()
        data = LabelSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        incident = incident_label(incident=target, user=request_user(request), **data.validated_data)
        return Response(IncidentSerializer(incident).data)

    @extend_schema(
        parameters=[OpenApiParameter("since", int, description="Return events with seq greater than this.")],
        responses=IncidentEventSerializer(many=True),
    )
    @action(detail=True, methods=["get"])
    def events(self, request: Request, uuid: str) -> Response:
        incident = self.get_object()
        events = incident_events_since(incident=incident, since=_int_param(request, "since", 0))
        return Response(
            {"last_seq": incident.last_event_seq, "events": IncidentEventSerializer(events, many=True).data}
        )

    @extend_schema(responses=ActionSerializer(many=True))
    @action(detail=True, methods=["get"])
    def actions(self, request: Request, uuid: str) -> Response:
        incident = self.get_object()
        actions = action_list_for_user(user=request.user).filter(incident=incident)
        return Response(ActionSerializer(actions, many=True).data)

    @extend_schema(request=ActionRequestSerializer, responses=ActionSerializer)
    @actions.mapping.post
    def request_action(self, request: Request, uuid: str) -> Response:
        target = self.get_object()
        data = ActionRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        created = action_request(incident=target, requester_user=request_user(request), **data.validated_data)
        return Response(ActionSerializer(created).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={202: AgentRunSerializer})
    @action(detail=True, methods=["post"])
    def diagnose(self, request: Request, uuid: str) -> Response:
        """Start the AOI agents on the incident; the run is hosted by the workers (202: queued)."""
        from agents.hosting import run_start

        target = self.get_object()
        run = run_start(incident=target, user=request_user(request))
        return Response(AgentRunSerializer(run).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(responses=AgentRunSerializer(many=True))
    @action(detail=True, methods=["get"])
    def runs(self, request: Request, uuid: str) -> Response:
        incident = self.get_object()
        runs = incident.agent_runs.select_related("incident", "trajectory", "started_by", "awaiting_action")
        return Response(AgentRunSerializer(runs.order_by("-created_at"), many=True).data)


class ActionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The approval queue: ``GET /actions/?status=pending`` lists what the caller may approve."""

    serializer_class = ActionSerializer
    permission_classes = [IncidentObjectPermission]
    lookup_field = "uuid"
    required_object_perms = {"list": APPROVE, "retrieve": VIEW, "approve": APPROVE, "reject": APPROVE}

    def get_queryset(self) -> QuerySet[ActionRequest]:
        if self.action == "list":
            qs = action_list_approvable_by_user(user=self.request.user)
            if self.request.query_params.get("status"):
                qs = qs.filter(status=self.request.query_params["status"])
            return qs
        return action_list_for_user(user=self.request.user)

    @extend_schema(request=ApproveSerializer, responses=ActionSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request: Request, uuid: str) -> Response:
        target = self.get_object()
        data = ApproveSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        approved = action_approve(action=target, user=request_user(request), **data.validated_data)
        return Response(ActionSerializer(approved).data)

    @extend_schema(request=RejectSerializer, responses=ActionSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request: Request, uuid: str) -> Response:
        target = self.get_object()
        data = RejectSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        rejected = action_reject(action=target, user=request_user(request), reason=data.validated_data["reason"])
        return Response(ActionSerializer(rejected).data)
