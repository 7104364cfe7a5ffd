"""The report store's operations: file a report, look reports up, move them through statuses.

Every method runs in its own transaction and returns detached objects with their reporter,
attachments and history already loaded, so callers can read them (or pass them to
bot.store.serialize.report_to_dict) after the session is gone.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload, selectinload
from sqlalchemy.sql import Select

from bot.digits import to_ascii_digits
from bot.intake.reference import new_reference, parse_reference
from bot.store.db import resolve_engine, session_scope
from bot.store.models import (
    Attachment,
    Report,
    Reporter,
    ReportStatus,
    StatusHistory,
    check_language,
    check_report_type,
    check_status,
    utc_now,
)

# Attempts at one filing when a unique constraint trips over a concurrent writer (a reporter
# created at the same moment, or a reference drawn twice, which is astronomically rare).
MAX_FILING_ATTEMPTS = 5

_SPACES = re.compile(r"\s+")


def _identifier(text: str) -> str:
    """An identifier typed by a person, with ASCII digits and no stray spaces."""
    return _SPACES.sub(" ", to_ascii_digits(text)).strip()


def _require_aware(value: datetime | None, name: str) -> None:
    if value is not None and value.tzinfo is None:
        raise ValueError(f"{name} must be timezone-aware, got {value!r}")


class ReportNotFound(LookupError):
    """No report has this reference (or the text is not a valid reference at all)."""

    def __init__(self, reference: str) -> None:
        super().__init__(f"no report with reference {reference!r}")
        self.reference = reference


@dataclass(frozen=True)
class ReporterDraft:
    full_name: str
    national_id: str
    mobile: str
    email: str | None = None


@dataclass(frozen=True)
class AttachmentDraft:
    """A file already saved on disk (see bot.store.files.store_attachment)."""

    filename: str
    content_type: str
    size: int
    sha256: str
    stored_path: str


@dataclass(frozen=True)
class ReportDraft:
    """Everything needed to file a report; `due_at` is computed by the caller."""

    type: str
    language: str
    channel: str
    reporter: ReporterDraft
    due_at: datetime | None
    platform: str | None = None
    service_name: str | None = None
    service_channel: str | None = None
    entity_name: str | None = None
    prior_complaint_ref: str | None = None
    prior_complaint_date: date | str | None = None
    title: str | None = None
    description: str | None = None
    sender_id: str | None = None
    attachments: Sequence[AttachmentDraft] = field(default_factory=tuple)
    created_at: datetime | None = None

    def __post_init__(self) -> None:
        check_report_type(self.type)
        check_language(self.language)
        if not self.channel:
            raise ValueError("channel must not be empty")
        _require_aware(self.due_at, "due_at")
        _require_aware(self.created_at, "created_at")
        if isinstance(self.prior_complaint_date, str):
            parsed = date.fromisoformat(to_ascii_digits(self.prior_complaint_date).strip())
            object.__setattr__(self, "prior_complaint_date", parsed)


@dataclass(frozen=True)
class FiledReport:
    """The outcome of file_report; `created` is False when the idempotency key was seen before."""

    reference: str
    status: str
    created_at: datetime
    due_at: datetime | None
    created: bool


@dataclass
class _Attempt:
    reference: str | None = None
    reporter_was_new: bool = False


def _filed(report: Report, *, created: bool) -> FiledReport:
    return FiledReport(
        reference=report.reference,
        status=report.status,
        created_at=report.created_at,
        due_at=report.due_at,
        created=created,
    )


def _loaded(statement: Select) -> Select:
    return statement.options(
        joinedload(Report.reporter),
        selectinload(Report.attachments),
        selectinload(Report.history),
    )


class ReportRepository:
    """Reports in the store at `bind` (an Engine, a URL, or None for DATABASE_URL)."""

    def __init__(self, bind: Engine | str | None = None) -> None:
        self.engine = resolve_engine(bind)

    # -- filing ---------------------------------------------------------------------------

    def file_report(self, draft: ReportDraft, idempotency_key: str) -> FiledReport:
        """Store a new report in one transaction, or return the one filed under the same key.

        The reporter is found by national ID (and their contact details updated) or created;
        the report gets a fresh random reference, status `received` with its first history
        row, and its attachments. A retried call with the same key returns the first report,
        even when both calls race each other.
        """
        if not idempotency_key:
            raise ValueError("idempotency_key must not be empty")
        for attempt in range(1, MAX_FILING_ATTEMPTS + 1):
            state = _Attempt()
            try:
                with session_scope(self.engine, write=True) as session:
                    return self._insert(session, draft, idempotency_key, state)
            except IntegrityError:
                existing = self._filed_by_key(idempotency_key)
                if existing is not None:
                    return existing
                if attempt < MAX_FILING_ATTEMPTS and self._lost_a_race(draft, state):
                    continue
                raise
        raise AssertionError("unreachable: the last attempt returns or raises")

    def _insert(
        self, session: Session, draft: ReportDraft, key: str, state: _Attempt
    ) -> FiledReport:
        existing = session.scalars(select(Report).where(Report.idempotency_key == key)).first()
        if existing is not None:
            return _filed(existing, created=False)
        reporter = self._upsert_reporter(session, draft.reporter, state)
        state.reference = self._unused_reference(session)
        created_at = draft.created_at or utc_now()
        report = Report(
            reference=state.reference,
            type=draft.type,
            status=ReportStatus.RECEIVED.value,
            language=draft.language,
            channel=draft.channel,
            created_at=created_at,
            due_at=draft.due_at,
            platform=draft.platform,
            service_name=draft.service_name,
            service_channel=draft.service_channel,
            entity_name=draft.entity_name,
            prior_complaint_ref=(
                _identifier(draft.prior_complaint_ref) if draft.prior_complaint_ref else None
            ),
            prior_complaint_date=draft.prior_complaint_date,
            title=draft.title,
            description=draft.description,
            sender_id=draft.sender_id,
            idempotency_key=key,
            reporter=reporter,
        )
        report.history.append(StatusHistory(status=ReportStatus.RECEIVED.value, at=created_at))
        for item in draft.attachments:
            report.attachments.append(
                Attachment(
                    filename=item.filename,
                    content_type=item.content_type,
                    size=item.size,
                    sha256=item.sha256,
                    stored_path=item.stored_path,
                )
            )
        session.add(report)
        session.flush()
        return _filed(report, created=True)

    def _upsert_reporter(self, session: Session, draft: ReporterDraft, state: _Attempt) -> Reporter:
        national_id = _identifier(draft.national_id)
        if not national_id:
            raise ValueError("national_id must not be empty")
        reporter = session.scalars(
            select(Reporter).where(Reporter.national_id == national_id)
        ).first()
        if reporter is None:
            state.reporter_was_new = True
            reporter = Reporter(national_id=national_id)
            session.add(reporter)
        reporter.full_name = draft.full_name.strip()
        reporter.mobile = _identifier(draft.mobile)
        if draft.email:
            reporter.email = draft.email.strip()
        return reporter

    @staticmethod
    def _unused_reference(session: Session) -> str:
        while True:
            reference = new_reference()
            taken = session.scalar(select(Report.id).where(Report.reference == reference))
            if taken is None:
                return reference

    def _filed_by_key(self, key: str) -> FiledReport | None:
        with session_scope(self.engine) as session:
            report = session.scalars(select(Report).where(Report.idempotency_key == key)).first()
            return None if report is None else _filed(report, created=False)

    def _lost_a_race(self, draft: ReportDraft, state: _Attempt) -> bool:
        """Whether the IntegrityError came from a concurrent writer, so a new attempt helps."""
        with session_scope(self.engine) as session:
            if state.reference is not None and session.scalar(
                select(Report.id).where(Report.reference == state.reference)
            ):
                return True
            national_id = _identifier(draft.reporter.national_id)
            return state.reporter_was_new and (
                session.scalar(select(Reporter.id).where(Reporter.national_id == national_id))
                is not None
            )

    # -- reading --------------------------------------------------------------------------

    def get(self, reference: str) -> Report | None:
        """The report with this reference, typed in any accepted readback form; else None."""
        canonical = parse_reference(reference)
        if canonical is None:
            return None
        with session_scope(self.engine) as session:
            return session.scalars(
                _loaded(select(Report)).where(Report.reference == canonical)
            ).first()

    def require(self, reference: str) -> Report:
        """Like get(), but ReportNotFound instead of None."""
        report = self.get(reference)
        if report is None:
            raise ReportNotFound(reference)
        return report

    def list_reports(self, status: str | None = None, limit: int | None = None) -> list[Report]:
        """Reports, newest first, optionally only those in `status`."""
        statement = _loaded(select(Report)).order_by(Report.created_at.desc(), Report.id.desc())
        if status is not None:
            statement = statement.where(Report.status == check_status(status))
        if limit is not None:
            statement = statement.limit(limit)
        with session_scope(self.engine) as session:
            return list(session.scalars(statement).unique())

    def find_report_by_prior_complaint_ref(self, ref: str) -> Report | None:
        """The report that already escalated the entity's complaint `ref`, if any.

        Matching ignores case, surrounding spaces and the digit script; a cancelled report does
        not count (the reporter withdrew it, so escalating again is legitimate).
        """
        wanted = _identifier(ref).upper()
        if not wanted:
            return None
        statement = (
            _loaded(select(Report))
            .where(func.upper(Report.prior_complaint_ref) == wanted)
            .where(Report.status != ReportStatus.CANCELLED.value)
            .order_by(Report.created_at, Report.id)
        )
        with session_scope(self.engine) as session:
            return session.scalars(statement).first()

    def reports_of(self, national_id: str) -> list[Report]:
        """Every report of the reporter with this national ID or iqama number, oldest first."""
        statement = (
            _loaded(select(Report))
            .join(Report.reporter)
            .where(Reporter.national_id == _identifier(national_id))
            .order_by(Report.created_at, Report.id)
        )
        with session_scope(self.engine) as session:
            return list(session.scalars(statement).unique())

    # -- changing -------------------------------------------------------------------------

    def set_status(self, reference: str, status: str, note: str | None = None) -> Report:
        """Move a report to `status`, recording it in the history; returns the updated report.

        Raises ValueError for a status outside CONTRACT's list, ReportNotFound for an unknown
        or invalid reference.
        """
        status = check_status(status)
        canonical = parse_reference(reference)
        if canonical is None:
            raise ReportNotFound(reference)
        with session_scope(self.engine, write=True) as session:
            report = session.scalars(
                _loaded(select(Report)).where(Report.reference == canonical)
            ).first()
            if report is None:
                raise ReportNotFound(reference)
            report.status = status
            report.history.append(StatusHistory(status=status, at=utc_now(), note=note))
            session.flush()
            return report
