"""Claiming an approved action for execution, and recording the result.

The claim is the last gate before a write reaches an environment: it recomputes the hash of
the command about to run, re-checks every approval (a revoked permission or a deactivated
approver no longer counts), and takes the action with one conditional UPDATE, so an approval
is used at most once however many executors race for it."""

import logging
from datetime import timedelta
from typing import Any
from uuid import UUID

from django.db import transaction
from django.utils import timezone

from aoi_platform.errors import Conflict, DomainError, Forbidden
from incidents.models import ActionRequest, ActionStatus, Decision, IncidentStatus
from incidents.services.actions import (
    APPROVE_PERMISSION,
    action_block_locked,
    action_event_record,
    action_expire_locked,
    incident_move_if_allowed,
)
from incidents.services.commands import command_canonicalize, command_hash
from trajectories.audit.services import Actor

logger = logging.getLogger(__name__)


def _approval_problem(action: ActionRequest, digest: str) -> str | None:
    """Why the approvals on record do not (or no longer) authorise running ``digest``."""
    if digest != action.action_hash:
        return "the command to run differs from the approved command; a changed command needs a new request"
    approvals = list(action.approvals.select_related("user"))
    if any(a.decision == Decision.REJECT for a in approvals):
        return "the action was rejected"
    valid = {
        a.user_id
        for a in approvals
        if a.decision == Decision.APPROVE
        and a.action_hash == digest
        and a.user_id != action.requester_user_id
        and a.user.has_perm(APPROVE_PERMISSION, action.incident)
    }
    if len(valid) < action.approvals_required:
        return f"{len(valid)} valid approval(s) at claim time, {action.approvals_required} required"
    return None


def _block(action_pk: int, reason: str) -> None:
    with transaction.atomic():
        locked = ActionRequest.objects.select_for_update().select_related("incident").get(pk=action_pk)
        if locked.status == ActionStatus.APPROVED:
            action_block_locked(locked, reason, Actor.policy("claim check"))


def action_claim(*, action_uuid: UUID, command: Any, executor: Actor) -> ActionRequest:
    """Take an approved action for execution. Returns the action, now ``executing``; raises
    ``Forbidden`` (and blocks the action) when the checks fail, ``Conflict`` when it is not
    claimable (not approved, expired, already claimed)."""
    try:
        action = ActionRequest.objects.select_related("incident").get(uuid=action_uuid)
    except ActionRequest.DoesNotExist as exc:
        raise DomainError("No such action.", code="not_found") from exc
    if action.status != ActionStatus.APPROVED:
        raise Conflict(f"This action is {action.status}, not approved.", code="not_claimable")
    try:
        digest = command_hash(command_canonicalize(command))
        problem = _approval_problem(action, digest)
    except Exception as exc:  # fail closed
        logger.exception("claim check failed for action %s", action.uuid)
        digest, problem = "", f"a claim check failed: {type(exc).__name__}"
    if problem is not None:
        _block(action.pk, problem)
        raise Forbidden(f"Blocked: {problem}.", code="blocked")
    return _claim(action, digest, executor)


def _claim(action: ActionRequest, digest: str, executor: Actor) -> ActionRequest:
    now = timezone.now()
    with transaction.atomic():
        won = ActionRequest.objects.filter(
            pk=action.pk, status=ActionStatus.APPROVED, action_hash=digest, expires_at__gt=now
        ).update(status=ActionStatus.EXECUTING, claimed_at=now, claimed_by=executor.label)
        locked = ActionRequest.objects.select_for_update().select_related("incident").get(pk=action.pk)
        if won:
            action_event_record(locked, executor, "claimed", action_hash=digest)
            incident_move_if_allowed(locked.incident, IncidentStatus.MITIGATING, executor, "approved action executing")
            return locked
        if locked.status == ActionStatus.APPROVED and locked.expires_at <= now:
            action_expire_locked(locked)
            expired = True
        else:
            expired = False
    if expired:
        raise Conflict("This action expired before it was claimed.", code="expired")
    raise Conflict(f"This action is {locked.status}; it was already claimed or decided.", code="not_claimable")


@transaction.atomic
def action_complete(*, action_uuid: UUID, succeeded: bool, result: dict[str, Any], executor: Actor) -> ActionRequest:
    """Record the outcome of a claimed action. A failed write sends the incident back to investigation."""
    locked = ActionRequest.objects.select_for_update().select_related("incident").get(uuid=action_uuid)
    if locked.status != ActionStatus.EXECUTING:
        raise Conflict(f"This action is {locked.status}, not executing.", code="not_executing")
    locked.status = ActionStatus.SUCCEEDED if succeeded else ActionStatus.FAILED
    locked.completed_at, locked.result = timezone.now(), result
    locked.save(update_fields=["status", "completed_at", "result"])
    action_event_record(locked, executor, "executed", succeeded=succeeded, result=result)
    if not succeeded:
        incident_move_if_allowed(locked.incident, IncidentStatus.INVESTIGATING, executor, "action failed")
    return locked


def action_needs_attention(*, action_uuid: UUID, reason: str, actor: Actor) -> bool:
    """Hand a claimed action whose result was never recorded to people: ``needs_attention``, never a retry.
    Returns False (and changes nothing) when the action is not executing any more."""
    with transaction.atomic():
        locked = ActionRequest.objects.select_for_update().select_related("incident").get(uuid=action_uuid)
        if locked.status != ActionStatus.EXECUTING:
            return False
        locked.status, locked.status_reason = ActionStatus.NEEDS_ATTENTION, reason
        locked.save(update_fields=["status", "status_reason"])
        action_event_record(locked, actor, "needs_attention", reason=reason, claimed_by=locked.claimed_by)
    logger.warning("action %s needs attention: %s", action_uuid, reason)
    return True


def actions_stuck_flag(*, older_than_s: float) -> int:
    """Periodic: every action claimed longer ago than ``older_than_s`` without a result needs attention."""
    cutoff = timezone.now() - timedelta(seconds=older_than_s)
    stuck = ActionRequest.objects.filter(status=ActionStatus.EXECUTING, claimed_at__lt=cutoff)
    reason = f"claimed more than {older_than_s:.0f} s ago and no result was recorded"
    return sum(
        action_needs_attention(action_uuid=uuid, reason=reason, actor=Actor.policy("stuck claim check"))
        for uuid in stuck.values_list("uuid", flat=True)
    )
