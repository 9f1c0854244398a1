"""Who may curate the Evolver's guidance proposals: the "curators" group, and the one rule every
page, endpoint and service of curation asks (``user_may_curate``, ``user_may_read_proposals``).

A curator holds ``training.curate_guidanceproposal`` (assign, claim, approve, edit, reject),
``training.view_guidanceproposal`` (read the queue), and ``trajectories.view_trajectory``: a proposal is a
reading of a failed run on a simulated problem, and the curator must be able to open that run. Superusers
hold every permission, as Django decides."""

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, Group, Permission, PermissionsMixin
from django.db import transaction
from django.db.models import Q

CURATORS_GROUP = "curators"
CURATE = "training.curate_guidanceproposal"
VIEW = "training.view_guidanceproposal"
CURATOR_PERMISSIONS = (CURATE, VIEW, "trajectories.view_trajectory")

AnyUser = AbstractBaseUser | AnonymousUser


def _has_perm(user: AnyUser, perm: str) -> bool:
    """``user.has_perm``; a user model without permissions holds none (fail closed)."""
    return isinstance(user, PermissionsMixin | AnonymousUser) and bool(user.has_perm(perm))


def user_may_curate(*, user: AnyUser) -> bool:
    """Whether ``user`` may act on proposals (an active holder of the curation permission)."""
    return user.is_authenticated and _has_perm(user, CURATE)


def user_may_read_proposals(*, user: AnyUser) -> bool:
    """Whether ``user`` may read the queue: the view permission, or the curation permission itself."""
    return user.is_authenticated and (_has_perm(user, VIEW) or _has_perm(user, CURATE))


def _curator_permissions() -> list[Permission]:
    wanted = Q()
    for name in CURATOR_PERMISSIONS:
        app_label, codename = name.split(".")
        wanted |= Q(content_type__app_label=app_label, codename=codename)
    permissions = list(Permission.objects.filter(wanted))
    if len(permissions) != len(CURATOR_PERMISSIONS):
        raise RuntimeError("the curation permissions do not exist yet: run migrate first")
    return permissions


@transaction.atomic
def curators_group_ensure() -> Group:
    """The "curators" group with the permissions of ``CURATOR_PERMISSIONS`` (an admin may give it more).
    Created, or missing permissions restored; calling it again changes nothing. A service rather than a
    data migration, as ``trajectories.audit.services.auditors_group_ensure``: the grant is audited by the
    m2m signal like any other."""
    group, _ = Group.objects.get_or_create(name=CURATORS_GROUP)
    held = set(group.permissions.values_list("pk", flat=True))
    missing = [permission for permission in _curator_permissions() if permission.pk not in held]
    if missing:
        group.permissions.add(*missing)
    return group


def curator_add(*, user: AbstractBaseUser) -> None:
    """Make ``user`` a curator: a member of the "curators" group (membership is audited by signal)."""
    if not isinstance(user, PermissionsMixin):
        raise TypeError("a curator must be a user with groups")
    user.groups.add(curators_group_ensure())
