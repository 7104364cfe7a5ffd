"""Changes: status moves and the reporter's own requests, each locked and transactional.

Each method locks the report's row (bot.store.reports.rows.locked) and runs in one write
transaction. Status moves follow bot.store.lifecycle (TransitionNotAllowed otherwise) and
queue the reporter's notification in the outbox in the same transaction
(bot.store.outbox): the move and its notice are committed together or not at all, and
each move is a row of the report's history. What the conversation calls on behalf of the
reporter (add_documents, cancel_by_reporter, request_correction, rate) passes the one
authorisation check (bot.store.access) for the principal it is given and queues no
notice: the conversation answers them itself.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime

from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from bot.digits import to_ascii_digits
from bot.store.access import Action, Principal, authorize
from bot.store.db import resolve_engine, session_scope
from bot.store.lifecycle import (
    FINAL_STATUSES,
    HANDLED_STATUSES,
    MISSING_DATA_DEADLINE,
    REOPEN_ACCEPTED,
    REOPEN_REFUSED,
    REOPEN_REQUESTED,
    Actor,
    DecisionNoteMissing,
    check_actor,
    check_move,
    decision_note,
    reopen_pending,
    reopenable,
)
from bot.store.models import (
    Rating,
    Report,
    ReportStatus,
    StatusHistory,
    check_status,
    utc_now,
)
from bot.store.outbox import enqueue
from bot.store.reports import rows
from bot.store.reports.drafts import AttachmentDraft, require_aware
from bot.store.reports.errors import (
    AlreadyRated,
    NoReopenRequest,
    RatingNotAllowed,
    ReopenNotAllowed,
    ReportNotOpen,
)
from bot.texts.notices import NoticeKind

RATING_RANGE = range(1, 6)
MAX_COMMENT_LENGTH = 2000


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


def _reporter_note(session: Session, report: Report, note: str, at: datetime | None) -> None:
    """A request of the reporter recorded for the back office: a history entry in the
    report's current status."""
    report.history.append(
        StatusHistory(status=report.status, at=at or utc_now(), note=note,
                      actor=Actor.REPORTER.value)
    )
    session.flush()


def check_open(report: Report, what: str) -> None:
    """ReportNotOpen when the report is final and can no longer change."""
    if report.status in FINAL_STATUSES:
        raise ReportNotOpen(report.reference, report.status, what)


def move(
    session: Session,
    report: Report,
    target: str,
    *,
    note: str | None,
    actor: Actor,
    at: datetime,
    notify: bool,
    notice_kind: NoticeKind = NoticeKind.STATUS_CHANGED,
    lifecycle: bool = True,
) -> StatusHistory:
    """Move the locked `report` to `target` as the life cycle allows `actor`, record it in
    the history, keep the 48-hour clock, and (with `notify`) queue the notice in the same
    transaction. `lifecycle=False`: a move the caller checked by its own rule (the answer to
    a re-open request: out of `closed`, or a note in it), not the life cycle's table."""
    if lifecycle:
        check_move(
            report.status, target, report_type=report.type, actor=actor,
            reference=report.reference,
        )
    note = decision_note(target, note)
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


