"""The seed's date line, `Mer. 01 Mag. 2024`, in the site's time zone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from rotativa.rendering.labels import MONTHS, WEEKDAYS, clock, date_line, iso, short_date

ROME = ZoneInfo("Europe/Rome")


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (29, "Lun. 29 Apr. 2024"),
        (30, "Mar. 30 Apr. 2024"),
        (1, "Mer. 01 Mag. 2024"),
        (2, "Gio. 02 Mag. 2024"),
        (3, "Ven. 03 Mag. 2024"),
        (4, "Sab. 04 Mag. 2024"),
        (5, "Dom. 05 Mag. 2024"),
    ],
)
def test_every_weekday(day: int, expected: str) -> None:
    month = 4 if day > 20 else 5
    assert date_line(datetime(2024, month, day, 12, tzinfo=ROME), ROME) == expected


@pytest.mark.parametrize(
    ("month", "expected"),
    [
        (1, "Lun. 01 Gen. 2024"),
        (2, "Gio. 01 Feb. 2024"),
        (3, "Ven. 01 Mar. 2024"),
        (4, "Lun. 01 Apr. 2024"),
        (5, "Mer. 01 Mag. 2024"),
        (6, "Sab. 01 Giu. 2024"),
        (7, "Lun. 01 Lug. 2024"),
        (8, "Gio. 01 Ago. 2024"),
        (9, "Dom. 01 Set. 2024"),
        (10, "Mar. 01 Ott. 2024"),
        (11, "Ven. 01 Nov. 2024"),
        (12, "Dom. 01 Dic. 2024"),
    ],
)
def test_every_month(month: int, expected: str) -> None:
    assert date_line(datetime(2024, month, 1, 9, 30, tzinfo=ROME), ROME) == expected


def test_the_catalogue_has_seven_days_and_twelve_months_in_each_language() -> None:
    for language in ("it", "en"):
        assert len(WEEKDAYS[language]) == 7
        assert len(MONTHS[language]) == 12
        assert len(set(WEEKDAYS[language])) == 7


@pytest.mark.parametrize(
    ("utc", "expected"),
    [
        # summer time (UTC+2): 22:00 UTC is already the next day in Rome
        (datetime(2024, 4, 30, 21, 59, tzinfo=UTC), "Mar. 30 Apr. 2024"),
        (datetime(2024, 4, 30, 22, 0, tzinfo=UTC), "Mer. 01 Mag. 2024"),
        # winter time (UTC+1): 23:00 UTC is the next day
        (datetime(2023, 12, 31, 22, 59, tzinfo=UTC), "Dom. 31 Dic. 2023"),
        (datetime(2023, 12, 31, 23, 0, tzinfo=UTC), "Lun. 01 Gen. 2024"),
        # the nights the clocks change
        (datetime(2024, 3, 30, 23, 0, tzinfo=UTC), "Dom. 31 Mar. 2024"),
        (datetime(2024, 10, 26, 22, 0, tzinfo=UTC), "Dom. 27 Ott. 2024"),
        (datetime(2024, 10, 26, 21, 59, tzinfo=UTC), "Sab. 26 Ott. 2024"),
    ],
)
def test_midnight_is_the_sites_midnight(utc: datetime, expected: str) -> None:
    assert date_line(utc, ROME) == expected


def test_the_same_moment_in_any_offset_gives_the_same_line() -> None:
    moment = datetime(2024, 5, 1, 0, 30, tzinfo=ROME)
    new_york = moment.astimezone(ZoneInfo("America/New_York"))
    assert new_york.day == 30
    assert date_line(new_york, ROME) == date_line(moment, ROME) == "Mer. 01 Mag. 2024"


def test_a_naive_time_is_taken_as_the_sites_own() -> None:
    assert date_line(datetime(2024, 5, 1, 0, 5), ROME) == "Mer. 01 Mag. 2024"
    assert iso(datetime(2024, 5, 1, 0, 5), ROME) == "2024-05-01T00:05:00+02:00"


def test_english_dates() -> None:
    assert date_line(datetime(2024, 5, 1, 8, tzinfo=ROME), ROME, "en") == "Wed. 01 May 2024"
    assert short_date(datetime(2024, 9, 9, 8, tzinfo=ROME), ROME, "en") == "09 Sep. 2024"


def test_short_date_clock_and_iso() -> None:
    moment = datetime(2024, 5, 1, 6, 15, 42, 123456, tzinfo=UTC)
    assert short_date(moment, ROME) == "01 Mag. 2024"
    assert clock(moment, ROME) == "08:15"
    assert iso(moment, ROME) == "2024-05-01T08:15:42+02:00"
    assert iso(moment + timedelta(days=200), ROME).endswith("+01:00")
