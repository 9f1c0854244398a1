"""The curation services: who may act, claims between two curators, approval publishing exactly one
knowledge item (the edit beside the teacher's original), rejection needing a reason, decided proposals
refusing everything, and the audit chain intact after it all."""

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from agents.knowledge.selectors import knowledge_for_runtime
from agents.models import KnowledgeItem
from aoi_platform.errors import Conflict, DomainError, Forbidden
from tests.factories import UserFactory
from tests.training_curation.conftest import MakeProposal
from training.models import GuidanceProposal
from training.selectors_curation import curator_list, proposal_list_approved, proposal_queue
from training.services.curation import (
    proposal_approve,
    proposal_assign,
    proposal_claim,
    proposal_reject,
    proposal_release,
)
from trajectories.audit.selectors import audit_log_verify
from trajectories.models import AuditEvent

pytestmark = pytest.mark.django_db

TEACHER = {
    "title": "Compare a Service's targetPort with the containerPort",
    "text": "When pods are Ready but callers cannot connect, compare the Service's targetPort with the "
    "containerPort before blaming the pods.",
    "fault_types": ["misconfig"],
    "services": ["text-service"],
}


def teacher_fields(proposal: GuidanceProposal) -> dict[str, Any]:
    proposal.refresh_from_db()
    return {field: getattr(proposal, field) for field in TEACHER}


def guidance_events(proposal: GuidanceProposal) -> list[str]:
    events = AuditEvent.objects.filter(object_type="guidance_proposal", object_id=str(proposal.pk)).order_by("seq")
    return list(events.values_list("verb", flat=True))


def snapshot(proposal: GuidanceProposal) -> dict[str, Any]:
    """Every stored field of the proposal, the knowledge items and the audit head: what a refusal must not change."""
    row = GuidanceProposal.objects.filter(pk=proposal.pk).values().get()
    return {"row": row, "items": KnowledgeItem.objects.count(), "events": AuditEvent.objects.count()}


# Permission ---------------------------------------------------------------------------------------------------


ACTIONS = {
    "assign": lambda p, u, other: proposal_assign(proposal=p, assignee=other, user=u),
    "claim": lambda p, u, other: proposal_claim(proposal=p, user=u),
    "release": lambda p, u, other: proposal_release(proposal=p, user=u),
    "approve": lambda p, u, other: proposal_approve(proposal=p, user=u),
    "reject": lambda p, u, other: proposal_reject(proposal=p, user=u, reason="not useful"),
}


@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("who", ["reader", "nobody"])
def test_only_curators_may_act(
    action: str, who: str, proposal: GuidanceProposal, curator: Any, request: pytest.FixtureRequest
) -> None:
    person = request.getfixturevalue(who)
    before = snapshot(proposal)

    with pytest.raises(Forbidden):
        ACTIONS[action](proposal, person, curator)

    assert snapshot(proposal) == before


def test_a_superuser_may_curate(proposal: GuidanceProposal, superuser: Any) -> None:
    approved = proposal_approve(proposal=proposal, user=superuser)

    assert approved.status == "approved"
    assert approved.decided_by == superuser


def test_an_inactive_curator_may_not_act(proposal: GuidanceProposal, curator: Any) -> None:
    curator.is_active = False
    curator.save(update_fields=["is_active"])

    with pytest.raises(Forbidden):
        proposal_claim(proposal=proposal, user=curator)


# Assign -------------------------------------------------------------------------------------------------------


def test_assign_to_a_curator_is_stored_and_audited(proposal: GuidanceProposal, curator: Any, curator2: Any) -> None:
    assigned = proposal_assign(proposal=proposal, assignee=curator2, user=curator)

    assert assigned.assigned_to == curator2
    event = AuditEvent.objects.filter(verb="guidance.assigned").get()
    assert (event.actor_label, event.object_id) == ("curator", str(proposal.pk))
    assert event.payload["assignee"] == "curator2"
    assert list(proposal_queue(assigned_to=curator2)) == [proposal]
    assert list(proposal_queue(assigned_to=curator)) == []


