"""``/metrics``: request counters by route, business gauges read from the database, the token."""

from typing import Any

import pytest
from django.test import Client
from prometheus_client.parser import text_string_to_metric_families

from incidents.models import Incident, Team
from incidents.services.incidents import incident_transition
from tests.factories import make_action, make_incident
from trajectories.audit.services import Actor


def scrape(client: Client, **headers: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    response = client.get("/metrics", headers=headers)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    samples = {}
    for family in text_string_to_metric_families(response.content.decode()):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def login_page_count(samples: dict[tuple[str, tuple[tuple[str, str], ...]], float]) -> float:
    key = ("aoi_http_requests_total", (("method", "GET"), ("route", "accounts/login/"), ("status", "200")))
    return samples.get(key, 0.0)


@pytest.mark.django_db
def test_metrics_count_requests_by_route_pattern(client: Client) -> None:
    before = login_page_count(scrape(client))

    client.get("/accounts/login/")
    client.get("/accounts/login/")

    assert login_page_count(scrape(client)) == before + 2


@pytest.mark.django_db
def test_metrics_report_open_incidents_by_status_and_pending_actions(
    client: Client, team: Team, incident: Incident, responder: Any
) -> None:
    waiting = make_incident(team, title="geo crash-looping")
    make_action(waiting, responder)
    closed = make_incident(team, title="old incident")
    for status in ("resolved", "closed"):
        closed = incident_transition(incident=closed, to_status=status, actor=Actor.system("tests"))

    samples = scrape(client)

    assert samples[("aoi_incidents", (("status", "open"),))] == 1
    assert samples[("aoi_incidents", (("status", "awaiting_approval"),))] == 1
    assert samples[("aoi_incidents", (("status", "investigating"),))] == 0
    assert samples[("aoi_incidents", (("status", "resolved"),))] == 0
    assert ("aoi_incidents", (("status", "closed"),)) not in samples
    assert samples[("aoi_actions_pending", ())] == 1


@pytest.mark.django_db
def test_metrics_with_a_token_refuse_a_scrape_without_it(client: Client, settings: Any) -> None:
    settings.AOI_METRICS_TOKEN = "scrape-secret"

    missing = client.get("/metrics")
    wrong = client.get("/metrics", headers={"Authorization": "Bearer not-the-secret"})

    assert (missing.status_code, wrong.status_code) == (401, 401)
    assert b"aoi_" not in missing.content + wrong.content
    assert "aoi_actions_pending" in {name for name, _ in scrape(client, Authorization="Bearer scrape-secret")}
