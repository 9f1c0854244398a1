"""Fixtures for alert ingestion: an integration of the ``sre`` team and a client that delivers to it."""

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from incidents.models import AlertIntegration, Team
from incidents.services.integrations import alert_integration_create
from tests.alerts.payloads import body
from tests.alerts.support import TOKEN, URL, ClientResponse, Deliver
from trajectories.audit.services import Actor


@pytest.fixture
def integration(team: Team) -> AlertIntegration:
    created, _ = alert_integration_create(team=team, name="prod-alertmanager", actor=Actor.system("tests"), token=TOKEN)
    return created


@pytest.fixture
def deliver(integration: AlertIntegration) -> Deliver:
    """``deliver(payload_or_bytes, token=..., content_type=...)``: POST it as Alertmanager would."""
    assert reverse("alertmanager-webhook") == URL
    client = Client()

    def post(
        data: dict[str, Any] | bytes, *, token: str | None = TOKEN, content_type: str = "application/json", **meta: Any
    ) -> ClientResponse:
        raw = data if isinstance(data, bytes) else body(data)
        if token is not None:
            meta.setdefault("HTTP_AUTHORIZATION", f"Bearer {token}")
        return client.post(URL, data=raw, content_type=content_type, **meta)

    return post
