"""The report store's operations: file a report, look reports up, move them through statuses.

Every method runs in its own transaction and returns detached objects with their reporter,
attachments, history and rating already loaded, so callers can read them (or pass them to
bot.store.serialize.report_to_dict) after the session is gone.

Status moves follow bot.store.lifecycle (TransitionNotAllowed otherwise) and queue the
reporter's notification in the outbox in the same transaction (bot.notify.outbox): the move
and its notice are committed together or not at all. What the conversation calls on behalf
of the reporter (add_documents, cancel_by_reporter, request_correction, rate) passes the one
authorisation check (bot.store.access) for the principal it is given and queues no notice:
the conversation answers them itself.

A reporter is found by national ID; the row keeps the name, mobile and e-mail given first
and is never overwritten by a later filing (anyone can type someone else's ID). Each report
keeps the contact details it was filed with, and names the fields that differ from the
reporter on file in `contact_mismatch` for the back office.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlalchemy import and_, func, or_, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload, selectinload
from sqlalchemy.sql import Select

from bot.digits import to_ascii_digits
from bot.intake.reference import new_reference, parse_reference
from bot.intake.workdays import RIYADH
from bot.notify.messages import NoticeKind
from bot.notify.outbox import enqueue
from bot.store.access import Action, Principal, authorize, may, visible_reports
from bot.store.db import resolve_engine, session_scope
from bot.store.lifecycle import (
    FINAL_STATUSES,
    MISSING_DATA_DEADLINE,
    Actor,
    check_actor,
    check_move,
)
from bot.store.models import (
    Attachment,
    OutboxMessage,
    Rating,
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


class NotReportOwner(ReportNotFound):
    """The report belongs to another reporter. A ReportNotFound, so that a reporter who asks
    about someone else's report learns nothing more than "no such report of yours"."""


class ReportNotOpen(ValueError):
    """The report is closed, cancelled, accepted or rejected: it can no longer change."""

    def __init__(self, reference: str, status: str, what: str) -> None:
        super().__init__(f"report {reference} is {status} (final): cannot {what}")
        self.reference = reference
        self.status = status


class RatingNotAllowed(ValueError):
    """Only a closed report is rated (SPEC: the survey comes after closing)."""


class AlreadyRated(ValueError):
    """The report has a different rating already (one survey per report)."""


RATING_RANGE = range(1, 6)
MAX_COMMENT_LENGTH = 2000


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


def _contact(draft: ReporterDraft) -> dict[str, str | None]:
    return {
        "full_name": draft.full_name.strip(),
        "mobile": _identifier(draft.mobile),
        "email": draft.email.strip() if draft.email else None,
    }


def _mismatch(reporter: Reporter, contact: dict[str, str | None]) -> str | None:
    """The contact fields that differ from the reporter on file ("full_name,mobile"), or None.
    A missing e-mail on either side is no difference."""
    differ = [
        name
        for name in ("full_name", "mobile", "email")
        if contact[name] and getattr(reporter, name) and contact[name] != getattr(reporter, name)
    ]
    return ",".join(differ) or None


def _loaded(statement: Select) -> Select:
    return statement.options(
        joinedload(Report.reporter),
        selectinload(Report.attachments),
        selectinload(Report.history),
        selectinload(Report.rating),
    )


def _day_start(value: date | datetime) -> datetime:
    """A bound of a date filter: a date is the start of that day in Riyadh."""
    if isinstance(value, datetime):
        _require_aware(value, "date filter")
        return value
    return datetime.combine(value, time(0, 0), tzinfo=RIYADH)


def _rating_value(value: object, what: str) -> int:
    try:
        number = int(to_ascii_digits(str(value)).strip())
    except ValueError:
        number = 0
    if number not in RATING_RANGE or isinstance(value, bool):
        raise ValueError(f"the {what} rating must be a whole number from 1 to 5, got {value!r}")
    return number


