"""Tables of the report store: reporters, reports, attachments, status history, ratings, and
the notification outbox with the web widget's inbox.

Status, report type and language are stored as plain strings (portable, and a new value needs
no database type change) and checked in Python against the enums below, which hold the values
fixed by shared/CONTRACT.md.
"""

from __future__ import annotations

import enum
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    SmallInteger,
    String,
    Text,
    TypeDecorator,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import declarative_base, relationship, validates
from sqlalchemy.types import JSON

from bot.runtime import settings

# Deterministic constraint names, the same as in the hand-written migrations.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_name)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
Base = declarative_base(metadata=MetaData(naming_convention=NAMING_CONVENTION))


class ReportStatus(enum.StrEnum):
    RECEIVED = "received"
    UNDER_REVIEW = "under_review"
    REFERRED = "referred"
    IN_PROGRESS = "in_progress"
    MISSING_DATA = "missing_data"
    CLOSED = "closed"
    CANCELLED = "cancelled"
    ACCEPTED = "accepted"
    REJECTED = "rejected"


class ReportType(enum.StrEnum):
    COMPLAINT_ESCALATION = "complaint_escalation"
    TRANSFORMATION_REQUEST = "transformation_request"
    DEVELOPMENT_SUGGESTION = "development_suggestion"
    ENTITY_OUTAGE = "entity_outage"


class Language(enum.StrEnum):
    AR = "ar"
    EN = "en"


def _member(kind: type[enum.StrEnum], value: object, what: str) -> str:
    try:
        return kind(value).value
    except ValueError:
        allowed = ", ".join(member.value for member in kind)
        raise ValueError(f"unknown {what} {value!r}; expected one of: {allowed}") from None


def check_status(value: object) -> str:
    """The status as stored, or ValueError naming the allowed values."""
    return _member(ReportStatus, value, "report status")


def check_report_type(value: object) -> str:
    return _member(ReportType, value, "report type")


def check_language(value: object) -> str:
    return _member(Language, value, "language")


