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
from bot.store.serialize import report_to_dict

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
    """One report as a CSV row (column -> value): CONTRACT's JSON (serialize.report_to_dict)
    flattened, with the attachments counted and only the latest history entry."""
    data = report_to_dict(report)
    reporter = data.pop("reporter")
    history = data.pop("history")
    last = history[-1] if history else {}
    rating = data.pop("rating") or {}
    row = {
        **data,
        "reporter_name": reporter["full_name"],
        "national_id": reporter["national_id"],
        "mobile": reporter["mobile"],
        "email": reporter["email"],
        "attachments": len(data["attachments"]),
        "last_status_at": last.get("at"),
        "last_note": last.get("note"),
        "solution_rating": rating.get("solution_rating"),
        "service_rating": rating.get("service_rating"),
        "rating_comment": rating.get("comment"),
        "rated_at": rating.get("rated_at"),
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
