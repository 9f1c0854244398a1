"""Durations and timestamps the way kubectl prints them.

``human_duration`` is apimachinery's ``duration.HumanDuration`` (the AGE column, "3 (45s ago)" restarts,
event ages); ``rfc1123z`` is Go's ``time.RFC1123Z`` layout that ``kubectl describe`` uses for start and
finish times. Timestamps arrive as the API's RFC 3339 strings ("2026-11-21T10:00:00Z").
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
# Go prints an unset metav1.Time as its zero value; describe shows it rather than skipping the line.
_GO_ZERO_TIME = "Mon, 01 Jan 0001 00:00:00 +0000"
_FRACTION = re.compile(r"\.(\d+)")


def human_duration(seconds: float) -> str:
    """kubectl's HumanDuration: about two significant figures ("45s", "5m12s", "3h4m", "2d5h", "400d").

    Like Go it truncates toward zero and forgives one second of clock skew ("0s"); anything earlier than
    that is "<invalid>".
    """
    whole = int(seconds)
    if whole < -1:
        return "<invalid>"
    if whole < 0:
        return "0s"
    if whole < 120:
        return f"{whole}s"
    minutes = whole // 60
    if minutes < 10:
        return _two_units(minutes, "m", whole % 60, "s")
    if minutes < 180:
        return f"{minutes}m"
    hours = whole // 3600
    if hours < 8:
        return _two_units(hours, "h", minutes % 60, "m")
    if hours < 48:
        return f"{hours}h"
    if hours < 24 * 8:
        return _two_units(hours // 24, "d", hours % 24, "h")
    if hours < 24 * 365 * 2:
        return f"{hours // 24}d"
    if hours < 24 * 365 * 8:
        return _two_units(hours // 24 // 365, "y", (hours // 24) % 365, "d")
    return f"{hours // 24 // 365}y"


def _two_units(major: int, major_unit: str, minor: int, minor_unit: str) -> str:
    if minor == 0:
        return f"{major}{major_unit}"
    return f"{major}{major_unit}{minor}{minor_unit}"


def parse_timestamp(value: str | None) -> datetime | None:
    """An RFC 3339 timestamp (``Z`` or an offset, optional fraction) as an aware datetime; None if unset."""
    if not value:
        return None
    text = value.strip().replace("Z", "+00:00").replace("z", "+00:00")
    # Python takes at most six fraction digits; the API's MicroTime has six, other writers nine.
    text = _FRACTION.sub(lambda match: "." + match.group(1)[:6].ljust(6, "0"), text, count=1)
    parsed = datetime.fromisoformat(text)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def seconds_between(earlier: datetime, later: datetime) -> float:
    """Seconds from ``earlier`` to ``later``; a naive datetime is taken as UTC."""
    return (_aware(later) - _aware(earlier)).total_seconds()


def age(created: str | None, now: datetime) -> str:
    """The AGE of something created at ``created``, seen at ``now``; "<unknown>" when it is unset."""
    moment = parse_timestamp(created)
    if moment is None:
        return "<unknown>"
    return human_duration(seconds_between(moment, now))


def rfc1123z(value: str | None) -> str:
    """Go's RFC1123Z layout ("Sat, 21 Nov 2026 10:00:00 +0000") in the timestamp's own offset."""
    moment = parse_timestamp(value)
    if moment is None:
        return _GO_ZERO_TIME
    offset = moment.strftime("%z") or "+0000"
    weekday = _WEEKDAYS[moment.weekday()]
    month = _MONTHS[moment.month - 1]
    return f"{weekday}, {moment.day:02d} {month} {moment.year:04d} {moment:%H:%M:%S} {offset}"


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
