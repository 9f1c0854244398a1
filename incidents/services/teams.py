"""Teams, their role groups, and the object permissions those groups hold on incidents."""

from django.contrib.auth.models import Group, User
from django.db import transaction
from guardian.shortcuts import assign_perm

from incidents.models import Incident, Team
from trajectories.audit.services import Actor, audit_append

ROLE_PERMISSIONS: dict[str, tuple[str, ...]] = {
    "viewers": ("incidents.view_incident",),
    "responders": ("incidents.view_incident", "incidents.change_incident"),
    "approvers": ("incidents.view_incident", "incidents.change_incident", "incidents.approve_action"),
}
ROLES = tuple(ROLE_PERMISSIONS)


@transaction.atomic
def team_create(*, name: str, slug: str, actor: Actor) -> Team:
    """Create a team with its three role groups (``<slug>:viewers`` and so on)."""
    groups = {role: Group.objects.create(name=f"{slug}:{role}") for role in ROLES}
    team = Team.objects.create(name=name, slug=slug, **groups)
    audit_append(
        actor=actor, verb="team.created", object_type="team", object_id=team.pk, payload={"name": name, "slug": slug}
    )
    return team


def team_add_member(*, team: Team, user: User, role: str) -> None:
    """Put ``user`` in the team's ``role`` group. Membership changes are audited by signal."""
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}; expected one of {', '.join(ROLES)}")
    user.groups.add(getattr(team, role))


def incident_grant_team_permissions(*, incident: Incident) -> None:
    """Give the incident's team its role permissions on this incident (each grant is audited)."""
    team = incident.team
    for role, perms in ROLE_PERMISSIONS.items():
        group = getattr(team, role)
        for perm in perms:
            assign_perm(perm, group, incident)
