"""The write gate: request, approve, reject, expire, claim, complete.

Invariants (each tested): the approver is not the requester (superusers included) and holds
``incidents.approve_action`` on the incident, checked at approval and again at claim time; an
approval names the hash it approves and counts only for that hash; the claim recomputes the hash
of the command about to run; an action is claimed at most once, by one conditional UPDATE, before
it expires; any rejection vetoes; any error in a check blocks the action (fail closed)."""

import logging
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.dispatch import Signal
from django.utils import timezone

from aoi_platform.errors import Conflict, DomainError, Forbidden
from incidents.models import (
    ActionRequest,
    ActionStatus,
    Approval,
    Decision,
    Incident,
    IncidentStatus,
    RequesterKind,
    RiskClass,
)
from incidents.services.commands import command_canonicalize, command_hash
from incidents.services.incidents import incident_event_append, incident_transition
from trajectories.audit.services import Actor, audit_append

logger = logging.getLogger(__name__)
APPROVE_PERMISSION = "incidents.approve_action"
LIVE_STATUSES = (ActionStatus.PENDING, ActionStatus.APPROVED)
# Sent (``action=``) inside the deciding transaction when an action is approved, rejected or expires, so
# that whatever waits on it (an agent run) is woken in the same transaction: both commit, or neither.
action_decided = Signal()


def action_event_record(action: ActionRequest, actor: Actor, verb: str, **payload: Any) -> None:
    """Log to the incident's event stream and audit, in the caller's transaction (which holds the
    action's row lock). The event comes first: it locks the incident row, and the audit lock must
    be the last lock a transaction takes."""
    payload = {"action": str(action.uuid), "status": action.status, **payload}
    incident_event_append(incident=action.incident, type=f"action.{verb}", payload=payload)
    audit_append(actor=actor, verb=f"action.{verb}", object_type="action", object_id=action.uuid, payload=payload)


def incident_move_if_allowed(incident: Incident, to_status: str, actor: Actor, reason: str) -> None:
    """Move the incident to ``to_status`` when it is elsewhere and the transition is allowed."""
    current = Incident.objects.select_for_update().get(pk=incident.pk)
    if current.status != to_status and current.can_transition_to(to_status):
        incident_transition(incident=current, to_status=to_status, actor=actor, reason=reason)


def _incident_after_decision(action: ActionRequest, actor: Actor, reason: str) -> None:
    """An incident waits for approval while any action is live; when none is, it goes back to
    investigation (the requester reads the reason from the event log)."""
    still_waiting = ActionRequest.objects.filter(incident_id=action.incident_id, status__in=LIVE_STATUSES).exists()
    if not still_waiting and action.incident.status == IncidentStatus.AWAITING_APPROVAL:
        incident_move_if_allowed(action.incident, IncidentStatus.INVESTIGATING, actor, reason)


@transaction.atomic
def action_request(
    *,
    incident: Incident,
    command: Any,
    risk_class: str,
    rationale: str,
    requester_user: User | None,
    requester_agent: str = "",
    expected_effect: str = "",
    verification_check: str = "",
) -> ActionRequest:
    """Record a write that waits for approval. ``requester_user`` is the accountable person (for
    an agent run: the person who started it), and can never approve it."""
    canonical = command_canonicalize(command)
    if risk_class not in RiskClass.values:
        raise DomainError(f"Unknown risk class {risk_class!r}.", code="unknown_risk_class")
    if not rationale.strip():
        raise DomainError("A rationale is required.", code="rationale_required")
    if requester_user is None and not requester_agent:
        raise DomainError("An action needs a requester.", code="requester_required")
    incident = Incident.objects.select_for_update().get(pk=incident.pk)
    if incident.status in (IncidentStatus.RESOLVED, IncidentStatus.CLOSED):
        raise Conflict(f"The incident is {incident.status}; no action can be requested.", code="incident_not_active")
    action = ActionRequest.objects.create(
        incident=incident,
        requester_kind=RequesterKind.AGENT if requester_agent else RequesterKind.USER,
        requester_user=requester_user,
        requester_agent=requester_agent,
        command=canonical,
        action_hash=command_hash(canonical),
        risk_class=risk_class,
        rationale=rationale,
        expected_effect=expected_effect,
        verification_check=verification_check,
        approvals_required=settings.AOI_APPROVALS_REQUIRED[risk_class],
        expires_at=timezone.now() + timedelta(seconds=settings.AOI_ACTION_TTL_SECONDS),
    )
    actor = Actor.agent(requester_agent) if requester_agent else Actor.of_user(requester_user)  # type: ignore[arg-type]
    action_event_record(
        action,
        actor,
        "requested",
        command=canonical,
        action_hash=action.action_hash,
        risk_class=risk_class,
        approvals_required=action.approvals_required,
        expires_at=action.expires_at.isoformat(),
    )
    if incident.status == IncidentStatus.OPEN:
        incident_transition(
            incident=incident, to_status=IncidentStatus.INVESTIGATING, actor=actor, reason="action requested"
        )
    incident_move_if_allowed(incident, IncidentStatus.AWAITING_APPROVAL, actor, "action requested")
    return action


def action_expire_locked(action: ActionRequest) -> None:
    """Expire a live action. Caller holds its row lock (and so its incident's)."""
    action.status, action.status_reason = ActionStatus.EXPIRED, "expired before it was used"
    action.save(update_fields=["status", "status_reason"])
    actor = Actor.policy("action expiry")
    action_event_record(action, actor, "expired", expires_at=action.expires_at.isoformat())
    _incident_after_decision(action, actor, "action expired")
    action_decided.send(sender=ActionRequest, action=action)


