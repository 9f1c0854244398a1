"""Curation of the Evolver's guidance proposals: assign, claim, release, approve (with or without an edit),
reject. Only approval publishes: it creates the ``KnowledgeItem`` the Observer retrieves, and an approved
proposal is what training data may use; nothing pending or rejected reaches either.

Every service takes the proposal's row lock first, then refuses (nothing changed) when the user lacks the
curation permission (``Forbidden``; superusers hold it), when the proposal was already decided
(``Conflict``), or when another curator's claim still holds (``Conflict`` naming the holder; a claim lapses
after ``AOI_CURATION_CLAIM_SECONDS`` and may then be taken over). Each change is audited in its
transaction (verbs ``guidance.*``). The teacher's fields are never changed: an edit goes to ``edited_*``."""

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from agents.knowledge.services import knowledge_item_create
from agents.models import KnowledgeKind
from aoi_platform.errors import Conflict, DomainError, Forbidden
from training.models import GuidanceProposal, ProposalStatus
from training.roles import user_may_curate
from training.selectors_curation import proposal_claim_expires_at, proposal_claim_holder
from trajectories.audit.services import Actor, audit_append

AUDIT_OBJECT = "guidance_proposal"
EDITABLE = ("title", "text", "fault_types", "services")
TITLE_MAX = GuidanceProposal._meta.get_field("title").max_length or 200
REASON_MAX = 4000
TEXT_MAX = 20_000


def _require_curator(user: User) -> None:
    if not user_may_curate(user=user):
        raise Forbidden("Only curators may act on guidance proposals.", code="not_a_curator")


def _locked_pending(proposal: GuidanceProposal) -> GuidanceProposal:
    """The proposal under its row lock, refused (Conflict) when it was already decided."""
    locked = GuidanceProposal.objects.select_for_update().get(pk=proposal.pk)
    if locked.status != ProposalStatus.PENDING:
        decided_by = locked.decided_by.get_username() if locked.decided_by is not None else "somebody"
        raise Conflict(f"This proposal was already {locked.status} by {decided_by}.", code="already_decided")
    return locked


def _refuse_if_held_by_other(locked: GuidanceProposal, user: User, now: datetime) -> None:
    holder = proposal_claim_holder(proposal=locked, now=now)
    if holder is not None and holder.pk != user.pk:
        expires_at = proposal_claim_expires_at(proposal=locked)
        until = f" until {expires_at:%Y-%m-%d %H:%M} UTC" if expires_at is not None else ""
        raise Conflict(f"{holder.get_username()} has claimed this proposal{until}.", code="claimed")


def _acting(proposal: GuidanceProposal, user: User) -> tuple[GuidanceProposal, datetime]:
    """Permission, row lock, still pending, and nobody else's live claim: what every action needs."""
    _require_curator(user)
    locked = _locked_pending(proposal)
    now = timezone.now()
    _refuse_if_held_by_other(locked, user, now)
    return locked, now


def _audit(user: User, verb: str, proposal: GuidanceProposal, payload: dict[str, Any]) -> None:
    audit_append(
        actor=Actor.of_user(user),
        verb=verb,
        object_type=AUDIT_OBJECT,
        object_id=proposal.pk,
        payload={"title": proposal.title, **payload},
    )


@transaction.atomic
def proposal_assign(*, proposal: GuidanceProposal, assignee: User, user: User) -> GuidanceProposal:
    """Assign the proposal to ``assignee``, who must hold the curation permission; audit "guidance.assigned".
    Assigning it to whom it already is changes nothing."""
    locked, _ = _acting(proposal, user)
    if not user_may_curate(user=assignee):
        raise DomainError(f"{assignee.get_username()} may not curate proposals.", code="assignee_not_curator")
    if locked.assigned_to_id == assignee.pk:
        return locked
    previous = locked.assigned_to.get_username() if locked.assigned_to is not None else None
    locked.assigned_to = assignee
    locked.save(update_fields=["assigned_to"])
    _audit(user, "guidance.assigned", locked, {"assignee": assignee.get_username(), "previous": previous})
    return locked


@transaction.atomic
def proposal_claim(*, proposal: GuidanceProposal, user: User) -> GuidanceProposal:
    """Claim the proposal for ``user`` (renewing their own claim), so no other curator acts on it while the
    claim holds; audit "guidance.claimed". An expired claim of somebody else's is taken over."""
    locked, now = _acting(proposal, user)
    previous = locked.claimed_by.get_username() if locked.claimed_by is not None else None
    locked.claimed_by, locked.claimed_at = user, now
    locked.save(update_fields=["claimed_by", "claimed_at"])
    taken_over = previous if previous is not None and previous != user.get_username() else None
    _audit(user, "guidance.claimed", locked, {"taken_over_from": taken_over})
    return locked


@transaction.atomic
def proposal_release(*, proposal: GuidanceProposal, user: User) -> GuidanceProposal:
    """Give up the claim (the user's own, or an expired one); audit "guidance.released". Releasing an
    unclaimed proposal changes nothing."""
    locked, _ = _acting(proposal, user)
    if locked.claimed_by is None:
        return locked
    previous = locked.claimed_by.get_username()
    locked.claimed_by, locked.claimed_at = None, None
    locked.save(update_fields=["claimed_by", "claimed_at"])
    _audit(user, "guidance.released", locked, {"claimed_by": previous})
    return locked


