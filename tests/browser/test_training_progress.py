"""A training run's page in the browser while the run goes on: the progress bar and the step count follow
the run as a worker would move it, the reward curves are redrawn with each logged step, and when the run
ends the page reloads once to show the model version it produced. No Content-Security-Policy violation."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.contrib.auth.models import Permission
from django.utils import timezone
from playwright.sync_api import expect

from tests.browser.conftest import WAIT_MS, in_db_thread, sign_in
from tests.browser.test_curation import watch_csp
from tests.browser.test_whole_loop import artifacts
from tests.factories import UserFactory
from training.models import JobStatus, ModelKind, ModelVersion, TrainingMetric, TrainingRun

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def running(db: None) -> TrainingRun:
    user = UserFactory(username="ml-admin")
    user.user_permissions.add(Permission.objects.get(codename="start_trainingrun"))
    base = ModelVersion.objects.create(name="base:test", kind=ModelKind.BASE, base_model="m")
    return TrainingRun.objects.create(
        base_version=base, base_model="m", status=JobStatus.RUNNING, progress_total=3, created_by=user
    )


def _log_step(run: TrainingRun, step: int, reward: float) -> None:
    TrainingMetric.objects.create(run=run, step=step, values={"reward": reward, "rewards/format_reward/mean": 0.5})
    TrainingRun.objects.filter(pk=run.pk).update(progress_done=step)


def _succeed(run: TrainingRun) -> None:
    ModelVersion.objects.create(
        name="observer-grpo-1", kind=ModelKind.CHECKPOINT, base_model="m", training_run=run, parent=run.base_version
    )
    TrainingRun.objects.filter(pk=run.pk).update(status=JobStatus.SUCCEEDED, finished_at=timezone.now())


def test_the_page_follows_a_running_training_run_and_shows_its_version_at_the_end(
    running: TrainingRun, asgi_server: str, browser: Any
) -> None:
    page = sign_in(browser, asgi_server, "ml-admin")
    violations = watch_csp(page)
    page.goto(f"{asgi_server}/learning/training/{running.pk}/")
    bar = page.locator("progress.learn-progress")
    assert bar.get_attribute("value") == "0"
    first_plot = page.locator("img[data-refresh]").get_attribute("src")

    in_db_thread(lambda: _log_step(running, 1, 0.25))
    expect(bar).to_have_js_property("value", 1, timeout=WAIT_MS)
    expect(page.locator("[data-field=progress_done]").first).to_have_text("1")
    expect(page.locator("img[data-refresh]")).to_have_attribute("src", re.compile(r"step=1"), timeout=WAIT_MS)
    assert page.locator("img[data-refresh]").get_attribute("src") != first_plot

    in_db_thread(lambda: _log_step(running, 2, 1.0))
    expect(bar).to_have_js_property("value", 2, timeout=WAIT_MS)
    in_db_thread(lambda: _succeed(running))
    page.wait_for_selector("text=Produced", timeout=WAIT_MS)  # reloaded once the run ended
    assert page.locator("a", has_text="observer-grpo-1").count() == 1
    assert "Cancel" not in page.locator("main").inner_text()
    page.screenshot(path=str(artifacts() / "training-run.png"), full_page=True)
    assert violations == []