def utc_now() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """Timezone-aware UTC datetimes on every backend.

    PostgreSQL keeps them in `timestamp with time zone`; SQLite has no such type, so the UTC
    wall time is stored and the zone put back on reading. Naive datetimes are refused: their
    meaning would depend on the machine that wrote them.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if not isinstance(value, datetime) or value.tzinfo is None:
            raise ValueError(f"expected a timezone-aware datetime, got {value!r}")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Reporter(Base):
    __tablename__ = "reporters"

    id = Column(Integer, primary_key=True)
    full_name = Column(String(200), nullable=False)
    national_id = Column(String(20), nullable=False, unique=True)
    mobile = Column(String(32), nullable=False)
    email = Column(String(254), nullable=True)
    created_at = Column(UTCDateTime, nullable=False, default=utc_now)
    updated_at = Column(UTCDateTime, nullable=False, default=utc_now, onupdate=utc_now)

    reports = relationship("Report", back_populates="reporter")

    def __repr__(self) -> str:
        return f"<Reporter {self.id} {self.national_id}>"


class Report(Base):
    __tablename__ = "reports"
    __table_args__ = (
        Index("ix_reports_status", "status"),
        Index("ix_reports_reporter_id", "reporter_id"),
        Index("ix_reports_prior_complaint_ref", "prior_complaint_ref"),
        Index("ix_reports_created_at", "created_at"),
        Index("ix_reports_sender_id", "sender_id"),
    )

    id = Column(Integer, primary_key=True)
    reference = Column(String(11), nullable=False, unique=True)
    type = Column(String(40), nullable=False)
    status = Column(String(20), nullable=False)
    language = Column(String(2), nullable=False)
    channel = Column(String(32), nullable=False)
    created_at = Column(UTCDateTime, nullable=False, default=utc_now)
    due_at = Column(UTCDateTime, nullable=True)
    platform = Column(String(200), nullable=True)
    service_name = Column(String(300), nullable=True)
    service_channel = Column(String(100), nullable=True)
    entity_name = Column(String(300), nullable=True)
    prior_complaint_ref = Column(String(100), nullable=True)
    prior_complaint_date = Column(Date, nullable=True)
    title = Column(String(300), nullable=True)
    description = Column(Text, nullable=True)
    # The conversation that filed the report, to notify the reporter there later.
    sender_id = Column(String(255), nullable=True)
    # Set by the filing step so that a retried filing returns the first report.
    idempotency_key = Column(String(255), nullable=True, unique=True)
    reporter_id = Column(Integer, ForeignKey("reporters.id"), nullable=False)
    # The contact details given with this report. The reporter row (found by national ID)
    # keeps what was given first and is never overwritten by a later filing; a report whose
    # details differ keeps its own, and `contact_mismatch` names the fields that differ
    # ("full_name,mobile") for the back office to see. None on reports filed before 0004,
    # whose details are the reporter's.
    contact_name = Column(String(200), nullable=True)
    contact_mobile = Column(String(32), nullable=True)
    contact_email = Column(String(254), nullable=True)
    contact_mismatch = Column(String(100), nullable=True)
    # When the current missing-data request was made (the 48-hour clock); None in any other
    # status.
    missing_data_requested_at = Column(UTCDateTime, nullable=True)

    reporter = relationship("Reporter", back_populates="reports")
    attachments = relationship(
        "Attachment",
        back_populates="report",
        order_by=lambda: Attachment.id,
        cascade="all, delete-orphan",
    )
    history = relationship(
        "StatusHistory",
        back_populates="report",
        order_by=lambda: [StatusHistory.at, StatusHistory.id],
        cascade="all, delete-orphan",
    )
    rating = relationship(
        "Rating", back_populates="report", uselist=False, cascade="all, delete-orphan"
    )

    @validates("status")
    def _validate_status(self, _key: str, value: object) -> str:
        return check_status(value)

    @validates("type")
    def _validate_type(self, _key: str, value: object) -> str:
        return check_report_type(value)

    @validates("language")
    def _validate_language(self, _key: str, value: object) -> str:
        return check_language(value)

    def __repr__(self) -> str:
        return f"<Report {self.reference} {self.status}>"


class Attachment(Base):
    __tablename__ = "attachments"
    __table_args__ = (
        CheckConstraint("size >= 0", name="size_not_negative"),
        Index("ix_attachments_report_id", "report_id"),
    )

    id = Column(Integer, primary_key=True)
    report_id = Column(Integer, ForeignKey("reports.id", ondelete="CASCADE"), nullable=False)
    filename = Column(String(255), nullable=False)
    content_type = Column(String(127), nullable=False)
    size = Column(BigInteger, nullable=False)
    sha256 = Column(String(64), nullable=False)
    # Relative to settings.attachments_dir() unless absolute.
    stored_path = Column(String(1024), nullable=False)

    report = relationship("Report", back_populates="attachments")

    def absolute_path(self) -> Path:
        """Where the file lies on disk."""
        path = Path(self.stored_path)
        return path if path.is_absolute() else settings.attachments_dir() / path


class StatusHistory(Base):
    __tablename__ = "status_history"
    __table_args__ = (Index("ix_status_history_report_id", "report_id"),)

    id = Column(Integer, primary_key=True)
    report_id = Column(Integer, ForeignKey("reports.id", ondelete="CASCADE"), nullable=False)
    status = Column(String(20), nullable=False)
    at = Column(UTCDateTime, nullable=False, default=utc_now)
    note = Column(Text, nullable=True)
    # Who made the move: back_office, reporter or system (bot.store.lifecycle.Actor); None on
    # rows written before revision 0002.
    actor = Column(String(20), nullable=True)

    report = relationship("Report", back_populates="history")

    @validates("status")
    def _validate_status(self, _key: str, value: object) -> str:
        return check_status(value)


class Rating(Base):
    """The satisfaction survey of a closed report: one per report."""

    __tablename__ = "ratings"
    __table_args__ = (
        CheckConstraint("solution_rating BETWEEN 1 AND 5", name="solution_rating_range"),
        CheckConstraint("service_rating BETWEEN 1 AND 5", name="service_rating_range"),
    )

    id = Column(Integer, primary_key=True)
    report_id = Column(
        Integer, ForeignKey("reports.id", ondelete="CASCADE"), nullable=False, unique=True
    )
    solution_rating = Column(SmallInteger, nullable=False)
    service_rating = Column(SmallInteger, nullable=False)
    comment = Column(Text, nullable=True)
    rated_at = Column(UTCDateTime, nullable=False, default=utc_now)

    report = relationship("Report", back_populates="rating")


class OutboxState(enum.StrEnum):
    PENDING = "pending"  # to be delivered (now, or at next_attempt_at after a failure)
    SENT = "sent"  # delivered to the channel
    HELD = "held"  # no way to deliver it (no callback URL, a call-centre report, …): kept
    FAILED = "failed"  # given up after too many attempts or a permanent refusal


class OutboxMessage(Base):
    """A notification to a reporter, written in the transaction of the change it tells about.

    bot.notify.dispatcher delivers it later; `dedupe_key` makes sure that one notice is never
    queued twice, the lease (`claimed_by`, `claimed_until`) that two workers never send the
    same message at once.
    """

    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_state_next_attempt_at", "state", "next_attempt_at"),
        Index("ix_outbox_report_id", "report_id"),
    )

    id = Column(Integer, primary_key=True)
    report_id = Column(Integer, ForeignKey("reports.id", ondelete="CASCADE"), nullable=False)
    kind = Column(String(40), nullable=False)
    channel = Column(String(32), nullable=False)
    # The conversation to notify (the report's sender_id), None when unknown.
    recipient = Column(String(255), nullable=True)
    language = Column(String(2), nullable=False)
    # {"text": the message as rendered when queued, "reference", "status", …}
    payload = Column(JSON, nullable=False)
    dedupe_key = Column(String(255), nullable=False, unique=True)
    state = Column(String(10), nullable=False, default=OutboxState.PENDING.value)
    created_at = Column(UTCDateTime, nullable=False, default=utc_now)
    attempts = Column(Integer, nullable=False, default=0)
    next_attempt_at = Column(UTCDateTime, nullable=False, default=utc_now)
    claimed_by = Column(String(80), nullable=True)
    claimed_until = Column(UTCDateTime, nullable=True)
    sent_at = Column(UTCDateTime, nullable=True)
    last_error = Column(Text, nullable=True)

    report = relationship("Report")

    @validates("state")
    def _validate_state(self, _key: str, value: object) -> str:
        return _member(OutboxState, value, "outbox state")

    @validates("language")
    def _validate_language(self, _key: str, value: object) -> str:
        return check_language(value)

    def __repr__(self) -> str:
        return f"<OutboxMessage {self.id} {self.kind} {self.state}>"


class WebInboxMessage(Base):
    """A notification for a web-widget conversation, shown on the reporter's next visit.

    Written by bot.notify.senders.WebSender; `outbox_id` is unique, so a message delivered
    twice (a worker that stopped between delivering and recording it) is stored once.
    """

    __tablename__ = "web_inbox"
    __table_args__ = (Index("ix_web_inbox_sender_id", "sender_id"),)

    id = Column(Integer, primary_key=True)
    outbox_id = Column(
        Integer, ForeignKey("outbox.id", ondelete="CASCADE"), nullable=False, unique=True
    )
    report_id = Column(Integer, ForeignKey("reports.id", ondelete="CASCADE"), nullable=False)
    sender_id = Column(String(255), nullable=False)
    language = Column(String(2), nullable=False)
    text = Column(Text, nullable=False)
    created_at = Column(UTCDateTime, nullable=False, default=utc_now)
    read_at = Column(UTCDateTime, nullable=True)


class ThrottleFailure(Base):
    """One failed try of something a stranger could guess (a report lookup, a one-time
    code), counted under each key it concerns: `ref:<reference>`, `id:<digest of the ID
    number>`, `addr:<client address>`, `sender:<conversation id>`. bot.intake.throttle counts
    them per key; rows older than its window are deleted as it goes."""

    __tablename__ = "throttle_failures"
    __table_args__ = (Index("ix_throttle_failures_key_at", "key", "at"),)

    id = Column(Integer, primary_key=True)
    key = Column(String(300), nullable=False)
    at = Column(UTCDateTime, nullable=False, default=utc_now)


class UploadUsage(Base):
    """Files accepted from one key (`sender:<conversation>` or `addr:<client address>`) at
    one moment, for the hourly upload quotas (bot.store.uploads); old rows go as it goes."""

    __tablename__ = "upload_usage"
    __table_args__ = (Index("ix_upload_usage_key_at", "key", "at"),)

    id = Column(Integer, primary_key=True)
    key = Column(String(300), nullable=False)
    at = Column(UTCDateTime, nullable=False, default=utc_now)
    files = Column(Integer, nullable=False)
    bytes = Column(BigInteger, nullable=False)
    pixels = Column(BigInteger, nullable=False)


class OneTimeCode(Base):
    """A one-time code sent to a mobile or an e-mail address: only its digest is kept.

    `purpose` says what it proves (bot.store.verification.Purpose), `subject` the digest of
    what it is about (a mobile number, or a report's reporter and mobile), for the
    conversation `sender_id` that asked for it.
    """

    __tablename__ = "one_time_codes"
    __table_args__ = (Index("ix_one_time_codes_sender_id", "sender_id", "purpose"),)

    id = Column(Integer, primary_key=True)
    purpose = Column(String(20), nullable=False)
    sender_id = Column(String(255), nullable=False)
    subject = Column(String(64), nullable=False)
    code_hash = Column(String(64), nullable=False)
    created_at = Column(UTCDateTime, nullable=False, default=utc_now)
    expires_at = Column(UTCDateTime, nullable=False)
    attempts = Column(Integer, nullable=False, default=0)
    used_at = Column(UTCDateTime, nullable=True)


class Verification(Base):
    """What a conversation has proven: a mobile number it controls (purpose `mobile`: kept),
    or the right to follow the reports of one reporter and mobile (purpose `follow`: for a
    while). Read by bot.store.access, the one authorisation check."""

    __tablename__ = "verifications"
    __table_args__ = (Index("ix_verifications_sender_id", "sender_id", "purpose"),)

    id = Column(Integer, primary_key=True)
    sender_id = Column(String(255), nullable=False)
    purpose = Column(String(20), nullable=False)
    subject = Column(String(64), nullable=False)
    method = Column(String(20), nullable=False)
    verified_at = Column(UTCDateTime, nullable=False, default=utc_now)
    expires_at = Column(UTCDateTime, nullable=True)


class ContactMessage(Base):
    """An SMS or an e-mail to send (a one-time code): the outbox of messages that go to a
    number or an address rather than to a report's conversation. Sent at once by whoever
    queued it, retried by the scheduler; its text is cleared once sent."""

    __tablename__ = "contact_messages"
    __table_args__ = (Index("ix_contact_messages_state", "state", "next_attempt_at"),)

    id = Column(Integer, primary_key=True)
    kind = Column(String(10), nullable=False)  # sms | email
    recipient = Column(String(254), nullable=False)
    purpose = Column(String(20), nullable=False)
    text = Column(Text, nullable=True)
    state = Column(String(10), nullable=False, default=OutboxState.PENDING.value)
    created_at = Column(UTCDateTime, nullable=False, default=utc_now)
    expires_at = Column(UTCDateTime, nullable=False)
    attempts = Column(Integer, nullable=False, default=0)
    next_attempt_at = Column(UTCDateTime, nullable=False, default=utc_now)
    claimed_until = Column(UTCDateTime, nullable=True)
    sent_at = Column(UTCDateTime, nullable=True)
    last_error = Column(Text, nullable=True)


class HandoffState(enum.StrEnum):
    """Where a request to talk to a person stands (bot.store.handoffs)."""

    WAITING = "waiting"  # in the call-centre console's queue
    TAKEN = "taken"  # an agent is chatting with the user
    CLOSED = "closed"  # handed back to the assistant (by the agent or the user)
    EXPIRED = "expired"  # nobody took it in time: the user was told the hours and 199099


class Handoff(Base):
    """A conversation that asked for a person: queued for the call-centre console with what
    the assistant knew then (the transcript and the answers so far).

    `open_key` is the conversation's id while the request is waiting or taken and NULL once
    it ended: unique, so a conversation has one open request at most, whoever asks twice."""

    __tablename__ = "handoffs"
    __table_args__ = (Index("ix_handoffs_state", "state", "requested_at"),)

    id = Column(Integer, primary_key=True)
    sender_id = Column(String(255), nullable=False, index=True)
    open_key = Column(String(255), nullable=True, unique=True)
    channel = Column(String(20), nullable=False)
    language = Column(String(2), nullable=False)
    state = Column(String(10), nullable=False, default=HandoffState.WAITING.value)
    report_type = Column(String(40), nullable=True)
    answers = Column(JSON, nullable=False, default=dict)
    transcript = Column(JSON, nullable=False, default=list)
    requested_at = Column(UTCDateTime, nullable=False, default=utc_now)
    agent_id = Column(String(64), nullable=True)
    taken_at = Column(UTCDateTime, nullable=True)
    ended_at = Column(UTCDateTime, nullable=True)
    ended_by = Column(String(10), nullable=True)  # agent | user | timeout
    told_at = Column(UTCDateTime, nullable=True)  # the user was told how it ended (pushed)
    settled_at = Column(UTCDateTime, nullable=True)  # the assistant took the chat back

    lines = relationship(
        "HandoffLine", back_populates="handoff", order_by="HandoffLine.id", lazy="selectin"
    )


class HandoffLine(Base):
    """One message of the chat between the user and an agent; `delivered_at` is when an
    agent's line reached the user and `delivered_via` how: `reply` (given with the user's
    next turn, so it is in the conversation's own events), `inbox` (taken by the web
    widget's poll) or `push` (sent to Telegram)."""

    __tablename__ = "handoff_lines"
    __table_args__ = (CheckConstraint("author IN ('user', 'agent')", name="author"),)

    id = Column(Integer, primary_key=True)
    handoff_id = Column(
        Integer, ForeignKey("handoffs.id", ondelete="CASCADE"), nullable=False, index=True
    )
    author = Column(String(5), nullable=False)
    text = Column(Text, nullable=False)
    created_at = Column(UTCDateTime, nullable=False, default=utc_now)
    delivered_at = Column(UTCDateTime, nullable=True)
    delivered_via = Column(String(5), nullable=True)

    handoff = relationship("Handoff", back_populates="lines")


__all__ = [
    "Attachment",
    "Base",
    "ContactMessage",
    "DraftReminder",
    "Handoff",
    "HandoffLine",
    "HandoffState",
    "Language",
    "OneTimeCode",
    "OutboxMessage",
    "OutboxState",
    "Rating",
    "ReminderState",
    "Report",
    "ReportStatus",
    "ReportType",
    "Reporter",
    "StatusHistory",
    "ThrottleFailure",
    "UTCDateTime",
    "UploadUsage",
    "Verification",
    "WebInboxMessage",
    "check_language",
    "check_report_type",
    "check_status",
    "utc_now",
]


class CatalogueVersion(Base):
    """One version of the platform and service catalogue, as `python -m bot catalogue import`
    stored it (bot.store.catalogue): the newest is the one the assistant matches against.
    `content` is the catalogue as JSON, in the shape of bot/intake/data/catalogue.yml;
    `digest` (SHA-256 of it) makes importing the newest content again a no-op."""

    __tablename__ = "catalogue_versions"

    id = Column(Integer, primary_key=True)  # the version number
    imported_at = Column(UTCDateTime, nullable=False, default=utc_now)
    imported_by = Column(String(64), nullable=False)
    source = Column(String(255), nullable=False)
    digest = Column(String(64), nullable=False)
    platforms = Column(Integer, nullable=False)
    services = Column(Integer, nullable=False)
    entities = Column(Integer, nullable=False)
    content = Column(Text, nullable=False)


class ReminderState(enum.StrEnum):
    """Where a reminder to come back to a draft stands (bot.store.reminders)."""

    PENDING = "pending"  # waiting for its day
    SENT = "sent"  # said in the conversation (its button resumes the draft)
    RESUMED = "resumed"  # the user took the draft up again
    FAILED = "failed"  # could not be said after MAX_ATTEMPTS tries


class DraftReminder(Base):
    """A reminder a user asked for when the assistant said "not yet, from DATE": on that day
    the scheduler says it in the conversation (`sender_id`), with a button that puts the
    draft's answers back (`draft`: bot.intake.cancelled's shape, report facts only, no
    personal data). `open_key` is `sender_id|remind_on` while pending: asking twice for the
    same day keeps one reminder."""

    __tablename__ = "draft_reminders"
    __table_args__ = (Index("ix_draft_reminders_state", "state", "remind_at"),)

    id = Column(Integer, primary_key=True)
    sender_id = Column(String(255), nullable=False, index=True)
    open_key = Column(String(300), nullable=True, unique=True)
    channel = Column(String(20), nullable=False)
    language = Column(String(2), nullable=False)
    remind_on = Column(Date, nullable=False)  # the day it becomes possible (Riyadh)
    remind_at = Column(UTCDateTime, nullable=False)  # when to say it
    draft = Column(JSON, nullable=False)
    state = Column(String(10), nullable=False, default=ReminderState.PENDING.value)
    attempts = Column(Integer, nullable=False, default=0)
    last_error = Column(Text, nullable=True)
    created_at = Column(UTCDateTime, nullable=False, default=utc_now)
    sent_at = Column(UTCDateTime, nullable=True)
    resumed_at = Column(UTCDateTime, nullable=True)
