"""The incident page's "Start diagnosis" button in a real browser, against daphne serving the test database.

A click asks the API for a run (``POST /diagnose/``); the page says "queued" until the run's ``run.started``
reaches it over the stream. The server dispatches the run to the suite's Redis, where no worker consumes
it here: the run stays queued, which is all the page needs. The stream is routed through the test so that
the order in which the page hears things is the test's choice, not a race between the API's answer and the
stream."""

from __future__ import annotations

import re
from typing import Any

import pytest

from agents import hosting
from agents.hosting import run_start
from agents.models import AgentRun, RunStatus
from incidents.models import Incident, IncidentStatus
from tests.agents_incidents.conftest import sim_incident
from tests.browser.conftest import in_db_thread, sign_in

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]
__all__ = ["sim_incident"]  # the fixture: an incident the simulator reproduces (the settings' default)


class HeldStream:
    """The page's incident stream, routed through the test: frames from the server reach the page at once,
    or, while held, when the test releases them."""

    def __init__(self) -> None:
        self.route: Any = None
        self.held: list[str | bytes] | None = None

    def attach(self, route: Any) -> None:
        self.route = route
        route.connect_to_server().on_message(self._from_server)

    def _from_server(self, message: str | bytes) -> None:
        if self.held is None:
            self.route.send(message)
        else:
            self.held.append(message)

    def hold(self) -> None:
        self.held = []

    def release(self) -> None:
        held, self.held = self.held or [], None
        for message in held:
            self.route.send(message)


def _open_ready(page: Any, base: str, incident: Incident, stream: HeldStream) -> None:
    """Open the incident page with its stream routed through ``stream``; return once it may be clicked."""
    page.route_web_socket(re.compile(r"/ws/incidents/"), stream.attach)
    page.goto(f"{base}/incidents/{incident.uuid}/")
    page.wait_for_selector("#live-status[data-state=live]")
    page.wait_for_selector("#diagnose:not([disabled])")
    assert stream.route is not None  # the page's stream goes through the test


def _text(page: Any, selector: str) -> str:
    text: str = page.text_content(selector)
    return text


def _runs(incident: Incident) -> list[tuple[str, str, str | None]]:
    return in_db_thread(
        lambda: [
            (str(run.pk), run.status, run.started_by.get_username() if run.started_by else None)
            for run in AgentRun.objects.filter(incident=incident).select_related("started_by")
        ]
    )


def _started_seq(incident: Incident) -> int:
    return in_db_thread(lambda: incident.events.get(type="run.started").seq)


def test_a_responder_starts_a_diagnosis_and_sees_it_queued_then_started(
    responder: Any, sim_incident: Incident, asgi_server: str, browser: Any
) -> None:
    page = sign_in(browser, asgi_server, "responder")
    stream = HeldStream()
    _open_ready(page, asgi_server, sim_incident, stream)
    assert _text(page, "#diagnose-note") == ""
    stream.hold()  # the API answers before the page hears of the run

    page.click("#diagnose")

    page.wait_for_selector("#diagnose-note[data-state=queued]")
    assert _text(page, "#diagnose-note") == "queued"
    assert page.is_disabled("#diagnose")
    ((run_id, status, started_by),) = _runs(sim_incident)
    assert (status, started_by) == (RunStatus.QUEUED, "responder")
    # The server sent it to the broker once its transaction committed (no worker consumes it here).
    assert in_db_thread(lambda: AgentRun.objects.get(pk=run_id).dispatched_at) is not None
    assert in_db_thread(lambda: Incident.objects.get(pk=sim_incident.pk).status) == IncidentStatus.INVESTIGATING
    seq = _started_seq(sim_incident)

    stream.release()

    row = f"#timeline tr[data-seq='{seq}']"
    page.wait_for_selector(row)
    assert "run.started" in _text(page, row)
    assert run_id in _text(page, row)
    page.wait_for_selector("#run-state[data-state=running]")
    assert "started by responder" in _text(page, "#run-state")
    assert (_text(page, "#diagnose-note"), page.get_attribute("#diagnose-note", "data-state")) == ("", "")
    assert page.is_disabled("#diagnose")  # one run at a time

    page.reload()
    page.wait_for_selector("#run-state[data-state=running]")
    assert page.is_disabled("#diagnose")  # the page replays the log: a run is going
    assert len(_runs(sim_incident)) == 1


def test_a_click_racing_a_run_started_elsewhere_shows_the_apis_refusal(
    responder: Any,
    approver: Any,
    sim_incident: Incident,
    asgi_server: str,
    browser: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(hosting, "run_dispatch", lambda run_id, queue: True)  # this process's start stays here
    page = sign_in(browser, asgi_server, "responder")
    stream = HeldStream()
    _open_ready(page, asgi_server, sim_incident, stream)
    stream.hold()  # the page has not heard of the other run yet
    elsewhere = in_db_thread(lambda: run_start(incident=sim_incident, user=approver))

    page.click("#diagnose")

    page.wait_for_selector("#diagnose-note[data-state=error]")
    assert _text(page, "#diagnose-note") == f"A diagnosis is already running on this incident (run {elsewhere.pk})."
    assert _runs(sim_incident) == [(str(elsewhere.pk), RunStatus.QUEUED, "approver")]
    stream.release()
    page.wait_for_selector("#run-state[data-state=running]")
    assert "started by approver" in _text(page, "#run-state")
    assert page.is_disabled("#diagnose")
