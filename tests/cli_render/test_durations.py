"""kubectl's HumanDuration, AGE and RFC1123Z timestamps."""

from datetime import datetime

import pytest

from agents.cli.durations import age, human_duration, parse_timestamp, rfc1123z
from tests.cli_render import NOW


@pytest.mark.parametrize(
    ("seconds", "expected"),
    [
        (0, "0s"),
        (45, "45s"),
        (45.9, "45s"),
        (119, "119s"),
        (120, "2m"),
        (312, "5m12s"),
        (599, "9m59s"),
        (600, "10m"),
        (10799, "179m"),
        (3 * 3600 + 4 * 60, "3h4m"),
        (5 * 3600, "5h"),
        (8 * 3600, "8h"),
        (47 * 3600 + 59 * 60, "47h"),
        (2 * 86400 + 5 * 3600, "2d5h"),
        (3 * 86400, "3d"),
        (8 * 86400, "8d"),
        (400 * 86400, "400d"),
        (2 * 365 * 86400 + 86400, "2y1d"),
        (9 * 365 * 86400, "9y"),
        (-0.5, "0s"),
        (-1.5, "0s"),
        (-2, "<invalid>"),
    ],
)
def test_human_duration_matches_kubectl(seconds: float, expected: str) -> None:
    assert human_duration(seconds) == expected


def test_age_counts_from_creation_to_now() -> None:
    assert age("2026-11-21T10:00:00Z", NOW) == "5m"
    assert age("2026-11-21T10:04:15Z", NOW) == "45s"
    assert age("2026-11-19T05:05:00Z", NOW) == "2d5h"


def test_age_of_unset_timestamp_is_unknown() -> None:
    assert age(None, NOW) == "<unknown>"
    assert age("", NOW) == "<unknown>"


def test_age_treats_naive_now_as_utc() -> None:
    assert age("2026-11-21T10:00:00Z", datetime(2026, 11, 21, 10, 0, 30)) == "30s"


def test_parse_timestamp_accepts_offsets_and_long_fractions() -> None:
    micro = parse_timestamp("2026-11-21T10:00:00.123456789Z")
    offset = parse_timestamp("2026-11-21T12:00:00+02:00")
    assert micro is not None
    assert micro.microsecond == 123456
    assert offset is not None
    assert offset.utcoffset() is not None
    assert age("2026-11-21T12:04:00+02:00", NOW) == "60s"


def test_rfc1123z_is_gos_layout() -> None:
    assert rfc1123z("2026-11-21T10:00:00Z") == "Sat, 21 Nov 2026 10:00:00 +0000"
    assert rfc1123z("2026-03-02T08:09:10+05:30") == "Mon, 02 Mar 2026 08:09:10 +0530"


def test_rfc1123z_of_unset_time_is_gos_zero_time() -> None:
    assert rfc1123z(None) == "Mon, 01 Jan 0001 00:00:00 +0000"