def test_assigning_again_to_the_same_curator_changes_nothing(
    proposal: GuidanceProposal, curator: Any, curator2: Any
) -> None:
    proposal_assign(proposal=proposal, assignee=curator2, user=curator)
    events = AuditEvent.objects.count()

    proposal_assign(proposal=proposal, assignee=curator2, user=curator)

    assert AuditEvent.objects.count() == events


def test_assign_to_somebody_without_the_permission_is_refused(
    proposal: GuidanceProposal, curator: Any, reader: Any
) -> None:
    before = snapshot(proposal)

    with pytest.raises(DomainError) as refused:
        proposal_assign(proposal=proposal, assignee=reader, user=curator)

    assert refused.value.code == "assignee_not_curator"
    assert "reader" in str(refused.value)
    assert snapshot(proposal) == before


def test_the_curators_are_who_may_be_assigned(curator: Any, curator2: Any, reader: Any, superuser: Any) -> None:
    UserFactory(username="retired-curator", is_active=False).groups.add(*curator.groups.all())

    assert [user.username for user in curator_list()] == ["curator", "curator2", "root"]


# Claim --------------------------------------------------------------------------------------------------------


def test_a_claim_held_by_another_curator_refuses_them_and_names_the_holder(
    proposal: GuidanceProposal, curator: Any, curator2: Any
) -> None:
    proposal_claim(proposal=proposal, user=curator)
    before = snapshot(proposal)

    for attempt in ACTIONS.values():
        with pytest.raises(Conflict, match="curator has claimed") as refused:
            attempt(proposal, curator2, curator2)
        assert refused.value.code == "claimed"

    assert snapshot(proposal) == before


def test_an_expired_claim_may_be_taken_over(
    proposal: GuidanceProposal, curator: Any, curator2: Any, settings: Any
) -> None:
    settings.AOI_CURATION_CLAIM_SECONDS = 60
    proposal_claim(proposal=proposal, user=curator)
    GuidanceProposal.objects.filter(pk=proposal.pk).update(claimed_at=timezone.now() - timedelta(seconds=61))

    taken = proposal_claim(proposal=proposal, user=curator2)

    assert taken.claimed_by == curator2
    event = AuditEvent.objects.filter(verb="guidance.claimed").order_by("-seq").first()
    assert event is not None
    assert event.payload["taken_over_from"] == "curator"


def test_a_claim_younger_than_the_setting_still_holds(
    proposal: GuidanceProposal, curator: Any, curator2: Any, settings: Any
) -> None:
    settings.AOI_CURATION_CLAIM_SECONDS = 60
    proposal_claim(proposal=proposal, user=curator)
    GuidanceProposal.objects.filter(pk=proposal.pk).update(claimed_at=timezone.now() - timedelta(seconds=50))

    with pytest.raises(Conflict, match="curator has claimed"):
        proposal_claim(proposal=proposal, user=curator2)


def test_the_holder_renews_and_releases_their_claim(proposal: GuidanceProposal, curator: Any, curator2: Any) -> None:
    first = proposal_claim(proposal=proposal, user=curator).claimed_at
    renewed = proposal_claim(proposal=proposal, user=curator)
    assert first is not None
    assert renewed.claimed_at is not None
    assert renewed.claimed_at >= first

    released = proposal_release(proposal=proposal, user=curator)

    assert (released.claimed_by, released.claimed_at) == (None, None)
    assert proposal_claim(proposal=proposal, user=curator2).claimed_by == curator2
    assert guidance_events(proposal) == [
        "guidance.claimed",
        "guidance.claimed",
        "guidance.released",
        "guidance.claimed",
    ]


def test_releasing_an_unclaimed_proposal_changes_nothing(proposal: GuidanceProposal, curator: Any) -> None:
    before = snapshot(proposal)

    proposal_release(proposal=proposal, user=curator)

    assert snapshot(proposal) == before


# Approve ------------------------------------------------------------------------------------------------------


