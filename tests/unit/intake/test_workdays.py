"""Saudi working days. Every expected date below was worked out by hand on a calendar.

Holidays used (holidays.SaudiArabia): Founding Day Sun 2026-02-22 (2025: Sat 22 Feb, observed
Sun 23 Feb); Eid al-Fitr Thu 2026-03-19 .. Tue 2026-03-24; Arafat/Eid al-Adha Tue 2026-05-26
.. Fri 2026-05-29 and Sun 2026-05-31 (observed); National Day Wed 2026-09-23; Eid al-Fitr
Tue 2027-03-09 .. Sun 2027-03-14.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from bot.intake.workdays import (
    add_working_days,
    due_date,
    escalation_opens_on,
    holidays_in,
    is_holiday,
    is_working_day,
    saudi_today,
    working_days_between,
)

D = date.fromisoformat


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        ("2026-11-19", True),  # Thursday
        ("2026-11-20", False),  # Friday
        ("2026-11-21", False),  # Saturday
        ("2026-11-22", True),  # Sunday
        ("2026-01-01", True),  # New Year's Day is not a Saudi holiday (Thursday)
        ("2026-02-22", False),  # Founding Day, Sunday
        ("2026-02-23", True),
        ("2025-02-23", False),  # Founding Day 2025 fell on Saturday: observed Sunday
        ("2026-03-18", True),  # last day before Eid al-Fitr
        ("2026-03-19", False),  # Eid al-Fitr, Thursday
        ("2026-03-22", False),  # Eid al-Fitr, Sunday
        ("2026-03-23", False),  # observed, Monday
        ("2026-03-24", False),  # observed, Tuesday
        ("2026-03-25", True),  # back to work, Wednesday
        ("2026-05-25", True),  # Monday before Arafat Day
        ("2026-05-26", False),  # Arafat Day, Tuesday
        ("2026-05-28", False),  # Eid al-Adha, Thursday
        ("2026-05-31", False),  # Eid al-Adha observed, Sunday
        ("2026-06-01", True),  # Monday
        ("2026-09-23", False),  # National Day, Wednesday
        ("2026-09-24", True),
        ("2027-03-14", False),  # Eid al-Fitr 2027 observed, Sunday
        ("2027-03-15", True),
    ],
)
def test_is_working_day(day: str, expected: bool) -> None:
    assert is_working_day(D(day)) is expected


@pytest.mark.parametrize(
    ("start", "count", "expected"),
    [
        # CONVERSATIONS examples 1 and 2
        ("2026-11-18", 5, "2026-11-25"),  # Wed: Thu 19, Sun 22, Mon 23, Tue 24, Wed 25
        ("2026-11-22", 5, "2026-11-29"),  # Sun: Mon 23 .. Thu 26, Sun 29
        # the weekend
        ("2026-11-19", 1, "2026-11-22"),  # Thu -> Sun
        ("2026-11-20", 1, "2026-11-22"),  # Fri -> Sun
        ("2026-11-21", 1, "2026-11-22"),  # Sat -> Sun
        ("2026-11-20", 5, "2026-11-26"),  # Fri: Sun 22 .. Thu 26
        ("2026-11-18", 10, "2026-12-02"),  # two weekends
        ("2026-11-20", 0, "2026-11-20"),  # nothing to count: the day itself
        # Founding Day
        ("2026-02-19", 1, "2026-02-23"),  # Thu -> Fri, Sat, Founding Day Sun -> Mon
        ("2026-02-19", 5, "2026-03-01"),  # Mon 23, Tue 24, Wed 25, Thu 26, Sun 1 Mar
        ("2025-02-20", 1, "2025-02-24"),  # Thu -> Sat 22 is Founding Day, observed Sun 23
        # Eid al-Fitr 2026 (Thu 19 .. Tue 24 March)
        ("2026-03-18", 1, "2026-03-25"),
        ("2026-03-18", 5, "2026-03-31"),  # Wed 25, Thu 26, Sun 29, Mon 30, Tue 31
        ("2026-03-16", 5, "2026-03-29"),  # Tue 17, Wed 18, Wed 25, Thu 26, Sun 29
        ("2026-03-20", 2, "2026-03-26"),  # starting inside the block
        # Arafat Day and Eid al-Adha 2026 (Tue 26 .. Fri 29 May, observed Sun 31 May)
        ("2026-05-25", 1, "2026-06-01"),
        ("2026-05-21", 5, "2026-06-03"),  # Sun 24, Mon 25, Mon 1, Tue 2, Wed 3 June
        ("2026-05-25", 5, "2026-06-07"),  # Mon 1 .. Thu 4, Sun 7 June
        # National Day (Wed 23 September 2026)
        ("2026-09-21", 5, "2026-09-29"),  # Tue 22, Thu 24, Sun 27, Mon 28, Tue 29
        ("2026-09-22", 1, "2026-09-24"),
        # year ends
        ("2026-12-30", 5, "2027-01-06"),  # Thu 31 Dec, Sun 3, Mon 4, Tue 5, Wed 6 Jan
        ("2025-12-31", 1, "2026-01-01"),  # Wed -> Thu 1 Jan
        ("2026-12-31", 1, "2027-01-03"),  # Thu -> Fri 1 Jan, Sat 2 -> Sun 3
        # Eid al-Fitr 2027 (Tue 9 .. Fri 12, observed Sun 14 March)
        ("2027-03-08", 1, "2027-03-15"),
    ],
)
def test_add_working_days(start: str, count: int, expected: str) -> None:
    assert add_working_days(D(start), count) == D(expected)


def test_add_working_days_refuses_a_negative_count() -> None:
    with pytest.raises(ValueError, match="negative"):
        add_working_days(D("2026-11-18"), -1)


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        ("2026-11-18", "2026-11-25", 5),
        ("2026-11-18", "2026-11-26", 6),
        ("2026-11-18", "2026-11-18", 0),  # the start never counts
        ("2026-11-25", "2026-11-18", 0),  # end before start
        ("2026-11-19", "2026-11-21", 0),  # only Fri and Sat after a Thursday
        ("2026-11-19", "2026-11-22", 1),
        ("2026-03-18", "2026-03-31", 5),  # across Eid al-Fitr
        ("2026-05-25", "2026-05-31", 0),  # Arafat to the observed Eid day: nothing
        ("2026-12-30", "2027-01-06", 5),  # across the year end
        # the whole of 2026: 365 days - 52 Fridays - 52 Saturdays = 261 weekdays, less the
        # 10 holidays on Sun-Thu (22 Feb; 19, 22, 23, 24 Mar; 26, 27, 28, 31 May; 23 Sep)
        ("2025-12-31", "2026-12-31", 251),
    ],
)
def test_working_days_between(start: str, end: str, expected: int) -> None:
    assert working_days_between(D(start), D(end)) == expected


@pytest.mark.parametrize("count", [1, 2, 5, 7, 10, 30])
@pytest.mark.parametrize(
    "start", ["2026-02-19", "2026-03-17", "2026-05-24", "2026-09-20", "2026-12-29", "2026-11-21"]
)
def test_counting_back_what_was_added(start: str, count: int) -> None:
    end = add_working_days(D(start), count)
    assert is_working_day(end)
    assert working_days_between(D(start), end) == count
    assert working_days_between(D(start), end - timedelta(days=1)) == count - 1


@pytest.mark.parametrize(
    ("created", "expected"),
    [
        ("2026-11-18", "2026-11-26"),  # CONVERSATIONS example 2: Wed -> Thu 26 Nov
        ("2026-11-19", "2026-11-27"),  # Thu: Sun 22 .. Thu 26, then the calendar day after
        ("2026-11-20", "2026-11-27"),  # created on a Friday: Sun 22 .. Thu 26
        ("2026-03-18", "2026-04-01"),  # across Eid al-Fitr: the 5th is Tue 31 Mar
        ("2026-12-30", "2027-01-07"),  # across the year end: the 5th is Wed 6 Jan
    ],
)
def test_escalation_opens_on(created: str, expected: str) -> None:
    assert escalation_opens_on(D(created)) == D(expected)


@pytest.mark.parametrize(
    ("filed", "expected"),
    [
        ("2026-11-22", "2026-11-29"),  # CONVERSATIONS example 1
        ("2026-05-24", "2026-06-04"),  # Mon 25 May, then Mon 1, Tue 2, Wed 3, Thu 4 June
        ("2026-09-22", "2026-09-30"),  # National Day Wed 23: Thu 24, Sun 27 .. Wed 30
    ],
)
def test_due_date(filed: str, expected: str) -> None:
    assert due_date(D(filed)) == D(expected)


def test_holidays_are_computed_once_per_year() -> None:
    holidays_in.cache_clear()
    for day in range(1, 29):
        is_holiday(date(2026, 2, day))
    info = holidays_in.cache_info()
    assert (info.misses, info.hits) == (1, 27)
    assert is_holiday(D("2026-09-23")) and not is_holiday(D("2026-09-24"))


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (datetime(2026, 11, 18, 20, 59, tzinfo=UTC), "2026-11-18"),
        (datetime(2026, 11, 18, 21, 0, tzinfo=UTC), "2026-11-19"),  # midnight in Riyadh
        (datetime(2026, 11, 19, 1, 0, tzinfo=timezone(timedelta(hours=5))), "2026-11-18"),
    ],
)
def test_saudi_today(now: datetime, expected: str) -> None:
    assert saudi_today(now) == D(expected)


def test_saudi_today_refuses_a_naive_datetime() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        saudi_today(datetime(2026, 11, 18, 12, 0))
