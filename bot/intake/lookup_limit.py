"""A per-sender limit on failed report lookups, so that references and ID/mobile pairs
cannot be guessed by trying many.

Only failures count: a reference that does not exist or is someone else's, a number whose
check character fails, an ID and mobile that do not match the report. A reporter looking at
their own reports is never slowed down. After `MAX_FAILURES` failures within `WINDOW`, the
sender's lookups are refused until the oldest of them leaves the window; the answer says
when to try again and offers the call centre.

The failures are rows in the report store (table `lookup_failures`), so the limit holds
across several action servers and restarts.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select

from bot.store.db import session_scope
from bot.store.models import LookupFailure, utc_now
from bot.store.repository import ReportRepository

__all__ = ["MAX_FAILURES", "WINDOW", "minutes_to_wait", "record_failure"]

MAX_FAILURES = 5
WINDOW = timedelta(minutes=15)


def minutes_to_wait(
    repository: ReportRepository, sender_id: str, *, now: datetime | None = None
) -> int:
    """0 when `sender_id` may look a report up now, else the whole minutes to wait."""
    moment = now or utc_now()
    since = moment - WINDOW
    with session_scope(repository.engine) as session:
        count, oldest = session.execute(
            select(func.count(LookupFailure.id), func.min(LookupFailure.at)).where(
                LookupFailure.sender_id == sender_id, LookupFailure.at > since
            )
        ).one()
    if count < MAX_FAILURES or oldest is None:
        return 0
    if oldest.tzinfo is None:  # SQLite returns naive UTC through some drivers
        oldest = oldest.replace(tzinfo=moment.tzinfo)
    return max(1, math.ceil((oldest + WINDOW - moment).total_seconds() / 60))


def record_failure(
    repository: ReportRepository, sender_id: str, *, now: datetime | None = None
) -> None:
    """Count one failed lookup of `sender_id`; rows that left the window go at the same time."""
    moment = now or utc_now()
    with session_scope(repository.engine, write=True) as session:
        session.execute(delete(LookupFailure).where(LookupFailure.at <= moment - WINDOW))
        session.add(LookupFailure(sender_id=sender_id, at=moment))
