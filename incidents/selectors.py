"""Reads for incidents and actions. Every list a user sees is filtered here, through guardian."""

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import QuerySet
from guardian.shortcuts import get_objects_for_user

from incidents.models import ActionRequest, ActionStatus, Incident, IncidentEvent

AnyUser = AbstractBaseUser | AnonymousUser


def incident_list_for_user(*, user: AnyUser, perm: str = "incidents.view_incident") -> QuerySet[Incident]:
    """Incidents on which ``user`` holds ``perm``, through their groups or directly. Global
    (model-level) permissions do not count: access is per incident, granted to teams."""
    if not user.is_authenticated:
        return Incident.objects.none()
    return get_objects_for_user(
        user, perm, klass=Incident, use_groups=True, with_superuser=True, accept_global_perms=False
    )


def action_list_for_user(*, user: AnyUser) -> QuerySet[ActionRequest]:
    """Actions on incidents ``user`` may view."""
    return (
        ActionRequest.objects.filter(incident__in=incident_list_for_user(user=user))
        .select_related("incident", "requester_user")
        .prefetch_related("approvals__user")
    )


def action_list_approvable_by_user(*, user: AnyUser) -> QuerySet[ActionRequest]:
    """Actions ``user`` could approve: on incidents where they hold ``approve_action``, not requested
    by them. (Decided or expired ones are filtered by the caller's ``status``.)"""
    approvable = incident_list_for_user(user=user, perm="incidents.approve_action")
    return action_list_for_user(user=user).filter(incident__in=approvable).exclude(requester_user_id=user.pk)


def action_pending_count_for_user(*, user: AnyUser) -> int:
    return action_list_approvable_by_user(user=user).filter(status=ActionStatus.PENDING).count()


def incident_events_since(*, incident: Incident, since: int, limit: int = 500) -> QuerySet[IncidentEvent]:
    """Events after ``since`` in seq order: what a client that missed frames needs to resync."""
    return incident.events.filter(seq__gt=since).order_by("seq")[:limit]
