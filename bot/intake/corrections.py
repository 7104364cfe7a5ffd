"""Corrections said in passing: "no, the date was 3 November", «لا، المنصة توكلنا مو أبشر».

While a form asks one question, the user may fix an answer given earlier. `read_correction`
finds which field a message corrects and its new value, when the message says so outright:
a correcting word ("no", "actually", «لا», «مو», «بل», «قصدي»…), a field that has a value
already (named by its words, `bot.intake.flow.FIELD_WORDS`, or a second platform named next
to the one on file), and a new value that passes the same checks as an answer to the
field's own question. Anything less sure is no correction: the message is read as the
answer to the question asked.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from bot.intake import answers, volunteered
from bot.intake.catalogue import find_platforms_in_text, match_platform
from bot.intake.flow import FIELD_WORDS, field_named
from bot.nlu.normalise import normalise_text

__all__ = ["Correction", "read_correction", "says_correction"]

_MARKERS = re.compile(
    r"^(?:no|nope|sorry|actually|oops|wait|correction|i meant|i mean|not)\b"
    r"|\b(?:actually|i meant|i mean|not|instead|rather|wrong|mistake|correct(?:ion)?|change)\b"
    r"|^(?:لا|لأ|عفوا|اسف|آسف|معليش|لحظه|تصحيح)(?:\s|،|,|$)"
    r"|(?:^|\s)(?:مو|مب|وليس|ليس|ولا|بل|قصدي|اقصد|أقصد|الصحيح|الصح|غلط|خطا|خطأ|صحح|بدل)(?:\s|$)",
    re.IGNORECASE,
)
# Words after the field's name that lead to its value: "the date was 3 November".
_CONNECTOR = re.compile(
    r"^\s*(?:is|was|should be|it'?s|to|into|as|=|:|هو|هي|كان|كانت|الي|إلى|الى|الصحيح|"
    r"الصحيح[ةه]|صحيح[ةه])?\s*",
    re.IGNORECASE,
)
# Where the new value ends: "… not Absher", «… مو أبشر».
_VALUE_END = re.compile(
    r"\s*(?:,|،|\bnot\b|\bnot the\b|\binstead\b|\brather than\b|(?:^|\s)(?:مو|مب|وليس|ليس|بدل|"
    r"ولا)(?:\s|$)).*$",
    re.IGNORECASE,
)
# Fields whose new value is read from the whole message (a date, a reference, an ID…).
_FROM_FACTS = {"prior_complaint_ref", "national_id", "mobile", "email"}
_DATES = {"prior_complaint_date", "response_due"}


@dataclass(frozen=True)
class Correction:
    field: str
    value: Any


def says_correction(text: str) -> bool:
    """Whether the message has a word that corrects ("no", "actually", «لا», «مو»…)."""
    return bool(_MARKERS.search(normalise_text(text or "").strip()))


def _platform_id(name: Any) -> str | None:
    matches = match_platform(str(name or ""))
    return matches[0].platform.id if matches and matches[0].confident else None


def _new_platform(text: str, current: Any, language: str | None) -> str | None:
    """A platform named in `text` other than the one on file, in the order they are said."""
    current_id = _platform_id(current)
    folded = normalise_text(text).lower()
    found = [
        match for match in find_platforms_in_text(text) if match.platform.id != current_id
    ]
    if not found:
        return None

    def position(match: Any) -> int:
        index = folded.find(normalise_text(match.matched).lower())
        return index if index >= 0 else len(folded)

    return min(found, key=position).platform.name(language)


# Letters bot.nlu.normalise folds together; the value is cut from the text as typed, so the
# field's words are looked for with these classes instead (a name keeps its ة and أ).
_FOLDED_LETTERS = {"ا": "[اأإآ]", "ي": "[يى]", "ه": "[هة]"}


def _as_typed(word: str) -> str:
    """A regex for a normalised word as it may be typed."""
    return "".join(_FOLDED_LETTERS.get(char, re.escape(char)) for char in word)


def _after_field_words(text: str, field: str) -> str:
    """What follows the field's name, as typed: the new value, up to "not …" / «مو …»."""
    typed = " ".join((text or "").split())
    best = -1
    for word in FIELD_WORDS.get(field, ()):
        pattern = _as_typed(normalise_text(word).lower())
        for found in re.finditer(rf"(?<!\w){pattern}(?!\w)", typed, re.IGNORECASE):
            best = max(best, found.end())
    if best < 0:
        return ""
    rest = _CONNECTOR.sub("", typed[best:], count=1)
    return _VALUE_END.sub("", rest).strip(" .،,")


def _value(
    field: str, text: str, slots: Mapping[str, Any], today: date, language: str | None
) -> Any:
    if field == "platform":
        return _new_platform(text, slots.get(field), language)
    if field in _FROM_FACTS:
        facts = volunteered.personal_facts(text)
        if field == "prior_complaint_ref":
            return volunteered.find_prior_reference(text)
        return facts.get(field)
    if field in _DATES:
        answer = answers.parse_answer(field, text, today=today)
        return answer.value if answer.ok else None
    typed = _after_field_words(text, field)
    if not typed:
        return None
    answer = answers.parse_answer(field, typed, today=today)
    return answer.value if answer.ok and answer.value not in (None, "") else None


def read_correction(
    text: str,
    slots: Mapping[str, Any],
    editable: tuple[str, ...],
    today: date,
    *,
    language: str | None = None,
    needs_marker: bool = True,
) -> Correction | None:
    """The field `text` corrects and its new value; None when it is not a sure correction.

    `editable`: the fields of the report being prepared; only those with a value already
    can be corrected. `needs_marker` False where the user already asked to change something
    (at the summary).
    """
    if not text or text.startswith("/"):
        return None
    if needs_marker and not says_correction(text):
        return None
    filled = tuple(name for name in editable if slots.get(name) not in (None, ""))
    field = field_named(text, filled)
    if field is None and "platform" in filled and len(find_platforms_in_text(text)) >= 1:
        field = "platform"
    if field is None:
        return None
    value = _value(field, text, slots, today, language)
    if value is None or value == slots.get(field):
        return None
    return Correction(field, value)
