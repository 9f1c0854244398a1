"""The incident page in a real browser: the live timeline, gap repair from the API, approving and rejecting
in the page (never one's own request), and a stream that stops when access is withdrawn."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import transaction

from incidents import streaming
from incidents.models import ActionRequest, ActionStatus, Incident
from incidents.services.incidents import incident_event_append
from tests.browser.conftest import in_db_thread, sign_in
from tests.factories import make_action, make_incident

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def _open(page: Any, base: str, incident: Incident) -> None:
    page.goto(f"{base}/incidents/{incident.uuid}/")
    page.wait_for_selector("#live-status[data-state=live]")


def _append(incident: Incident, kind: str, **payload: Any) -> int:
    """Append an event as a worker would, committed in a thread of its own."""

    def append() -> int:
        with transaction.atomic():
            return incident_event_append(incident=incident, type=kind, payload=payload).seq

    return in_db_thread(append)


def _fresh(action: ActionRequest) -> ActionRequest:
    return in_db_thread(lambda: ActionRequest.objects.prefetch_related("approvals__user").get(pk=action.pk))


@pytest.fixture
def watched(team: Any, responder: Any) -> tuple[Incident, ActionRequest]:
    incident = make_incident(team, application="checkout", namespace="shop")
    return incident, make_action(incident, responder)


def test_the_timeline_grows_live_and_repairs_a_gap_from_the_api(
    viewer: Any, watched: tuple[Incident, ActionRequest], asgi_server: str, browser: Any, monkeypatch: Any
) -> None:
    incident, _ = watched
    page = sign_in(browser, asgi_server, "viewer")
    _open(page, asgi_server, incident)

    seq = _append(incident, "test.live", note="first")
    page.wait_for_selector(f"#timeline tr[data-seq='{seq}']")

    # One event whose publication is lost (the broker dropped it), then one that arrives: the page sees
    # the gap in seq and reads what it missed from the events API.
    with monkeypatch.context() as patched:
        patched.setattr(streaming, "_publish", lambda group, data: None)
        lost = _append(incident, "test.lost")
    arrived = _append(incident, "test.arrived")
    page.wait_for_selector(f"#timeline tr[data-seq='{arrived}']")
    seqs = [int(value) for value in page.eval_on_selector_all("#timeline tr", "rows => rows.map(r => r.dataset.seq)")]
    assert seqs == sorted(seqs)
    assert lost in seqs
    assert len(seqs) == len(set(seqs))
    assert page.locator("#actions button.approve").count() == 0  # a viewer watches, never decides


def test_an_approver_approves_in_the_page_and_the_requester_cannot(
    approver: Any, watched: tuple[Incident, ActionRequest], asgi_server: str, browser: Any
) -> None:
    incident, action = watched
    mine = sign_in(browser, asgi_server, "responder")
    _open(mine, asgi_server, incident)
    row = f"#actions .action-card[data-action='{action.uuid}']"
    mine.wait_for_selector(f"{row}[data-status=pending]")
    assert mine.locator(f"{row} button.approve").count() == 0
    assert "another person decides" in mine.inner_text(row)

    page = sign_in(browser, asgi_server, "approver")
    _open(page, asgi_server, incident)
    page.click(f"{row} button.approve")
    page.wait_for_selector(f"{row}[data-status=approved]")

    decided = _fresh(action)
    assert decided.status == ActionStatus.APPROVED
    assert [a.user.username for a in decided.approvals.all()] == [approver.username]
    # The requester's page hears of it over its own stream.
    mine.wait_for_selector(f"{row}[data-status=approved]")
    mine.wait_for_selector("#timeline tr:has-text('action.approved')")


def test_a_rejection_needs_and_carries_a_reason(
    approver: Any, watched: tuple[Incident, ActionRequest], asgi_server: str, browser: Any
) -> None:
    incident, action = watched
    page = sign_in(browser, asgi_server, "approver")
    _open(page, asgi_server, incident)
    row = f"#actions .action-card[data-action='{action.uuid}']"

    page.click(f"{row} button.reject")  # no reason: refused, and said so
    page.wait_for_selector(f"{row} .decision-note:has-text('reason')")
    page.fill(f"{row} input.reason", "wrong deployment")
    page.click(f"{row} button.reject")
    page.wait_for_selector(f"{row}[data-status=rejected]")

    decided = _fresh(action)
    assert decided.status == ActionStatus.REJECTED
    assert decided.status_reason == "wrong deployment"


def test_the_stream_stops_when_access_is_withdrawn(
    viewer: Any, team: Any, watched: tuple[Incident, ActionRequest], asgi_server: str, browser: Any
) -> None:
    incident, _ = watched
    page = sign_in(browser, asgi_server, "viewer")
    _open(page, asgi_server, incident)
    in_db_thread(lambda: viewer.groups.remove(team.viewers))
    page.wait_for_timeout(2500)  # past the consumer's re-check interval
    _append(incident, "test.secret")

    page.wait_for_selector("#live-status[data-state=closed]")
    assert page.locator("#timeline tr:has-text('test.secret')").count() == 0


def test_someone_outside_the_team_gets_no_page_and_no_stream(
    outsider: Any, other_team: Any, watched: tuple[Incident, ActionRequest], asgi_server: str, browser: Any
) -> None:
    incident, _ = watched
    page = sign_in(browser, asgi_server, "outsider")
    answer = page.goto(f"{asgi_server}/incidents/{incident.uuid}/")
    assert answer.status == 404
