"""Accepted deliveries: one incident per fingerprint per team, updated, resolved and reopened by alerts."""

from datetime import UTC, datetime

import pytest
from django.test import Client

from incidents.models import AlertIntegration, Incident, IncidentStatus, Team
from incidents.services.incidents import incident_transition
from incidents.services.integrations import alert_integration_create
from tests.alerts.payloads import alert, body, webhook
from tests.alerts.support import TOKEN, URL, Deliver
from tests.factories import make_team
from trajectories.audit.services import Actor
from trajectories.models import AuditEvent

FINGERPRINT = "5c0a8e1f2b3d4e6a"


def summary(**counts: int) -> dict[str, int]:
    return {"created": 0, "updated": 0, "resolved": 0, "reopened": 0, "ignored": 0, **counts}


def counts_of(response_json: dict[str, object]) -> dict[str, object]:
    return {k: v for k, v in response_json.items() if k != "incidents"}


def test_a_firing_alert_opens_an_incident(deliver: Deliver, team: Team, integration: AlertIntegration) -> None:
    response = deliver(webhook(alert(), group_key='{}/{}:{alertname="HighErrorRate"}'))

    assert response.status_code == 200
    incident = Incident.objects.get()
    assert response.json() == {**summary(created=1), "incidents": [str(incident.uuid)]}
    assert incident.team == team
    assert (incident.status, incident.source, incident.alert_count) == ("open", "alertmanager", 1)
    assert (incident.fingerprint, incident.group_key) == (FINGERPRINT, '{}/{}:{alertname="HighErrorRate"}')
    assert incident.title == "HighErrorRate on checkout"
    assert incident.description == "5xx ratio above 5% for 10 minutes."
    assert (incident.severity, incident.application, incident.namespace) == ("critical", "checkout", "shop")
    assert incident.starts_at == datetime(2025, 3, 14, 9, 26, 53, 589793, tzinfo=UTC)
    assert incident.labels["alertname"] == "HighErrorRate"
    assert incident.annotations["summary"] == "HighErrorRate on checkout"
    assert list(incident.events.values_list("seq", "type")) == [(1, "incident.created"), (2, "alert.received")]
    integration.refresh_from_db()
    assert integration.last_delivery_at is not None


def test_each_accepted_alert_is_audited_and_logged_on_its_incident(deliver: Deliver) -> None:
    deliver(webhook(alert(), group_key="gk-1"))
    deliver(webhook(alert(status="resolved"), group_key="gk-1"))

    incident = Incident.objects.get()
    audited = AuditEvent.objects.filter(verb="alert.received").order_by("seq")
    assert [(e.actor_type, e.actor_label, e.object_type, e.object_id) for e in audited] == [
        ("system", "alertmanager", "incident", str(incident.uuid)),
        ("system", "alertmanager", "incident", str(incident.uuid)),
    ]
    assert [e.payload for e in audited] == [
        {
            "fingerprint": FINGERPRINT,
            "status": "firing",
            "group_key": "gk-1",
            "outcome": "created",
            "alertname": "HighErrorRate",
            "team": "sre",
            "integration": "prod-alertmanager",
        },
        {
            "fingerprint": FINGERPRINT,
            "status": "resolved",
            "group_key": "gk-1",
            "outcome": "resolved",
            "alertname": "HighErrorRate",
            "team": "sre",
            "integration": "prod-alertmanager",
        },
    ]
    received = incident.events.filter(type="alert.received").order_by("seq")
    assert [(e.payload["status"], e.payload["outcome"], e.payload["group_key"]) for e in received] == [
        ("firing", "created", "gk-1"),
        ("resolved", "resolved", "gk-1"),
    ]
    assert received[1].payload["ends_at"] == "2025-03-14T10:01:53.589000+00:00"


def test_a_repeated_delivery_updates_the_incident_and_never_duplicates_it(deliver: Deliver) -> None:
    first = deliver(webhook(alert(), group_key="gk-1"))
    second = deliver(webhook(alert(annotations={"summary": "now 9%"}), group_key="gk-2"))
    third = deliver(webhook(alert(), group_key="gk-2"))

    incident = Incident.objects.get()
    assert counts_of(first.json()) == summary(created=1)
    assert second.json() == {**summary(updated=1), "incidents": [str(incident.uuid)]}
    assert counts_of(third.json()) == summary(updated=1)
    assert (incident.alert_count, incident.status, incident.group_key) == (3, "open", "gk-2")
    assert incident.annotations["summary"] == "HighErrorRate on checkout"
    assert incident.title == "HighErrorRate on checkout"
    assert incident.events.filter(type="alert.received").count() == 3
    assert AuditEvent.objects.filter(verb="incident.created").count() == 1


