"""Reads: reports looked up by reference, by filter, by sender or reporter.

What is read on someone's behalf (`get_for`, `visible_to`) passes the one authorisation
check (bot.store.access); the others are the back office's and the system's own lookups.
Every method reads in its own transaction and returns detached reports with their reporter,
attachments, history and rating loaded.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from bot.clock import RIYADH
from bot.store.access import ANNOUNCED_STATUSES, Action, Principal, may, visible_reports
from bot.store.db import resolve_engine, session_scope
from bot.store.models import (
    Report,
    Reporter,
    ReportStatus,
    ReportType,
    check_report_type,
    check_status,
)
from bot.store.reference import parse_reference
from bot.store.reports.drafts import require_aware
from bot.store.reports.errors import ReportNotFound
from bot.store.reports.rows import identifier, loaded


def _day_start(value: date | datetime) -> datetime:
    """A bound of a date filter: a date is the start of that day in Riyadh."""
    if isinstance(value, datetime):
        require_aware(value, "date filter")
        return value
    return datetime.combine(value, time(0, 0), tzinfo=RIYADH)


@dataclass(frozen=True)
class OutageNotice:
    """What citizens are told of a known outage: no reference, no reporter, no text."""

    entity_name: str | None
    platform: str | None
    service_name: str | None
    since: datetime


class ReportReads:
    """Reads reports in the store at `bind` (an Engine, a URL, or None for DATABASE_URL)."""

    def __init__(self, bind: Engine | str | None = None) -> None:
        self.engine = resolve_engine(bind)

    def get(self, reference: str) -> Report | None:
        """The report with this reference, typed in any accepted readback form; else None."""
        canonical = parse_reference(reference)
        if canonical is None:
            return None
        with session_scope(self.engine) as session:
            return session.scalars(
                loaded(select(Report)).where(Report.reference == canonical)
            ).first()

    def get_for(self, principal: Principal, reference: str) -> Report | None:
        """The report with this reference if `principal` may read it, else None (the same
        answer as for a reference that does not exist)."""
        canonical = parse_reference(reference)
        if canonical is None:
            return None
        with session_scope(self.engine) as session:
            report = session.scalars(
                loaded(select(Report)).where(Report.reference == canonical)
            ).first()
            if report is None or not may(session, principal, report, Action.READ):
                return None
            return report

    def announced_outages(self, principal: Principal) -> list[OutageNotice]:
        """The public notices of the known outages (bot.store.access, Action.ANNOUNCE),
        newest first: entity, platform, service and since when, nothing else."""
        with session_scope(self.engine) as session:
            reports = session.scalars(
                select(Report)
                .where(Report.type == ReportType.ENTITY_OUTAGE.value)
                .where(Report.status.in_(sorted(status.value for status in ANNOUNCED_STATUSES)))
                .order_by(Report.created_at.desc(), Report.id.desc())
            ).all()
            return [
                OutageNotice(r.entity_name, r.platform, r.service_name, r.created_at)
                for r in reports
                if may(session, principal, r, Action.ANNOUNCE)
            ]

    def visible_to(self, principal: Principal) -> list[Report]:
        """The reports `principal` may read as a reporter (bot.store.access), newest first."""
        with session_scope(self.engine) as session:
            return visible_reports(session, principal)

    def require(self, reference: str) -> Report:
        """Like get(), but ReportNotFound instead of None."""
        report = self.get(reference)
        if report is None:
            raise ReportNotFound(reference)
        return report

    def list_reports(
        self,
        status: str | None = None,
        limit: int | None = None,
        *,
        report_type: str | None = None,
        channel: str | None = None,
        since: date | datetime | None = None,
        until: date | datetime | None = None,
    ) -> list[Report]:
        """Reports, newest first, optionally only those in `status`, of `report_type`, filed
        through `channel`, created from `since` and up to `until`.

        A date bound is a whole day in Riyadh time (`until` includes its day); a datetime
        bound is that instant (`since` inclusive, `until` exclusive)."""
        statement = loaded(select(Report)).order_by(Report.created_at.desc(), Report.id.desc())
        if status is not None:
            statement = statement.where(Report.status == check_status(status))
        if report_type is not None:
            statement = statement.where(Report.type == check_report_type(report_type))
        if channel is not None:
            statement = statement.where(Report.channel == channel)
        if since is not None:
            statement = statement.where(Report.created_at >= _day_start(since))
        if until is not None:
            end = until if isinstance(until, datetime) else _day_start(until + timedelta(days=1))
            require_aware(end, "until")
            statement = statement.where(Report.created_at < end)
        if limit is not None:
            statement = statement.limit(limit)
        with session_scope(self.engine) as session:
            return list(session.scalars(statement).unique())

    def find_report_by_prior_complaint_ref(self, ref: str) -> Report | None:
        """The report that already escalated the entity's complaint `ref`, if any.

        Matching ignores case, surrounding spaces and the digit script; a cancelled report does
        not count (the reporter withdrew it, so escalating again is legitimate).
        """
        wanted = identifier(ref).upper()
        if not wanted:
            return None
        statement = (
            loaded(select(Report))
            .where(func.upper(Report.prior_complaint_ref) == wanted)
            .where(Report.status != ReportStatus.CANCELLED.value)
            .order_by(Report.created_at, Report.id)
        )
        with session_scope(self.engine) as session:
            return session.scalars(statement).first()

    def reports_of_sender(self, sender_id: str) -> list[Report]:
        """Every report filed from this channel identity (Rasa sender id), oldest first."""
        statement = (
            loaded(select(Report))
            .where(Report.sender_id == sender_id)
            .order_by(Report.created_at, Report.id)
        )
        with session_scope(self.engine) as session:
            return list(session.scalars(statement).unique())

    def reports_of(self, national_id: str) -> list[Report]:
        """Every report of the reporter with this national ID or iqama number, oldest first."""
        statement = (
            loaded(select(Report))
            .join(Report.reporter)
            .where(Reporter.national_id == identifier(national_id))
            .order_by(Report.created_at, Report.id)
        )
        with session_scope(self.engine) as session:
            return list(session.scalars(statement).unique())
