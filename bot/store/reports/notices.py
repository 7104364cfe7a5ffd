"""Notices: what the scheduler (bot.runtime.jobs) asks of the store about the outbox.

Which reports are due a timed notice (a reminder while documents are missing, an overdue
warning, the survey after closing) and queuing one notice about a report, checked with
the report locked, once per dedupe key (bot.store.outbox). The timed status move itself,
the 48-hour cancellation, is bot.store.reports.changes.ReportChanges.cancel_unanswered_missing_data.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from sqlalchemy import and_, func, or_, select
from sqlalchemy.engine import Engine

from bot.store.db import resolve_engine, session_scope
from bot.store.lifecycle import HANDLED_STATUSES
from bot.store.models import (
    OutboxMessage,
    Rating,
    Report,
    ReportStatus,
    StatusHistory,
    check_status,
    utc_now,
)
from bot.store.outbox import enqueue
from bot.store.reports import rows
from bot.store.reports.drafts import require_aware
from bot.store.reports.rows import loaded
from bot.texts.notices import NoticeKind


class ReportNotices:
    """The outbox side of reports in the store at `bind` (an Engine, a URL, or None for
    DATABASE_URL)."""

    def __init__(self, bind: Engine | str | None = None) -> None:
        self.engine = resolve_engine(bind)

    def missing_data_requested_before(
        self, moment: datetime, *, unless_notified: str | None = None
    ) -> list[Report]:
        """Reports in `missing_data` whose request was made at or before `moment`; with
        `unless_notified`, leaving out those that got that kind of notice since the request."""
        require_aware(moment, "moment")
        statement = (
            loaded(select(Report))
            .where(Report.status == ReportStatus.MISSING_DATA.value)
            .where(Report.missing_data_requested_at <= moment)
            .order_by(Report.missing_data_requested_at, Report.id)
        )
        if unless_notified is not None:
            notified = (
                select(OutboxMessage.id)
                .where(
                    OutboxMessage.report_id == Report.id,
                    OutboxMessage.kind == NoticeKind(unless_notified).value,
                    OutboxMessage.created_at >= Report.missing_data_requested_at,
                )
                .exists()
            )
            statement = statement.where(~notified)
        with session_scope(self.engine) as session:
            return list(session.scalars(statement).unique())

    def without_notice(
        self, kind: str, statuses: Sequence[str], *, due_before: datetime | None = None
    ) -> list[Report]:
        """Reports in one of `statuses` for which no `kind` notice was ever queued; with
        `due_before`, only those due before it or without a due time."""
        queued = (
            select(OutboxMessage.id)
            .where(
                OutboxMessage.report_id == Report.id,
                OutboxMessage.kind == NoticeKind(kind).value,
            )
            .exists()
        )
        statement = (
            loaded(select(Report))
            .where(Report.status.in_([check_status(status) for status in statuses]))
            .where(~queued)
            .order_by(Report.created_at, Report.id)
        )
        if due_before is not None:
            require_aware(due_before, "due_before")
            statement = statement.where(or_(Report.due_at < due_before, Report.due_at.is_(None)))
        with session_scope(self.engine) as session:
            return list(session.scalars(statement).unique())

    def handled_without_rating(
        self, closed_from: datetime, closed_until: datetime
    ) -> list[tuple[Report, datetime]]:
        """Handled (closed, accepted or rejected), unrated reports without a survey notice,
        with the time they were handled, for those handled in [closed_from, closed_until]."""
        handled = [status.value for status in HANDLED_STATUSES]
        closed_at = (
            select(StatusHistory.report_id, func.max(StatusHistory.at).label("closed_at"))
            .where(StatusHistory.status.in_(handled))
            .group_by(StatusHistory.report_id)
            .subquery()
        )
        surveyed = (
            select(OutboxMessage.id)
            .where(
                OutboxMessage.report_id == Report.id,
                OutboxMessage.kind == NoticeKind.SURVEY.value,
            )
            .exists()
        )
        rated = select(Rating.id).where(Rating.report_id == Report.id).exists()
        statement = (
            select(Report.reference, closed_at.c.closed_at)
            .join(closed_at, closed_at.c.report_id == Report.id)
            .where(Report.status.in_(handled))
            .where(
                and_(closed_at.c.closed_at >= closed_from, closed_at.c.closed_at <= closed_until)
            )
            .where(~surveyed, ~rated)
            .order_by(closed_at.c.closed_at)
        )
        with session_scope(self.engine) as session:
            rows = session.execute(statement).all()
            if not rows:
                return []
            references = [reference for reference, _ in rows]
            reports = {
                report.reference: report
                for report in session.scalars(
                    loaded(select(Report)).where(Report.reference.in_(references))
                ).unique()
            }
        return [(reports[reference], moment) for reference, moment in rows]

    def notify(
        self,
        reference: str,
        kind: str,
        *,
        dedupe_key: str,
        at: datetime | None = None,
        fields: dict[str, object] | None = None,
        when: Callable[[Report], bool] | None = None,
        not_before: datetime | None = None,
    ) -> bool:
        """Queue a `kind` notice about the report unless `dedupe_key` was queued before or
        `when(report)`, checked with the report locked, says no. True when queued."""
        require_aware(at, "at")
        canonical = rows.canonical(reference)
        with session_scope(self.engine, write=True) as session:
            report = rows.locked(session, canonical, reference)
            if when is not None and not when(report):
                return False
            return enqueue(
                session,
                report,
                kind,
                dedupe_key=dedupe_key,
                at=at or utc_now(),
                fields=fields,
                not_before=not_before,
            )
