"""When the call centre's agents are on duty (plain Python).

Agents answer on Saudi working days (Sunday to Thursday, public holidays excepted) from 8:00
to 17:00 Riyadh time (SPEC, issue #17). Asked for a person outside those hours, the user is
told when they open again and the toll-free number.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from bot.intake.workdays import RIYADH, is_working_day

__all__ = ["CALL_CENTRE", "CLOSES", "OPENS", "next_opening", "on_duty"]

CALL_CENTRE = "199099"
OPENS = time(8, 0)
CLOSES = time(17, 0)


def _riyadh(now: datetime) -> datetime:
    if now.tzinfo is None:
        raise ValueError("an aware datetime is needed")
    return now.astimezone(RIYADH)


def on_duty(now: datetime) -> bool:
    """Whether agents are answering at `now`."""
    local = _riyadh(now)
    return is_working_day(local.date()) and OPENS <= local.time() < CLOSES


def next_opening(now: datetime) -> datetime:
    """The next moment agents answer (Riyadh time); `now` itself when they are on duty."""
    local = _riyadh(now)
    if on_duty(local):
        return local
    day = local.date()
    if is_working_day(day) and local.time() < OPENS:
        return datetime.combine(day, OPENS, RIYADH)
    day += timedelta(days=1)
    while not is_working_day(day):
        day += timedelta(days=1)
    return datetime.combine(day, OPENS, RIYADH)
