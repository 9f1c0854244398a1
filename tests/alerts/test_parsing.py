"""The pure parser: what a version-4 payload must look like, and the reason given when it does not."""

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

import pytest

from incidents.alerts.parsing import DeliveryRejected, alertmanager_payload_parse, labels_fingerprint
from tests.alerts.payloads import alert, body, webhook


def rejection_of(raw: bytes) -> DeliveryRejected:
    with pytest.raises(DeliveryRejected) as caught:
        alertmanager_payload_parse(raw)
    return caught.value


def test_a_realistic_payload_parses_into_alerts() -> None:
    payload = alertmanager_payload_parse(
        body(webhook(alert(), alert("PodCrashLooping", status="resolved", fingerprint="77aa"), group_key="gk-1"))
    )

    assert payload.group_key == "gk-1"
    assert payload.receiver == "aoi-sre"
    assert payload.external_url == "http://alertmanager.monitoring:9093"
    assert [a.fingerprint for a in payload.alerts] == ["5c0a8e1f2b3d4e6a", "77aa"]
    assert [a.status for a in payload.alerts] == ["firing", "resolved"]
    first = payload.alerts[0]
    assert first.labels == {
        "alertname": "HighErrorRate",
        "service": "checkout",
        "namespace": "shop",
        "severity": "critical",
    }
    assert first.annotations["summary"] == "HighErrorRate on checkout"
    # Go renders nanoseconds; the parser keeps microseconds.
    assert first.starts_at == datetime(2025, 3, 14, 9, 26, 53, 589793, tzinfo=UTC)
    # Go's zero time is Alertmanager's "not ended".
    assert first.ends_at is None
    assert payload.alerts[1].ends_at == datetime(2025, 3, 14, 10, 1, 53, 589000, tzinfo=UTC)
    assert first.generator_url.startswith("http://prometheus.monitoring:9090/graph")


def test_an_alert_without_fingerprint_gets_the_sha256_of_its_sorted_labels() -> None:
    raw = alert(fingerprint=None, labels={"pod": "checkout-7d9f"})

    parsed = alertmanager_payload_parse(body(webhook(raw))).alerts[0]

    expected = hashlib.sha256(json.dumps(raw["labels"], sort_keys=True, separators=(",", ":")).encode()).hexdigest()
    assert parsed.fingerprint == expected
    assert labels_fingerprint(dict(reversed(list(raw["labels"].items())))) == expected
    assert labels_fingerprint({**raw["labels"], "pod": "checkout-other"}) != expected


def test_optional_fields_may_be_absent() -> None:
    minimal = {"version": "4", "alerts": [{"status": "firing", "labels": {"alertname": "Up"}}]}

    payload = alertmanager_payload_parse(json.dumps(minimal).encode())

    assert payload.group_key == ""
    only = payload.alerts[0]
    assert (only.annotations, only.starts_at, only.ends_at, only.generator_url) == ({}, None, None, "")


def with_alert(index: int, **changes: Any) -> bytes:
    """A three-alert payload whose alert ``index`` has ``changes`` applied (``None`` removes a key)."""
    alerts = [alert("A", fingerprint="a"), alert("B", fingerprint="b"), alert("C", fingerprint="c")]
    for key, value in changes.items():
        if value is None:
            alerts[index].pop(key)
        else:
            alerts[index][key] = value
    return body(webhook(*alerts))


