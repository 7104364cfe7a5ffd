"""A report's status and history in words an agent reads to the caller (pure).

Works on the CONTRACT JSON of a report (`bot.store.serialize.report_to_dict`), so the
console and its tests share one shape. Times are shown in Riyadh time. The caller's part
is in the conversation's language; `identity_hint` is for the agent only: whom the report
belongs to, to check before reading anything out (SPEC: a reporter sees only their own
reports).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from bot.agent.panel import type_name
from bot.intake.bidi import ltr
from bot.intake.status_names import status_label
from bot.intake.workdays import RIYADH
from bot.store.models import ReportStatus

__all__ = ["identity_hint", "status_lines"]

# What the status means for the caller (SPEC "Life of a report").
_MEANING: dict[str, tuple[str, str]] = {
    ReportStatus.RECEIVED: (
        "وصل البلاغ إلى مركز آمر وسيُراجع.",
        "The report reached the Amer centre and will be reviewed.",
    ),
    ReportStatus.UNDER_REVIEW: ("يراجع مركز آمر البلاغ.", "The Amer centre is reviewing it."),
    ReportStatus.REFERRED: (
        "أحيل البلاغ إلى الجهة المقدمة للخدمة.",
        "It was referred to the entity that provides the service.",
    ),
    ReportStatus.IN_PROGRESS: ("تعمل الجهة على معالجته.", "The entity is working on it."),
    ReportStatus.MISSING_DATA: (
        "تنقصه مستندات: يجب استكمالها خلال 48 ساعة وإلا أُلغي البلاغ تلقائيًا.",
        "Documents are missing: they must be added within 48 hours, or the report is "
        "cancelled automatically.",
    ),
    ReportStatus.CLOSED: ("أُغلق البلاغ.", "The report is closed."),
    ReportStatus.CANCELLED: ("أُلغي البلاغ.", "The report was cancelled."),
    ReportStatus.ACCEPTED: ("قُبل الطلب.", "The request was accepted."),
    ReportStatus.REJECTED: ("رُفض الطلب.", "The request was rejected."),
}
_WORDS = {
    "report": ("البلاغ", "Report"),
    "status": ("الحالة", "Status"),
    "filed": ("تاريخ التقديم", "Filed"),
    "due": ("موعد الرد", "Reply due"),
    "history": ("سجل الحالات", "History"),
    "riyadh": ("بتوقيت الرياض", "Riyadh time"),
}


def _say(pair: tuple[str, str], language: str) -> str:
    return pair[1] if language == "en" else pair[0]


def _when(value: str | None, *, with_time: bool = True) -> str:
    if not value:
        return "—"
    moment = datetime.fromisoformat(value).astimezone(RIYADH)
    return moment.strftime("%Y-%m-%d %H:%M" if with_time else "%Y-%m-%d")


def status_lines(report: Mapping[str, Any], language: str) -> list[str]:
    """The report's status, dates and history, to read to the caller in `language`."""
    status = str(report["status"])
    reference = ltr(str(report["reference"]), language)
    lines = [
        f"{_say(_WORDS['report'], language)} {reference} — {type_name(report['type'], language)}",
        f"{_say(_WORDS['status'], language)}: {status_label(status, language)}",
    ]
    meaning = _MEANING.get(status)
    if meaning:
        lines.append(_say(meaning, language))
    riyadh = _say(_WORDS["riyadh"], language)
    filed = ltr(_when(report.get("created_at")), language)
    lines.append(f"{_say(_WORDS['filed'], language)}: {filed} ({riyadh})")
    if report.get("due_at") and status not in ("closed", "cancelled", "accepted", "rejected"):
        due = ltr(_when(report["due_at"], with_time=False), language)
        lines.append(f"{_say(_WORDS['due'], language)}: {due}")
    lines.append(f"{_say(_WORDS['history'], language)}:")
    for row in report.get("history") or []:
        at = ltr(_when(row.get("at")), language)
        entry = f"  {at} — {status_label(row['status'], language)}"
        if row.get("note"):
            entry += f": {row['note']}"
        lines.append(entry)
    return lines


def _tail(text: str | None, digits: int = 4) -> str:
    text = (text or "").strip()
    return text[-digits:] if text else "—"


def identity_hint(report: Mapping[str, Any]) -> str:
    """For the agent: whose report it is, to check with the caller before reading it."""
    reporter = report.get("reporter") or {}
    return (
        f"Check the caller first: reporter {reporter.get('full_name') or '—'}, "
        f"ID ending {_tail(reporter.get('national_id'))}, "
        f"mobile ending {_tail(reporter.get('mobile'))}; filed via {report.get('channel')}."
    )