def test_approve_creates_exactly_one_active_knowledge_item_with_the_guidance(
    proposal: GuidanceProposal, curator: Any
) -> None:
    proposal_claim(proposal=proposal, user=curator)

    approved = proposal_approve(proposal=proposal, user=curator)

    item = KnowledgeItem.objects.get()
    assert approved.knowledge_item == item
    assert (item.kind, item.active, item.source, item.created_by) == (
        "guidance",
        True,
        f"proposal:{proposal.pk}",
        curator,
    )
    assert (item.title, item.text, item.fault_types, item.services) == tuple(TEACHER.values())
    assert (approved.status, approved.decided_by, approved.edited) == ("approved", curator, False)
    assert approved.decided_at is not None
    memory = knowledge_for_runtime()
    assert [(k.title, k.text, k.tags) for k in memory] == [
        (TEACHER["title"], TEACHER["text"], ("misconfig", "text-service"))
    ]
    assert list(proposal_list_approved()) == [approved]
    assert guidance_events(proposal) == ["guidance.claimed", "guidance.approved"]
    assert AuditEvent.objects.filter(verb="knowledge.created", object_id=str(item.pk)).count() == 1


def test_approving_an_unclaimed_proposal_claims_it(proposal: GuidanceProposal, curator: Any) -> None:
    approved = proposal_approve(proposal=proposal, user=curator)

    assert (approved.status, approved.claimed_by) == ("approved", curator)
    assert KnowledgeItem.objects.count() == 1


def test_edit_then_approve_keeps_the_original_and_publishes_the_edit(proposal: GuidanceProposal, curator: Any) -> None:
    edit = {
        "title": "  Check targetPort against containerPort  ",
        "text": "Compare spec.ports[].targetPort with the pods' containerPort.",
        "fault_types": ["misconfig", " network ", "misconfig"],
        "services": TEACHER["services"],  # unchanged: not an edit
    }

    approved = proposal_approve(proposal=proposal, user=curator, edit=edit)

    assert teacher_fields(approved) == TEACHER
    assert approved.edited_title == "Check targetPort against containerPort"
    assert approved.edited_text == edit["text"]
    assert approved.edited_fault_types == ["misconfig", "network"]
    assert approved.edited_services is None
    assert approved.edited_by == curator
    item = KnowledgeItem.objects.get()
    assert (item.title, item.text, item.fault_types, item.services) == (
        "Check targetPort against containerPort",
        edit["text"],
        ["misconfig", "network"],
        ["text-service"],
    )
    assert [k.title for k in knowledge_for_runtime()] == ["Check targetPort against containerPort"]
    assert guidance_events(proposal) == ["guidance.edited", "guidance.approved"]
    edited = AuditEvent.objects.get(verb="guidance.edited")
    assert set(edited.payload["edited"]) == {"title", "text", "fault_types"}


def test_an_edit_of_the_services_only_counts_as_an_edit(proposal: GuidanceProposal, curator: Any) -> None:
    approved = proposal_approve(proposal=proposal, user=curator, edit={"services": ["text-service", "compose-post"]})

    assert approved.edited
    assert KnowledgeItem.objects.get().services == ["text-service", "compose-post"]


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        ({"title": "   "}, "title cannot be blank"),
        ({"text": ""}, "text cannot be blank"),
        ({"title": "x" * 201}, "at most 200"),
        ({"fault_types": "misconfig"}, "list of names"),
        ({"services": ["ok", " "]}, "non-blank names"),
        ({"services": [3]}, "non-blank names"),
        ({"status": "approved"}, "can be edited, not status"),
    ],
)
def test_an_invalid_edit_is_refused_and_nothing_is_published(
    edit: dict[str, Any], message: str, proposal: GuidanceProposal, curator: Any
) -> None:
    before = snapshot(proposal)

    with pytest.raises(DomainError, match=message) as refused:
        proposal_approve(proposal=proposal, user=curator, edit=edit)

    assert refused.value.code == "invalid_edit"
    assert snapshot(proposal) == before
    assert knowledge_for_runtime() == []


# Reject -------------------------------------------------------------------------------------------------------


