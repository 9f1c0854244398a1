"""``/api/v1/learning/proposals/``: the permission matrix of every endpoint (anonymous 401, no permission 403,
reader reads only, curators and superusers act), CSRF on session writes, 404 for unknown ids, the filters,
and the services' refusals as clear 4xx answers that change nothing."""

from collections.abc import Callable
from typing import Any
from uuid import uuid4

import pytest
from django.test import Client
from rest_framework.test import APIClient

from agents.models import KnowledgeItem
from tests.training_curation.conftest import MakeProposal
from training.models import GuidanceProposal
from training.services.curation import proposal_claim, proposal_reject
from trajectories.models import AuditEvent

pytestmark = pytest.mark.django_db

Api = Callable[[Any], APIClient]
BASE = "/api/v1/learning/proposals/"


def url(proposal: GuidanceProposal | None = None, action: str = "") -> str:
    if proposal is None:
        return BASE
    return f"{BASE}{proposal.pk}/{action + '/' if action else ''}"


BODIES: dict[str, dict[str, Any]] = {
    "assign": {"assignee": "curator2"},
    "claim": {},
    "release": {},
    "approve": {},
    "reject": {"reason": "not general enough"},
}
WRITE_OK = {"assign": 200, "claim": 200, "release": 200, "approve": 200, "reject": 200}

# (who, read status, write status)
MATRIX = [
    (None, 401, 401),
    ("nobody", 403, 403),
    ("viewer", 403, 403),
    ("auditor", 403, 403),
    ("reader", 200, 403),
    ("curator", 200, 200),
    ("superuser", 200, 200),
]


def state(proposal: GuidanceProposal) -> tuple[Any, ...]:
    row = GuidanceProposal.objects.filter(pk=proposal.pk).values().get()
    return row, KnowledgeItem.objects.count(), AuditEvent.objects.count()


def person(who: str | None, request: pytest.FixtureRequest) -> Any:
    return request.getfixturevalue(who) if who else None


@pytest.mark.parametrize(("who", "status"), [(row[0], row[1]) for row in MATRIX])
@pytest.mark.parametrize("detail", [False, True], ids=["list", "retrieve"])
def test_read_permission_matrix(
    who: str | None, status: int, detail: bool, proposal: GuidanceProposal, api: Api, request: pytest.FixtureRequest
) -> None:
    client = api(person(who, request))

    response = client.get(url(proposal) if detail else url())

    assert response.status_code == status
    if status == 200:
        body = response.json()
        found = body if detail else body["results"][0]
        assert found["id"] == str(proposal.pk)


@pytest.mark.parametrize(("who", "status"), [(row[0], row[2]) for row in MATRIX])
@pytest.mark.parametrize("action", BODIES)
def test_write_permission_matrix(
    who: str | None,
    status: int,
    action: str,
    proposal: GuidanceProposal,
    curator2: Any,
    api: Api,
    request: pytest.FixtureRequest,
) -> None:
    client = api(person(who, request))
    before = state(proposal)

    response = client.post(url(proposal, action), BODIES[action], format="json")

    assert response.status_code == status, response.content
    if status != 200:
        assert state(proposal) == before
    else:
        assert AuditEvent.objects.filter(verb__startswith="guidance.").count() == (0 if action == "release" else 1)


@pytest.mark.parametrize("action", ["", *BODIES])
@pytest.mark.parametrize("who", ["reader", "curator"])
def test_an_unknown_id_is_a_404(action: str, who: str, api: Api, request: pytest.FixtureRequest) -> None:
    client = api(request.getfixturevalue(who))
    path = f"{BASE}{uuid4()}/{action + '/' if action else ''}"

    response = client.post(path, BODIES[action], format="json") if action else client.get(path)

    assert response.status_code == (404 if who == "curator" or not action else 403)


def test_a_proposal_reads_with_its_original_edit_and_final_guidance(
    proposal: GuidanceProposal, curator: Any, api: Api
) -> None:
    response = api(curator).post(url(proposal, "approve"), {"title": "Edited title"}, format="json")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "approved"
    assert body["original"]["title"] == "Compare a Service's targetPort with the containerPort"
    assert body["edit"]["title"] == body["final"]["title"] == "Edited title"
    assert body["final"]["text"] == body["original"]["text"]
    assert body["edited_by"] == body["decided_by"] == "curator"
    assert body["knowledge_item"] == str(KnowledgeItem.objects.get().pk)
    assert body["trajectory"]["problem_id"] == proposal.trajectory.problem_id
    assert body["trajectory"]["success"] is False


