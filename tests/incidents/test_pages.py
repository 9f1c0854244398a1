"""The server-rendered pages: sign-in required, only visible incidents, everything escaped."""

from typing import Any

from django.test import Client

from incidents.models import Incident
from tests.factories import make_action, make_incident


def test_pages_require_sign_in(incident: Incident) -> None:
    for path in ("/", f"/incidents/{incident.uuid}/"):
        response = Client().get(path)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")


def test_home_lists_the_users_incidents_and_pending_approvals(
    client: Client, incident: Incident, responder: Any, approver: Any
) -> None:
    make_action(incident, responder)
    client.force_login(approver)

    page = client.get("/").content.decode()

    assert incident.title in page
    assert '<strong id="pending-approvals">1</strong>' in page


def test_an_incident_of_another_team_is_not_found(
    client: Client, incident: Incident, outsider: Any, other_team: Any
) -> None:
    client.force_login(outsider)

    assert client.get(f"/incidents/{incident.uuid}/").status_code == 404
    assert incident.title not in client.get("/").content.decode()


def test_text_from_alerts_is_escaped(client: Client, team: Any, viewer: Any) -> None:
    hostile = make_incident(team, title="<script>alert(1)</script>", labels={"pod": "<img src=x onerror=alert(1)>"})
    client.force_login(viewer)

    page = client.get(f"/incidents/{hostile.uuid}/").content.decode()

    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<img src=x" not in page
