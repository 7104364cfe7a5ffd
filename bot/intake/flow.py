"""Which question comes next in a report's intake, and what is done once all are answered.

Plain Python over a mapping of slot values, so the Rasa forms stay thin: a type's form asks
the eligibility questions that `bot.intake.eligibility.next_question` names, one at a time,
until a decision is possible; an eligible report then collects its data slots; a report
that is not eligible ends its form at once (the decision is explained by the caller).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import fields
from datetime import date
from typing import Any

from bot.intake.dialogue_spec import QUESTIONS, form_named, form_of_type, report_forms
from bot.intake.eligibility import (
    Decision,
    ReportType,
    decide,
    facts_from_slots,
    next_question,
)
from bot.nlu.normalise import normalise_text

__all__ = [
    "DATA_SLOTS",
    "EDITABLE_FIELDS",
    "FORM_OF_TYPE",
    "OPTIONAL_SLOTS",
    "PERSONAL_SLOTS",
    "QUESTION_SLOTS",
    "REPORT_SLOTS",
    "SKIPPED",
    "decision_for",
    "field_named",
    "missing_personal_slots",
    "report_form_slots",
]

# Everything below is read from the one table of the forms (bot.intake.dialogue_spec).
# The form that collects each report type; the personal data form follows it.
FORM_OF_TYPE: dict[str, str] = {form.report_type: form.name for form in report_forms()}
PERSONAL_SLOTS = form_named("personal_form").collects

# What an eligible report collects after the eligibility questions (SPEC "Collected").
DATA_SLOTS: dict[str, tuple[str, ...]] = {
    form.report_type: form.collects for form in report_forms()
}
# A lodged complaint also records when it was lodged (asked for the 5-day rule otherwise).
_LODGED_COMPLAINT_SLOTS = form_of_type(ReportType.COMPLAINT_ESCALATION).when_lodged

# Facts the actions look up in the store, never asked.
STORE_FACTS = frozenset(slot for form in report_forms() for slot in form.looked_up)

# Slots the user may leave empty: they hold SKIPPED ("") once declined.
OPTIONAL_SLOTS = frozenset(slot for slot, question in QUESTIONS.items() if question.optional)
SKIPPED = ""

# Fields the user can change from the summary, per type (personal data for every type).
def _editable(report_type: str) -> tuple[str, ...]:
    lodged = _LODGED_COMPLAINT_SLOTS if report_type == ReportType.COMPLAINT_ESCALATION else ()
    data = (slot for slot in DATA_SLOTS[report_type] if slot != "attachments_done")
    return tuple(dict.fromkeys([*lodged, *data, *PERSONAL_SLOTS]))


EDITABLE_FIELDS: dict[str, tuple[str, ...]] = {kind: _editable(kind) for kind in DATA_SLOTS}


def _filled(slots: Mapping[str, Any], name: str) -> bool:
    value = slots.get(name)
    if name in OPTIONAL_SLOTS:
        return value is not None
    return value is not None and value != ""


def decision_for(report_type: str, slots: Mapping[str, Any], today: date) -> Decision | None:
    """The eligibility decision, or None while a question is still open."""
    facts = facts_from_slots(report_type, slots)
    if next_question(report_type, facts, today) is not None:
        return None
    return decide(report_type, facts, today)


def _answered_facts(report_type: str, slots: Mapping[str, Any]) -> list[str]:
    facts = facts_from_slots(report_type, slots)
    return [
        item.name
        for item in fields(facts)
        if item.name not in STORE_FACTS and getattr(facts, item.name) is not None
    ]


def report_form_slots(report_type: str, slots: Mapping[str, Any], today: date) -> list[str]:
    """The slots of the type's form, in the order they are asked: answered ones included.

    Rasa's form asks the first empty one; when none is empty the form is done: either
    everything is collected, or the decision says the report cannot be filed (the caller
    explains it after the form).
    """
    facts = facts_from_slots(report_type, slots)
    answered = _answered_facts(report_type, slots)
    question = next_question(report_type, facts, today)
    if question is not None:
        return [*answered, question]
    if not decide(report_type, facts, today).is_eligible:
        return answered
    wanted = list(DATA_SLOTS[report_type])
    if report_type == ReportType.COMPLAINT_ESCALATION and slots.get("prior_complaint_lodged"):
        wanted = [*_LODGED_COMPLAINT_SLOTS, *wanted]
    return list(dict.fromkeys([*answered, *wanted]))


def missing_personal_slots(slots: Mapping[str, Any]) -> list[str]:
    """Personal data still to ask: asked once per conversation, reused for later reports."""
    return [name for name in PERSONAL_SLOTS if not _filled(slots, name)]


def _questions() -> tuple[str, ...]:
    """Every slot an intake form asks: each report form's, then the personal data."""
    forms = [*report_forms(), form_named("personal_form")]
    return tuple(dict.fromkeys(slot for form in forms for slot in form.slots))


# The questions of the intake forms (each has an explanation, actions/ask.py).
QUESTION_SLOTS = _questions()

# Everything about the report being prepared; personal data stays for the next report.
REPORT_SLOTS = tuple(
    dict.fromkeys(
        [
            "report_type",
            "proposed_report_type",
            # every slot a report form asks, and the facts the store answers for it
            *(slot for form in report_forms() for slot in (*form.slots, *form.looked_up)),
            "attachments",
            "pending_name",
            "pending_typed",
            "filing_key",
            "intake_step",
        ]
    )
)

# Words that name a field when the user types which one to change ("change my mobile").
FIELD_WORDS: dict[str, tuple[str, ...]] = {
    "full_name": ("name", "اسم", "الاسم", "اسمي"),
    "national_id": ("id", "iqama", "national id", "هويه", "الهويه", "اقامه", "الاقامه", "هويتي"),
    "mobile": ("mobile", "phone", "number", "جوال", "الجوال", "جوالي", "رقم الجوال", "هاتف"),
    "email": ("email", "e-mail", "mail", "بريد", "البريد", "ايميل", "الايميل"),
    "platform": ("platform", "app name", "منصه", "المنصه"),
    "service_name": ("service", "خدمه", "الخدمه"),
    "service_channel": ("channel", "قناه", "القناه"),
    "entity_name": ("entity", "ministry", "authority", "جهه", "الجهه", "الوزاره"),
    "prior_complaint_ref": ("complaint number", "reference", "رقم الشكوي", "رقم الشكوى"),
    "prior_complaint_date": ("date", "تاريخ", "التاريخ"),
    "title": ("title", "عنوان", "العنوان"),
    "description": ("description", "details", "وصف", "الوصف", "التفاصيل"),
}


def field_named(text: str, editable: tuple[str, ...]) -> str | None:
    """The editable field a typed request names, preferring the longest matching words."""
    folded = f" {' '.join(normalise_text(text or '').lower().split())} "
    best: tuple[int, str] | None = None
    for name in editable:
        for word in FIELD_WORDS.get(name, ()):
            key = f" {normalise_text(word).lower()} "
            if key in folded and (best is None or len(key) > best[0]):
                best = (len(key), name)
    return best[1] if best else None
