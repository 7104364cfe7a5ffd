"""The one authorisation check: may this principal read or change this report?

Every read or change of a report on behalf of someone passes `authorize` (or `may`, or
`visible_reports` for "my reports"):

- a conversation (`Principal.conversation(sender_id)`, the id its channel vouched for, see
  bot.intake.identity) may read and act on the reports it filed itself, and on the reports
  it has proven the right to follow with a one-time code sent to the mobile on file
  (bot.store.verification, Purpose.FOLLOW: that reporter's reports filed with that mobile);
- the back office (`Principal.back_office()`: the CLI run by staff on the server) may read
  and act on every report; a `viewer` (the web console's read-only role) may only read;
- the scheduler (`Principal.system()`) applies the life cycle's timed rules to any report;
- anyone (`Action.ANNOUNCE`) may be told the public notice of an entity's outage report
  that the Amer centre has taken up (under review, referred, in progress): which entity,
  platform and service, since when (seed 002: users are told of known outages). Never the
  report itself, nor who filed it (ReportReads.announced_outages gives only the notice).

Nothing a client says about itself counts here: not a national ID, not a mobile, not a
sender id it chose (REST clients live in their own namespace). A refusal is `NotReportOwner`,
which callers answer exactly like a reference that does not exist.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.store.models import Report, ReportStatus, ReportType, utc_now
from bot.store.reports.errors import NotReportOwner
from bot.store.reports.rows import loaded
from bot.store.verification import (
    Purpose,
    follow_subject,
    reporter_of_subject,
    verified_subjects,
)

__all__ = [
    "ANNOUNCED_STATUSES",
    "Action",
    "Principal",
    "authorize",
    "contact_mobile",
    "may",
    "visible_reports",
]


class Action(StrEnum):
    READ = "read"
    CANCEL = "cancel"
    ADD_DOCUMENTS = "add_documents"
    CORRECT = "correct"
    RATE = "rate"
    MOVE_STATUS = "move_status"
    REOPEN = "reopen"  # ask to re-open a closed complaint escalation
    ANNOUNCE = "announce"  # tell the public notice of a known outage (see the docstring)


# An outage report is a known outage once the Amer centre has taken it up: not while only
# received (anyone may claim to speak for an entity), nor once it is over.
ANNOUNCED_STATUSES = frozenset(
    {ReportStatus.UNDER_REVIEW, ReportStatus.REFERRED, ReportStatus.IN_PROGRESS}
)


# What a reporter may do to their own report (the life cycle decides whether it may now).
REPORTER_ACTIONS = frozenset(
    {Action.READ, Action.CANCEL, Action.ADD_DOCUMENTS, Action.CORRECT, Action.RATE,
     Action.REOPEN}
)


class Kind(StrEnum):
    CONVERSATION = "conversation"
    BACK_OFFICE = "back_office"
    SYSTEM = "system"


@dataclass(frozen=True)
class Principal:
    """Who acts: a conversation (by its channel-proven id), the back office, the scheduler."""

    kind: Kind
    sender_id: str | None = None
    role: str = "officer"

    @classmethod
    def conversation(cls, sender_id: str) -> Principal:
        if not sender_id:
            raise ValueError("a conversation principal needs its sender id")
        return cls(Kind.CONVERSATION, sender_id=sender_id)

    @classmethod
    def back_office(cls, role: str = "officer") -> Principal:
        return cls(Kind.BACK_OFFICE, role=role)

    @classmethod
    def system(cls) -> Principal:
        return cls(Kind.SYSTEM)


def contact_mobile(report: Report) -> str:
    """The mobile on file with the report (its own; the reporter's for older reports)."""
    return report.contact_mobile or (report.reporter.mobile if report.reporter else "")


def _follows(session: Session, sender_id: str, report: Report, now: datetime) -> bool:
    wanted = follow_subject(report.reporter_id, contact_mobile(report))
    return wanted in verified_subjects(
        session, sender_id=sender_id, purpose=Purpose.FOLLOW, now=now
    )


def may(
    session: Session,
    principal: Principal,
    report: Report,
    action: Action,
    *,
    now: datetime | None = None,
) -> bool:
    """Whether `principal` may do `action` to `report` (see the module docstring)."""
    if action == Action.ANNOUNCE:
        return report.type == ReportType.ENTITY_OUTAGE and report.status in ANNOUNCED_STATUSES
    if principal.kind == Kind.SYSTEM:
        return action in (Action.READ, Action.MOVE_STATUS)
    if principal.kind == Kind.BACK_OFFICE:
        return action == Action.READ or principal.role != "viewer"
    if action not in REPORTER_ACTIONS or not principal.sender_id:
        return False
    if report.sender_id and report.sender_id == principal.sender_id:
        return True
    return _follows(session, principal.sender_id, report, now or utc_now())


def authorize(
    session: Session,
    principal: Principal,
    report: Report,
    action: Action,
    *,
    now: datetime | None = None,
) -> None:
    """Raise NotReportOwner unless `principal` may do `action` to `report`."""
    if not may(session, principal, report, action, now=now):
        raise NotReportOwner(report.reference)


def visible_reports(
    session: Session, principal: Principal, *, now: datetime | None = None
) -> list[Report]:
    """The reports `principal` may read as a reporter: its own and those it follows, newest
    first (the back office lists reports through ReportReads.list_reports)."""
    if principal.kind != Kind.CONVERSATION or not principal.sender_id:
        return []
    moment = now or utc_now()
    found = {
        report.id: report
        for report in session.scalars(
            loaded(select(Report)).where(Report.sender_id == principal.sender_id)
        ).unique()
    }
    subjects = verified_subjects(
        session, sender_id=principal.sender_id, purpose=Purpose.FOLLOW, now=moment
    )
    reporters = {reporter_of_subject(subject) for subject in subjects} - {None}
    if reporters:
        for report in session.scalars(
            loaded(select(Report)).where(Report.reporter_id.in_(reporters))
        ).unique():
            if follow_subject(report.reporter_id, contact_mobile(report)) in subjects:
                found[report.id] = report
    return sorted(found.values(), key=lambda report: (report.created_at, report.id), reverse=True)
