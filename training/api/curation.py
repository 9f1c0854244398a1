"""``/api/v1/learning/proposals/``: the curation queue of the Evolver's guidance proposals.

``GET proposals/`` (filters ``status``, ``failure_pattern``, ``mine``), ``GET proposals/<id>/``, and ``POST
proposals/<id>/{assign,claim,release,approve,reject}/``, each calling one service of
``training.services.curation``. Reading needs ``training.view_guidanceproposal`` or the curation permission;
acting needs ``training.curate_guidanceproposal`` (checked here and again by the service). Token or session
authentication; session writes need the CSRF token."""

from typing import Any

from django.contrib.auth.models import User
from django.db.models import QuerySet
from django.urls import URLPattern, path
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, serializers, viewsets
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from aoi_platform.api import request_user
from training.models import FailurePattern, GuidanceProposal, ProposalStatus
from training.roles import user_may_curate, user_may_read_proposals
from training.selectors_curation import proposal_claim_expires_at, proposal_claim_holder, proposal_queue
from training.services.curation import (
    REASON_MAX,
    proposal_approve,
    proposal_assign,
    proposal_claim,
    proposal_reject,
    proposal_release,
)

READ, CURATE = "read", "curate"
RULES = {READ: user_may_read_proposals, CURATE: user_may_curate}


class CurationPermission(BasePermission):
    """Authenticated, and allowed what the view declares for the action in ``required``: ``read`` (view or
    curation permission) or ``curate``. An action the view does not declare is denied."""

    message = "Only curators may do this with guidance proposals."

    def has_permission(self, request: Request, view: APIView) -> bool:
        declared: dict[str, str] = getattr(view, "required", {})
        rule = RULES.get(declared.get(getattr(view, "action", None) or "", ""))
        return rule is not None and rule(user=request.user)


class GuidanceSerializer(serializers.Serializer):
    """One guidance item: the teacher's, an edit, or what approval publishes."""

    title = serializers.CharField()
    text = serializers.CharField()
    fault_types = serializers.ListField(child=serializers.CharField())
    services = serializers.ListField(child=serializers.CharField())


class RunRefSerializer(serializers.Serializer):
    """A run a proposal refers to: its id, problem or incident, and whether it succeeded."""

    id = serializers.UUIDField()
    problem_id = serializers.CharField()
    incident = serializers.UUIDField(source="incident.uuid", allow_null=True, default=None)
    status = serializers.CharField()
    success = serializers.BooleanField(allow_null=True)


def _username(user: User | None) -> str | None:
    return user.get_username() if user is not None else None


class ProposalSerializer(serializers.ModelSerializer):
    """A proposal as curators read it: the teacher's guidance (``original``), the curator's ``edit`` (null
    when none), the ``final`` guidance, the runs it refers to, and the curation state."""

    original = serializers.SerializerMethodField()
    edit = serializers.SerializerMethodField()
    final = serializers.SerializerMethodField()
    trajectory = RunRefSerializer(read_only=True)
    validation_trajectories = RunRefSerializer(many=True, read_only=True)
    assigned_to = serializers.SerializerMethodField()
    claimed_by = serializers.SerializerMethodField()
    claim_expires_at = serializers.SerializerMethodField()
    edited_by = serializers.SerializerMethodField()
    decided_by = serializers.SerializerMethodField()

    class Meta:
        model = GuidanceProposal
        fields = [
            "id",
            "status",
            "failure_pattern",
            "failed_step",
            "analysis",
            "teacher",
            "original",
            "edit",
            "final",
            "edited_by",
            "validation_status",
            "trajectory",
            "validation_trajectories",
            "evolver_run",
            "assigned_to",
            "claimed_by",
            "claimed_at",
            "claim_expires_at",
            "decided_by",
            "decided_at",
            "reject_reason",
            "knowledge_item",
            "created_at",
        ]
        read_only_fields = fields

    @extend_schema_field(GuidanceSerializer)
    def get_original(self, proposal: GuidanceProposal) -> dict[str, Any]:
        return {field: getattr(proposal, field) for field in ("title", "text", "fault_types", "services")}

    @extend_schema_field(GuidanceSerializer(allow_null=True))
    def get_edit(self, proposal: GuidanceProposal) -> dict[str, Any] | None:
        return proposal.final if proposal.edited else None

    @extend_schema_field(GuidanceSerializer)
    def get_final(self, proposal: GuidanceProposal) -> dict[str, Any]:
        return proposal.final

    def get_assigned_to(self, proposal: GuidanceProposal) -> str | None:
        return _username(proposal.assigned_to)

    def get_claimed_by(self, proposal: GuidanceProposal) -> str | None:
        """Who holds a live claim (an expired claim is nobody's)."""
        return _username(proposal_claim_holder(proposal=proposal))

    @extend_schema_field(serializers.DateTimeField(allow_null=True))
    def get_claim_expires_at(self, proposal: GuidanceProposal) -> str | None:
        expires_at = proposal_claim_expires_at(proposal=proposal) if proposal_claim_holder(proposal=proposal) else None
        return serializers.DateTimeField().to_representation(expires_at) if expires_at is not None else None

    def get_edited_by(self, proposal: GuidanceProposal) -> str | None:
        return _username(proposal.edited_by)

    def get_decided_by(self, proposal: GuidanceProposal) -> str | None:
        return _username(proposal.decided_by)


