"""The incident page's Reasoning panel in a real browser: an agent run's steps and model output as they
stream, token deltas kept out of the timeline (but not out of gap repair), and the same panel rebuilt
from the events API when the page is opened after the run."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlparse
from uuid import uuid4

import pytest
from django.db import transaction

from incidents import streaming
from incidents.models import Incident
from incidents.services.incidents import incident_event_append
from tests.browser.conftest import in_db_thread, sign_in
from tests.factories import make_incident

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]
RUN = str(uuid4())
LOST_DELTA = 8  # the script's index of the delta whose publication the live test loses
# Where the run-state line must be after these events of the script (index -> data-state).
RUN_STATES = {0: "running", 11: "awaiting_approval", 12: "running", 16: "finished"}
Event = tuple[str, dict[str, Any]]


def _script(run: str) -> list[Event]:
    """One agent run as a worker logs it: three steps, a batched Probe, a pause for approval, a diagnosis."""
    return [
        ("run.started", {"trajectory": str(uuid4()), "agent": "aoi", "environment": "sim", "started_by": "responder"}),
        ("step.started", {"role": "observer", "label": "decide the next move"}),
        ("token.delta", {"role": "observer", "text": "The checkout "}),
        ("token.delta", {"role": "observer", "text": "pods restart"}),
        ("token.delta", {"role": "observer", "text": " every minute."}),
        ("step.completed", {"index": 1, "role": "observer", "phase": "decide", "summary": "probe both", "error": ""}),
        ("step.started", {"role": "probe", "label": "investigate checkout, payments"}),
        ("token.delta", {"role": "probe[0]", "text": "kubectl get pods"}),
        ("token.delta", {"role": "probe[1]", "text": "kubectl logs payments"}),
        ("token.delta", {"role": "probe[0]", "text": " -n shop"}),
        (
            "step.completed",
            {"index": 2, "role": "probe", "phase": "probe", "summary": "one probe answered", "error": "timed out"},
        ),
        ("run.paused", {"action": str(uuid4()), "reason": "a write needs approval"}),
        ("run.resumed", {"attempt": 2, "reason": "approval"}),
        ("step.started", {"role": "executor", "label": "scale checkout"}),
        ("token.delta", {"role": "executor", "text": "<script>alert(1)</script>"}),
        ("step.completed", {"index": 3, "role": "executor", "phase": "fix", "summary": "scaled", "error": ""}),
        (
            "run.finished",
            {
                "trajectory": str(uuid4()),
                "status": "succeeded",
                "outcome": "diagnosed",
                "diagnosis": {"component": "checkout", "system_level": "application", "fault_type": "oom"},
            },
        ),
    ]


def _open(page: Any, base: str, incident: Incident) -> None:
    page.goto(f"{base}/incidents/{incident.uuid}/")
    page.wait_for_selector("#live-status[data-state=live]")


def _append_now(incident: Incident, kind: str, payload: dict[str, Any], run: str) -> int:
    with transaction.atomic():
        return incident_event_append(incident=incident, type=kind, payload={"run": run, **payload}).seq


def _append(incident: Incident, kind: str, payload: dict[str, Any], run: str = RUN) -> int:
    """Append an event as a worker would, committed in a thread of its own."""
    return in_db_thread(lambda: _append_now(incident, kind, payload, run))


def _logged(incident: Incident) -> list[tuple[int, str]]:
    return in_db_thread(lambda: list(incident.events.order_by("seq").values_list("seq", "type")))


def _text(page: Any, selector: str) -> str:
    text: str = page.text_content(selector)
    return text


def _said(page: Any, index: int, role: str) -> str:
    """The model output of ``role`` in the script's step ``index``."""
    return _text(page, f"#steps .step[data-run='{RUN}'][data-index='{index}'] pre.text[data-role='{role}']")


def _assert_reasoning(page: Any, incident: Incident) -> None:
    """What the panel and the timeline show once the script's run is over, however the page heard of it."""
    page.wait_for_selector("#run-state[data-state=finished]")
    step = f"#steps .step[data-run='{RUN}']"
    blocks = page.eval_on_selector_all(
        step, "blocks => blocks.map(b => [b.dataset.role, b.dataset.index, b.classList.contains('failed')])"
    )
    assert blocks == [["observer", "1", False], ["probe", "2", True], ["executor", "3", False]]
    assert "decide the next move" in _text(page, f"{step}[data-index='1'] .step-head")
    assert _said(page, 1, "observer") == "The checkout pods restart every minute."
    assert _text(page, f"{step}[data-index='1'] .summary") == "probe both"
    assert _said(page, 2, "probe[0]") == "kubectl get pods -n shop"
    assert _said(page, 2, "probe[1]") == "kubectl logs payments"
    assert "timed out" in _text(page, f"{step}[data-index='2'] .error")
    assert page.locator(f"{step} .error").count() == 1
    # Model output is text, never markup.
    assert _said(page, 3, "executor") == "<script>alert(1)</script>"
    assert page.locator("#steps script").count() == 0
    state = _text(page, "#run-state")
    assert all(word in state for word in ("succeeded", "diagnosed", "checkout", "application", "oom")), state

    logged = _logged(incident)
    rows = page.eval_on_selector_all("#timeline tr", "rows => rows.map(r => Number(r.dataset.seq))")
    assert rows == [seq for seq, kind in logged if kind != "token.delta"]
    assert page.locator("#timeline tr:has-text('token.delta')").count() == 0