def action_block_locked(action: ActionRequest, reason: str, actor: Actor) -> None:
    """Block an action so that nothing runs (fail closed). Caller holds its row lock."""
    action.status, action.status_reason = ActionStatus.BLOCKED, reason
    action.save(update_fields=["status", "status_reason"])
    action_event_record(action, actor, "blocked", reason=reason)


def _decider_refusal(action: ActionRequest, user: User) -> DomainError | None:
    """Separation of duties and the object permission; superusers are not exempt from the first."""
    if action.requester_user_id is not None and action.requester_user_id == user.pk:
        return Forbidden("You requested this action; another person must decide on it.", code="self_approval")
    if not user.has_perm(APPROVE_PERMISSION, action.incident):
        return Forbidden("You may not approve actions on this incident.", code="no_approve_permission")
    return None


def _live_refusal(action: ActionRequest) -> DomainError | None:
    if action.status in LIVE_STATUSES and action.expires_at <= timezone.now():
        action_expire_locked(action)
        return Conflict("This action has expired; request it again.", code="expired")
    if action.status not in LIVE_STATUSES:
        return Conflict(f"This action is {action.status}; it can no longer be decided.", code="not_pending")
    return None


def _decide(
    action: ActionRequest,
    user: User,
    verb: str,
    check: Callable[[ActionRequest], DomainError | None],
    apply: Callable[[ActionRequest], None],
) -> ActionRequest:
    """Run ``check`` then ``apply`` under the action's row lock. A refusal is audited and
    committed (with any expiry it caused) before it is raised; an error in a check blocks."""
    with transaction.atomic():
        locked = ActionRequest.objects.select_for_update().select_related("incident").get(pk=action.pk)
        try:
            refusal = _live_refusal(locked) or _decider_refusal(locked, user) or check(locked)
        except Exception as exc:  # fail closed: a broken check must not let anything through
            logger.exception("write-gate check failed for action %s", locked.uuid)
            action_block_locked(locked, f"a check failed: {type(exc).__name__}", Actor.policy("fail closed"))
            refusal = Conflict("A check failed; the action is blocked.", code="blocked")
        if refusal is None:
            apply(locked)
            return locked
        audit_append(
            actor=Actor.of_user(user),
            verb=f"action.{verb}_refused",
            object_type="action",
            object_id=locked.uuid,
            payload={"code": refusal.code, "reason": str(refusal)},
        )
    raise refusal


def action_approve(*, action: ActionRequest, user: User, action_hash: str, reason: str = "") -> ActionRequest:
    """Approve the action as it stands (``action_hash`` must be its hash). When approvals for the
    hash from distinct people reach ``approvals_required``, the action becomes approved."""

    def check(locked: ActionRequest) -> DomainError | None:
        if action_hash != locked.action_hash:
            return Conflict("The hash does not match this action's command; review it again.", code="hash_mismatch")
        if locked.approvals.filter(user=user).exists():
            return Conflict("You have already decided on this action.", code="already_decided")
        return None

    def apply(locked: ActionRequest) -> None:
        Approval.objects.create(
            action=locked, user=user, decision=Decision.APPROVE, reason=reason, action_hash=action_hash
        )
        count = locked.approvals.filter(decision=Decision.APPROVE, action_hash=locked.action_hash).count()
        if count >= locked.approvals_required:
            locked.status, locked.decided_at = ActionStatus.APPROVED, timezone.now()
            locked.save(update_fields=["status", "decided_at"])
        action_event_record(
            locked,
            Actor.of_user(user),
            "approved",
            action_hash=action_hash,
            approvals=count,
            approvals_required=locked.approvals_required,
            reason=reason,
        )
        if locked.status == ActionStatus.APPROVED:
            action_decided.send(sender=ActionRequest, action=locked)

    return _decide(action, user, "approve", check, apply)


def action_reject(*, action: ActionRequest, user: User, reason: str) -> ActionRequest:
    """Veto the action. The reason goes back to the requester through the incident's event log."""
    if not reason.strip():
        raise DomainError("A reason is required to reject an action.", code="reason_required")

    def check(locked: ActionRequest) -> DomainError | None:
        if locked.approvals.filter(user=user).exists():
            return Conflict("You have already decided on this action.", code="already_decided")
        return None

    def apply(locked: ActionRequest) -> None:
        Approval.objects.create(
            action=locked, user=user, decision=Decision.REJECT, reason=reason, action_hash=locked.action_hash
        )
        locked.status, locked.status_reason, locked.decided_at = ActionStatus.REJECTED, reason, timezone.now()
        locked.save(update_fields=["status", "status_reason", "decided_at"])
        actor = Actor.of_user(user)
        action_event_record(locked, actor, "rejected", reason=reason, requester_agent=locked.requester_agent)
        _incident_after_decision(locked, actor, f"action rejected: {reason}")
        action_decided.send(sender=ActionRequest, action=locked)

    return _decide(action, user, "reject", check, apply)


def actions_expire_due() -> int:
    """Expire every live action past its ``expires_at``. Returns how many expired."""
    expired = 0
    for pk in ActionRequest.objects.filter(status__in=LIVE_STATUSES, expires_at__lte=timezone.now()).values_list(
        "pk", flat=True
    ):
        with transaction.atomic():
            locked = ActionRequest.objects.select_for_update().select_related("incident").get(pk=pk)
            if locked.status in LIVE_STATUSES and locked.expires_at <= timezone.now():
                action_expire_locked(locked)
                expired += 1
    return expired
