"""ReportRepository: every operation on reports, from one object over one Engine.

A facade over the modules of bot.store.reports, which each do one job: filing
(`ReportFiling`), reads (`ReportReads`), status moves and the reporter's requests
(`ReportChanges`), the scheduler's notices (`ReportNotices`). It holds no logic of its own:
each method is the part's, with the part's transaction, lock and authorisation check.
The action server, the CLI, the console, the scheduler and the tests hold one of these;
new code that needs only one job may hold that part instead.
"""

from __future__ import annotations

from sqlalchemy.engine import Engine

from bot.store.db import resolve_engine
from bot.store.reports.changes import ReportChanges
from bot.store.reports.filing import ReportFiling
from bot.store.reports.notices import ReportNotices
from bot.store.reports.reads import ReportReads

__all__ = ["ReportRepository"]


class ReportRepository(ReportFiling, ReportReads, ReportChanges, ReportNotices):
    """Reports in the store at `bind` (an Engine, a URL, or None for DATABASE_URL): the four
    parts of bot.store.reports over one Engine."""

    def __init__(self, bind: Engine | str | None = None) -> None:
        self.engine = resolve_engine(bind)
