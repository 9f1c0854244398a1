"""Knowledge items (long-term memory): created and retired through audited services, read active only."""

from typing import Any

import pytest

from agents.knowledge.selectors import knowledge_items_active
from agents.knowledge.services import knowledge_item_create, knowledge_item_set_active
from agents.models import KnowledgeItem
from aoi_platform.errors import DomainError
from tests.trajectories.conftest import SYSTEM
from trajectories.audit.services import Actor
from trajectories.models import AuditEvent

pytestmark = pytest.mark.django_db


def _guidance(title: str = "Check the service's target port", **fields: Any) -> KnowledgeItem:
    defaults: dict[str, Any] = {"kind": "guidance", "text": "Compare targetPort with the container port."}
    return knowledge_item_create(title=title, actor=SYSTEM, **(defaults | fields))


def test_create_stores_the_item_and_audits_it(superuser: Any) -> None:
    item = knowledge_item_create(
        kind="incident_summary",
        title="  Checkout outage of March  ",
        text="The payment service ran out of connections.",
        fault_types=["Misconfiguration", "Misconfiguration", " Dependency Problem "],
        services=["payment"],
        source="incident:42",
        created_by=superuser,
        actor=Actor.of_user(superuser),
    )

    stored = KnowledgeItem.objects.get(pk=item.pk)
    assert (stored.kind, stored.title, stored.source, stored.active) == (
        "incident_summary",
        "Checkout outage of March",
        "incident:42",
        True,
    )
    assert (stored.fault_types, stored.services) == (["Misconfiguration", "Dependency Problem"], ["payment"])
    assert stored.created_by == superuser
    [event] = AuditEvent.objects.filter(verb="knowledge.created")
    assert (event.actor_label, event.object_type, event.object_id) == ("root", "knowledge_item", str(item.pk))
    assert event.payload == {
        "kind": "incident_summary",
        "title": "Checkout outage of March",
        "source": "incident:42",
        "active": True,
    }


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"kind": "rumour"}, "Unknown kind 'rumour'"),
        ({"title": " "}, "needs a title and a text"),
        ({"text": ""}, "needs a title and a text"),
        ({"title": "t" * 201}, "at most 200 characters"),
        ({"fault_types": "Misconfiguration"}, "fault_types must be a list of names"),
        ({"services": ["geo", ""]}, "services must be a list of names"),
        ({"services": ["geo", 3]}, "services must be a list of names"),
    ],
)
def test_a_malformed_item_is_refused_and_changes_nothing(fields: dict[str, Any], message: str) -> None:
    with pytest.raises(DomainError, match=message):
        _guidance(**fields)

    assert KnowledgeItem.objects.count() == 0
    assert not AuditEvent.objects.filter(verb="knowledge.created").exists()


def test_only_active_items_are_retrieved_newest_first() -> None:
    older, retired, newer = _guidance("older"), _guidance("retired"), _guidance("newer", kind="incident_summary")
    knowledge_item_set_active(item=retired, active=False, actor=SYSTEM)

    assert [i.title for i in knowledge_items_active()] == [newer.title, older.title]
    assert [i.title for i in knowledge_items_active(kind="guidance")] == [older.title]
    assert [i.title for i in knowledge_items_active(limit=1)] == [newer.title]


def test_retiring_and_restoring_are_audited_once_each() -> None:
    item = _guidance()

    knowledge_item_set_active(item=item, active=False, actor=SYSTEM)
    knowledge_item_set_active(item=item, active=False, actor=SYSTEM)  # already retired: nothing to record
    knowledge_item_set_active(item=item, active=True, actor=SYSTEM)

    verbs = list(AuditEvent.objects.filter(object_type="knowledge_item").order_by("seq").values_list("verb", flat=True))
    assert verbs == ["knowledge.created", "knowledge.retired", "knowledge.activated"]
    assert KnowledgeItem.objects.get(pk=item.pk).active is True
