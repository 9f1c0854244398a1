"""Writes of knowledge items. Each is audited: guidance ends up in the agents' prompts, so who put
what there, and when it was retired, must be on the record."""

from collections.abc import Sequence

from django.contrib.auth.models import User
from django.db import transaction

from agents.models import KnowledgeItem, KnowledgeKind
from aoi_platform.errors import DomainError
from trajectories.audit.services import Actor, audit_append

AUDIT_OBJECT = "knowledge_item"
TITLE_MAX = KnowledgeItem._meta.get_field("title").max_length or 200
SOURCE_MAX = KnowledgeItem._meta.get_field("source").max_length or 200


def _names(value: Sequence[str], field: str) -> list[str]:
    """A list of distinct, non-blank names in their given order; anything else is refused."""
    if isinstance(value, str) or not all(isinstance(name, str) and name.strip() for name in value):
        raise DomainError(f"{field} must be a list of names.", code="invalid_knowledge_item")
    return list(dict.fromkeys(name.strip() for name in value))


def _check(*, kind: str, title: str, text: str, source: str) -> None:
    if kind not in KnowledgeKind.values:
        raise DomainError(
            f"Unknown kind {kind!r}; expected one of {', '.join(KnowledgeKind.values)}.", code="invalid_knowledge_item"
        )
    if not title.strip() or not text.strip():
        raise DomainError("A knowledge item needs a title and a text.", code="invalid_knowledge_item")
    if len(title) > TITLE_MAX or len(source) > SOURCE_MAX:
        raise DomainError(f"Title and source are at most {TITLE_MAX} characters.", code="invalid_knowledge_item")


@transaction.atomic
def knowledge_item_create(
    *,
    kind: str,
    title: str,
    text: str,
    actor: Actor,
    fault_types: Sequence[str] = (),
    services: Sequence[str] = (),
    source: str = "",
    created_by: User | None = None,
    active: bool = True,
) -> KnowledgeItem:
    """Store a knowledge item (active unless told otherwise) and audit "knowledge.created"."""
    _check(kind=kind, title=title, text=text, source=source)
    item = KnowledgeItem.objects.create(
        kind=kind,
        title=title.strip(),
        text=text,
        fault_types=_names(fault_types, "fault_types"),
        services=_names(services, "services"),
        source=source,
        created_by=created_by,
        active=active,
    )
    payload = {"kind": kind, "title": item.title, "source": source, "active": active}
    audit_append(actor=actor, verb="knowledge.created", object_type=AUDIT_OBJECT, object_id=item.pk, payload=payload)
    return item


@transaction.atomic
def knowledge_item_set_active(*, item: KnowledgeItem, active: bool, actor: Actor) -> KnowledgeItem:
    """Put an item back into retrieval, or retire it, and audit the change (no event when nothing changes)."""
    locked = KnowledgeItem.objects.select_for_update().get(pk=item.pk)
    if locked.active == active:
        return locked
    locked.active = active
    locked.save(update_fields=["active"])
    verb = "knowledge.activated" if active else "knowledge.retired"
    audit_append(actor=actor, verb=verb, object_type=AUDIT_OBJECT, object_id=locked.pk, payload={"title": locked.title})
    return locked