@pytest.mark.parametrize(
    ("raw", "status_code", "reason"),
    [
        (body(webhook(version="3")), 422, 'version: must be "4" (got "3")'),
        (body(webhook(version=4)), 422, 'version: must be "4" (got 4)'),
        (body({k: v for k, v in webhook().items() if k != "version"}), 422, 'version: must be "4" (got null)'),
        (b"[]", 422, "body: must be a JSON object"),
        (body(webhook(alerts=[])), 422, "alerts: must be a non-empty list"),
        (body(webhook(alerts={"0": alert()})), 422, "alerts: must be a non-empty list"),
        (body(webhook(alerts=[alert(), "oops"])), 422, "alerts[1]: must be an object"),
        (with_alert(2, status="pending"), 422, 'alerts[2].status: must be "firing" or "resolved"'),
        (with_alert(0, status=None), 422, 'alerts[0].status: must be "firing" or "resolved"'),
        (
            with_alert(2, labels={"alertname": "C", "replicas": 3}),
            422,
            "alerts[2].labels: must be an object of strings",
        ),
        (with_alert(1, labels=["alertname", "B"]), 422, "alerts[1].labels: must be an object of strings"),
        (with_alert(1, labels=None), 422, "alerts[1].labels: must be an object of strings"),
        (with_alert(0, labels={}), 422, "alerts[0].labels: must not be empty"),
        (with_alert(1, annotations={"summary": None}), 422, "alerts[1].annotations: must be an object of strings"),
        (
            with_alert(0, startsAt="yesterday"),
            422,
            'alerts[0].startsAt: must be an RFC 3339 timestamp with a time zone (got "yesterday")',
        ),
        (
            with_alert(0, startsAt="2025-03-14T09:26:53"),
            422,
            'alerts[0].startsAt: must be an RFC 3339 timestamp with a time zone (got "2025-03-14T09:26:53")',
        ),
        (
            with_alert(2, startsAt="2025-02-30T09:00:00Z"),
            422,
            'alerts[2].startsAt: must be an RFC 3339 timestamp with a time zone (got "2025-02-30T09:00:00Z")',
        ),
        (with_alert(1, endsAt=1741944413), 422, "alerts[1].endsAt: must be an RFC 3339 timestamp with a time zone"),
        (with_alert(1, fingerprint=42), 422, "alerts[1].fingerprint: must be a string"),
        (with_alert(1, fingerprint="f" * 129), 422, "alerts[1].fingerprint: must be at most 128 characters"),
        (with_alert(0, generatorURL=["x"]), 422, "alerts[0].generatorURL: must be a string"),
        (
            with_alert(0, labels={"alertname": "A\x00B"}),
            422,
            "alerts[0].labels.alertname: must not contain NUL characters",
        ),
        (body(webhook(groupKey=7)), 422, "groupKey: must be a string"),
        (body(webhook(status="pending")), 422, 'status: must be "firing" or "resolved"'),
        (body(webhook(truncatedAlerts=-1)), 422, "truncatedAlerts: must be a non-negative integer"),
        (b"", 400, "body: empty; expected a JSON object"),
    ],
)
def test_invalid_payloads_are_refused_with_a_reason_naming_the_field(raw: bytes, status_code: int, reason: str) -> None:
    rejection = rejection_of(raw)

    assert (rejection.status_code, rejection.reason) == (status_code, reason)


def test_an_unpaired_surrogate_is_refused_rather_than_failing_in_the_database() -> None:
    raw = body(webhook()).replace(b'"summary": "HighErrorRate', b'"summary": "\\ud800HighErrorRate')

    rejection = rejection_of(raw)

    assert (rejection.status_code, rejection.reason) == (
        422,
        "alerts[0].annotations.summary: must not contain unpaired surrogates",
    )


def test_bytes_that_are_not_utf8_are_refused_as_400() -> None:
    raw = body(webhook()).replace(b"checkout", b"check\xffout", 1)

    rejection = rejection_of(raw)

    assert (rejection.status_code, rejection.code) == (400, "not_utf8")
    assert rejection.reason.startswith("body: not valid UTF-8 (byte ")


@pytest.mark.parametrize("raw", [b'{"version": "4",', b"version=4", b'{"version": NaN}', b"[" * 100_000])
def test_text_that_is_not_json_is_refused_as_400(raw: bytes) -> None:
    rejection = rejection_of(raw)

    assert (rejection.status_code, rejection.code) == (400, "not_json")
    assert rejection.reason.startswith("body: ")