def _status_dedupe_key(kind: str, report: Report, entry: StatusHistory) -> str:
    return f"{kind}:{report.reference}:{entry.id}"


class ReportRepository:
    """Reports in the store at `bind` (an Engine, a URL, or None for DATABASE_URL)."""

    def __init__(self, bind: Engine | str | None = None) -> None:
        self.engine = resolve_engine(bind)

    # -- filing ---------------------------------------------------------------------------

    def file_report(
        self, draft: ReportDraft, idempotency_key: str, *, notify_opened: bool = False
    ) -> FiledReport:
        """Store a new report in one transaction, or return the one filed under the same key.

        The reporter is found by national ID (and their contact details updated) or created;
        the report gets a fresh random reference, status `received` with its first history
        row, and its attachments. A retried call with the same key returns the first report,
        even when both calls race each other.

        `notify_opened=True` also queues the `report_opened` notice (number, reply date, how
        to follow it) in the same transaction. Off by default: the conversation that files
        the report says all that itself.
        """
        if not idempotency_key:
            raise ValueError("idempotency_key must not be empty")
        for attempt in range(1, MAX_FILING_ATTEMPTS + 1):
            state = _Attempt()
            try:
                with session_scope(self.engine, write=True) as session:
                    return self._insert(
                        session, draft, idempotency_key, state, notify_opened=notify_opened
                    )
            except IntegrityError:
                existing = self._filed_by_key(idempotency_key)
                if existing is not None:
                    return existing
                if attempt < MAX_FILING_ATTEMPTS and self._lost_a_race(draft, state):
                    continue
                raise
        raise AssertionError("unreachable: the last attempt returns or raises")

    def _insert(
        self,
        session: Session,
        draft: ReportDraft,
        key: str,
        state: _Attempt,
        *,
        notify_opened: bool = False,
    ) -> FiledReport:
        existing = session.scalars(select(Report).where(Report.idempotency_key == key)).first()
        if existing is not None:
            return _filed(existing, created=False)
        reporter = self._reporter_for(session, draft.reporter, state)
        state.reference = self._unused_reference(session)
        contact = _contact(draft.reporter)
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
            contact_name=contact["full_name"],
            contact_mobile=contact["mobile"],
            contact_email=contact["email"],
            contact_mismatch=_mismatch(reporter, contact),
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
        if notify_opened:
            enqueue(
                session,
                report,
                NoticeKind.REPORT_OPENED,
                dedupe_key=f"{NoticeKind.REPORT_OPENED}:{report.reference}",
                at=created_at,
                fields={"due_at": report.due_at},
            )
        return _filed(report, created=True)

    def _reporter_for(self, session: Session, draft: ReporterDraft, state: _Attempt) -> Reporter:
        """The reporter with the draft's national ID, as on file, or a new one. An existing
        reporter is never changed: a filing cannot overwrite someone's name or mobile."""
        national_id = _identifier(draft.national_id)
        if not national_id:
            raise ValueError("national_id must not be empty")
        reporter = session.scalars(
            select(Reporter).where(Reporter.national_id == national_id)
        ).first()
        if reporter is None:
            state.reporter_was_new = True
            reporter = Reporter(
                national_id=national_id,
                full_name=draft.full_name.strip(),
                mobile=_identifier(draft.mobile),
                email=draft.email.strip() if draft.email else None,
            )
            session.add(reporter)
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

    def get_for(self, principal: Principal, reference: str) -> Report | None:
        """The report with this reference if `principal` may read it, else None (the same
        answer as for a reference that does not exist)."""
        canonical = parse_reference(reference)
        if canonical is None:
            return None
        with session_scope(self.engine) as session:
            report = session.scalars(
                _loaded(select(Report)).where(Report.reference == canonical)
            ).first()
            if report is None or not may(session, principal, report, Action.READ):
                return None
            return report

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
        statement = _loaded(select(Report)).order_by(Report.created_at.desc(), Report.id.desc())
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
            _require_aware(end, "until")
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

    def reports_of_sender(self, sender_id: str) -> list[Report]:
        """Every report filed from this channel identity (Rasa sender id), oldest first."""
        statement = (
            _loaded(select(Report))
            .where(Report.sender_id == sender_id)
            .order_by(Report.created_at, Report.id)
        )
        with session_scope(self.engine) as session:
            return list(session.scalars(statement).unique())

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

    def set_status(
        self,
        reference: str,
        status: str,
        note: str | None = None,
        *,
        actor: str = Actor.BACK_OFFICE,
        at: datetime | None = None,
        notify: bool | None = None,
        principal: Principal | None = None,
    ) -> Report:
        """Move a report to `status`, recording it in the history; returns the updated report.

        Who moves it passes the one authorisation check: `principal`, by default the
        scheduler for the system's moves and the back office for the others (a viewer may
        not move anything).

        The move must be one the life cycle allows `actor` (bot.store.lifecycle); the
        reporter's notification (`status_changed`, in their language, on their channel) is
        queued in the same transaction. `notify` defaults to True except for the reporter's
        own moves. `at` (default now) is the time recorded.

        Raises ValueError for a status outside CONTRACT's list, TransitionNotAllowed (a
        ValueError) for a move the life cycle refuses, ReportNotFound for an unknown or
        invalid reference.
        """
        status = check_status(status)
        actor = check_actor(actor)
        _require_aware(at, "at")
        canonical = self._canonical(reference)
        if principal is None:
            principal = Principal.system() if actor == Actor.SYSTEM else Principal.back_office()
        with session_scope(self.engine, write=True) as session:
            report = self._locked(session, canonical, reference)
            authorize(session, principal, report, Action.MOVE_STATUS)
            self._move(
                session,
                report,
                status,
                note=note,
                actor=actor,
                at=at or utc_now(),
                notify=(actor != Actor.REPORTER) if notify is None else notify,
            )
            return report

    # -- the reporter's own requests (called by the conversation) -------------------------

    def add_documents(
        self,
        reference: str,
        attachments: Sequence[AttachmentDraft],
        *,
        principal: Principal,
        at: datetime | None = None,
    ) -> Report:
        """Add the reporter's documents to their open report; a report waiting in
        `missing_data` goes back to `under_review` (which stops the 48-hour clock). A file
        the report already has (same SHA-256) is not added again."""
        if not attachments:
            raise ValueError("no documents to add")
        _require_aware(at, "at")
        canonical = self._canonical(reference)
        with session_scope(self.engine, write=True) as session:
            report = self._locked(session, canonical, reference)
            authorize(session, principal, report, Action.ADD_DOCUMENTS)
            self._check_open(report, "add documents")
            # a retried request adds nothing twice: a file already on the report is skipped
            present = {attachment.sha256 for attachment in report.attachments}
            added = 0
            for item in attachments:
                if item.sha256 in present:
                    continue
                present.add(item.sha256)
                added += 1
                report.attachments.append(
                    Attachment(
                        filename=item.filename,
                        content_type=item.content_type,
                        size=item.size,
                        sha256=item.sha256,
                        stored_path=item.stored_path,
                    )
                )
            if added and report.status == ReportStatus.MISSING_DATA:
                self._move(
                    session,
                    report,
                    ReportStatus.UNDER_REVIEW,
                    note=f"{added} document(s) added by the reporter",
                    actor=Actor.REPORTER,
                    at=at or utc_now(),
                    notify=False,
                )
            session.flush()
            return report

    def cancel_by_reporter(
        self,
        reference: str,
        *,
        principal: Principal,
        reason: str | None = None,
        at: datetime | None = None,
    ) -> Report:
        """The reporter cancels their open report. Cancelling a cancelled report again
        changes nothing (a retried request); a final report raises TransitionNotAllowed."""
        _require_aware(at, "at")
        canonical = self._canonical(reference)
        with session_scope(self.engine, write=True) as session:
            report = self._locked(session, canonical, reference)
            authorize(session, principal, report, Action.CANCEL)
            if report.status == ReportStatus.CANCELLED:
                return report
            note = "cancelled by the reporter" + (f": {reason.strip()}" if reason else "")
            self._move(
                session,
                report,
                ReportStatus.CANCELLED,
                note=note,
                actor=Actor.REPORTER,
                at=at or utc_now(),
                notify=False,
            )
            return report

    def request_correction(
        self,
        reference: str,
        *,
        principal: Principal,
        correction: str,
        at: datetime | None = None,
    ) -> Report:
        """Record the reporter's request to correct their open report (SPEC FAQ: errors are
        corrected through the Amer centre's channels). It is a history entry in the current
        status, note "correction requested: …", for the back office to act on."""
        text = " ".join((correction or "").split())
        if not text:
            raise ValueError("the correction must not be empty")
        _require_aware(at, "at")
        canonical = self._canonical(reference)
        with session_scope(self.engine, write=True) as session:
            report = self._locked(session, canonical, reference)
            authorize(session, principal, report, Action.CORRECT)
            self._check_open(report, "request a correction")
            report.history.append(
                StatusHistory(
                    status=report.status,
                    at=at or utc_now(),
                    note=f"correction requested: {text}",
                    actor=Actor.REPORTER.value,
                )
            )
            session.flush()
            return report

    def rate(
        self,
        reference: str,
        *,
        solution: int | str,
        service: int | str,
        comment: str | None = None,
        principal: Principal | None = None,
        at: datetime | None = None,
    ) -> Report:
        """Store the satisfaction survey of a closed report: the solution and the service
        rated 1–5, an optional comment. One rating per report: the same rating again is
        accepted (a retry), a different one raises AlreadyRated. `principal` is who rates:
        the conversation passes its own; the back-office CLI is the default."""
        solution_rating = _rating_value(solution, "solution")
        service_rating = _rating_value(service, "service")
        text = (comment or "").strip() or None
        if text is not None and len(text) > MAX_COMMENT_LENGTH:
            raise ValueError(f"the comment is longer than {MAX_COMMENT_LENGTH} characters")
        _require_aware(at, "at")
        canonical = self._canonical(reference)
        with session_scope(self.engine, write=True) as session:
            report = self._locked(session, canonical, reference)
            authorize(session, principal or Principal.back_office(), report, Action.RATE)
            if report.status != ReportStatus.CLOSED:
                raise RatingNotAllowed(
                    f"report {report.reference} is {report.status}: only a closed report is rated"
                )
            existing = report.rating
            if existing is not None:
                if (existing.solution_rating, existing.service_rating, existing.comment) == (
                    solution_rating,
                    service_rating,
                    text,
                ):
                    return report
                raise AlreadyRated(f"report {report.reference} was rated already")
            report.rating = Rating(
                solution_rating=solution_rating,
                service_rating=service_rating,
                comment=text,
                rated_at=at or utc_now(),
            )
            session.flush()
            return report

    # -- timed rules (bot/runtime/jobs.py) -------------------------------------------------------

    def missing_data_requested_before(
        self, moment: datetime, *, unless_notified: str | None = None
    ) -> list[Report]:
        """Reports in `missing_data` whose request was made at or before `moment`; with
        `unless_notified`, leaving out those that got that kind of notice since the request."""
        _require_aware(moment, "moment")
        statement = (
            _loaded(select(Report))
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
            _loaded(select(Report))
            .where(Report.status.in_([check_status(status) for status in statuses]))
            .where(~queued)
            .order_by(Report.created_at, Report.id)
        )
        if due_before is not None:
            _require_aware(due_before, "due_before")
            statement = statement.where(or_(Report.due_at < due_before, Report.due_at.is_(None)))
        with session_scope(self.engine) as session:
            return list(session.scalars(statement).unique())

    def closed_without_rating(
        self, closed_from: datetime, closed_until: datetime
    ) -> list[tuple[Report, datetime]]:
        """Closed, unrated reports without a survey notice, with the time they were closed,
        for those closed in [closed_from, closed_until]."""
        closed_at = (
            select(StatusHistory.report_id, func.max(StatusHistory.at).label("closed_at"))
            .where(StatusHistory.status == ReportStatus.CLOSED.value)
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
            .where(Report.status == ReportStatus.CLOSED.value)
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
                    _loaded(select(Report)).where(Report.reference.in_(references))
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
        _require_aware(at, "at")
        canonical = self._canonical(reference)
        with session_scope(self.engine, write=True) as session:
            report = self._locked(session, canonical, reference)
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

    def cancel_unanswered_missing_data(
        self, reference: str, *, requested_before: datetime, at: datetime, note: str
    ) -> Report | None:
        """The 48-hour rule: cancel the report if it is still waiting for documents asked for
        at or before `requested_before`, and queue `missing_data_cancelled` (instead of the
        plain status notice). None when that no longer holds (documents came meanwhile)."""
        _require_aware(at, "at")
        canonical = self._canonical(reference)
        with session_scope(self.engine, write=True) as session:
            report = self._locked(session, canonical, reference)
            requested = report.missing_data_requested_at
            if (
                report.status != ReportStatus.MISSING_DATA
                or requested is None
                or requested > requested_before
            ):
                return None
            self._move(
                session,
                report,
                ReportStatus.CANCELLED,
                note=note,
                actor=Actor.SYSTEM,
                at=at,
                notify=True,
                notice_kind=NoticeKind.MISSING_DATA_CANCELLED,
            )
            return report

    # -- internals ------------------------------------------------------------------------

    @staticmethod
    def _canonical(reference: str) -> str:
        canonical = parse_reference(reference)
        if canonical is None:
            raise ReportNotFound(reference)
        return canonical

    @staticmethod
    def _locked(session: Session, canonical: str, reference: str) -> Report:
        """The report, its row locked until the transaction ends (PostgreSQL; SQLite's write
        transaction locks the whole database already)."""
        report_id = session.scalar(
            select(Report.id).where(Report.reference == canonical).with_for_update()
        )
        if report_id is None:
            raise ReportNotFound(reference)
        return session.scalars(_loaded(select(Report)).where(Report.id == report_id)).one()

    @staticmethod
    def _check_open(report: Report, what: str) -> None:
        if report.status in FINAL_STATUSES:
            raise ReportNotOpen(report.reference, report.status, what)

    @staticmethod
    def _move(
        session: Session,
        report: Report,
        target: str,
        *,
        note: str | None,
        actor: Actor,
        at: datetime,
        notify: bool,
        notice_kind: NoticeKind = NoticeKind.STATUS_CHANGED,
    ) -> StatusHistory:
        check_move(
            report.status, target, report_type=report.type, actor=actor, reference=report.reference
        )
        previous = report.status
        report.status = target
        if target == ReportStatus.MISSING_DATA:
            report.missing_data_requested_at = at
        elif previous == ReportStatus.MISSING_DATA:
            report.missing_data_requested_at = None
        entry = StatusHistory(status=target, at=at, note=note, actor=actor.value)
        report.history.append(entry)
        session.flush()
        if notify:
            fields: dict[str, object] = {"status": target, "note": note}
            if target == ReportStatus.MISSING_DATA:
                fields["deadline"] = at + MISSING_DATA_DEADLINE
            enqueue(
                session,
                report,
                notice_kind,
                dedupe_key=_status_dedupe_key(notice_kind, report, entry),
                at=at,
                fields=fields,
            )
        return entry
