"""Filing: a new report and its reporter in one transaction, once per idempotency key."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.store.db import resolve_engine, session_scope
from bot.store.models import Report, ReportStatus, StatusHistory, utc_now
from bot.store.outbox import enqueue
from bot.store.reference import new_reference
from bot.store.reports import reporters
from bot.store.reports.drafts import FiledReport, ReportDraft
from bot.store.reports.rows import attachment_row, identifier
from bot.texts.notices import NoticeKind

# Attempts at one filing when a unique constraint trips over a concurrent writer (a reporter
# created at the same moment, or a reference drawn twice, which is astronomically rare).
MAX_FILING_ATTEMPTS = 5


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


def _unused_reference(session: Session) -> str:
    while True:
        reference = new_reference()
        taken = session.scalar(select(Report.id).where(Report.reference == reference))
        if taken is None:
            return reference


class ReportFiling:
    """Files reports into the store at `bind` (an Engine, a URL, or None for DATABASE_URL)."""

    def __init__(self, bind: Engine | str | None = None) -> None:
        self.engine = resolve_engine(bind)

    def file_report(
        self, draft: ReportDraft, idempotency_key: str, *, notify_opened: bool = False
    ) -> FiledReport:
        """Store a new report in one transaction, or return the one filed under the same key.

        The reporter is found by national ID (bot.store.reports.reporters: never changed when
        on file) or created; the report gets a fresh random reference, status `received` with
        its first history row, and its attachments. A retried call with the same key returns
        the first report, even when both calls race each other.

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
        reporter, state.reporter_was_new = reporters.find_or_add(session, draft.reporter)
        state.reference = _unused_reference(session)
        contact = reporters.contact(draft.reporter)
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
                identifier(draft.prior_complaint_ref) if draft.prior_complaint_ref else None
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
            contact_mismatch=reporters.mismatch(reporter, contact),
        )
        report.history.append(
            StatusHistory(status=ReportStatus.RECEIVED.value, at=created_at, note=draft.note)
        )
        for item in draft.attachments:
            report.attachments.append(attachment_row(item))
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
            return state.reporter_was_new and reporters.exists(
                session, draft.reporter.national_id
            )
