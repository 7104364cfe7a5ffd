"""A report's status and history in words an agent reads to the caller (pure).

Works on the CONTRACT JSON of a report (`bot.store.serialize.report_to_dict`), so the
console and its tests share one shape. Times are shown in Riyadh time. The caller's part
is in the conversation's language (the text catalogue's `lookup.*`, bot.texts);
`identity_hint` is for the agent only: whom the report
belongs to, to check before reading anything out (SPEC: a reporter sees only their own
reports).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from bot.agent.panel import type_name
from bot.intake.workdays import RIYADH
from bot.texts import has, text
from bot.texts.bidi import ltr
from bot.texts.status_names import status_label

__all__ = ["identity_hint", "status_lines"]

def _say(key: str, language: str) -> str:
    return text(key, language)


def _when(value: str | None, *, with_time: bool = True) -> str:
    if not value:
        return "—"
    moment = datetime.fromisoformat(value).astimezone(RIYADH)
    return moment.strftime("%Y-%m-%d %H:%M" if with_time else "%Y-%m-%d")


def status_lines(report: Mapping[str, Any], language: str) -> list[str]:
    """The report's status, dates and history, to read to the caller in `language`."""
    status = str(report["status"])
    reference = ltr(str(report["reference"]), language)
    kind = type_name(report["type"], language)
    lines = [
        f"{_say('lookup.word.report', language)} {reference} — {kind}",
        f"{_say('lookup.word.status', language)}: {status_label(status, language)}",
    ]
    if has(f"lookup.meaning.{status}"):
        lines.append(_say(f"lookup.meaning.{status}", language))
    riyadh = _say("lookup.word.riyadh", language)
    filed = ltr(_when(report.get("created_at")), language)
    lines.append(f"{_say('lookup.word.filed', language)}: {filed} ({riyadh})")
    if report.get("due_at") and status not in ("closed", "cancelled", "accepted", "rejected"):
        due = ltr(_when(report["due_at"], with_time=False), language)
        lines.append(f"{_say('lookup.word.due', language)}: {due}")
    lines.append(f"{_say('lookup.word.history', language)}:")
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
