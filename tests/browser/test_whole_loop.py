"""The whole loop in a real browser, with a real Celery worker: a responder starts a diagnosis of a simulated
mitigation problem (the model is a replayed recording), a viewer watches the steps arrive live and cannot
approve, an approver approves the Executor's action card, the write executes and the incident moves on,
the trajectory page replays the run, and an auditor verifies the audit chain.

Screenshots of the key pages are saved under ``var/test-artifacts/browser/`` (``AOI_TEST_ARTIFACTS``
elsewhere), for people to look at."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

from agents import hosting
from agents.hosting import run_start, run_work
from agents.incident_runs import simulated_incident_open
from agents.models import AgentRun
from agents.sim.problems import problem_resolve
from incidents.models import ActionRequest, Incident, IncidentStatus, Team
from incidents.services.actions import action_approve
from tests.agents_incidents.conftest import SCALED_TO_ZERO
from tests.browser.conftest import in_db_thread, sign_in
from tests.servers import REPO_ROOT
from tests.workers import celery_worker, worker_env

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]
FIXER = "tests.agents_incidents.conftest:fixer_responder"
LOOP_MS = 60_000


def artifacts() -> Path:
    folder = Path(os.environ.get("AOI_TEST_ARTIFACTS") or REPO_ROOT / "var" / "test-artifacts") / "browser"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def recording(team: Team, responder: Any, approver: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The steering model's answers for a whole run of the problem, approval included, recorded once here;
    the worker replays them (a request it was never asked fails the run)."""
    path = tmp_path / "fixer.jsonl"
    monkeypatch.setattr(settings, "AOI_LLM", {"backend": "scripted", "responder": FIXER, "record_to": str(path)})
    monkeypatch.setattr(hosting, "run_dispatch", lambda run_id, queue: True)
    hosting._backends.clear()
    rehearsal = simulated_incident_open(problem=problem_resolve(SCALED_TO_ZERO), team=team, user=responder)
    run = run_start(incident=rehearsal, user=responder)
    assert run_work(str(run.pk)) == "paused"
    action = ActionRequest.objects.get(incident=rehearsal)
    action_approve(action=action, user=approver, action_hash=action.action_hash)
    assert run_work(str(run.pk)) == "finished"
    hosting._backends.clear()
    monkeypatch.undo()
    return path


@pytest.fixture
def sim_incident(recording: Path, team: Team, responder: Any) -> Incident:
    return simulated_incident_open(problem=problem_resolve(SCALED_TO_ZERO), team=team, user=responder)


def test_diagnose_watch_approve_execute_replay_and_verify(
    recording: Path,
    sim_incident: Incident,
    viewer: Any,
    responder: Any,
    approver: Any,
    auditor: Any,
    tmp_path: Path,
    asgi_server: str,
    browser: Any,
) -> None:
    shots = artifacts()
    replay = {"AOI_LLM_BACKEND": "replay", "AOI_LLM_OPTIONS": json.dumps({"path": str(recording)})}
    incident_url = f"{asgi_server}/incidents/{sim_incident.uuid}/"
    with celery_worker(worker_env(**replay), tmp_path / "worker.log"):
        watcher = sign_in(browser, asgi_server, "viewer")
        watcher.goto(incident_url)
        watcher.wait_for_selector("#live-status[data-state=live]")
        assert watcher.locator("#diagnose").count() == 0

        starter = sign_in(browser, asgi_server, "responder")
        starter.goto(incident_url)
        starter.wait_for_selector("#diagnose:not([disabled])")
        starter.click("#diagnose")

        # The viewer sees steps arrive and then the action card, with no way to approve it.
        watcher.wait_for_selector("#steps .step[data-index]", timeout=LOOP_MS)
        card = "#actions .action-card[data-status=pending]"
        watcher.wait_for_selector(card, timeout=LOOP_MS)
        watcher.wait_for_selector("#run-state[data-state=awaiting_approval]")
        assert watcher.locator(f"{card} button.approve").count() == 0
        assert "scale" in (watcher.text_content(f"{card} .command") or "")
        # A stored step opens to its whole prompt and output; the Observer's evidence is listed.
        watcher.click("#steps .step[data-role='observer'][data-index] details.step-detail summary")
        watcher.wait_for_selector("#steps .step[data-role='observer'][data-index] pre.full-prompt")
        assert "[system]" in (
            watcher.text_content("#steps .step[data-role='observer'][data-index] pre.full-prompt") or ""
        )
        watcher.wait_for_selector("#evidence li")
        assert "user-service" in (watcher.text_content("#evidence") or "")
        watcher.screenshot(path=str(shots / "incident-awaiting-approval.png"), full_page=True)
        # The person who started the run requested the write: they cannot approve it either.
        starter.wait_for_selector(card)
        assert starter.locator(f"{card} button.approve").count() == 0

        deciding = sign_in(browser, asgi_server, "approver")
        deciding.goto(incident_url)
        deciding.wait_for_selector(f"{card} button.approve")
        deciding.screenshot(path=str(shots / "action-card-approver.png"), full_page=True)
        deciding.click(f"{card} button.approve")

        done = "#actions .action-card[data-status=succeeded]"
        watcher.wait_for_selector(done, timeout=LOOP_MS)
        watcher.wait_for_selector("#run-state[data-state=finished]", timeout=LOOP_MS)
        watcher.wait_for_selector("#diagnosis[data-state=diagnosed]")
        watcher.wait_for_selector("#incident-status[data-status=mitigating]")
        assert "user-service" in (watcher.text_content("#diagnosis") or "")
        watcher.screenshot(path=str(shots / "incident-fixed.png"), full_page=True)

    run: AgentRun = in_db_thread(
        lambda: AgentRun.objects.select_related("trajectory", "incident").get(incident=sim_incident)
    )
    assert run.incident.status == IncidentStatus.MITIGATING  # the fix ran; a person resolves it
    assert run.trajectory.outcome["outcome"] == "fixed"

    # The trajectory page replays the run step by step.
    watcher.click("#steps .step[data-index='1'] a.step-full")
    watcher.wait_for_selector("#step-1")
    stored = in_db_thread(lambda: run.trajectory.steps.count())
    assert watcher.locator("li[id^='step-']").count() == stored
    watcher.screenshot(path=str(shots / "trajectory.png"), full_page=True)

    # The auditor verifies the chain from the audit page.
    audit = sign_in(browser, asgi_server, "auditor")
    audit.goto(f"{asgi_server}/audit/")
    audit.click("#verify-chain")
    audit.wait_for_selector("#verdict[data-ok=true]")
    audit.screenshot(path=str(shots / "audit-verified.png"), full_page=True)
