"""A report as the JSON document fixed by shared/CONTRACT.md (`reports show REF --json`).

CONTRACT's keys come first, in its order; `rating` (the satisfaction survey, or null) and
`contact_mismatch` (the reporter fields in which this report's contact details differ from
the reporter on file, e.g. ["mobile"]; empty when none) are added after them. `reporter`
holds the contact details this report was filed with and the national ID it was filed under.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from bot.store.models import Report

REPORT_KEYS = (
    "reference",
    "type",
    "status",
    "language",
    "channel",
    "created_at",
    "due_at",
    "reporter",
    "platform",
    "service_name",
    "service_channel",
    "entity_name",
    "prior_complaint_ref",
    "prior_complaint_date",
    "title",
    "description",
    "attachments",
    "history",
    "rating",
    "contact_mismatch",
)
REPORTER_KEYS = ("full_name", "national_id", "mobile", "email")
ATTACHMENT_KEYS = ("filename", "content_type", "size", "sha256")
HISTORY_KEYS = ("status", "at", "note")
RATING_KEYS = ("solution_rating", "service_rating", "comment", "rated_at")


def iso_datetime(value: datetime | None) -> str | None:
    """ISO 8601 in UTC, e.g. `2024-06-02T09:30:00+00:00`."""
    return None if value is None else value.astimezone(UTC).isoformat()


def iso_date(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def rating_to_dict(report: Report) -> dict[str, Any] | None:
    """The report's satisfaction survey, or None when it has not been rated."""
    rating = report.rating
    if rating is None:
        return None
    return {
        "solution_rating": rating.solution_rating,
        "service_rating": rating.service_rating,
        "comment": rating.comment,
        "rated_at": iso_datetime(rating.rated_at),
    }


def report_to_dict(report: Report) -> dict[str, Any]:
    """CONTRACT's JSON for `report` (with its reporter, attachments and history loaded)."""
    reporter = report.reporter
    history = sorted(report.history, key=lambda row: (row.at, row.id or 0))
    return {
        "reference": report.reference,
        "type": report.type,
        "status": report.status,
        "language": report.language,
        "channel": report.channel,
        "created_at": iso_datetime(report.created_at),
        "due_at": iso_datetime(report.due_at),
        "reporter": {
            "full_name": report.contact_name or reporter.full_name,
            "national_id": reporter.national_id,
            "mobile": report.contact_mobile or reporter.mobile,
            "email": report.contact_email if report.contact_name else reporter.email,
        },
        "platform": report.platform,
        "service_name": report.service_name,
        "service_channel": report.service_channel,
        "entity_name": report.entity_name,
        "prior_complaint_ref": report.prior_complaint_ref,
        "prior_complaint_date": iso_date(report.prior_complaint_date),
        "title": report.title,
        "description": report.description,
        "attachments": [
            {
                "filename": item.filename,
                "content_type": item.content_type,
                "size": item.size,
                "sha256": item.sha256,
            }
            for item in report.attachments
        ],
        "history": [
            {"status": row.status, "at": iso_datetime(row.at), "note": row.note} for row in history
        ],
        "rating": rating_to_dict(report),
        "contact_mismatch": report.contact_mismatch.split(",") if report.contact_mismatch else [],
    }