class ProposalQueueFilterSerializer(serializers.Serializer):
    """The list's filters; a parameter left empty filters nothing."""

    status = serializers.ChoiceField(choices=ProposalStatus.choices, required=False)
    failure_pattern = serializers.ChoiceField(choices=FailurePattern.choices, required=False)
    mine = serializers.BooleanField(required=False, default=False, help_text="Only proposals assigned to me.")

    def to_internal_value(self, data: Any) -> Any:
        given = {key: value for key, value in data.items() if value != ""}
        return super().to_internal_value(given)


class ProposalAssignSerializer(serializers.Serializer):
    assignee = serializers.SlugRelatedField(slug_field="username", queryset=User.objects.filter(is_active=True))


class ProposalApproveSerializer(serializers.Serializer):
    """An optional edit: the fields given replace the teacher's in what is published (the teacher's stay)."""

    title = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False)
    text = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False)
    fault_types = serializers.ListField(child=serializers.CharField(), required=False)
    services = serializers.ListField(child=serializers.CharField(), required=False)


class ProposalRejectSerializer(serializers.Serializer):
    """Why (required; a blank reason is the service's to refuse, as on the page)."""

    reason = serializers.CharField(max_length=REASON_MAX, allow_blank=True, trim_whitespace=False)


class GuidanceProposalViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The curation queue (pending first, newest first, paginated), one proposal, and the curation actions.
    An unknown id is a 404 to whoever may read proposals."""

    serializer_class = ProposalSerializer
    permission_classes = [CurationPermission]
    required = {
        "list": READ,
        "retrieve": READ,
        "assign": CURATE,
        "claim": CURATE,
        "release": CURATE,
        "approve": CURATE,
        "reject": CURATE,
    }

    def get_queryset(self) -> QuerySet[GuidanceProposal]:
        if self.action != "list":
            return proposal_queue()
        filters = ProposalQueueFilterSerializer(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        given = filters.validated_data
        return proposal_queue(
            status=given.get("status"),
            failure_pattern=given.get("failure_pattern"),
            assigned_to=request_user(self.request) if given.get("mine") else None,
        )

    def _done(self, proposal: GuidanceProposal) -> Response:
        return Response(ProposalSerializer(proposal).data)

    @extend_schema(parameters=[ProposalQueueFilterSerializer])
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)

    @extend_schema(request=ProposalAssignSerializer, responses=ProposalSerializer)
    def assign(self, request: Request, pk: str) -> Response:
        proposal = self.get_object()
        data = ProposalAssignSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        assignee = data.validated_data["assignee"]
        return self._done(proposal_assign(proposal=proposal, assignee=assignee, user=request_user(request)))

    @extend_schema(request=None, responses=ProposalSerializer)
    def claim(self, request: Request, pk: str) -> Response:
        return self._done(proposal_claim(proposal=self.get_object(), user=request_user(request)))

    @extend_schema(request=None, responses=ProposalSerializer)
    def release(self, request: Request, pk: str) -> Response:
        return self._done(proposal_release(proposal=self.get_object(), user=request_user(request)))

    @extend_schema(request=ProposalApproveSerializer, responses=ProposalSerializer)
    def approve(self, request: Request, pk: str) -> Response:
        proposal = self.get_object()
        data = ProposalApproveSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        edit = dict(data.validated_data) or None
        return self._done(proposal_approve(proposal=proposal, user=request_user(request), edit=edit))

    @extend_schema(request=ProposalRejectSerializer, responses=ProposalSerializer)
    def reject(self, request: Request, pk: str) -> Response:
        proposal = self.get_object()
        data = ProposalRejectSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        reason = data.validated_data["reason"]
        return self._done(proposal_reject(proposal=proposal, user=request_user(request), reason=reason))


def _action(name: str) -> URLPattern:
    view = GuidanceProposalViewSet.as_view({"post": name})
    return path(f"proposals/<uuid:pk>/{name}/", view, name=f"proposal-{name}")


urlpatterns: list[URLPattern] = [
    path("proposals/", GuidanceProposalViewSet.as_view({"get": "list"}), name="proposal-list"),
    path("proposals/<uuid:pk>/", GuidanceProposalViewSet.as_view({"get": "retrieve"}), name="proposal-detail"),
    *(_action(name) for name in ("assign", "claim", "release", "approve", "reject")),
]
