"""Refused deliveries: a 4xx with a reason, no incident touched, a capped copy kept for inspection."""

import io
import json
from typing import Any

import pytest
from django.core.handlers.asgi import ASGIRequest

from incidents.alerts.views import alertmanager_webhook
from incidents.models import AlertIntegration, Incident, RejectedDelivery
from tests.alerts.payloads import alert, body, webhook
from tests.alerts.support import TOKEN, URL, ClientResponse, Deliver, database_state


@pytest.fixture
def existing(deliver: Deliver) -> Incident:
    """An incident opened by an earlier delivery, which the bad deliveries below also name."""
    assert deliver(webhook(alert())).status_code == 200
    return Incident.objects.get()


def refused_once(response: ClientResponse, *, status_code: int, reason: str) -> RejectedDelivery:
    """Check the answer and that exactly one rejection was kept, and return it."""
    assert response.status_code == status_code
    assert response.json()["detail"] == reason
    rejected = RejectedDelivery.objects.get()
    assert (rejected.status_code, rejected.reason) == (status_code, reason)
    return rejected


# A repeat of the existing incident's alert rides along in each delivery: accepting any part would change it.
def resolving(**overrides: Any) -> bytes:
    return body(webhook(alert(status="resolved"), **overrides))


AUTH_CASES: list[tuple[str, dict[str, Any], str]] = [
    ("missing", {"token": None}, "missing bearer token; send Authorization: Bearer <token>"),
    (
        "not bearer",
        {"token": None, "HTTP_AUTHORIZATION": f"Basic {TOKEN}"},
        "missing bearer token; send Authorization: Bearer <token>",
    ),
    (
        "empty bearer",
        {"token": None, "HTTP_AUTHORIZATION": "Bearer "},
        "missing bearer token; send Authorization: Bearer <token>",
    ),
    ("unknown", {"token": "aoi_not-a-real-token"}, "unknown or inactive token"),
    (
        "query string",
        {"token": None, "QUERY_STRING": f"token={TOKEN}"},
        "token in the query string refused; send it as Authorization: Bearer <token>",
    ),
    (
        "query string beside header",
        {"QUERY_STRING": f"access_token={TOKEN}"},
        "token in the query string refused; send it as Authorization: Bearer <token>",
    ),
]


@pytest.mark.parametrize(("case", "request_meta", "reason"), AUTH_CASES, ids=[c[0] for c in AUTH_CASES])
def test_a_delivery_without_a_valid_bearer_token_is_401(
    deliver: Deliver, existing: Incident, case: str, request_meta: dict[str, Any], reason: str
) -> None:
    before = database_state()

    response = deliver(resolving(), **request_meta)

    rejected = refused_once(response, status_code=401, reason=reason)
    assert response["WWW-Authenticate"] == 'Bearer realm="aoi-alertmanager"'
    assert rejected.integration is None
    assert database_state() == before


def test_an_inactive_integrations_token_is_401(
    deliver: Deliver, existing: Incident, integration: AlertIntegration
) -> None:
    AlertIntegration.objects.filter(pk=integration.pk).update(is_active=False)
    before = database_state()

    response = deliver(resolving())

    rejected = refused_once(response, status_code=401, reason="unknown or inactive token")
    assert rejected.integration is None
    assert database_state() == before


NOT_UTF8 = resolving().replace(b"checkout", b"check\xe9out", 1)
NOT_UTF8_AT = NOT_UTF8.index(b"\xe9")
BODY_CASES: list[tuple[str, bytes, int, str]] = [
    (
        "malformed json",
        b'{"version": "4", "alerts": [',
        400,
        "body: not valid JSON (Expecting value: line 1 column 29 (char 28))",
    ),
    ("wrong version", resolving(version="3"), 422, 'version: must be "4" (got "3")'),
    ("no alerts", resolving(alerts=[]), 422, "alerts: must be a non-empty list"),
    (
        "labels not strings",
        body(webhook(alert(status="resolved"), alert("B", labels={"replicas": 3}))),
        422,
        "alerts[1].labels: must be an object of strings",
    ),
    (
        "bad status",
        body(webhook(alert(status="resolved"), alert("B", status="pending"))),
        422,
        'alerts[1].status: must be "firing" or "resolved"',
    ),
    (
        "bad startsAt",
        body(webhook(alert(status="resolved", starts_at="soon"))),
        422,
        'alerts[0].startsAt: must be an RFC 3339 timestamp with a time zone (got "soon")',
    ),
    ("not utf-8", NOT_UTF8, 400, f"body: not valid UTF-8 (byte {NOT_UTF8_AT}: invalid continuation byte)"),
]


@pytest.mark.parametrize(("case", "raw", "status_code", "reason"), BODY_CASES, ids=[c[0] for c in BODY_CASES])
def test_a_body_that_is_not_a_v4_payload_is_refused_and_kept(
    deliver: Deliver,
    existing: Incident,
    integration: AlertIntegration,
    case: str,
    raw: bytes,
    status_code: int,
    reason: str,
) -> None:
    before = database_state()

    response = deliver(raw, REMOTE_ADDR="10.1.2.3")

    rejected = refused_once(response, status_code=status_code, reason=reason)
    assert rejected.integration == integration
    assert (bytes(rejected.body_excerpt), rejected.body_size) == (raw, len(raw))
    assert (rejected.content_type, rejected.remote_addr) == ("application/json", "10.1.2.3")
    assert database_state() == before