def test_a_claim_collision_is_a_409_naming_the_holder(
    proposal: GuidanceProposal, curator: Any, curator2: Any, api: Api
) -> None:
    assert api(curator).post(url(proposal, "claim")).status_code == 200
    before = state(proposal)

    for action, body in BODIES.items():
        response = api(curator2).post(url(proposal, action), body, format="json")
        assert response.status_code == 409, action
        assert response.json()["code"] == "claimed"
        assert "curator has claimed" in response.json()["detail"]

    assert state(proposal) == before
    read = api(curator2).get(url(proposal)).json()
    assert read["claimed_by"] == "curator"
    assert read["claim_expires_at"] is not None


@pytest.mark.parametrize(
    ("action", "body", "message"),
    [
        ("reject", {"reason": "   "}, "needs a reason"),
        ("reject", {}, "required"),
        ("approve", {"title": ""}, "blank"),
        ("approve", {"fault_types": "misconfig"}, "list"),
        ("approve", {"services": [""]}, "blank"),
        ("assign", {"assignee": "no-such-person"}, "does not exist"),
        ("assign", {"assignee": "reader"}, "may not curate"),
    ],
)
def test_bad_input_is_a_400_and_changes_nothing(
    action: str, body: dict[str, Any], message: str, proposal: GuidanceProposal, curator: Any, reader: Any, api: Api
) -> None:
    before = state(proposal)

    response = api(curator).post(url(proposal, action), body, format="json")

    assert response.status_code == 400
    assert message in response.content.decode()
    assert state(proposal) == before


def test_a_decided_proposal_is_a_409(proposal: GuidanceProposal, curator: Any, api: Api) -> None:
    proposal_reject(proposal=proposal, user=curator, reason="no")

    response = api(curator).post(url(proposal, "approve"), {}, format="json")

    assert response.status_code == 409
    assert response.json()["code"] == "already_decided"
    assert KnowledgeItem.objects.count() == 0


def test_the_list_filters_by_status_pattern_and_assignee(
    make_proposal: MakeProposal, curator: Any, curator2: Any, api: Api
) -> None:
    pending = make_proposal(title="pending")
    rejected = make_proposal(title="rejected", failure_pattern="premature_answer")
    mine = make_proposal(title="mine", failure_pattern="premature_answer")
    proposal_reject(proposal=rejected, user=curator, reason="no")
    api(curator).post(url(mine, "assign"), {"assignee": "curator2"}, format="json")
    client = api(curator2)

    def titles(query: dict[str, str]) -> list[str]:
        response = client.get(BASE, query)
        assert response.status_code == 200, response.content
        return [row["final"]["title"] for row in response.json()["results"]]

    assert titles({}) == ["mine", "pending", "rejected"]
    assert titles({"status": "rejected"}) == ["rejected"]
    assert titles({"failure_pattern": "premature_answer"}) == ["mine", "rejected"]
    assert titles({"mine": "true"}) == ["mine"]
    assert titles({"status": "", "mine": ""}) == ["mine", "pending", "rejected"]
    assert pending.pk


@pytest.mark.parametrize("query", [{"status": "maybe"}, {"failure_pattern": "bad"}, {"mine": "perhaps"}])
def test_an_invalid_filter_is_a_400(query: dict[str, str], proposal: GuidanceProposal, curator: Any, api: Api) -> None:
    response = api(curator).get(BASE, query)

    assert response.status_code == 400


# Session authentication: the browser's, where writes need the CSRF token.


def test_session_writes_need_the_csrf_token(proposal: GuidanceProposal, curator: Any) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(curator)
    before = state(proposal)

    refused = client.post(url(proposal, "claim"), {}, content_type="application/json")

    assert refused.status_code == 403
    assert "CSRF" in refused.json()["detail"]
    assert state(proposal) == before

    client.get("/learning/proposals/")  # any page sets the CSRF cookie
    token = client.cookies["csrftoken"].value
    accepted = client.post(url(proposal, "claim"), {}, content_type="application/json", HTTP_X_CSRFTOKEN=token)

    assert accepted.status_code == 200
    assert accepted.json()["claimed_by"] == "curator"


def test_session_reads_need_no_csrf_token(proposal: GuidanceProposal, curator: Any) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(curator)

    assert client.get(url(proposal)).status_code == 200


def test_a_claim_by_the_api_shows_in_the_queue(proposal: GuidanceProposal, curator: Any, api: Api) -> None:
    proposal_claim(proposal=proposal, user=curator)

    row = api(curator).get(BASE).json()["results"][0]

    assert row["claimed_by"] == "curator"
