"""Saudi working days: Sunday to Thursday, without public holidays.

The weekend is Friday and Saturday (the rule since 29 June 2013; earlier dates are not a
concern of the service). Public holidays come from `holidays.SaudiArabia`: Founding Day
(22 Feb), the Eid al-Fitr and Eid al-Adha blocks with Arafat Day, National Day (23 Sep) and
the observed days that make up for holidays falling on a weekend. Islamic dates of years
that the package has not confirmed yet are its Umm al-Qura estimates.

Counting convention (SPEC, CONVERSATIONS example 2): "5 working days after a day" are the
five working days that follow it; the day itself never counts, whatever it is.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from functools import lru_cache

import holidays

from bot import clock

__all__ = [
    "ESCALATION_WAIT_WORKING_DAYS",
    "REPLY_WORKING_DAYS",
    "RIYADH",
    "WEEKEND",
    "add_working_days",
    "due_date",
    "escalation_opens_on",
    "holidays_in",
    "is_holiday",
    "is_working_day",
    "saudi_today",
    "working_days_between",
]

FRIDAY = 4
SATURDAY = 5
WEEKEND = frozenset({FRIDAY, SATURDAY})  # date.weekday() numbers

# Without a response time from the entity, a complaint can be escalated after 5 working days.
ESCALATION_WAIT_WORKING_DAYS = 5
# Amer answers a report within 5 working days.
REPLY_WORKING_DAYS = 5

# Saudi Arabia's time zone (bot.clock, below the store, which needs it too)
RIYADH = clock.RIYADH

_ONE_DAY = timedelta(days=1)


@lru_cache(maxsize=64)
def holidays_in(year: int) -> frozenset[date]:
    """The Saudi public holidays of `year` (observed days included), computed once per year."""
    return frozenset(holidays.SaudiArabia(years=year).keys())


def is_holiday(day: date) -> bool:
    """Whether `day` is a Saudi public holiday (or the observed day of one)."""
    return day in holidays_in(day.year)


def is_working_day(day: date) -> bool:
    """Whether `day` is a Saudi working day: Sunday to Thursday and not a public holiday."""
    return day.weekday() not in WEEKEND and not is_holiday(day)


def add_working_days(start: date, count: int) -> date:
    """The day on which `count` working days after `start` have elapsed.

    Counting starts on the day after `start` (whether or not `start` is a working day), so
    the result is always a working day unless `count` is 0, which returns `start` itself.
    Wednesday 2026-11-18 + 5 is Wednesday 2026-11-25.
    """
    if count < 0:
        raise ValueError(f"count must not be negative, got {count}")
    day = start
    remaining = count
    while remaining:
        day += _ONE_DAY
        if is_working_day(day):
            remaining -= 1
    return day


def working_days_between(start: date, end: date) -> int:
    """The number of working days after `start` up to and including `end` (0 if end <= start)."""
    count = 0
    day = start + _ONE_DAY
    while day <= end:
        count += is_working_day(day)
        day += _ONE_DAY
    return count


def escalation_opens_on(created: date) -> date:
    """The first day on which a complaint created on `created`, with no response time, can be
    escalated: the calendar day after its 5 working days have elapsed."""
    return add_working_days(created, ESCALATION_WAIT_WORKING_DAYS) + _ONE_DAY


def due_date(filed: date) -> date:
    """The day by which Amer answers a report filed on `filed` (5 working days)."""
    return add_working_days(filed, REPLY_WORKING_DAYS)


def saudi_today(now: datetime | None = None) -> date:
    """Today's date in Saudi Arabia (`now`, default the current time, read in Riyadh time)."""
    moment = now if now is not None else datetime.now(UTC)
    if moment.tzinfo is None:
        raise ValueError("expected a timezone-aware datetime")
    return moment.astimezone(RIYADH).date()
