"""A dropped live stream: the page reconnects, reads what it missed from the events API, and shows every
event and every step exactly once."""

from __future__ import annotations

import re
from typing import Any
from uuid import uuid4

import pytest
from django.db import transaction

from incidents.models import Incident, Team
from incidents.services.incidents import incident_event_append
from tests.browser.conftest import in_db_thread, sign_in
from tests.factories import make_incident

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]
RUN = str(uuid4())


class DroppableStream:
    """Routes the page's stream through the test, which can cut it as a flaky network would."""

    def __init__(self) -> None:
        self.routes: list[Any] = []

    def attach(self, route: Any) -> None:
        self.routes.append(route)
        route.connect_to_server()

    def drop(self) -> None:
        self.routes[-1].close(code=1006, reason="network gone")


def _append(incident: Incident, kind: str, payload: dict[str, Any]) -> int:
    def append() -> int:
        with transaction.atomic():
            return incident_event_append(incident=incident, type=kind, payload={"run": RUN, **payload}).seq

    return in_db_thread(append)


def _step(incident: Incident, index: int) -> list[int]:
    return [
        _append(incident, "step.started", {"role": "observer", "label": "deciding"}),
        _append(incident, "token.delta", {"role": "observer", "text": f"thought {index}"}),
        _append(
            incident,
            "step.completed",
            {"index": index, "role": "observer", "phase": "reason", "summary": "", "error": ""},
        ),
    ]


@pytest.fixture
def watched(team: Team) -> Incident:
    return make_incident(team, title="flaky network", namespace="shop")


def test_a_reconnect_loses_nothing_and_repeats_nothing(
    viewer: Any, watched: Incident, asgi_server: str, browser: Any
) -> None:
    stream = DroppableStream()
    page = sign_in(browser, asgi_server, "viewer")
    page.route_web_socket(re.compile(r"/ws/incidents/"), stream.attach)
    page.goto(f"{asgi_server}/incidents/{watched.uuid}/")
    page.wait_for_selector("#live-status[data-state=live]")
    seqs = [_append(watched, "run.started", {"agent": "aoi", "environment": "sim", "started_by": "responder"})]
    seqs += _step(watched, 1)
    page.wait_for_selector("#steps .step[data-index='1']")

    stream.drop()
    page.wait_for_selector("#live-status[data-state=reconnecting]")
    seqs += _step(watched, 2) + _step(watched, 3)  # while the page is away: published to nobody
    page.wait_for_selector("#live-status[data-state=live]")
    page.wait_for_selector("#steps .step[data-index='3']")
    seqs += _step(watched, 4)  # and live again
    page.wait_for_selector("#steps .step[data-index='4']")

    assert len(stream.routes) == 2
    rows = page.eval_on_selector_all("#timeline tr", "rows => rows.map(r => Number(r.dataset.seq))")
    deltas = {seqs[i] for i in range(2, len(seqs), 3)}
    assert rows == [seq for seq in [1, *seqs] if seq not in deltas]  # 1: the incident's creation
    blocks = page.eval_on_selector_all(
        "#steps .step", "blocks => blocks.map(b => [b.dataset.index, b.querySelector('pre.text').textContent])"
    )
    assert blocks == [[str(i), f"thought {i}"] for i in range(1, 5)]
