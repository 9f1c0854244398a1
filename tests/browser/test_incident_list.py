"""The incidents list in the browser: new incidents and status changes of the person's teams appear live,
other teams' never, and filters hold while the list refreshes."""

from __future__ import annotations

from typing import Any

import pytest

from incidents.models import Incident, IncidentStatus, Team
from incidents.services.incidents import incident_transition
from tests.browser.conftest import in_db_thread, sign_in
from tests.browser.test_whole_loop import artifacts
from tests.factories import make_incident
from trajectories.audit.services import Actor

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def test_the_list_follows_new_incidents_and_status_changes_live(
    viewer: Any, team: Team, other_team: Team, asgi_server: str, browser: Any
) -> None:
    page = sign_in(browser, asgi_server, "viewer")
    page.goto(f"{asgi_server}/?severity=critical")
    page.wait_for_selector("#list-status[data-state=live]")
    assert page.locator("#incident-rows tr[data-incident]").count() == 0

    opened: Incident = in_db_thread(lambda: make_incident(team, title="disk full on db-1", severity="critical"))
    row = f"#incident-rows tr[data-incident='{opened.uuid}']"
    page.wait_for_selector(f"{row}[data-status=open]")
    in_db_thread(lambda: make_incident(team, title="a warning only", severity="warning"))  # filtered out
    in_db_thread(lambda: make_incident(other_team, title="not this team's", severity="critical"))
    in_db_thread(
        lambda: incident_transition(
            incident=opened, to_status=IncidentStatus.INVESTIGATING, actor=Actor.system("tests")
        )
    )
    page.wait_for_selector(f"{row}[data-status=investigating]")

    titles = page.eval_on_selector_all("#incident-rows tr[data-incident] a", "links => links.map(a => a.textContent)")
    assert titles == ["disk full on db-1"]
    assert page.get_attribute("#incident-list", "data-refreshed") is not None
    page.goto(f"{asgi_server}/")
    page.wait_for_selector("#list-status[data-state=live]")
    page.screenshot(path=str(artifacts() / "incidents-list.png"), full_page=True)
