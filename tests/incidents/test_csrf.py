"""Session-authenticated unsafe requests need the CSRF token; token-authenticated API clients do not."""

from typing import Any

import pytest
from django.test import Client
from rest_framework.test import APIClient

from incidents.models import Approval, Incident
from tests.factories import PASSWORD, make_action


def _signed_in(user: Any) -> Client:
    client = Client(enforce_csrf_checks=True)
    assert client.login(username=user.get_username(), password=PASSWORD)
    return client


def _csrf_token(client: Client) -> str:
    client.get("/accounts/login/")  # any page with a form sets the cookie
    return str(client.cookies["csrftoken"].value)


def test_a_session_post_without_csrf_token_is_refused(incident: Incident, responder: Any, approver: Any) -> None:
    action = make_action(incident, responder)
    client = _signed_in(approver)

    response = client.post(
        f"/api/v1/actions/{action.uuid}/approve/", {"action_hash": action.action_hash}, content_type="application/json"
    )

    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]
    assert Approval.objects.count() == 0


def test_a_session_post_with_the_csrf_token_goes_through(incident: Incident, responder: Any, approver: Any) -> None:
    action = make_action(incident, responder)
    client = _signed_in(approver)
    token = _csrf_token(client)

    response = client.post(
        f"/api/v1/actions/{action.uuid}/approve/",
        {"action_hash": action.action_hash},
        content_type="application/json",
        headers={"X-CSRFToken": token},
    )

    assert response.status_code == 200
    assert Approval.objects.count() == 1


@pytest.mark.parametrize("path", ["/api/v1/incidents/{u}/transition/", "/api/v1/incidents/{u}/label/"])
def test_every_session_mutation_checks_csrf(incident: Incident, responder: Any, path: str) -> None:
    response = _signed_in(responder).post(
        path.format(u=incident.uuid), {"status": "investigating", "rca_component": "x"}, content_type="application/json"
    )

    assert response.status_code == 403
    incident.refresh_from_db()
    assert (incident.status, incident.rca_component) == ("open", "")


def test_token_clients_need_no_csrf_token(api: Any, incident: Incident, responder: Any) -> None:
    client: APIClient = api(responder)
    client.enforce_csrf_checks = True

    response = client.post(f"/api/v1/incidents/{incident.uuid}/transition/", {"status": "investigating"}, format="json")

    assert response.status_code == 200


def test_the_login_form_needs_the_csrf_token(responder: Any) -> None:
    response = Client(enforce_csrf_checks=True).post(
        "/accounts/login/", {"username": "responder", "password": PASSWORD}
    )

    assert response.status_code == 403
