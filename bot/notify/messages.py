"""The texts of the notifications to reporters, in Arabic and English (pure).

These are not Rasa responses (nothing in a conversation triggers them), so they live here,
in one table: `MESSAGES[key][language]`. The key is the notice kind, or `kind:status` for a
status change. A back-office note is added after the text with the `note:` template of the
status (the missing documents, the implementation date, the reason of a rejection, …).

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

from bot.intake.bidi import fsi, ltr
from bot.intake.status_names import status_label
from bot.intake.workdays import RIYADH

__all__ = [
    "MAX_NOTE_LENGTH",
    "MESSAGES",
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


_FOLLOW_AR = (
    "يمكنك متابعته بكتابة رقم البلاغ هنا، أو عبر المنصة الوطنية GOV.SA، أو بالاتصال على {phone}."
)
_FOLLOW_EN = (
    "You can follow it by sending the report number here, on the national platform GOV.SA, "
    "or by calling 199099."
)

MESSAGES: dict[str, dict[str, str]] = {
    # -- the report was opened (number, resolution time, how to follow it) ---------------
    "report_opened": {
        "ar": "تم استلام بلاغك رقم {reference}، وسيُرد عليه خلال 5 أيام عمل، في موعد أقصاه "
        "{due_on}. " + _FOLLOW_AR,
        "en": "Your report {reference} has been received. You will get a reply within 5 "
        "working days, by {due_on} at the latest. " + _FOLLOW_EN,
    },
    # -- status changes -------------------------------------------------------------------
    "status_changed:under_review": {
        "ar": "بلاغك رقم {reference} قيد المراجعة الآن لدى مركز آمر.",
        "en": "Your report {reference} is now under review at the Amer centre.",
    },
    "status_changed:referred": {
        "ar": "أُحيل بلاغك رقم {reference} إلى الجهة المقدمة للخدمة.",
        "en": "Your report {reference} has been referred to the entity that provides the service.",
    },
    "status_changed:in_progress": {
        "ar": "تغيرت حالة بلاغك رقم {reference} إلى «جارٍ العمل»: تعمل الجهة على معالجته.",
        "en": "Your report {reference} is now in progress: the entity is working on it.",
    },
    "status_changed:missing_data": {
        "ar": "تنقص بلاغك رقم {reference} بعض البيانات أو المستندات. أرسلها هنا خلال 48 ساعة، "
        "أي قبل {deadline} بتوقيت الرياض، وإلا أُلغي البلاغ تلقائيًا.",
        "en": "Your report {reference} is missing some data or documents. Send them here "
        "within 48 hours, before {deadline} Riyadh time, or the report will be cancelled "
        "automatically.",
    },
    "status_changed:closed": {
        "ar": "أُغلق بلاغك رقم {reference}. للاطلاع على التفاصيل اكتب رقم البلاغ هنا، أو زر "
        "المنصة الوطنية GOV.SA.",
        "en": "Your report {reference} has been closed. To see the details, send the report "
        "number here or visit the national platform GOV.SA.",
    },
    "status_changed:cancelled": {
        "ar": "أُلغي بلاغك رقم {reference}.",
        "en": "Your report {reference} has been cancelled.",
    },
    "status_changed:accepted": {
        "ar": "قُبل طلبك رقم {reference}، وستنفذه الجهة المقدمة للخدمة.",
        "en": "Your request {reference} has been accepted; the entity that provides the "
        "service will implement it.",
    },
    "status_changed:rejected": {
        "ar": "نعتذر، رُفض طلبك رقم {reference}.",
        "en": "We are sorry: your request {reference} has been rejected.",
    },
    # A status change the table has no own text for (e.g. back to `received`).
    "status_changed": {
        "ar": "تغيرت حالة بلاغك رقم {reference} إلى «{status_label}».",
        "en": "The status of your report {reference} is now “{status_label}”.",
    },
    # -- timed rules ----------------------------------------------------------------------
    "delay_notice": {
        "ar": "نعتذر عن تأخر الرد على بلاغك رقم {reference}: كان موعده {due_on} بعد 5 أيام "
        "عمل. ما زال البلاغ قيد المعالجة، وسنبلغك بكل جديد.",
        "en": "We are sorry that the reply to your report {reference} is late: it was due "
        "on {due_on}, after 5 working days. The report is still being handled and we will "
        "tell you of any change.",
    },
    "missing_data_day_one": {
        "ar": "تذكير: ما زال بلاغك رقم {reference} بانتظار البيانات أو المستندات المطلوبة. "
        "أرسلها هنا قبل {deadline} بتوقيت الرياض، وإلا أُلغي البلاغ تلقائيًا.",
        "en": "Reminder: your report {reference} is still waiting for the missing data or "
        "documents. Send them here before {deadline} Riyadh time, or the report will be "
        "cancelled automatically.",
    },
    "missing_data_cancelled": {
        "ar": "أُلغي بلاغك رقم {reference} تلقائيًا لعدم استكمال البيانات المطلوبة خلال 48 "
        "ساعة. يمكنك تقديم بلاغ جديد في أي وقت.",
        "en": "Your report {reference} has been cancelled automatically because the missing "
        "data was not added within 48 hours. You can file a new report at any time.",
    },
    "survey": {
        "ar": "شكرًا لاستخدامك خدمة بلاغ رقمي. نرجو تقييم الحل المقدم لبلاغك رقم {reference} "
        "ومستوى الخدمة، كلٌّ من {one} إلى {five}، مع تعليق إن شئت. اكتب «تقييم {reference}» "
        "للبدء.",
        "en": "Thank you for using Balagh Raqmi. Please rate the solution to your report "
        "{reference} and our service, each from 1 to 5, with a comment if you like. Send "
        "“rate {reference}” to start.",
    },
    # -- the back office's note, after the text ------------------------------------------
    "note": {"ar": "ملاحظة: {note}", "en": "Note: {note}"},
    "note:missing_data": {"ar": "المطلوب: {note}", "en": "What is needed: {note}"},
    "note:accepted": {"ar": "موعد التنفيذ: {note}", "en": "Implementation date: {note}"},
    "note:rejected": {"ar": "السبب: {note}", "en": "Reason: {note}"},
}

def riyadh_date(value: datetime | date) -> str:
    if isinstance(value, datetime):
        value = value.astimezone(RIYADH).date()
    return value.isoformat()


def riyadh_time(value: datetime) -> str:
    return value.astimezone(RIYADH).strftime("%Y-%m-%d %H:%M")


def _language(language: str) -> str:
    return "en" if language == "en" else "ar"


def _template(key: str, language: str) -> str:
    return MESSAGES[key][_language(language)]


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
    key = kind.value
    if kind == NoticeKind.STATUS_CHANGED and f"{key}:{status}" in MESSAGES:
        key = f"{key}:{status}"
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
    text = _template(key, language).format(**values)
    note = (fields.get("note") or "").strip()
    if note and kind == NoticeKind.STATUS_CHANGED:
        note_key = f"note:{status}" if f"note:{status}" in MESSAGES else "note"
        text += "\n" + _template(note_key, language).format(note=fsi(_shorten(note), language))
    return text
