"""Values that fill the summary and decision replies (the sentences live in domain.yml).

Only data is rendered here: slot values, a "not given" dash, option labels and weekday
names in the conversation's language. Every value shown goes through `clean_free_text`
again, whatever put it into the slot: the summary is what the reporter confirms, so a name
or file name carrying U+202E RIGHT-TO-LEFT OVERRIDE (or any other invisible, directional or
control character) must not make it read differently from what is filed.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from bot.intake.bidi import LRI, PDI
from bot.intake.text import MAX_ANSWER_LENGTH, clean_free_text

__all__ = ["NOT_GIVEN", "noted_facts", "option_label", "summary_values", "weekday_name"]

NOT_GIVEN = "—"

# Button values of choice slots, as shown back to the user.
_OPTION_LABELS: dict[str, tuple[str, str]] = {
    "web": ("الموقع الإلكتروني", "Website"),
    "app": ("التطبيق", "App"),
    "kiosk": ("جهاز الخدمة الذاتية", "Self-service kiosk"),
    "phone": ("مركز الاتصال", "Call centre"),
}
_WEEKDAYS = (
    ("الاثنين", "Monday"),
    ("الثلاثاء", "Tuesday"),
    ("الأربعاء", "Wednesday"),
    ("الخميس", "Thursday"),
    ("الجمعة", "Friday"),
    ("السبت", "Saturday"),
    ("الأحد", "Sunday"),
)
SUMMARY_FIELDS = (
    "full_name",
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
)


def _index(language: str | None) -> int:
    return 1 if language == "en" else 0


def option_label(value: str, language: str | None) -> str:
    """A stored option value in words; values typed by the user come back unchanged."""
    labels = _OPTION_LABELS.get(value)
    return labels[_index(language)] if labels else value


def weekday_name(day: date, language: str | None) -> str:
    return _WEEKDAYS[day.weekday()][_index(language)]


# Fields shown with their line breaks; every other one is shown on one line.
_MULTILINE_FIELDS = frozenset({"description"})


def _safe(text: str, *, multiline: bool = False) -> str:
    return clean_free_text(text, multiline=multiline, max_length=MAX_ANSWER_LENGTH)


def _shown(name: str, value: Any, language: str | None) -> str:
    if name == "attachments":
        names = [_safe(str(item.get("filename"))) for item in value or () if isinstance(item, dict)]
        names = [shown for shown in names if shown]
        separator = ", " if language == "en" else "، "
        return separator.join(names) if names else NOT_GIVEN
    if value in (None, ""):
        return NOT_GIVEN
    if name == "service_channel":
        value = option_label(str(value), language)
    return _safe(str(value), multiline=name in _MULTILINE_FIELDS) or NOT_GIVEN


def summary_values(slots: Mapping[str, Any], language: str | None) -> dict[str, str]:
    """`summary_<field>` for every field the summary templates show."""
    return {f"summary_{name}": _shown(name, slots.get(name), language) for name in SUMMARY_FIELDS}


# Facts taken from a message besides the answer asked for (bot.intake.volunteered), as shown
# back to the user: (Arabic, English) labels; yes/no facts have a sentence for each value.
_FACT_LABELS: dict[str, tuple[str, str]] = {
    "platform": ("المنصة", "Platform"),
    "service_name": ("الخدمة", "Service"),
    "service_channel": ("القناة", "Channel"),
    "entity_name": ("الجهة", "Entity"),
    "title": ("العنوان", "Title"),
    "description": ("الوصف", "Description"),
    "response_due": ("نهاية مدة الرد", "End of the response time"),
    "prior_complaint_ref": ("رقم الشكوى", "Complaint number"),
    "prior_complaint_date": ("تاريخ الشكوى", "Complaint date"),
    "full_name": ("الاسم", "Name"),
    "national_id": ("رقم الهوية", "ID number"),
    "mobile": ("الجوال", "Mobile"),
    "email": ("البريد الإلكتروني", "E-mail"),
}
_FACT_SENTENCES: dict[tuple[str, bool], tuple[str, str]] = {
    ("prior_complaint_lodged", True): (
        "رفعتَ شكوى لدى الجهة", "you lodged a complaint with the entity"),
    ("prior_complaint_lodged", False): (
        "لم ترفع شكوى لدى الجهة بعد", "you have not lodged a complaint with the entity"),
    ("lodging_blocked_by_fault", True): (
        "عطل تقني منعك من رفع الشكوى", "a technical fault stopped you lodging it"),
    ("complaint_closed", True): ("أُغلقت الشكوى", "the complaint was closed"),
    ("complaint_closed", False): ("لم يُرد عليها بعد", "there has been no reply yet"),
    ("problem_persists", True): ("المشكلة ما زالت قائمة", "the problem persists"),
    ("entity_gave_response_time", False): (
        "لم تحدد الجهة مدة للرد", "the entity gave no response time"),
}
_ISOLATED = frozenset({"prior_complaint_ref", "prior_complaint_date", "national_id", "mobile",
                       "email", "response_due"})


def noted_facts(facts: Mapping[str, Any], language: str | None) -> str:
    """One line a fact, for "I noted from your message: …" (empty when there is none)."""
    index = _index(language)
    lines: list[str] = []
    for (name, value), sentences in _FACT_SENTENCES.items():
        if facts.get(name) is value:
            lines.append(f"• {sentences[index]}")
    for name, labels in _FACT_LABELS.items():
        value = facts.get(name)
        if value in (None, ""):
            continue
        shown = _shown(name, value, language)
        if index == 0 and name in _ISOLATED:
            shown = f"{LRI}{shown}{PDI}"
        lines.append(f"• {labels[index]}: {shown}")
    return "\n".join(lines)