def _names(value: object, field: str) -> list[str]:
    if isinstance(value, str) or not isinstance(value, list | tuple):
        raise DomainError(f"{field} must be a list of names.", code="invalid_edit")
    if not all(isinstance(name, str) and name.strip() for name in value):
        raise DomainError(f"{field} must be a list of non-blank names.", code="invalid_edit")
    return list(dict.fromkeys(name.strip() for name in value))


def _text(value: object, field: str, limit: int) -> str:
    if not isinstance(value, str) or not value.strip():
        raise DomainError(f"The {field} cannot be blank.", code="invalid_edit")
    if len(value) > limit:
        raise DomainError(f"The {field} is at most {limit} characters.", code="invalid_edit")
    return value.strip()


def edit_changes(*, proposal: GuidanceProposal, edit: Mapping[str, object]) -> dict[str, object]:
    """The edit validated, keeping only the fields that differ from the teacher's (an unchanged field is no
    edit). Unknown fields, blank texts and lists that are not lists of names are refused (``DomainError``)."""
    unknown = sorted(set(edit) - set(EDITABLE))
    if unknown:
        raise DomainError(f"Only {', '.join(EDITABLE)} can be edited, not {', '.join(unknown)}.", code="invalid_edit")
    cleaned: dict[str, object] = {}
    if "title" in edit:
        cleaned["title"] = _text(edit["title"], "title", TITLE_MAX)
    if "text" in edit:
        cleaned["text"] = _text(edit["text"], "text", TEXT_MAX)
    for field in ("fault_types", "services"):
        if field in edit:
            cleaned[field] = _names(edit[field], field)
    return {field: value for field, value in cleaned.items() if value != getattr(proposal, field)}


def _store_edit(locked: GuidanceProposal, changes: dict[str, object], user: User) -> list[str]:
    """Write the changed fields to ``edited_*`` (replacing an earlier edit); the names of the fields written."""
    for field, value in changes.items():
        setattr(locked, f"edited_{field}", value)
    locked.edited_by = user
    return [f"edited_{field}" for field in changes] + ["edited_by"]


def _stored_names(value: object, field: str) -> list[str]:
    """A stored list of names as ``knowledge_item_create`` takes it (which refuses any item but a name)."""
    if not isinstance(value, list):
        raise DomainError(f"The proposal's {field} is not a list of names: edit it to approve.", code="invalid_edit")
    return value


@transaction.atomic
def proposal_approve(
    *, proposal: GuidanceProposal, user: User, edit: Mapping[str, object] | None = None
) -> GuidanceProposal:
    """Approve the proposal, with ``edit`` (title, text, fault_types, services) applied if given: the edit is
    stored beside the teacher's fields (audited "guidance.edited"), then the ``final`` guidance becomes an
    active ``KnowledgeItem`` (kind guidance, source ``proposal:<id>``, created by ``user``) and the proposal is
    approved (audited "guidance.approved"). ``user`` must hold the claim, or nobody may: an unclaimed proposal
    is claimed by the approval itself."""
    locked, now = _acting(proposal, user)
    changes = edit_changes(proposal=locked, edit=edit) if edit else {}
    written = _store_edit(locked, changes, user) if changes else []
    locked.claimed_by, locked.claimed_at = user, now
    locked.save(update_fields=[*written, "claimed_by", "claimed_at"])
    if changes:
        _audit(user, "guidance.edited", locked, {"edited": {f: changes[f] for f in EDITABLE if f in changes}})
    final = locked.final
    item = knowledge_item_create(
        kind=KnowledgeKind.GUIDANCE,
        title=str(final["title"]),
        text=str(final["text"]),
        fault_types=_stored_names(final["fault_types"], "fault_types"),
        services=_stored_names(final["services"], "services"),
        source=f"proposal:{locked.pk}",
        created_by=user,
        actor=Actor.of_user(user),
    )
    locked.knowledge_item, locked.status = item, ProposalStatus.APPROVED
    locked.decided_by, locked.decided_at = user, now
    locked.save(update_fields=["knowledge_item", "status", "decided_by", "decided_at"])
    _audit(user, "guidance.approved", locked, {"knowledge_item": str(item.pk), "edited": locked.edited})
    return locked


@transaction.atomic
def proposal_reject(*, proposal: GuidanceProposal, user: User, reason: str) -> GuidanceProposal:
    """Reject the proposal for ``reason`` (required, not blank); audit "guidance.rejected". Nothing reaches
    long-term memory or training data. ``user`` must hold the claim, or nobody may."""
    locked, now = _acting(proposal, user)
    if not isinstance(reason, str) or not reason.strip():
        raise DomainError("A rejection needs a reason.", code="reason_required")
    if len(reason) > REASON_MAX:
        raise DomainError(f"The reason is at most {REASON_MAX} characters.", code="reason_too_long")
    locked.status, locked.reject_reason = ProposalStatus.REJECTED, reason.strip()
    locked.decided_by, locked.decided_at = user, now
    locked.claimed_by, locked.claimed_at = user, now
    locked.save(update_fields=["status", "reject_reason", "decided_by", "decided_at", "claimed_by", "claimed_at"])
    _audit(user, "guidance.rejected", locked, {"reason": locked.reject_reason})
    return locked
