"""Reads of the curation queue: the queue itself, one proposal with what a curator reads beside it, who
holds a proposal's claim, the people a proposal may be assigned to, and the approved guidance that training
may use. Who may call them is the callers' check (``training.roles``): proposals are read by model
permission, not per team."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

from django.conf import settings
from django.contrib.auth.models import Permission, User
from django.db.models import Case, IntegerField, Prefetch, Q, QuerySet, Value, When
from django.utils import timezone

from training.models import GuidanceProposal, ProposalStatus
from training.roles import CURATE
from trajectories.models import Step, Trajectory

DEFAULT_CLAIM_SECONDS = 1800


def claim_seconds() -> int:
    """How long a claim holds before another curator may take it over (``AOI_CURATION_CLAIM_SECONDS``)."""
    return int(getattr(settings, "AOI_CURATION_CLAIM_SECONDS", DEFAULT_CLAIM_SECONDS))


def proposal_claim_expires_at(*, proposal: GuidanceProposal) -> datetime | None:
    """When the proposal's claim lapses, or None when nobody claimed it."""
    if proposal.claimed_by_id is None or proposal.claimed_at is None:
        return None
    return proposal.claimed_at + timedelta(seconds=claim_seconds())


def proposal_claim_holder(*, proposal: GuidanceProposal, now: datetime | None = None) -> User | None:
    """The curator whose claim still holds, or None (never claimed, released, or expired)."""
    expires_at = proposal_claim_expires_at(proposal=proposal)
    if expires_at is None or expires_at <= (now or timezone.now()):
        return None
    return proposal.claimed_by


def _validation_runs() -> Prefetch:
    return Prefetch("validation_trajectories", queryset=Trajectory.objects.select_related("incident"))


def proposal_queue(
    *, status: str | None = None, assigned_to: User | None = None, failure_pattern: str | None = None
) -> QuerySet[GuidanceProposal]:
    """Proposals narrowed by each filter given: pending ones first, then newest first."""
    proposals = GuidanceProposal.objects.select_related(
        "trajectory", "trajectory__incident", "assigned_to", "claimed_by", "decided_by", "edited_by"
    ).prefetch_related(_validation_runs())
    if status is not None:
        proposals = proposals.filter(status=status)
    if assigned_to is not None:
        proposals = proposals.filter(assigned_to=assigned_to)
    if failure_pattern is not None:
        proposals = proposals.filter(failure_pattern=failure_pattern)
    pending_first = Case(
        When(status=ProposalStatus.PENDING, then=Value(0)), default=Value(1), output_field=IntegerField()
    )
    return proposals.order_by(pending_first, "-created_at", "pk")


def proposal_get(*, proposal_id: UUID) -> GuidanceProposal | None:
    """One proposal with its source run, its validation runs, its knowledge item and the people on it."""
    return (
        GuidanceProposal.objects.select_related(
            "trajectory",
            "trajectory__incident",
            "evolver_run",
            "knowledge_item",
            "assigned_to",
            "claimed_by",
            "decided_by",
            "edited_by",
        )
        .prefetch_related(_validation_runs())
        .filter(pk=proposal_id)
        .first()
    )


@dataclass(frozen=True)
class ProposalContext:
    """What the proposal page shows beside the proposal: the step the teacher names, and the runs that
    re-ran the problem with the guidance (newest first)."""

    failed_step: Step | None
    validation_runs: list[Trajectory]


def proposal_context(*, proposal: GuidanceProposal) -> ProposalContext:
    """The failing step of the source run (None when the run has no such step) and the validation runs."""
    step = Step.objects.filter(trajectory_id=proposal.trajectory_id, index=proposal.failed_step).first()
    runs = sorted(proposal.validation_trajectories.all(), key=lambda run: run.started_at, reverse=True)
    return ProposalContext(failed_step=step, validation_runs=runs)


def curator_list() -> QuerySet[User]:
    """Active people who hold the curation permission (through a group, directly, or as superusers), by name:
    those a proposal may be assigned to."""
    app_label, codename = CURATE.split(".")
    permission = Permission.objects.filter(content_type__app_label=app_label, codename=codename)
    holders = Q(is_superuser=True) | Q(user_permissions__in=permission) | Q(groups__permissions__in=permission)
    return User.objects.filter(holders, is_active=True).distinct().order_by("username")


def proposal_list_approved() -> QuerySet[GuidanceProposal]:
    """Approved proposals whose knowledge item is still active, oldest decision first: the curated guidance
    that training data may use (``final`` is what was approved). Nothing pending or rejected is ever here."""
    return (
        GuidanceProposal.objects.filter(status=ProposalStatus.APPROVED, knowledge_item__active=True)
        .select_related("trajectory", "knowledge_item")
        .order_by("decided_at", "pk")
    )
