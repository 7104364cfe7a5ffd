"""The texts of the notifications to reporters, in Arabic and English (pure).

These are not Rasa responses (nothing in a conversation triggers them): the sentences live
in the text catalogue (bot/texts/catalogue.yml) under `notify.<kind>`, or
`notify.status_changed.<status>` for a status change. A back-office note is added after the
text with the `notify.note.<status>` template (the missing documents, the implementation
date, the reason of a rejection, …). This module fills them in.

In Arabic, references, dates and numbers are wrapped in the directional isolates U+2066
(LRI) … U+2069 (PDI) so that `BR-7K3Q9PX2` or `2026-11-29` render intact inside
right-to-left text (CONVERSATIONS.md, "Note on mixed-direction text"); a note, whose
direction is unknown, is wrapped in U+2068 (FSI) … U+2069.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from bot.clock import RIYADH
from bot.texts import has, text
from bot.texts.bidi import fsi, ltr
from bot.texts.status_names import status_label

__all__ = [
    "MAX_NOTE_LENGTH",
    "NoticeKind",
    "fsi",
    "ltr",
    "render",
    "riyadh_date",
    "riyadh_time",
]

# A back-office note longer than this is cut (one Telegram message holds 4096 characters).
MAX_NOTE_LENGTH = 1500


class NoticeKind(enum.StrEnum):
    REPORT_OPENED = "report_opened"
    STATUS_CHANGED = "status_changed"
    DELAY_NOTICE = "delay_notice"
    MISSING_DATA_DAY_ONE = "missing_data_day_one"
    MISSING_DATA_CANCELLED = "missing_data_cancelled"
    SURVEY = "survey"


def riyadh_date(value: datetime | date) -> str:
    if isinstance(value, datetime):
        value = value.astimezone(RIYADH).date()
    return value.isoformat()


def riyadh_time(value: datetime) -> str:
    return value.astimezone(RIYADH).strftime("%Y-%m-%d %H:%M")


def _language(language: str) -> str:
    return "en" if language == "en" else "ar"


def _shorten(note: str) -> str:
    note = note.strip()
    return note if len(note) <= MAX_NOTE_LENGTH else note[: MAX_NOTE_LENGTH - 1] + "…"


def render(kind: str, language: str, fields: Mapping[str, Any]) -> str:
    """The text of a `kind` notice in `language` ("ar" or "en").

    `fields`: `reference`; `status` and `note` for a status change; `due_at` (datetime) for
    report_opened and delay_notice; `deadline` (datetime) for the missing-data notices.
    """
    kind = NoticeKind(kind)
    language = _language(language)
    status = fields.get("status")
    key = f"notify.{kind.value}"
    if kind == NoticeKind.STATUS_CHANGED and has(f"notify.status_changed.{status}"):
        key = f"notify.status_changed.{status}"
    values: dict[str, str] = {
        "reference": ltr(str(fields.get("reference", "")), language),
        "phone": ltr("199099", language),
        "one": ltr("1", language),
        "five": ltr("5", language),
        "status_label": status_label(str(status), language),
        "due_on": "",
        "deadline": "",
    }
    if fields.get("due_at") is not None:
        values["due_on"] = ltr(riyadh_date(fields["due_at"]), language)
    if fields.get("deadline") is not None:
        values["deadline"] = ltr(riyadh_time(fields["deadline"]), language)
    message = text(key, language, **values)
    note = (fields.get("note") or "").strip()
    if note and kind == NoticeKind.STATUS_CHANGED:
        note_key = f"notify.note.{status}" if has(f"notify.note.{status}") else "notify.note"
        message += "\n" + text(note_key, language, note=fsi(_shorten(note), language))
    return message
