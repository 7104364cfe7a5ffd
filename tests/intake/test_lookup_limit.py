"""The per-sender limit on failed report lookups (bot.intake.lookup_limit), on a real store."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from bot.intake.lookup_limit import MAX_FAILURES, WINDOW, minutes_to_wait, record_failure
from bot.store.db import session_scope
from bot.store.migrate import upgrade
from bot.store.models import LookupFailure
from bot.store.repository import ReportRepository

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def test_failures_beyond_the_limit_pause_only_that_sender(db_url: str) -> None:
    upgrade(db_url)
    repo = ReportRepository(db_url)
    for minute in range(MAX_FAILURES - 1):
        record_failure(repo, "guesser", now=T0 + timedelta(minutes=minute))
    assert minutes_to_wait(repo, "guesser", now=T0 + timedelta(minutes=5)) == 0
    record_failure(repo, "guesser", now=T0 + timedelta(minutes=5))
    # the oldest failure (T0) leaves the window at T0 + 15 min
    assert minutes_to_wait(repo, "guesser", now=T0 + timedelta(minutes=6)) == 9
    assert minutes_to_wait(repo, "guesser", now=T0 + WINDOW - timedelta(seconds=30)) == 1
    assert minutes_to_wait(repo, "someone else", now=T0 + timedelta(minutes=6)) == 0
    assert minutes_to_wait(repo, "guesser", now=T0 + WINDOW + timedelta(seconds=1)) == 0


def test_old_failures_are_deleted_as_new_ones_come(db_url: str) -> None:
    upgrade(db_url)
    repo = ReportRepository(db_url)
    for minute in range(3):
        record_failure(repo, "a", now=T0 + timedelta(minutes=minute))
    record_failure(repo, "b", now=T0 + timedelta(hours=1))
    with session_scope(repo.engine) as session:
        assert session.execute(select(func.count(LookupFailure.id))).scalar() == 1
