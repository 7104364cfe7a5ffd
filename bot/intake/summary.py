"""Values that fill the summary and decision replies (the sentences live in domain.yml).

Only data is rendered here: slot values, a "not given" dash, option labels and weekday
names in the conversation's language (their words are the text catalogue's `summary.*`,
bot.texts). Every value shown goes through `clean_free_text`
again, whatever put it into the slot: the summary is what the reporter confirms, so a name
or file name carrying U+202E RIGHT-TO-LEFT OVERRIDE (or any other invisible, directional or
control character) must not make it read differently from what is filed.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from bot.intake.text import MAX_ANSWER_LENGTH, clean_free_text
from bot.texts import has, text
from bot.texts.bidi import LRI, PDI

__all__ = ["NOT_GIVEN", "noted_facts", "option_label", "summary_values", "weekday_name"]

NOT_GIVEN = "—"

# date.weekday() -> the weekday's key in the catalogue (summary.weekday.<name>).
_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
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


def option_label(value: str, language: str | None) -> str:
    """A stored option value in words (summary.option.<value>); values typed by the user
    come back unchanged."""
    key = f"summary.option.{value}"
    return text(key, language) if value and has(key) else value


def weekday_name(day: date, language: str | None) -> str:
    return text(f"summary.weekday.{_WEEKDAYS[day.weekday()]}", language)


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
# back to the user: yes/no facts have a sentence for each value (summary.fact.<name>.yes|no),
# the others their label (summary.label.<name>) and value; in this order.
_FACT_SENTENCES: tuple[tuple[str, bool], ...] = (
    ("prior_complaint_lodged", True),
    ("prior_complaint_lodged", False),
    ("lodging_blocked_by_fault", True),
    ("complaint_closed", True),
    ("complaint_closed", False),
    ("problem_persists", True),
    ("entity_gave_response_time", False),
)
_FACT_LABELS = (
    "platform",
    "service_name",
    "service_channel",
    "entity_name",
    "title",
    "description",
    "response_due",
    "prior_complaint_ref",
    "prior_complaint_date",
    "full_name",
    "national_id",
    "mobile",
    "email",
)
_ISOLATED = frozenset({"prior_complaint_ref", "prior_complaint_date", "national_id", "mobile",
                       "email", "response_due"})


def noted_facts(facts: Mapping[str, Any], language: str | None) -> str:
    """One line a fact, for "I noted from your message: …" (empty when there is none)."""
    lines: list[str] = []
    for name, value in _FACT_SENTENCES:
        if facts.get(name) is value:
            answer = "yes" if value else "no"
            lines.append(f"• {text(f'summary.fact.{name}.{answer}', language)}")
    for name in _FACT_LABELS:
        value = facts.get(name)
        if value in (None, ""):
            continue
        shown = _shown(name, value, language)
        if language != "en" and name in _ISOLATED:
            shown = f"{LRI}{shown}{PDI}"
        lines.append(f"• {text(f'summary.label.{name}', language)}: {shown}")
    return "\n".join(lines)
