"""The curation pages: who may open them and who sees the buttons, each POST form calling its service
(CSRF enforced), refusals shown on the page with what was typed, and an approved proposal showing the
teacher's original beside the edit with a link to its knowledge item."""

from typing import Any
from uuid import uuid4

import pytest
from django.test import Client
from django.urls import reverse
from django.utils.html import escape

from agents.models import KnowledgeItem
from tests.conftest import SignedIn
from tests.training_curation.conftest import MakeProposal
from training.models import GuidanceProposal
from training.services.curation import proposal_approve, proposal_claim
from trajectories.models import AuditEvent

pytestmark = pytest.mark.django_db

LIST = reverse("proposal-list-page")
FORMS = ("assign", "claim", "release", "approve", "reject")

# (who, page status, sees the buttons, form status)
MATRIX = [
    ("nobody", 403, False, 403),
    ("viewer", 403, False, 403),
    ("auditor", 403, False, 403),
    ("reader", 200, False, 403),
    ("curator", 200, True, 302),
    ("superuser", 200, True, 302),
]


def detail(proposal: GuidanceProposal) -> str:
    return reverse("proposal-detail-page", args=[proposal.pk])


def form_url(proposal: GuidanceProposal, action: str) -> str:
    return reverse(f"proposal-{action}-page", args=[proposal.pk])


def state(proposal: GuidanceProposal) -> tuple[Any, ...]:
    row = GuidanceProposal.objects.filter(pk=proposal.pk).values().get()
    return row, KnowledgeItem.objects.count(), AuditEvent.objects.count()


POSTS: dict[str, dict[str, str]] = {
    "assign": {"assignee": "curator2"},
    "claim": {},
    "release": {},
    "approve": {},
    "reject": {"reason": "too narrow"},
}


@pytest.mark.parametrize(("who", "status", "sees_buttons"), [row[:3] for row in MATRIX])
def test_page_permission_matrix(
    who: str,
    status: int,
    sees_buttons: bool,
    proposal: GuidanceProposal,
    signed_in: SignedIn,
    request: pytest.FixtureRequest,
) -> None:
    client = signed_in(request.getfixturevalue(who))

    queue, page = client.get(LIST), client.get(detail(proposal))

    assert (queue.status_code, page.status_code) == (status, status)
    text = page.content.decode()
    for action in FORMS:
        if action != "release":  # only the claim's holder sees Release
            assert (f'action="{form_url(proposal, action)}"' in text) is sees_buttons, action
    assert ('id="nav-curation"' in text) is (status == 200)
    if status == 200:
        assert escape(proposal.title) in queue.content.decode()


@pytest.mark.parametrize(("who", "status"), [(row[0], row[3]) for row in MATRIX])
@pytest.mark.parametrize("action", FORMS)
def test_form_permission_matrix(
    who: str,
    status: int,
    action: str,
    proposal: GuidanceProposal,
    curator2: Any,
    signed_in: SignedIn,
    request: pytest.FixtureRequest,
) -> None:
    client = signed_in(request.getfixturevalue(who))
    before = state(proposal)

    response = client.post(form_url(proposal, action), POSTS[action])

    assert response.status_code == status
    if status == 302:
        assert response["Location"] == detail(proposal)
    else:
        assert state(proposal) == before


@pytest.mark.parametrize("path", ["list", "detail", *FORMS])
def test_anonymous_is_sent_to_sign_in(path: str, proposal: GuidanceProposal) -> None:
    client = Client()
    before = state(proposal)

    if path == "list":
        response = client.get(LIST)
    elif path == "detail":
        response = client.get(detail(proposal))
    else:
        response = client.post(form_url(proposal, path), POSTS[path])

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert state(proposal) == before


@pytest.mark.parametrize("action", FORMS)
def test_forms_need_the_csrf_token(action: str, proposal: GuidanceProposal, curator: Any, curator2: Any) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(curator)
    before = state(proposal)

    refused = client.post(form_url(proposal, action), POSTS[action])

    assert refused.status_code == 403
    assert state(proposal) == before
    page = client.get(detail(proposal))
    token = page.cookies["csrftoken"].value
    accepted = client.post(form_url(proposal, action), {**POSTS[action], "csrfmiddlewaretoken": token})
    assert accepted.status_code == 302


@pytest.mark.parametrize("action", FORMS)
def test_forms_are_post_only(action: str, proposal: GuidanceProposal, curator: Any, signed_in: SignedIn) -> None:
    assert signed_in(curator).get(form_url(proposal, action)).status_code == 405


def test_an_unknown_proposal_is_a_404(curator: Any, signed_in: SignedIn) -> None:
    client = signed_in(curator)
    missing = uuid4()

    assert client.get(reverse("proposal-detail-page", args=[missing])).status_code == 404
    assert client.post(reverse("proposal-claim-page", args=[missing])).status_code == 404


def test_the_proposal_page_shows_the_analysis_and_links_the_failing_step(
    proposal: GuidanceProposal, curator: Any, signed_in: SignedIn
) -> None:
    page = signed_in(curator).get(detail(proposal)).content.decode()

    run_page = reverse("trajectory-detail-page", args=[proposal.trajectory_id])
    assert f'href="{run_page}?page=1#step-2"' in page
    assert "kubectl output 2" in page  # the failing step's tool output
    assert "the service&#x27;s targetPort was never compared" in page
    assert 'value="Compare a Service&#x27;s targetPort with the containerPort"' in page  # the edit form, prefilled
    assert 'value="misconfig"' in page


def test_a_reader_without_the_run_permission_gets_no_link_to_the_run(
    proposal: GuidanceProposal, reader: Any, signed_in: SignedIn
) -> None:
    page = signed_in(reader).get(detail(proposal)).content.decode()

    assert reverse("trajectory-detail-page", args=[proposal.trajectory_id]) not in page
    assert "you may not open this run" in page
    assert "kubectl output 2" not in page


