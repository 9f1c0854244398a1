"""The admin shows runs, steps and prompts read-only, and knowledge items with only ``active`` to
change (through the audited service)."""

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from agents.knowledge.services import knowledge_item_create
from agents.models import KnowledgeItem
from tests.trajectories.conftest import SYSTEM
from trajectories.models import AuditEvent, Prompt, Step, Trajectory


@pytest.fixture
def admin_client_for(superuser: Any) -> Client:
    client = Client()
    client.force_login(superuser)
    return client


def _history() -> tuple[Any, ...]:
    return (
        list(Trajectory.objects.values_list("pk", "status", "steps_count")),
        list(Step.objects.values_list("pk", "completion")),
        list(Prompt.objects.values_list("sha256", "text")),
    )


@pytest.mark.parametrize("model", ["trajectory", "step", "prompt"])
def test_runs_steps_and_prompts_are_shown_read_only(
    admin_client_for: Client, problem_run: Trajectory, model: str
) -> None:
    step = problem_run.steps.get(index=1)
    obj_id = {"trajectory": problem_run.pk, "step": step.pk, "prompt": step.prompt_id}[model]
    before = _history()

    listed = admin_client_for.get(reverse(f"admin:trajectories_{model}_changelist"))
    shown = admin_client_for.get(reverse(f"admin:trajectories_{model}_change", args=[obj_id]))
    added = admin_client_for.post(reverse(f"admin:trajectories_{model}_add"), {})
    changed = admin_client_for.post(reverse(f"admin:trajectories_{model}_change", args=[obj_id]), {"status": "failed"})
    deleted = admin_client_for.post(reverse(f"admin:trajectories_{model}_delete", args=[obj_id]), {"post": "yes"})

    assert (listed.status_code, shown.status_code) == (200, 200)
    assert 'name="_save"' not in shown.content.decode()
    assert (added.status_code, changed.status_code, deleted.status_code) == (403, 403, 403)
    assert _history() == before


@pytest.mark.django_db
def test_a_curator_retires_a_knowledge_item_in_the_admin_and_it_is_audited(admin_client_for: Client) -> None:
    item = knowledge_item_create(kind="guidance", title="Check the target port", text="Compare ports.", actor=SYSTEM)
    url = reverse("admin:agents_knowledgeitem_change", args=[item.pk])

    shown = admin_client_for.get(url)
    saved = admin_client_for.post(url, {"title": "Renamed", "text": "Rewritten"})  # active unticked

    assert shown.status_code == 200
    assert saved.status_code == 302
    stored = KnowledgeItem.objects.get(pk=item.pk)
    assert (stored.active, stored.title, stored.text) == (False, "Check the target port", "Compare ports.")
    [event] = AuditEvent.objects.filter(verb="knowledge.retired")
    assert (event.actor_label, event.object_id) == ("root", str(item.pk))


@pytest.mark.django_db
def test_knowledge_items_cannot_be_added_or_deleted_in_the_admin(admin_client_for: Client) -> None:
    item = knowledge_item_create(kind="guidance", title="t", text="x", actor=SYSTEM)

    added = admin_client_for.post(reverse("admin:agents_knowledgeitem_add"), {"title": "t", "text": "x"})
    deleted = admin_client_for.post(reverse("admin:agents_knowledgeitem_delete", args=[item.pk]), {"post": "yes"})

    assert (added.status_code, deleted.status_code) == (403, 403)
    assert list(KnowledgeItem.objects.values_list("pk", flat=True)) == [item.pk]