def test_a_repeat_brings_the_latest_annotations(deliver: Deliver) -> None:
    deliver(webhook(alert()))
    deliver(webhook(alert(annotations={"summary": "now 9%", "runbook_url": "https://runbooks/x"})))

    incident = Incident.objects.get()
    assert incident.annotations["summary"] == "now 9%"
    assert incident.annotations["runbook_url"] == "https://runbooks/x"


def test_a_resolved_alert_resolves_its_incident(deliver: Deliver) -> None:
    deliver(webhook(alert()))

    response = deliver(webhook(alert(status="resolved")))

    incident = Incident.objects.get()
    assert counts_of(response.json()) == summary(resolved=1)
    assert (incident.status, incident.alert_count) == ("resolved", 2)
    assert incident.resolved_at is not None
    transition = AuditEvent.objects.get(verb="incident.transitioned", object_id=str(incident.uuid))
    assert transition.actor_label == "alertmanager"
    assert transition.payload == {"from": "open", "to": "resolved", "reason": "resolved by Alertmanager"}
    assert list(incident.events.values_list("type", flat=True)) == [
        "incident.created",
        "alert.received",
        "alert.received",
        "incident.status_changed",
    ]


@pytest.mark.parametrize("status", ["investigating", "awaiting_approval", "mitigating"])
def test_a_resolved_alert_resolves_an_incident_under_investigation_too(deliver: Deliver, status: str) -> None:
    deliver(webhook(alert()))
    incident = Incident.objects.get()
    Incident.objects.filter(pk=incident.pk).update(status=status)

    response = deliver(webhook(alert(status="resolved")))

    assert counts_of(response.json()) == summary(resolved=1)
    incident.refresh_from_db()
    assert incident.status == "resolved"


def test_a_resolved_alert_for_a_resolved_incident_only_updates_it(deliver: Deliver) -> None:
    deliver(webhook(alert()))
    deliver(webhook(alert(status="resolved")))

    response = deliver(webhook(alert(status="resolved")))

    incident = Incident.objects.get()
    assert counts_of(response.json()) == summary(updated=1)
    assert (incident.status, incident.alert_count) == ("resolved", 3)
    assert AuditEvent.objects.filter(verb="incident.transitioned").count() == 1


def test_firing_again_after_resolution_reopens_the_same_incident(deliver: Deliver) -> None:
    deliver(webhook(alert()))
    deliver(webhook(alert(status="resolved")))

    response = deliver(webhook(alert()))

    incident = Incident.objects.get()
    assert response.json() == {**summary(reopened=1), "incidents": [str(incident.uuid)]}
    assert (incident.status, incident.alert_count) == ("open", 3)
    transitions = AuditEvent.objects.filter(verb="incident.transitioned").order_by("seq")
    assert [(e.payload["from"], e.payload["to"]) for e in transitions] == [("open", "resolved"), ("resolved", "open")]


def test_a_resolved_alert_for_an_unknown_fingerprint_creates_nothing(
    deliver: Deliver, integration: AlertIntegration
) -> None:
    response = deliver(webhook(alert(status="resolved")))

    assert response.json() == {**summary(ignored=1), "incidents": []}
    assert Incident.objects.count() == 0
    audited = AuditEvent.objects.get(verb="alert.received")
    assert (audited.object_type, audited.object_id) == ("alert_integration", str(integration.pk))
    assert (audited.payload["outcome"], audited.payload["fingerprint"]) == ("ignored", FINGERPRINT)


def test_a_closed_incident_is_not_reused_by_a_new_alert(deliver: Deliver) -> None:
    deliver(webhook(alert()))
    old = Incident.objects.get()
    incident_transition(incident=old, to_status=IncidentStatus.RESOLVED, actor=Actor.system("tests"))
    incident_transition(incident=old, to_status=IncidentStatus.CLOSED, actor=Actor.system("tests"))

    ignored = deliver(webhook(alert(status="resolved")))
    created = deliver(webhook(alert()))

    assert counts_of(ignored.json()) == summary(ignored=1)
    assert counts_of(created.json()) == summary(created=1)
    assert Incident.objects.filter(fingerprint=FINGERPRINT).count() == 2
    old.refresh_from_db()
    assert (old.status, old.alert_count) == ("closed", 1)


