"""Audit every permission change, wherever it is made (services, the admin, a shell).

Auditing is a decoupled concern, so it listens to signals: guardian's object-permission rows,
group membership and direct user permissions."""

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver
from guardian.models import GroupObjectPermission, UserObjectPermission

from trajectories.audit.services import Actor, audit_append

User = get_user_model()


def _object_permission_payload(row: GroupObjectPermission | UserObjectPermission) -> dict[str, Any]:
    holder = ("group", row.group.name) if isinstance(row, GroupObjectPermission) else ("user", row.user.get_username())
    return {
        "holder_type": holder[0],
        "holder": holder[1],
        "permission": f"{row.permission.content_type.app_label}.{row.permission.codename}",
        "object_type": row.content_type.model,
        "object_pk": str(row.object_pk),
    }


@receiver(post_save, sender=GroupObjectPermission)
@receiver(post_save, sender=UserObjectPermission)
def audit_object_permission_granted(sender: type, instance: Any, created: bool, **kwargs: Any) -> None:
    if created:
        audit_append(actor=Actor.system("permissions"), verb="permission.granted", object_type="object_permission",
                     object_id=instance.pk, payload=_object_permission_payload(instance))


@receiver(post_delete, sender=GroupObjectPermission)
@receiver(post_delete, sender=UserObjectPermission)
def audit_object_permission_revoked(sender: type, instance: Any, **kwargs: Any) -> None:
    audit_append(actor=Actor.system("permissions"), verb="permission.revoked", object_type="object_permission",
                 object_id=instance.pk, payload=_object_permission_payload(instance))


def _m2m_verb(action: str) -> str | None:
    return {"post_add": "added", "post_remove": "removed", "post_clear": "cleared"}.get(action)


@receiver(m2m_changed, sender=User.groups.through)
def audit_group_membership(sender: type, instance: Any, action: str, reverse: bool, model: type, pk_set: set[int] | None, **kwargs: Any) -> None:
    verb = _m2m_verb(action)
    if verb is None:
        return
    if reverse:  # group.user_set.add(...)
        users = sorted(User.objects.filter(pk__in=pk_set or ()).values_list("username", flat=True))
        payload = {"group": instance.name, "users": users}
    else:  # user.groups.add(...)
        groups = sorted(Group.objects.filter(pk__in=pk_set or ()).values_list("name", flat=True))
        payload = {"user": instance.get_username(), "groups": groups}
    audit_append(actor=Actor.system("permissions"), verb=f"membership.{verb}", object_type="group_membership",
                 object_id="", payload=payload)


@receiver(m2m_changed, sender=User.user_permissions.through)
@receiver(m2m_changed, sender=Group.permissions.through)
def audit_model_permissions(sender: type, instance: Any, action: str, reverse: bool, model: type, pk_set: set[int] | None, **kwargs: Any) -> None:
    verb = _m2m_verb(action)
    if verb is None:
        return
    holder = instance.get_username() if isinstance(instance, User) else getattr(instance, "name", str(instance))
    codenames = sorted(model.objects.filter(pk__in=pk_set or ()).values_list("codename", flat=True)) if not reverse else []
    audit_append(actor=Actor.system("permissions"), verb=f"model_permission.{verb}", object_type="model_permission",
                 object_id="", payload={"holder": holder, "reverse": reverse, "permissions": codenames})