class ReportChanges:
    """Changes reports in the store at `bind` (an Engine, a URL, or None for DATABASE_URL)."""

    def __init__(self, bind: Engine | str | None = None) -> None:
        self.engine = resolve_engine(bind)

    @contextmanager
    def _locked_for(
        self, reference: str, principal: Principal, action: Action
    ) -> Iterator[tuple[Session, Report]]:
        """A write transaction with the report's row locked, once `principal` passed the
        authorisation check for `action` on it (ReportNotFound, AccessDenied otherwise)."""
        canonical = rows.canonical(reference)  # a malformed reference: before any transaction
        with session_scope(self.engine, write=True) as session:
            report = rows.locked(session, canonical, reference)
            authorize(session, principal, report, action)
            yield session, report

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
        require_aware(at, "at")
        if principal is None:
            principal = Principal.system() if actor == Actor.SYSTEM else Principal.back_office()
        with self._locked_for(reference, principal, Action.MOVE_STATUS) as (session, report):
            move(
                session,
                report,
                status,
                note=note,
                actor=actor,
                at=at or utc_now(),
                notify=(actor != Actor.REPORTER) if notify is None else notify,
            )
            return report

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
        require_aware(at, "at")
        with self._locked_for(reference, principal, Action.ADD_DOCUMENTS) as (session, report):
            check_open(report, "add documents")
            # a retried request adds nothing twice: a file already on the report is skipped
            present = {attachment.sha256 for attachment in report.attachments}
            added = 0
            for item in attachments:
                if item.sha256 in present:
                    continue
                present.add(item.sha256)
                added += 1
                report.attachments.append(rows.attachment_row(item))
            if added and report.status == ReportStatus.MISSING_DATA:
                move(
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
        require_aware(at, "at")
        with self._locked_for(reference, principal, Action.CANCEL) as (session, report):
            if report.status == ReportStatus.CANCELLED:
                return report
            note = "cancelled by the reporter" + (f": {reason.strip()}" if reason else "")
            move(
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
        require_aware(at, "at")
        with self._locked_for(reference, principal, Action.CORRECT) as (session, report):
            check_open(report, "request a correction")
            _reporter_note(session, report, f"correction requested: {text}", at)
            return report

    def request_reopen(
        self,
        reference: str,
        *,
        principal: Principal,
        reason: str,
        at: datetime | None = None,
    ) -> Report:
        """Record the reporter's request to re-open their closed complaint escalation, with
        its reason (seed 003): a history entry in `closed`, REOPEN_REQUESTED + the reason,
        for the back office to decide (`decide_reopen`). Asked again while it waits: the
        first request stands (nothing added)."""
        text = " ".join((reason or "").split())
        if not text:
            raise ValueError("the reason must not be empty")
        require_aware(at, "at")
        with self._locked_for(reference, principal, Action.REOPEN) as (session, report):
            if not reopenable(report.type, report.status):
                raise ReopenNotAllowed(report.reference, report.status, report.type)
            if not reopen_pending(report):
                _reporter_note(session, report, REOPEN_REQUESTED + text, at)
            return report

    def decide_reopen(
        self,
        reference: str,
        *,
        accept: bool,
        note: str | None = None,
        at: datetime | None = None,
        principal: Principal | None = None,
    ) -> Report:
        """The back office's answer to a waiting re-open request (NoReopenRequest without
        one). Accepted: closed -> under_review, the one move out of a final status. Refused:
        an entry in `closed` with the reason (required: DecisionNoteMissing). Either way the
        reporter is told on their channel (`status_changed`, the note with it), in the same
        transaction."""
        reason = " ".join((note or "").split())
        if not accept and not reason:
            raise DecisionNoteMissing("a refused re-open needs the reason (--note)")
        require_aware(at, "at")
        moment = at or utc_now()
        with self._locked_for(reference, principal or Principal.back_office(),
                              Action.MOVE_STATUS) as (session, report):
            if not reopen_pending(report):
                raise NoReopenRequest(report.reference)
            if accept:
                target = ReportStatus.UNDER_REVIEW.value
                text = REOPEN_ACCEPTED + (f": {reason}" if reason else "")
            else:
                target, text = ReportStatus.CLOSED.value, REOPEN_REFUSED + reason
            move(session, report, target, note=text, actor=Actor.BACK_OFFICE, at=moment,
                 notify=True, lifecycle=False)
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
        """Store the satisfaction survey of a handled report (closed, accepted, rejected):
        the solution and the service rated 1–5, an optional comment. One rating per report:
        the same rating again is accepted (a retry), a different one raises AlreadyRated.
        `principal` is who rates: the conversation passes its own; the back-office CLI is the
        default."""
        solution_rating = _rating_value(solution, "solution")
        service_rating = _rating_value(service, "service")
        text = (comment or "").strip() or None
        if text is not None and len(text) > MAX_COMMENT_LENGTH:
            raise ValueError(f"the comment is longer than {MAX_COMMENT_LENGTH} characters")
        require_aware(at, "at")
        rater = principal or Principal.back_office()
        with self._locked_for(reference, rater, Action.RATE) as (session, report):
            if report.status not in HANDLED_STATUSES:
                raise RatingNotAllowed(
                    f"report {report.reference} is {report.status}: only a handled report "
                    "(closed, accepted or rejected) is rated"
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

    def cancel_unanswered_missing_data(
        self, reference: str, *, requested_before: datetime, at: datetime, note: str
    ) -> Report | None:
        """The 48-hour rule: cancel the report if it is still waiting for documents asked for
        at or before `requested_before`, and queue `missing_data_cancelled` (instead of the
        plain status notice). None when that no longer holds (documents came meanwhile)."""
        require_aware(at, "at")
        canonical = rows.canonical(reference)
        with session_scope(self.engine, write=True) as session:
            report = rows.locked(session, canonical, reference)
            requested = report.missing_data_requested_at
            if (
                report.status != ReportStatus.MISSING_DATA
                or requested is None
                or requested > requested_before
            ):
                return None
            move(
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