def test_reject_stores_the_reason_and_publishes_nothing(proposal: GuidanceProposal, curator: Any) -> None:
    rejected = proposal_reject(proposal=proposal, user=curator, reason="  Too specific to one namespace.  ")

    assert (rejected.status, rejected.reject_reason, rejected.decided_by) == (
        "rejected",
        "Too specific to one namespace.",
        curator,
    )
    assert rejected.knowledge_item is None
    assert KnowledgeItem.objects.count() == 0
    assert knowledge_for_runtime() == []
    assert list(proposal_list_approved()) == []
    event = AuditEvent.objects.get(verb="guidance.rejected")
    assert event.payload["reason"] == "Too specific to one namespace."


@pytest.mark.parametrize("reason", ["", "   \n"])
def test_reject_needs_a_reason(reason: str, proposal: GuidanceProposal, curator: Any) -> None:
    before = snapshot(proposal)

    with pytest.raises(DomainError, match="needs a reason") as refused:
        proposal_reject(proposal=proposal, user=curator, reason=reason)

    assert refused.value.code == "reason_required"
    assert snapshot(proposal) == before


# Decided proposals, memory, audit -----------------------------------------------------------------------------


@pytest.mark.parametrize("decide", ["approve", "reject"])
def test_a_decided_proposal_refuses_every_action(
    decide: str, proposal: GuidanceProposal, curator: Any, curator2: Any
) -> None:
    ACTIONS[decide](proposal, curator, curator)
    before = snapshot(proposal)

    for who in (curator, curator2):
        for attempt in ACTIONS.values():
            with pytest.raises(Conflict, match="already") as refused:
                attempt(proposal, who, curator2)
            assert refused.value.code == "already_decided"

    assert snapshot(proposal) == before
    assert KnowledgeItem.objects.count() == (1 if decide == "approve" else 0)


def test_pending_and_rejected_proposals_never_reach_long_term_memory(make_proposal: MakeProposal, curator: Any) -> None:
    make_proposal(title="pending guidance")
    rejected = make_proposal(title="rejected guidance")
    proposal_claim(proposal=make_proposal(title="claimed guidance"), user=curator)
    proposal_reject(proposal=rejected, user=curator, reason="wrong")
    approved = proposal_approve(proposal=make_proposal(title="approved guidance"), user=curator)

    assert [k.title for k in knowledge_for_runtime()] == ["approved guidance"]
    assert list(proposal_list_approved()) == [approved]
    assert KnowledgeItem.objects.count() == 1


def test_the_queue_lists_pending_first_then_newest_first(make_proposal: MakeProposal, curator: Any) -> None:
    oldest = make_proposal(title="oldest")
    decided = make_proposal(title="decided")
    newest = make_proposal(title="newest", failure_pattern="premature_answer")
    proposal_reject(proposal=decided, user=curator, reason="no")

    assert list(proposal_queue()) == [newest, oldest, decided]
    assert list(proposal_queue(status="rejected")) == [decided]
    assert list(proposal_queue(failure_pattern="premature_answer")) == [newest]


def test_the_audit_chain_verifies_after_a_whole_curation(
    make_proposal: MakeProposal, curator: Any, curator2: Any
) -> None:
    first, second = make_proposal(), make_proposal()
    proposal_assign(proposal=first, assignee=curator2, user=curator)
    proposal_claim(proposal=first, user=curator2)
    proposal_approve(proposal=first, user=curator2, edit={"text": "edited text"})
    proposal_claim(proposal=second, user=curator)
    proposal_release(proposal=second, user=curator)
    proposal_reject(proposal=second, user=curator2, reason="duplicate of the first")

    verdict = audit_log_verify(checkpoints_path=None, key=b"")

    assert verdict.ok, verdict.reason
    verbs = list(AuditEvent.objects.filter(verb__startswith="guidance.").order_by("seq").values_list("verb", flat=True))
    assert verbs == [
        "guidance.assigned",
        "guidance.claimed",
        "guidance.edited",
        "guidance.approved",
        "guidance.claimed",
        "guidance.released",
        "guidance.rejected",
    ]
