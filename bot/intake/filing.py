"""Between the conversation and the store: look-ups the rules need, and filing a report.

The actions hand over the tracker's slots (a plain mapping); this module asks the
repository the questions eligibility depends on (was this complaint escalated already? has
this person made the same request?) and files a confirmed report exactly once.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, time
from typing import Any

from bot.intake import duplicates
from bot.intake.eligibility import ReportType
from bot.intake.workdays import RIYADH, due_date, saudi_today
from bot.store.lifecycle import OPEN_STATUSES
from bot.store.reports.drafts import AttachmentDraft, FiledReport, ReportDraft, ReporterDraft
from bot.store.reports.filing import ReportFiling
from bot.store.reports.reads import ReportReads

__all__ = [
    "CHANNELS",
    "attachment_drafts",
    "build_draft",
    "channel_of",
    "due_at",
    "file_report",
    "open_report_on_same_subject",
    "previous_duplicate",
    "prior_complaint_escalated_as",
    "repeat_note",
]

# Rasa input channel names -> the `channel` values of CONTRACT's report JSON.
CHANNELS: dict[str, str] = {
    "telegram": "telegram",
    "socketio": "web",
    "webchat": "web",
    "web": "web",
    "rest": "rest",
    "call_centre": "call_centre",
    "agent": "call_centre",
}


def channel_of(input_channel: str | None, metadata: Mapping[str, Any] | None = None) -> str:
    """The report's channel: the console marks its messages, others are told by Rasa."""
    if metadata and metadata.get("channel") in CHANNELS.values():
        return str(metadata["channel"])
    return CHANNELS.get(input_channel or "", "rest")


def prior_complaint_escalated_as(repository: ReportReads, prior_ref: str) -> str | None:
    """The reference of the report that already escalated the complaint `prior_ref`."""
    report = repository.find_report_by_prior_complaint_ref(prior_ref)
    return report.reference if report is not None else None


def previous_duplicate(repository: ReportReads, slots: Mapping[str, Any]) -> str | None:
    """The reference of the same person's earlier request or suggestion that this repeats."""
    report_type = slots.get("report_type")
    national_id = slots.get("national_id")
    if not national_id or report_type not in (
        ReportType.TRANSFORMATION_REQUEST,
        ReportType.DEVELOPMENT_SUGGESTION,
    ):
        return None
    earlier = [
        report
        for report in repository.reports_of(national_id)
        if report.type == report_type and report.status != "cancelled"
    ]
    if report_type == ReportType.TRANSFORMATION_REQUEST:
        return duplicates.find_similar_transformation_request(
            slots.get("service_name"), slots.get("entity_name"), earlier
        )
    return duplicates.find_same_suggestion(
        slots.get("service_name"), slots.get("description"), earlier, platform=slots.get("platform")
    )


# Types whose repeats differ by the earlier complaint's number or the time: an open report of
# the same person about the same service is pointed out, and noted for the back office.
SUBJECT_REPEAT_TYPES = (ReportType.COMPLAINT_ESCALATION, ReportType.ENTITY_OUTAGE)


def open_report_on_same_subject(repository: ReportReads, slots: Mapping[str, Any]) -> str | None:
    """The reference of the same person's open complaint escalation (or outage report) about
    the same service, platform and entity as this one, or None."""
    report_type = slots.get("report_type")
    national_id = slots.get("national_id")
    if not national_id or report_type not in SUBJECT_REPEAT_TYPES:
        return None
    earlier = [
        report
        for report in repository.reports_of(national_id)
        if report.type == report_type and report.status in OPEN_STATUSES
    ]
    return duplicates.find_open_same_subject(
        slots.get("service_name"), slots.get("platform"), slots.get("entity_name"), earlier
    )


def repeat_note(reference: str) -> str:
    """The back office's note on a report filed while `reference` is open on the same subject."""
    return (
        f"possible repeat of {reference}: the same reporter's open report about the same "
        "service was pointed out before sending"
    )


def due_at(filed_on: datetime | None = None) -> datetime:
    """The end (Riyadh time) of the 5th working day after filing: the reply's due time."""
    today = saudi_today(filed_on)
    return datetime.combine(due_date(today), time(23, 59), tzinfo=RIYADH)


def _text(slots: Mapping[str, Any], name: str) -> str | None:
    value = slots.get(name)
    return str(value) if value not in (None, "") else None


def attachment_drafts(
    items: Sequence[Mapping[str, Any]] | None,
) -> tuple[AttachmentDraft, ...]:
    """The files of an `attachments` slot, as the store takes them."""
    fields = ("filename", "content_type", "size", "sha256", "stored_path")
    return tuple(AttachmentDraft(**{key: item[key] for key in fields}) for item in items or ())


def build_draft(
    slots: Mapping[str, Any],
    *,
    channel: str,
    sender_id: str | None,
    now: datetime | None = None,
    note: str | None = None,
) -> ReportDraft:
    """The report the user confirmed, from the conversation's slots."""
    return ReportDraft(
        type=str(slots["report_type"]),
        language=str(slots.get("language") or "ar"),
        channel=channel,
        reporter=ReporterDraft(
            full_name=str(slots["full_name"]),
            national_id=str(slots["national_id"]),
            mobile=str(slots["mobile"]),
            email=_text(slots, "email"),
        ),
        due_at=due_at(now),
        platform=_text(slots, "platform"),
        service_name=_text(slots, "service_name"),
        service_channel=_text(slots, "service_channel"),
        entity_name=_text(slots, "entity_name"),
        prior_complaint_ref=_text(slots, "prior_complaint_ref"),
        prior_complaint_date=_text(slots, "prior_complaint_date"),
        title=_text(slots, "title"),
        description=_text(slots, "description"),
        sender_id=sender_id,
        attachments=attachment_drafts(slots.get("attachments")),
        note=note,
    )


def file_report(
    repository: ReportFiling,
    slots: Mapping[str, Any],
    *,
    channel: str,
    sender_id: str | None,
    idempotency_key: str,
    note: str | None = None,
) -> FiledReport:
    """File the confirmed report once: a repeated key returns the report filed before.
    `note`: the first history row's, for the back office."""
    draft = build_draft(slots, channel=channel, sender_id=sender_id, note=note)
    return repository.file_report(draft, idempotency_key)