@pytest.fixture
def incident(team: Any) -> Incident:
    return make_incident(team, application="checkout", namespace="shop")


@pytest.fixture
def after_the_runs(incident: Incident) -> Incident:
    """An earlier run whose output alone is more than one page of the events API, then the script's run."""
    earlier = str(uuid4())
    _append_now(incident, "run.started", {"agent": "aoi", "environment": "sim", "started_by": ""}, earlier)
    _append_now(incident, "step.started", {"role": "observer", "label": "a long thought"}, earlier)
    for _ in range(520):
        _append_now(incident, "token.delta", {"role": "observer", "text": "."}, earlier)
    _append_now(incident, "step.completed", {"index": 1, "role": "observer", "summary": "", "error": ""}, earlier)
    _append_now(incident, "run.finished", {"status": "failed", "outcome": "gave up", "diagnosis": None}, earlier)
    for kind, payload in _script(RUN):
        _append_now(incident, kind, payload, RUN)
    return incident


def test_the_panel_follows_a_run_live_and_deltas_stay_out_of_the_timeline(
    viewer: Any, incident: Incident, asgi_server: str, browser: Any, monkeypatch: Any
) -> None:
    page = sign_in(browser, asgi_server, "viewer")
    _open(page, asgi_server, incident)
    assert page.get_attribute("#live", "data-can-change") == "false"
    assert page.locator("#diagnose").count() == 0  # a viewer watches, never starts a run
    assert page.get_attribute("#run-state", "data-state") == "idle"
    resyncs: list[int] = []  # the since= of every read of the events API from here on

    def read_of_the_api(request: Any) -> None:
        if "/events/" in request.url:
            resyncs.append(int(parse_qs(urlparse(request.url).query)["since"][0]))

    page.on("request", read_of_the_api)

    seqs: list[int] = []
    for position, (kind, payload) in enumerate(_script(RUN)):
        if position == LOST_DELTA:  # published to nobody: the next event shows the gap
            with monkeypatch.context() as patched:
                patched.setattr(streaming, "_publish", lambda group, data: None)
                seqs.append(_append(incident, kind, payload))
            continue
        seqs.append(_append(incident, kind, payload))
        if kind == "token.delta":
            page.wait_for_function(
                "([run, role, text]) => [...document.querySelectorAll(`#steps .step[data-run='${run}'] pre.text`)]"
                ".some((pre) => pre.dataset.role === role && pre.textContent.endsWith(text))",
                arg=[RUN, payload["role"], payload["text"]],
            )
        else:
            page.wait_for_selector(f"#timeline tr[data-seq='{seqs[-1]}']")
        if position in RUN_STATES:
            page.wait_for_selector(f"#run-state[data-state={RUN_STATES[position]}]")
        if kind == "run.resumed":
            assert "resumed after approval" in _text(page, "#run-state")
        if position == LOST_DELTA - 1:
            # Deltas advance the stream's position like any event: none of them made the page read the API.
            assert [since for since in resyncs if since >= seqs[1]] == []

    _assert_reasoning(page, incident)
    assert seqs[LOST_DELTA - 1] in resyncs  # the lost delta was read from the API after the gap


def test_a_page_opened_after_the_runs_replays_the_same_panel(
    viewer: Any, after_the_runs: Incident, asgi_server: str, browser: Any
) -> None:
    page = sign_in(browser, asgi_server, "viewer")
    _open(page, asgi_server, after_the_runs)

    _assert_reasoning(page, after_the_runs)
    earlier = page.eval_on_selector_all(
        f"#steps .step:not([data-run='{RUN}'])", "blocks => blocks.map(b => b.querySelector('pre.text').textContent)"
    )
    assert earlier == ["." * 520]
    assert page.locator("#diagnose").count() == 0


def test_a_phase_whose_steps_are_stored_together_pairs_each_step_with_its_request(
    viewer: Any, incident: Incident, asgi_server: str, browser: Any
) -> None:
    """A Probe phase as a worker logs it: three model requests stream, then the five steps are stored at once,
    each request's step closing that request's block and each tool result getting its own, in stored order."""
    run = str(uuid4())
    phase: list[Event] = [("run.started", {"agent": "aoi", "environment": "sim", "started_by": "responder"})]
    for text in ("read pods", "read events", "findings"):
        phase += [
            ("step.started", {"role": "probe", "label": "investigating"}),
            ("token.delta", {"role": "probe", "text": text}),
        ]
    for index, kind in enumerate(("reason", "act", "reason", "act", "reason"), start=1):
        phase.append(("step.completed", {"index": index, "role": "probe", "phase": kind, "summary": f"s{index}"}))
    in_db_thread(lambda: [_append_now(incident, kind, {"error": "", **payload}, run) for kind, payload in phase])
    page = sign_in(browser, asgi_server, "viewer")

    _open(page, asgi_server, incident)

    page.wait_for_selector(f"#steps .step[data-run='{run}'][data-index='5']")
    blocks = page.eval_on_selector_all(
        f"#steps .step[data-run='{run}']",
        "blocks => blocks.map(b => [b.dataset.index, (b.querySelector('pre.text') || {}).textContent || ''])",
    )
    assert blocks == [["1", "read pods"], ["2", ""], ["3", "read events"], ["4", ""], ["5", "findings"]]