@pytest.mark.parametrize(
    ("content_type", "reason"),
    [
        ("text/plain", "Content-Type: must be application/json (got text/plain)"),
        (
            "application/x-www-form-urlencoded",
            "Content-Type: must be application/json (got application/x-www-form-urlencoded)",
        ),
        ("", "Content-Type: must be application/json (got none)"),
        ("application/json; charset=latin-1", "Content-Type: charset must be utf-8 (got latin-1)"),
    ],
)
def test_a_body_that_is_not_declared_json_is_415(
    deliver: Deliver, existing: Incident, integration: AlertIntegration, content_type: str, reason: str
) -> None:
    before = database_state()

    response = deliver(resolving(), content_type=content_type)

    rejected = refused_once(response, status_code=415, reason=reason)
    assert (rejected.integration, rejected.content_type) == (integration, content_type)
    assert bytes(rejected.body_excerpt) == resolving()
    assert database_state() == before


def test_an_oversized_body_is_413_and_only_its_head_is_kept(
    deliver: Deliver, existing: Incident, integration: AlertIntegration, settings: Any
) -> None:
    settings.AOI_ALERT_MAX_BODY_BYTES = 2048
    settings.AOI_REJECTED_DELIVERY_BODY_BYTES = 100
    raw = resolving(commonAnnotations={"padding": "x" * 2048})
    before = database_state()

    response = deliver(raw)

    rejected = refused_once(response, status_code=413, reason=f"body: {len(raw)} bytes, over the limit of 2048")
    assert rejected.integration == integration
    assert (bytes(rejected.body_excerpt), rejected.body_size) == (raw[:100], len(raw))
    assert database_state() == before


def test_a_body_at_the_limit_is_accepted(deliver: Deliver, settings: Any) -> None:
    raw = body(webhook(alert()))
    settings.AOI_ALERT_MAX_BODY_BYTES = len(raw)

    response = deliver(raw)

    assert response.status_code == 200
    assert RejectedDelivery.objects.count() == 0


def asgi_request(raw: bytes, *, declared: bool) -> tuple[ASGIRequest, io.BytesIO]:
    """A request as the ASGI server hands it over, with or without a declared length."""
    headers = [(b"content-type", b"application/json"), (b"authorization", f"Bearer {TOKEN}".encode())]
    if declared:
        headers.append((b"content-length", str(len(raw)).encode()))
    stream = io.BytesIO(raw)
    scope = {"type": "http", "method": "POST", "path": URL, "headers": headers, "client": ("10.9.8.7", 40000)}
    return ASGIRequest(scope, stream), stream


def test_a_declared_oversized_body_is_refused_before_it_is_read(existing: Incident, settings: Any) -> None:
    settings.AOI_ALERT_MAX_BODY_BYTES = 2048
    settings.AOI_REJECTED_DELIVERY_BODY_BYTES = 64
    raw = resolving(commonAnnotations={"padding": "x" * 100_000})
    request, stream = asgi_request(raw, declared=True)
    before = database_state()

    response = alertmanager_webhook(request)

    assert response.status_code == 413
    assert stream.tell() == 64
    rejected = RejectedDelivery.objects.get()
    assert (rejected.body_size, rejected.remote_addr, bytes(rejected.body_excerpt)) == (len(raw), "10.9.8.7", raw[:64])
    assert database_state() == before


def test_an_oversized_body_without_declared_length_is_refused_on_what_arrives(
    existing: Incident, settings: Any
) -> None:
    settings.AOI_ALERT_MAX_BODY_BYTES = 2048
    raw = resolving(commonAnnotations={"padding": "x" * 100_000})
    request, stream = asgi_request(raw, declared=False)
    before = database_state()

    response = alertmanager_webhook(request)

    assert response.status_code == 413
    assert json.loads(response.content)["detail"] == "body: over the limit of 2048 bytes"
    assert stream.tell() == 2049
    assert RejectedDelivery.objects.get().body_size == 2049
    assert database_state() == before


def test_an_undeclared_length_body_within_the_limit_is_accepted(existing: Incident) -> None:
    request, _ = asgi_request(resolving(), declared=False)

    response = alertmanager_webhook(request)

    assert response.status_code == 200
    existing.refresh_from_db()
    assert existing.status == "resolved"


def test_only_the_newest_rejections_are_kept(deliver: Deliver, existing: Incident, settings: Any) -> None:
    settings.AOI_REJECTED_DELIVERY_KEEP = 3
    before = database_state()

    for version in ("0", "1", "2", "3", "5"):
        assert deliver(resolving(version=version)).status_code == 422

    kept = RejectedDelivery.objects.order_by("pk").values_list("reason", flat=True)
    assert list(kept) == [f'version: must be "4" (got "{v}")' for v in ("2", "3", "5")]
    assert database_state() == before


def test_a_rejection_after_accepted_deliveries_leaves_their_incidents_exactly_as_they_were(
    deliver: Deliver, existing: Incident
) -> None:
    deliver(webhook(alert("Second", fingerprint="second")))
    before = database_state()
    half_good = webhook(
        alert(status="resolved"),
        alert("Second", fingerprint="second", status="resolved"),
        alert("Third", fingerprint="third"),
        alert("Bad", labels={"n": 1}),
    )

    response = deliver(half_good)

    assert response.status_code == 422
    assert database_state() == before
    assert sorted(Incident.objects.values_list("fingerprint", "status", "alert_count")) == [
        ("5c0a8e1f2b3d4e6a", "open", 1),
        ("second", "open", 1),
    ]
