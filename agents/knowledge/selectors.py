"""Reads of knowledge items for retrieval."""

from django.db.models import QuerySet

from agents.models import KnowledgeItem
from agents.roles.memory import Knowledge


def knowledge_items_active(*, kind: str | None = None, limit: int | None = None) -> QuerySet[KnowledgeItem]:
    """Items retrieval may use (``active``), newest first, of one ``kind`` if given, at most ``limit``.
    Narrowing by fault type or service, and ranking by similarity, is the caller's pure code: JSON
    list containment is not portable across the databases we run on."""
    items = KnowledgeItem.objects.filter(active=True)
    if kind is not None:
        items = items.filter(kind=kind)
    items = items.order_by("-created_at", "pk")
    return items[:limit] if limit is not None else items


def knowledge_for_runtime(*, limit: int = 500) -> list[Knowledge]:
    """The active items as the runtime's long-term memory takes them (no ORM objects cross into pure code)."""
    return [
        Knowledge(item.title, item.text, tags=tuple(map(str, [*item.fault_types, *item.services])))
        for item in knowledge_items_active(limit=limit)
    ]