def test_a_ten_alert_delivery_opens_ten_incidents_and_a_repeat_updates_them(deliver: Deliver) -> None:
    alerts = [alert(f"Alert{n}", fingerprint=f"fp{n:02d}") for n in range(10)]

    first = deliver(webhook(*alerts))
    again = [alert(f"Alert{n}", fingerprint=f"fp{n:02d}", status="resolved" if n < 3 else "firing") for n in range(10)]
    second = deliver(webhook(*again))

    assert counts_of(first.json()) == summary(created=10)
    assert first.json()["incidents"] == [
        str(u) for u in Incident.objects.order_by("fingerprint").values_list("uuid", flat=True)
    ]
    assert counts_of(second.json()) == summary(updated=7, resolved=3)
    assert Incident.objects.count() == 10
    assert sorted(Incident.objects.values_list("fingerprint", "status", "alert_count")) == [
        (f"fp{n:02d}", "resolved" if n < 3 else "open", 2) for n in range(10)
    ]
    assert AuditEvent.objects.filter(verb="alert.received").count() == 20


def test_the_same_fingerprint_twice_in_one_delivery_is_one_incident(deliver: Deliver) -> None:
    response = deliver(webhook(alert(), alert()))

    incident = Incident.objects.get()
    assert response.json() == {**summary(created=1, updated=1), "incidents": [str(incident.uuid)]}
    assert incident.alert_count == 2


def test_alerts_without_fingerprint_are_deduplicated_on_their_labels(deliver: Deliver) -> None:
    deliver(webhook(alert(fingerprint=None)))
    response = deliver(webhook(alert(fingerprint=None)))

    incident = Incident.objects.get()
    assert counts_of(response.json()) == summary(updated=1)
    assert len(incident.fingerprint) == 64
    assert incident.alert_count == 2


def test_the_same_fingerprint_from_another_team_opens_that_teams_own_incident(
    deliver: Deliver, team: Team, other_team: Team
) -> None:
    alert_integration_create(team=other_team, name="payments-am", actor=Actor.system("tests"), token="aoi_payments")
    deliver(webhook(alert()))

    response = deliver(webhook(alert()), token="aoi_payments")

    assert counts_of(response.json()) == summary(created=1)
    assert sorted(Incident.objects.values_list("team__slug", "alert_count")) == [("payments", 1), ("sre", 1)]


def test_the_webhook_needs_no_session_and_no_csrf_token(integration: AlertIntegration) -> None:
    client = Client(enforce_csrf_checks=True)

    response = client.post(
        URL, data=body(webhook()), content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {TOKEN}"
    )

    assert response.status_code == 200
    assert Incident.objects.count() == 1


def test_the_bearer_scheme_is_case_insensitive_and_charset_utf8_is_accepted(deliver: Deliver) -> None:
    response = deliver(
        webhook(), token=None, content_type="application/json; charset=UTF-8", HTTP_AUTHORIZATION=f"bearer {TOKEN}"
    )

    assert response.status_code == 200
    assert Incident.objects.count() == 1


def test_only_post_is_allowed(integration: AlertIntegration) -> None:
    response = Client().get(URL, HTTP_AUTHORIZATION=f"Bearer {TOKEN}")

    assert response.status_code == 405
    assert Incident.objects.count() == 0


def test_an_alert_for_a_team_with_incidents_leaves_the_others_alone(deliver: Deliver, incident: Incident) -> None:
    before = Incident.objects.values().get(pk=incident.pk)

    deliver(webhook(alert()))

    assert Incident.objects.values().get(pk=incident.pk) == before
    assert Incident.objects.count() == 2


def test_an_integration_of_another_team_cannot_touch_this_teams_incident(deliver: Deliver) -> None:
    deliver(webhook(alert()))
    other = make_team("search")
    alert_integration_create(team=other, name="search-am", actor=Actor.system("tests"), token="aoi_search")

    response = deliver(webhook(alert(status="resolved")), token="aoi_search")

    assert counts_of(response.json()) == summary(ignored=1)
    assert Incident.objects.get().status == "open"
