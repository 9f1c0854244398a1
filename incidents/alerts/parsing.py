"""Parse and validate an Alertmanager webhook body (payload version 4) into dataclasses.

Pure: no ORM, no settings. Every refusal raises ``DeliveryRejected`` with a reason that names the
offending field (``alerts[2].labels: must be an object of strings``), so the sender can fix it.
The whole payload is checked before anything is returned: a delivery is accepted or refused whole.
"""

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NoReturn

from django.utils.dateparse import parse_datetime

ALERT_STATUSES = ("firing", "resolved")
PAYLOAD_VERSION = "4"
# The model's column width; Alertmanager's own fingerprints are 16 hex characters.
FINGERPRINT_MAX_LENGTH = 128


class DeliveryRejected(Exception):
    """A webhook delivery refused before it changed anything. ``status_code`` is the HTTP answer,
    ``code`` a stable machine-readable name, ``received`` the bytes read so far when the caller
    could not otherwise keep them (an oversized body)."""

    def __init__(self, reason: str, *, status_code: int, code: str, received: bytes | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status_code = status_code
        self.code = code
        self.received = received


@dataclass(frozen=True)
class Alert:
    """One alert of a delivery. ``fingerprint`` is Alertmanager's, or a hash of the labels."""

    status: str
    labels: dict[str, str]
    annotations: dict[str, str]
    fingerprint: str
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    generator_url: str = ""


@dataclass(frozen=True)
class AlertmanagerPayload:
    """A validated version-4 delivery: always at least one alert."""

    alerts: tuple[Alert, ...]
    group_key: str = ""
    receiver: str = ""
    status: str = ""
    external_url: str = ""
    truncated_alerts: int = 0


def labels_fingerprint(labels: dict[str, str]) -> str:
    """SHA-256 of the sorted labels: the identity of an alert that came without a fingerprint.
    Alertmanager's own fingerprint is a hash of the label set too, so the two agree on identity."""
    canonical = json.dumps(labels, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def alertmanager_payload_parse(body: bytes) -> AlertmanagerPayload:
    """Decode ``body`` (UTF-8 JSON) and validate it as an Alertmanager version-4 payload.

    Raises ``DeliveryRejected``: 400 for bytes that are not UTF-8 or not JSON, 422 for JSON that is
    not a version-4 payload."""
    document = _json_decode(body)
    if not isinstance(document, dict):
        _invalid("body", "must be a JSON object")
    if document.get("version") != PAYLOAD_VERSION:
        _invalid("version", f'must be "{PAYLOAD_VERSION}" (got {_shown(document.get("version"))})')
    raw_alerts = document.get("alerts")
    if not isinstance(raw_alerts, list) or not raw_alerts:
        _invalid("alerts", "must be a non-empty list")
    alerts = tuple(_alert(raw, f"alerts[{index}]") for index, raw in enumerate(raw_alerts))
    status = _optional_str(document, "status", "status")
    if status and status not in ALERT_STATUSES:
        _invalid("status", 'must be "firing" or "resolved"')
    truncated = document.get("truncatedAlerts", 0)
    if isinstance(truncated, bool) or not isinstance(truncated, int) or truncated < 0:
        _invalid("truncatedAlerts", "must be a non-negative integer")
    return AlertmanagerPayload(
        alerts=alerts,
        group_key=_optional_str(document, "groupKey", "groupKey"),
        receiver=_optional_str(document, "receiver", "receiver"),
        status=status,
        external_url=_optional_str(document, "externalURL", "externalURL"),
        truncated_alerts=truncated,
    )


def _json_decode(body: bytes) -> Any:
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise DeliveryRejected(
            f"body: not valid UTF-8 (byte {exc.start}: {exc.reason})", status_code=400, code="not_utf8"
        ) from exc
    if not text.strip():
        raise DeliveryRejected("body: empty; expected a JSON object", status_code=400, code="not_json")
    try:
        return json.loads(text, parse_constant=_refuse_constant)
    except ValueError as exc:
        raise DeliveryRejected(f"body: not valid JSON ({exc})", status_code=400, code="not_json") from exc
    except RecursionError as exc:
        raise DeliveryRejected("body: JSON nested too deeply", status_code=400, code="not_json") from exc


def _refuse_constant(name: str) -> NoReturn:
    # Python's json accepts NaN and Infinity; JSON does not, and PostgreSQL's jsonb refuses them.
    raise ValueError(f"{name} is not a JSON value")


def _shown(value: Any) -> str:
    """The offending value for a reason, cut short: the reason is echoed and stored."""
    text = json.dumps(value, ensure_ascii=True)
    return text if len(text) <= 60 else f"{text[:57]}..."


def _invalid(path: str, message: str) -> NoReturn:
    raise DeliveryRejected(f"{path}: {message}", status_code=422, code="invalid_payload")


def _alert(raw: Any, path: str) -> Alert:
    if not isinstance(raw, dict):
        _invalid(path, "must be an object")
    status = raw.get("status")
    if status not in ALERT_STATUSES:
        _invalid(f"{path}.status", 'must be "firing" or "resolved"')
    labels = _string_map(raw.get("labels"), f"{path}.labels", required=True)
    if not labels:
        _invalid(f"{path}.labels", "must not be empty")
    fingerprint = _optional_str(raw, "fingerprint", f"{path}.fingerprint") or labels_fingerprint(labels)
    if len(fingerprint) > FINGERPRINT_MAX_LENGTH:
        _invalid(f"{path}.fingerprint", f"must be at most {FINGERPRINT_MAX_LENGTH} characters")
    return Alert(
        status=status,
        labels=labels,
        annotations=_string_map(raw.get("annotations"), f"{path}.annotations", required=False),
        fingerprint=fingerprint,
        starts_at=_timestamp(raw, "startsAt", path),
        ends_at=_timestamp(raw, "endsAt", path),
        generator_url=_optional_str(raw, "generatorURL", f"{path}.generatorURL"),
    )


def _string_map(value: Any, path: str, *, required: bool) -> dict[str, str]:
    if value is None and not required:
        return {}
    if not isinstance(value, dict) or not all(isinstance(item, str) for item in value.values()):
        _invalid(path, "must be an object of strings")
    for key, item in value.items():
        _storable(key, f"{path} (a key)")
        _storable(item, f"{path}.{key}")
    return dict(value)


def _optional_str(container: dict[str, Any], key: str, path: str) -> str:
    value = container.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        _invalid(path, "must be a string")
    _storable(value, path)
    return value


def _storable(value: str, path: str) -> None:
    # JSON may spell characters that no database column can hold (PostgreSQL refuses NUL in text
    # and jsonb; an unpaired surrogate is not encodable at all): refuse them here, not with a 500.
    if "\x00" in value:
        _invalid(path, "must not contain NUL characters")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        _invalid(path, "must not contain unpaired surrogates")


def _timestamp(raw: dict[str, Any], key: str, path: str) -> datetime | None:
    value = raw.get(key)
    if value is None or value == "":
        return None
    problem = "must be an RFC 3339 timestamp with a time zone"
    if not isinstance(value, str):
        _invalid(f"{path}.{key}", problem)
    try:
        parsed = parse_datetime(value)
    except ValueError:
        parsed = None
    if parsed is None or parsed.tzinfo is None:
        _invalid(f"{path}.{key}", f"{problem} (got {_shown(value)})")
    # Go's zero time is how Alertmanager says "not set" (endsAt of a firing alert, often).
    return None if parsed.year == 1 else parsed
