"""Reports as a CSV file for the back office (`python -m bot reports export --csv`).

The file is UTF-8 with a byte-order mark and CRLF line ends: Excel, which the back office
opens it with, reads a BOM-less UTF-8 CSV as the local ANSI code page and turns the Arabic
into mojibake; other tools (Python's csv with encoding="utf-8-sig", LibreOffice, pandas)
read it as it is. Times are ISO 8601 in UTC, like the JSON.

Free text typed by reporters (names, titles, descriptions, comments, …) that starts with
`=`, `+`, `-`, `@`, a tab or a carriage return gets a leading apostrophe, so that a
spreadsheet shows it as text instead of running it as a formula (CSV injection).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import Any

from bot.store.models import Report
from bot.store.serialize import iso_date, iso_datetime

__all__ = ["CSV_COLUMNS", "UTF8_BOM", "reports_to_csv"]

UTF8_BOM = "\ufeff"
CSV_COLUMNS = (
    "reference",
    "type",
    "status",
    "language",
    "channel",
    "created_at",
    "due_at",
    "reporter_name",
    "national_id",
    "mobile",
    "email",
    "platform",
    "service_name",
    "service_channel",
    "entity_name",
    "prior_complaint_ref",
    "prior_complaint_date",
    "title",
    "description",
    "attachments",
    "last_status_at",
    "last_note",
    "solution_rating",
    "service_rating",
    "rating_comment",
    "rated_at",
)
# Columns whose values come from the store's own vocabulary or validated parsers.
_TRUSTED = frozenset(
    {
        "reference",
        "type",
        "status",
        "language",
        "channel",
        "created_at",
        "due_at",
        "national_id",
        "mobile",
        "prior_complaint_date",
        "attachments",
        "last_status_at",
        "solution_rating",
        "service_rating",
        "rated_at",
    }
)
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _safe(column: str, value: Any) -> Any:
    if value is None:
        return ""
    if column not in _TRUSTED and isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


def report_row(report: Report) -> dict[str, Any]:
    """One report as a CSV row (column -> value)."""
    reporter = report.reporter
    history = sorted(report.history, key=lambda row: (row.at, row.id or 0))
    last = history[-1] if history else None
    rating = report.rating
    row = {
        "reference": report.reference,
        "type": report.type,
        "status": report.status,
        "language": report.language,
        "channel": report.channel,
        "created_at": iso_datetime(report.created_at),
        "due_at": iso_datetime(report.due_at),
        "reporter_name": reporter.full_name,
        "national_id": reporter.national_id,
        "mobile": reporter.mobile,
        "email": reporter.email,
        "platform": report.platform,
        "service_name": report.service_name,
        "service_channel": report.service_channel,
        "entity_name": report.entity_name,
        "prior_complaint_ref": report.prior_complaint_ref,
        "prior_complaint_date": iso_date(report.prior_complaint_date),
        "title": report.title,
        "description": report.description,
        "attachments": len(report.attachments),
        "last_status_at": iso_datetime(last.at) if last else None,
        "last_note": last.note if last else None,
        "solution_rating": rating.solution_rating if rating else None,
        "service_rating": rating.service_rating if rating else None,
        "rating_comment": rating.comment if rating else None,
        "rated_at": iso_datetime(rating.rated_at) if rating else None,
    }
    return {column: _safe(column, row[column]) for column in CSV_COLUMNS}


def reports_to_csv(reports: Iterable[Report], *, bom: bool = True) -> str:
    """The CSV text (a header row, then one row per report), starting with the BOM."""
    buffer = io.StringIO()
    if bom:
        buffer.write(UTF8_BOM)
    writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    for report in reports:
        writer.writerow(report_row(report))
    return buffer.getvalue()
