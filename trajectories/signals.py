"""Audit every permission change, wherever it is made (services, the admin, a shell).

Auditing is a decoupled concern, so it listens to signals: guardian's object-permission rows,
group membership and model permissions of users and groups. A change is attributed to the
person acting (``acting_as``, set per request by middleware), else to the platform.

Whichever side a relation is changed from (``user.groups.add(g)`` or ``g.user_set.add(u)``),
the events have one shape: one event per holder, naming what it gained or lost."""

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.db.models import Model
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver
from guardian.models import GroupObjectPermission, UserObjectPermission

from trajectories.audit.services import Actor, audit_append, current_actor

User = get_user_model()
_PLATFORM = Actor.system("permissions")
_VERBS = {"post_add": "added", "post_remove": "removed", "post_clear": "removed"}


def _name(obj: Model) -> str:
    if isinstance(obj, User):
        return obj.get_username()
    if isinstance(obj, Permission):
        return f"{obj.content_type.app_label}.{obj.codename}"
    return str(getattr(obj, "name", obj))


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
        audit_append(
            actor=current_actor(_PLATFORM),
            verb="permission.granted",
            object_type="object_permission",
            object_id=instance.pk,
            payload=_object_permission_payload(instance),
        )


@receiver(post_delete, sender=GroupObjectPermission)
@receiver(post_delete, sender=UserObjectPermission)
def audit_object_permission_revoked(sender: type, instance: Any, **kwargs: Any) -> None:
    audit_append(
        actor=current_actor(_PLATFORM),
        verb="permission.revoked",
        object_type="object_permission",
        object_id=instance.pk,
        payload=_object_permission_payload(instance),
    )


def _related_pks(through: type[Model], instance: Model, model: type[Model]) -> set[Any]:
    """Primary keys of ``model`` rows related to ``instance`` through ``through`` (before a clear)."""
    fields = {f.related_model: f.name for f in through._meta.get_fields() if f.is_relation}
    source, target = fields[type(instance)], fields[model]
    return set(through._default_manager.filter(**{source: instance.pk}).values_list(f"{target}_id", flat=True))


def _holder_changes(
    instance: Model, reverse: bool, model: type[Model], pks: set[Any]
) -> list[tuple[Model, list[Model]]]:
    """(holder, what it gained or lost) pairs, whichever side the relation was changed from."""
    others = list(model._default_manager.filter(pk__in=pks))
    if reverse:
        return [(other, [instance]) for other in others]
    return [(instance, others)] if others else []


@receiver(m2m_changed, sender=User.groups.through)
@receiver(m2m_changed, sender=User.user_permissions.through)
@receiver(m2m_changed, sender=Group.permissions.through)
def audit_membership_and_model_permissions(
    sender: type[Model],
    instance: Model,
    action: str,
    reverse: bool,
    model: type[Model],
    pk_set: set[Any] | None,
    **kwargs: Any,
) -> None:
    if action == "pre_clear":  # post_clear no longer knows what was removed
        instance._aoi_cleared = _related_pks(sender, instance, model)  # type: ignore[attr-defined]
        return
    verb = _VERBS.get(action)
    if verb is None:
        return
    pks = getattr(instance, "_aoi_cleared", set()) if action == "post_clear" else (pk_set or set())
    is_membership = sender is User.groups.through
    for holder, changed in _holder_changes(instance, reverse, model, pks):
        names = sorted(_name(obj) for obj in changed)
        if is_membership:
            payload: dict[str, Any] = {"user": _name(holder), "groups": names}
        else:
            payload = {
                "holder": _name(holder),
                "holder_type": "user" if isinstance(holder, User) else "group",
                "permissions": names,
            }
        audit_append(
            actor=current_actor(_PLATFORM),
            verb=f"{'membership' if is_membership else 'model_permission'}.{verb}",
            object_type="group_membership" if is_membership else "model_permission",
            object_id=holder.pk,
            payload=payload,
        )
