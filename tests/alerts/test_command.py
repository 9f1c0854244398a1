"""``manage.py create_alert_integration``: a token shown once and a receiver that works as printed."""

import io
import re

import pytest
import yaml
from django.core.management import CommandError, call_command
from django.test import Client

from incidents.models import AlertIntegration, Incident, Team
from incidents.services.integrations import alert_integration_for_token
from tests.alerts.payloads import body, webhook


def create(*args: str) -> str:
    out = io.StringIO()
    call_command("create_alert_integration", *args, stdout=out)
    return out.getvalue()


def test_it_prints_a_working_token_and_the_receiver_to_paste(team: Team) -> None:
    output = create("--team", "sre", "--name", "prod", "--base-url", "https://aoi.example.com/")

    match = re.search(r"^Token \(shown once, only its digest is stored\): (\S+)$", output, re.MULTILINE)
    assert match is not None
    token = match.group(1)
    integration = AlertIntegration.objects.get()
    assert (integration.team, integration.name, integration.token_prefix) == (team, "prod", token[:8])
    assert token not in integration.token_digest
    assert alert_integration_for_token(token) == integration
    config = yaml.safe_load(output[output.index("receivers:") :])
    receiver = config["receivers"][0]
    assert receiver["name"] == "aoi-sre-prod"
    webhook_config = receiver["webhook_configs"][0]
    assert webhook_config["url"] == "https://aoi.example.com/api/v1/alerts/alertmanager/"
    assert webhook_config["send_resolved"] is True
    assert webhook_config["http_config"]["authorization"] == {"type": "Bearer", "credentials": token}
    response = Client().post(
        webhook_config["url"].removeprefix("https://aoi.example.com"),
        data=body(webhook()),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert response.status_code == 200
    assert Incident.objects.get().team == team


def test_each_integration_gets_its_own_token(team: Team) -> None:
    first, second = create("--team", "sre", "--name", "a"), create("--team", "sre", "--name", "b")

    assert first.splitlines()[0] != second.splitlines()[0]
    assert AlertIntegration.objects.count() == 2


def test_an_unknown_team_is_an_error(team: Team) -> None:
    with pytest.raises(CommandError, match="No team with slug 'nope'"):
        create("--team", "nope", "--name", "prod")

    assert AlertIntegration.objects.count() == 0


def test_a_name_taken_in_the_team_is_an_error(team: Team) -> None:
    create("--team", "sre", "--name", "prod")

    with pytest.raises(CommandError, match="Team 'sre' already has an integration named 'prod'"):
        create("--team", "sre", "--name", "prod")

    assert AlertIntegration.objects.count() == 1