def test_claim_then_approve_with_an_edit_from_the_page(
    proposal: GuidanceProposal, curator: Any, signed_in: SignedIn
) -> None:
    client = signed_in(curator)
    assert client.post(form_url(proposal, "claim")).status_code == 302
    assert "You hold the claim." in client.get(detail(proposal)).content.decode()

    response = client.post(
        form_url(proposal, "approve"),
        {
            "edit": "1",
            "title": "Check targetPort first",
            "text": "Compare targetPort with containerPort.",
            "fault_types": "misconfig, network",
            "services": "text-service",
        },
        follow=True,
    )

    assert response.status_code == 200
    page = response.content.decode()
    assert "Approved with your edit" in page
    item = KnowledgeItem.objects.get()
    assert (item.title, item.text, item.fault_types, item.services) == (
        "Check targetPort first",
        "Compare targetPort with containerPort.",
        ["misconfig", "network"],
        ["text-service"],
    )
    proposal.refresh_from_db()
    assert proposal.title == "Compare a Service's targetPort with the containerPort"
    assert proposal.edited_services is None  # unchanged by the form: not an edit
    assert 'id="original-guidance"' in page
    assert 'id="edited-guidance"' in page
    assert "Compare a Service&#x27;s targetPort with the containerPort" in page
    assert "Check targetPort first" in page
    assert reverse("admin:agents_knowledgeitem_change", args=[item.pk]) in page
    assert 'id="curation-actions"' not in page  # decided: no more buttons


def test_approve_as_proposed_from_the_page(proposal: GuidanceProposal, curator: Any, signed_in: SignedIn) -> None:
    response = signed_in(curator).post(form_url(proposal, "approve"), follow=True)

    page = response.content.decode()
    assert 'data-status="approved"' in page
    assert 'id="edited-guidance"' not in page
    assert KnowledgeItem.objects.get().title == proposal.title


def test_a_claim_conflict_shows_the_holder_on_the_page(
    proposal: GuidanceProposal, curator: Any, curator2: Any, signed_in: SignedIn
) -> None:
    proposal_claim(proposal=proposal, user=curator)
    before = state(proposal)

    response = signed_in(curator2).post(form_url(proposal, "claim"))

    assert response.status_code == 409
    assert 'id="curation-error"' in response.content.decode()
    assert "curator has claimed this proposal" in response.content.decode()
    assert state(proposal) == before


def test_a_rejection_without_reason_is_explained_and_the_edit_form_keeps_its_text(
    proposal: GuidanceProposal, curator: Any, signed_in: SignedIn
) -> None:
    client = signed_in(curator)
    before = state(proposal)

    rejected = client.post(form_url(proposal, "reject"), {"reason": "  "})
    edited = client.post(form_url(proposal, "approve"), {"edit": "1", "title": " ", "text": "my careful rewrite"})

    assert rejected.status_code == 400
    assert "A rejection needs a reason." in rejected.content.decode()
    assert edited.status_code == 400
    assert "The title cannot be blank." in edited.content.decode()
    assert "my careful rewrite" in edited.content.decode()
    assert state(proposal) == before


def test_reject_from_the_page_shows_the_reason(proposal: GuidanceProposal, curator: Any, signed_in: SignedIn) -> None:
    response = signed_in(curator).post(
        form_url(proposal, "reject"), {"reason": "Duplicates existing guidance."}, follow=True
    )

    page = response.content.decode()
    assert 'data-status="rejected"' in page
    assert "Duplicates existing guidance." in page
    assert KnowledgeItem.objects.count() == 0


def test_assign_from_the_page_offers_the_curators(
    proposal: GuidanceProposal, curator: Any, curator2: Any, reader: Any, signed_in: SignedIn
) -> None:
    client = signed_in(curator)
    page = client.get(detail(proposal)).content.decode()
    assert '<option value="curator2">' in page
    assert '<option value="reader">' not in page

    client.post(form_url(proposal, "assign"), {"assignee": "curator2"})
    refused = client.post(form_url(proposal, "assign"), {"assignee": "reader"})

    proposal.refresh_from_db()
    assert proposal.assigned_to == curator2
    assert refused.status_code == 400
    assert "reader may not curate proposals." in refused.content.decode()


def test_a_decided_proposal_refuses_the_forms(proposal: GuidanceProposal, curator: Any, signed_in: SignedIn) -> None:
    proposal_approve(proposal=proposal, user=curator)

    response = signed_in(curator).post(form_url(proposal, "reject"), {"reason": "late"})

    assert response.status_code == 409
    assert "already approved by curator" in response.content.decode()


def test_the_queue_shows_the_columns_and_filters(
    make_proposal: MakeProposal, curator: Any, curator2: Any, signed_in: SignedIn
) -> None:
    salvaged = make_proposal(title="salvaged one", validation_status="salvaged", failure_pattern="premature_answer")
    other = make_proposal(title="other one")
    proposal_claim(proposal=salvaged, user=curator2)
    client = signed_in(curator)

    page = client.get(LIST).content.decode()

    assert 'class="badge cur-validation-salvaged"' in page
    assert "premature answer" in page
    assert "curator2" in page
    assert "k8s_target_port-misconfig-mitigation-2" in page
    filtered = client.get(LIST, {"failure_pattern": "premature_answer"}).content.decode()
    assert "salvaged one" in filtered
    assert "other one" not in filtered
    assert other.pk
    mine = client.get(LIST, {"mine": "on"}).content.decode()
    assert "No proposals match." in mine
    bad = client.get(LIST, {"status": "maybe"})
    assert bad.status_code == 400
    assert "No proposals match." in bad.content.decode()
