"""Teams, their role groups, and the object permissions those groups hold on incidents."""

from functools import cache

from django.contrib.auth.models import Group, Permission, User
from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from guardian.models import GroupObjectPermission

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


@cache
def _grant_sql(count: int) -> str:
    """One statement that inserts ``count`` (group id, codename) grants on one incident, looking
    the permissions up by name itself: no permission id is cached between calls."""
    wanted = " UNION ALL ".join(["SELECT %s AS group_id, %s AS codename"] * count)
    grant, permission, content_type = (m._meta.db_table for m in (GroupObjectPermission, Permission, ContentType))
    return (
        f"INSERT INTO {grant} (group_id, permission_id, content_type_id, object_pk) "  # noqa: S608 (names from metadata)
        f"SELECT w.group_id, p.id, p.content_type_id, CAST(%s AS varchar(255)) FROM ({wanted}) w "
        f"JOIN {permission} p ON p.codename = w.codename "
        f"JOIN {content_type} ct ON ct.id = p.content_type_id AND ct.app_label = 'incidents' AND ct.model = 'incident'"
    )


def incident_grant_team_permissions(*, incident: Incident, actor: Actor) -> None:
    """Give a new incident's team its role permissions on it: one insert of every grant and one
    audit event naming them all (a bulk insert sends no signals, so it is audited here)."""
    grants = [(getattr(incident.team, role), perm) for role, perms in ROLE_PERMISSIONS.items() for perm in perms]
    with connection.cursor() as cursor:
        params = [str(incident.pk)] + [v for group, perm in grants for v in (group.pk, perm.split(".", 1)[1])]
        cursor.execute(_grant_sql(len(grants)), params)
        if cursor.rowcount != len(grants):  # a missing permission row: refuse rather than grant less
            raise RuntimeError(f"granted {cursor.rowcount} of {len(grants)} permissions on incident {incident.pk}")
    audit_append(
        actor=actor,
        verb="permission.granted",
        object_type="incident",
        object_id=incident.uuid,
        payload={
            "object_type": "incident",
            "object_pk": str(incident.pk),
            "grants": [{"holder_type": "group", "holder": group.name, "permission": perm} for group, perm in grants],
        },
    )
