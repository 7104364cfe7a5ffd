"""What a caller hands the store to file a report, and what filing hands back.

Plain frozen dataclasses, no SQL: bot.intake.filing builds them from the conversation's
slots, bot.store.files makes the AttachmentDraft of a file saved on disk.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from bot.digits import to_ascii_digits
from bot.store.models import check_language, check_report_type


def require_aware(value: datetime | None, name: str) -> None:
    """Refuse a naive datetime: every time the store keeps is timezone-aware."""
    if value is not None and value.tzinfo is None:
        raise ValueError(f"{name} must be timezone-aware, got {value!r}")


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
    # the first history row's note, for the back office (a possible repeat)
    note: str | None = None

    def __post_init__(self) -> None:
        check_report_type(self.type)
        check_language(self.language)
        if not self.channel:
            raise ValueError("channel must not be empty")
        require_aware(self.due_at, "due_at")
        require_aware(self.created_at, "created_at")
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
