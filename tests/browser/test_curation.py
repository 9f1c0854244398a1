"""The curation queue in the browser: a curator claims a proposal, edits its guidance and approves it; a
second curator who tries to claim it meanwhile is told who holds it. The page runs under the platform's
strict Content-Security-Policy without a single violation."""

from __future__ import annotations

from typing import Any

import pytest

from agents.knowledge.selectors import knowledge_for_runtime
from agents.models import KnowledgeItem
from tests.browser.conftest import in_db_thread, sign_in
from tests.browser.test_whole_loop import artifacts
from tests.factories import UserFactory
from tests.training_curation.conftest import failed_run
from training.models import GuidanceProposal
from training.roles import curator_add

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

TEACHER_TITLE = "Compare a Service's targetPort with the containerPort"


@pytest.fixture
def curators(db: None) -> list[Any]:
    people = [UserFactory(username="curator"), UserFactory(username="curator2")]
    for person in people:
        curator_add(user=person)
    return people


@pytest.fixture
def proposal(db: None) -> GuidanceProposal:
    return GuidanceProposal.objects.create(
        trajectory=failed_run(),
        failure_pattern="wrong_investigation_path",
        failed_step=2,
        analysis="The Observer read the pods and stopped; the Service's targetPort was never compared.",
        title=TEACHER_TITLE,
        text="When pods are Ready but callers cannot connect, compare targetPort with containerPort.",
        fault_types=["misconfig"],
        services=["text-service"],
        teacher="scripted/teacher",
        validation_status="salvaged",
    )


def watch_csp(page: Any) -> list[str]:
    """Console messages that report a Content-Security-Policy violation (none expected)."""
    violations: list[str] = []
    page.on("console", lambda message: violations.append(message.text) if "Content Security" in message.text else None)
    return violations


def test_a_curator_claims_edits_and_approves_while_a_second_curator_meets_the_claim(
    curators: list[Any], proposal: GuidanceProposal, asgi_server: str, browser: Any
) -> None:
    first = sign_in(browser, asgi_server, "curator")
    violations = watch_csp(first)
    first.click("#nav-curation")
    first.wait_for_selector(f"#proposal-list tr[data-proposal='{proposal.pk}'] .cur-validation-salvaged")
    first.click(f"#proposal-list tr[data-proposal='{proposal.pk}'] a")
    first.click("#claim-form button[type=submit]")
    first.wait_for_selector("#release-form")
    assert first.text_content("#claim-holder[data-holder=curator]") is not None

    second = sign_in(browser, asgi_server, "curator2")
    violations += watch_csp(second)
    second.goto(f"{asgi_server}/learning/proposals/{proposal.pk}/")
    assert "curator holds the claim" in (second.text_content("#claim-form") or "")
    second.click("#claim-form button[type=submit]")
    second.wait_for_selector("#curation-error")
    assert "curator has claimed this proposal" in (second.text_content("#curation-error") or "")
    second.screenshot(path=str(artifacts() / "curation-claim-conflict.png"), full_page=True)

    first.fill("#edit-form input[name=title]", "Check targetPort before blaming the pods")
    first.fill("#edit-form input[name=services]", "text-service, compose-post-service")
    first.click("#edit-form button[type=submit]")
    first.wait_for_selector("#proposal-status[data-status=approved]")
    assert TEACHER_TITLE in (first.text_content("#original-guidance") or "")
    assert "Check targetPort before blaming the pods" in (first.text_content("#edited-guidance") or "")
    assert first.locator("#knowledge-item-link").count() == 1
    assert first.locator("#curation-actions").count() == 0
    first.screenshot(path=str(artifacts() / "curation-approved.png"), full_page=True)

    item = in_db_thread(lambda: KnowledgeItem.objects.get())
    assert (item.title, item.services, item.source) == (
        "Check targetPort before blaming the pods",
        ["text-service", "compose-post-service"],
        f"proposal:{proposal.pk}",
    )
    assert in_db_thread(lambda: [k.title for k in knowledge_for_runtime()]) == [item.title]
    stored = in_db_thread(lambda: GuidanceProposal.objects.get(pk=proposal.pk))
    assert (stored.title, stored.edited_title, stored.status) == (TEACHER_TITLE, item.title, "approved")
    assert violations == []
