"""The incidents list page: what each person sees, the filters, search and pages, a constant number of
queries whatever the number of incidents, and pages that keep the strict Content-Security-Policy."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from incidents.models import Incident, IncidentStatus, Team
from incidents.services.incidents import incident_transition
from tests.factories import make_incident
from trajectories.audit.services import Actor

pytestmark = pytest.mark.django_db


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _titles(client: Client, query: str = "") -> list[str]:
    response = client.get(f"/?{query}")
    assert response.status_code == 200
    return re.findall(r'<a href="/incidents/[0-9a-f-]+/">([^<]*)</a>', response.content.decode())


@pytest.fixture
def incidents(team: Team, other_team: Team) -> dict[str, Incident]:
    made = {
        "db": make_incident(team, title="db latency", severity="critical", application="orders", namespace="shop"),
        "cache": make_incident(team, title="cache misses", severity="warning", application="cart", namespace="shop"),
        "pay": make_incident(other_team, title="payments down", severity="critical", application="payments"),
    }
    incident_transition(incident=made["cache"], to_status=IncidentStatus.INVESTIGATING, actor=Actor.system("tests"))
    Incident.objects.filter(pk=made["db"].pk).update(created_at=timezone.now() - timedelta(days=3))
    return made


def test_people_see_their_teams_incidents_only(incidents: dict[str, Incident], viewer: Any, outsider: Any) -> None:
    assert sorted(_titles(_client(viewer))) == ["cache misses", "db latency"]
    assert _titles(_client(outsider)) == ["payments down"]
    assert Client().get("/").status_code == 302  # to the login page


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("status=investigating", ["cache misses"]),
        ("severity=critical", ["db latency"]),
        ("team=sre", ["cache misses", "db latency"]),
        ("team=payments", []),  # another team's incidents stay hidden, filter or not
        ("application=orders", ["db latency"]),
        ("q=LATENCY", ["db latency"]),
        ("q=cache+shop", ["cache misses"]),
        ("q=nothing-like-it", []),
        (f"from={(timezone.now() - timedelta(days=1)).date()}", ["cache misses"]),
        (f"to={(timezone.now() - timedelta(days=2)).date()}", ["db latency"]),
        ("from=not-a-date", ["cache misses", "db latency"]),  # a bad date is no filter, never an error
    ],
)
def test_filters_and_search(incidents: dict[str, Incident], viewer: Any, query: str, expected: list[str]) -> None:
    assert sorted(_titles(_client(viewer), query)) == expected


def test_pages_of_fifty_keep_the_filters(team: Team, viewer: Any) -> None:
    for index in range(55):
        make_incident(team, title=f"incident {index:02d}", severity="high")
    client = _client(viewer)

    first = client.get("/?severity=high").content.decode()
    second = _titles(client, "severity=high&page=2")

    assert len(re.findall(r"<tr data-incident=", first)) == 50
    assert 'href="?severity=high&amp;page=2"' in first
    assert second == [f"incident {index:02d}" for index in range(4, -1, -1)]
    assert "Page 2 of 2 · 55 incidents" in client.get("/?severity=high&page=2").content.decode()
    assert len(_titles(client, "severity=high&page=99")) == 5  # past the end: the last page


def test_the_rows_fragment_is_the_table_alone(incidents: dict[str, Incident], viewer: Any) -> None:
    html = _client(viewer).get("/?rows=1&severity=critical").content.decode()
    assert "<html" not in html
    assert html.count("<tr data-incident=") == 1


def _queries(client: Client) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get("/").status_code == 200
    return len(captured)


def test_the_number_of_queries_does_not_grow_with_the_incidents(team: Team, viewer: Any) -> None:
    client = _client(viewer)
    for index in range(3):
        make_incident(team, title=f"few {index}")
    few = _queries(client)
    for index in range(60):
        make_incident(team, title=f"many {index}")
    assert _queries(client) == few


@pytest.mark.parametrize("path", ["/", "/accounts/login/"])
def test_pages_send_a_strict_policy_and_carry_no_inline_code(
    incidents: dict[str, Incident], viewer: Any, path: str
) -> None:
    response = _client(viewer).get(path)
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "style-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy
    assert response["X-Frame-Options"] == "DENY"
    html = response.content.decode()
    assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", html) == []
    assert "<style" not in html
    assert re.findall(r"\son[a-z]+=", html) == []
    assert re.findall(r"\sstyle=", html) == []


def test_the_incident_page_carries_no_inline_code_either(incidents: dict[str, Incident], viewer: Any) -> None:
    html = _client(viewer).get(f"/incidents/{incidents['db'].uuid}/").content.decode()
    assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", html) == []
    assert "<style" not in html
    assert re.findall(r"\son[a-z]+=", html) == []
