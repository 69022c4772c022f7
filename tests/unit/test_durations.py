"""How far `rotativa local --advance` moves the local clock, and how moments are shown."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from rotativa_tools.local.scheduler import format_duration, parse_duration, site_time


@pytest.mark.parametrize(
    ("text", "expected", "shown"),
    [
        ("3h", timedelta(hours=3), "3h"),
        ("90m", timedelta(minutes=90), "1h30m"),
        ("2d", timedelta(days=2), "2d"),
        ("1h30m", timedelta(hours=1, minutes=30), "1h30m"),
        (" 1H 30M ", timedelta(hours=1, minutes=30), "1h30m"),
        ("1w", timedelta(days=7), "7d"),
        ("45s", timedelta(seconds=45), "45s"),
        ("1d2h3m4s", timedelta(days=1, hours=2, minutes=3, seconds=4), "1d2h3m4s"),
    ],
)
def test_durations_read_and_shown(text: str, expected: timedelta, shown: str) -> None:
    assert parse_duration(text) == expected
    assert format_duration(expected) == shown


@pytest.mark.parametrize("text", ["", "3", "h", "3 ore", "3.5h", "-3h", "3h later", "3y"])
def test_what_is_not_a_duration(text: str) -> None:
    with pytest.raises(ValueError, match="is not a duration: write a number and a unit"):
        parse_duration(text)


def test_the_clock_moves_forward_and_not_past_ten_years() -> None:
    with pytest.raises(ValueError, match="only moves forward"):
        parse_duration("0h")
    assert parse_duration("3650d") == timedelta(days=3650)
    with pytest.raises(ValueError, match="more than 3650d"):
        parse_duration("3651d")


def test_moments_are_shown_in_the_sites_time_zone() -> None:
    rome = ZoneInfo("Europe/Rome")
    assert site_time(datetime(2026, 12, 1, 6, 0, tzinfo=UTC), rome) == "2026-12-01 07:00 CET"
    assert site_time(datetime(2026, 7, 1, 5, 0, 30, tzinfo=UTC), rome) == (
        "2026-07-01 07:00:30 CEST"
    )
