"""The post-incident label from the incident page: saved through the API with the page's CSRF token,
shown to people who may change the incident only, and its refusal explained."""

from __future__ import annotations

from typing import Any

import pytest

from incidents.models import Incident, Team
from tests.browser.conftest import in_db_thread, sign_in
from tests.factories import make_incident

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def labelled_later(team: Team) -> Incident:
    return make_incident(team, title="orders slow", application="orders", namespace="shop")


def test_a_responder_labels_the_root_cause_and_a_viewer_has_no_form(
    labelled_later: Incident, viewer: Any, responder: Any, asgi_server: str, browser: Any
) -> None:
    url = f"{asgi_server}/incidents/{labelled_later.uuid}/"
    watcher = sign_in(browser, asgi_server, "viewer")
    watcher.goto(url)
    watcher.wait_for_selector("#live-status[data-state=live]")
    assert watcher.locator("#label-form").count() == 0

    page = sign_in(browser, asgi_server, "responder")
    page.goto(url)
    page.click("#label-form button[type=submit]")  # empty: the API says why
    page.wait_for_selector("#label-note[data-state=error]")
    assert "at least one" in (page.text_content("#label-note") or "")

    page.fill("input[name=rca_component]", "orders-db")
    page.select_option("select[name=rca_system_level]", "application")
    page.fill("input[name=rca_fault_type]", "<b>pool exhausted</b>")
    page.click("#label-form button[type=submit]")
    page.wait_for_selector("#label-note[data-state=saved]")

    stored = in_db_thread(lambda: Incident.objects.get(pk=labelled_later.pk))
    assert (stored.rca_component, stored.rca_system_level, stored.rca_fault_type) == (
        "orders-db",
        "application",
        "<b>pool exhausted</b>",
    )
    page.wait_for_selector("#timeline tr:has-text('incident.labelled')")
