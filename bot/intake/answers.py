"""Reading the user's answer to one intake question (plain Python, no Rasa).

The intake forms ask one slot at a time; `parse_answer` turns the reply into the slot's
value, or an error code the domain explains (`utter_invalid_<code>`). A reply may be a
button payload (an intent and entities), a yes/no intent, or free text in Arabic or English.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from bot.intake import dates, personal
from bot.intake.dialogue_spec import QUESTIONS
from bot.intake.parsing import Parsed
from bot.intake.text import MAX_ANSWER_LENGTH, clean_free_text
from bot.nlu.normalise import normalise_text

__all__ = [
    "BOOLEAN_SLOTS",
    "CHOICES",
    "Answer",
    "is_filler",
    "names_a_command",
    "parse_answer",
    "parse_yes_no",
]

BOOLEAN_SLOTS = frozenset(
    {
        "service_is_digital",
        "prior_complaint_lodged",
        "lodging_blocked_by_fault",
        "complaint_closed",
        "problem_persists",
        "entity_gave_response_time",
        "service_is_paper",
        "has_digital_alternative",
    }
)

# Choice slots: value -> words that pick it (normalised, lower case, matched as words).
CHOICES: dict[str, dict[str, tuple[str, ...]]] = {
    "closed_complaint_kind": {
        "technical": ("technical", "tech", "fault", "error", "bug", "تقني", "تقنيه", "فني", "عطل",
                      "خلل", "مشكله تقنيه"),
        "procedural": ("procedure", "procedures", "procedural", "process", "decision", "policy",
                       "اجراء", "اجراءات", "اجرائي", "اجرائيه", "قرار", "نظام الجهه"),
    },
    "reporter_role": {
        "crisis_manager": ("crisis manager", "manager", "مدير", "مدير فريق الازمات", "مديره"),
        "deputy": ("deputy", "alternate", "substitute", "deputy crisis manager", "نائب", "البديل",
                   "بديل", "نائبه", "نائب مدير", "نائب مدير فريق الازمات"),
        "entity_staff": ("employee", "staff", "موظف", "موظفه", "عضو"),
        "individual": ("individual", "citizen", "resident", "person", "not", "no", "مواطن",
                       "مقيم", "فرد", "لست", "لا"),
    },
    "outage_kind": {
        "own_service": ("own", "our", "our service", "outage", "down", "خدماتنا", "خدمتنا",
                        "تعطل خدمه", "تعطل"),
        "scheduled_maintenance": ("scheduled", "maintenance", "update", "upgrade", "planned",
                                  "صيانه", "تحديث", "مجدول", "مجدوله"),
        "other_entity_service": ("other", "another", "another entity", "جهه اخري", "جهه ثانيه",
                                 "خدمه جهه", "اخري"),
    },
    "service_channel": {
        "web": ("web", "website", "site", "portal", "browser", "online", "موقع", "الموقع",
                "بوابه", "المنصه", "متصفح", "الانترنت"),
        "app": ("app", "application", "mobile app", "phone", "تطبيق", "التطبيق", "الجوال",
                "ابلكيشن"),
        "kiosk": ("kiosk", "self service", "جهاز", "الخدمه الذاتيه", "كشك"),
        "phone": ("call", "call centre", "call center", "اتصال", "هاتف", "مركز الاتصال"),
    },
}

_YES = frozenset(
    "yes y yeah yep yup sure correct right ok okay true have did نعم ايه اي ايوه ايوا "
    "اكيد صح صحيح طبعا تمام اوك بلي قدمت رفعت عندي موجود يوجد".split()
)
_NO = frozenset(
    "no n nope not never false didn't didnt haven't havent لا ما مو مب ابدا لم ليس ليست "
    "مافي".split()
)
_SKIP = frozenset(
    "skip none nothing done finished no later تخطي تخطى لاحقا لا انتهيت خلاص تم بس "
    "لايوجد".split()
)
# A "yes" that answers before an "I don't know" ("yes, but I don't know the number").
_YES_FIRST = frozenset("yes yeah yep yup نعم ايه اي ايوه ايوا".split())
_DONT_KNOW = (
    "don't know", "dont know", "do not know", "not sure", "no idea", "unknown", "idk",
    "no clue", "don't remember", "dont remember", "can't remember", "cant remember",
    "لا اعرف", "ما اعرف", "مااعرف", "ما ادري", "مادري", "لا ادري", "مو عارف", "غير معروف",
    "مدري", "لا اعلم", "ما اذكر", "مااذكر", "ما اتذكر", "لا اتذكر", "مو متاكد", "مب متاكد",
    "ماني متاكد", "لست متاكد", "مش متاكد",
)
_WORD = re.compile(r"[\w']+")
# Replies that say nothing: "hmm", "what?", «ههه», «وش» (free text made only of these is no
# answer to a title, a name or a channel question).
_FILLERS = frozenset(
    "hm hmm hmmm um umm uh uhh huh eh what why how who ok okay k yes no idk lol ? "
    "ههه هههه ههههه مم ممم اه اها ايه ايش وش شو ماذا لماذا كيف طيب تمام نعم لا اوك يعني".split()
)
_LAUGH_OR_HUM = re.compile(r"^(?:h+m+|m{2,}|(?:ه){2,}|(?:م){2,}|(?:ha){2,}h?)$")
# Words without which a reply to a free-text question is never read as "cancel"/"restart".
_COMMAND_WORDS = frozenset(
    "cancel stop quit exit abort restart reset over الغاء الغ الغي الغي وقف توقف كنسل خلاص "
    "ابدا ابدأ بدايه البدايه جديد".split()
)
# A response date may lie ahead; an entity rarely promises more than this.
MAX_RESPONSE_HORIZON = timedelta(days=366)

TITLE_LENGTH = (3, 120)
DESCRIPTION_LENGTH = (10, 2000)
NAME_LENGTH = (2, 120)
PRIOR_REF_LENGTH = (3, 40)
_PRIOR_REF = re.compile(r"^[0-9A-Za-z][0-9A-Za-z\-_/#.]*$")


@dataclass(frozen=True)
class Answer:
    """What the user said to the requested slot: its value, or an error code."""

    value: Any = None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


def _words(text: str) -> list[str]:
    return _WORD.findall(normalise_text(text or "").lower())


def _folded(text: str) -> str:
    return " ".join(_words(text))


def parse_yes_no(text: str, intent: str | None = None) -> bool | None:
    """True/False for a yes/no reply (intent affirm/deny, or the words), else None.

    "I don't know" («ما ادري», "not sure") is neither, whatever NLU made of it, unless a
    "yes" comes first ("yes, but I don't know the number").
    """
    if is_dont_know(text):
        words = _words(text)
        return True if words and words[0] in _YES_FIRST else None
    if intent == "affirm":
        return True
    if intent == "deny":
        return False
    words = _words(text)
    if not words or len(words) > 6:
        return None
    if words[0] in _NO or any(word in _NO for word in words[:2]):
        return False
    if words[0] in _YES or words[:2] in (["i", "have"], ["i", "did"]):
        return True
    return None


def is_skip(text: str, intent: str | None = None) -> bool:
    """Whether the reply declines an optional question ("skip", "لا يوجد", "no")."""
    return intent == "deny" or (bool(_words(text)) and set(_words(text)) <= _SKIP)


# a button's payload, as Rasa reads one: "/intent" or "/intent{...json...}"
_PAYLOAD = re.compile(r"/[A-Za-z_][\w-]*(\{.*\})?", re.DOTALL)


def is_button_payload(text: str) -> bool:
    """Whether the reply is a button's payload ("/affirm", '/choose{"choice": "web"}'): an
    old button of another question pressed, never a name or a description typed."""
    return bool(_PAYLOAD.fullmatch(text.strip()))


def is_filler(text: str) -> bool:
    """Whether the reply is only sounds or question words ("hmm", "what?", «ههه»)."""
    words = _words(text)
    return bool(words) and all(word in _FILLERS or _LAUGH_OR_HUM.match(word) for word in words)


def names_a_command(text: str) -> bool:
    """Whether the reply contains a cancel/restart word ("cancel", "إلغاء", "ابدأ من جديد")."""
    return any(word in _COMMAND_WORDS for word in _words(text))


def is_dont_know(text: str) -> bool:
    folded = _folded(text)
    return any(_folded(phrase) in folded for phrase in _DONT_KNOW)


def parse_choice(slot: str, text: str, entities: Mapping[str, Any]) -> str | None:
    """The option of `slot` chosen by a button (entity `choice`) or by its words."""
    options = CHOICES[slot]
    chosen = entities.get("choice")
    if chosen in options:
        return str(chosen)
    folded = f" {_folded(text)} "
    scores = {
        value: max((len(word) for word in words if f" {_folded(word)} " in folded), default=0)
        for value, words in options.items()
    }
    best = max(scores, key=lambda value: scores[value])
    return best if scores[best] else None


def _length_checked(
    text: str, limits: tuple[int, int], code: str, *, multiline: bool = False
) -> Answer:
    """Free text without invisible/bidi/control characters (bot.intake.text), in limits."""
    cleaned = clean_free_text(text, multiline=multiline, max_length=MAX_ANSWER_LENGTH)
    if not limits[0] <= len(cleaned) <= limits[1]:
        return Answer(error=code)
    return Answer(cleaned)


def _from_parsed(parsed: Parsed[Any]) -> Answer:
    if parsed.error:
        return Answer(error=parsed.error)
    return Answer(parsed.value)


def _parse_date(slot: str, text: str, today: date) -> Answer:
    if slot == "response_due":
        # the end of the entity's response time may be ahead: read it against a later "today"
        # only when the text names a date outright, so "yesterday" still means yesterday
        parsed = dates.parse_user_date(text, today)
        if parsed.error == "date_in_future":
            parsed = dates.parse_user_date(text, today + MAX_RESPONSE_HORIZON)
    else:
        parsed = dates.parse_user_date(text, today)
    if parsed.error:
        return Answer(error=parsed.error)
    return Answer(dates.format_date_iso(parsed.value))


def _parse_prior_reference(text: str) -> Answer:
    cleaned = "".join(normalise_text(text or "").split()).strip(".,،")
    if not PRIOR_REF_LENGTH[0] <= len(cleaned) <= PRIOR_REF_LENGTH[1]:
        return Answer(error="prior_ref_invalid")
    if not _PRIOR_REF.match(cleaned) or not any(char.isdigit() for char in cleaned):
        return Answer(error="prior_ref_invalid")
    return Answer(cleaned.upper())


def _parse_text_slot(slot: str, text: str, intent: str | None) -> Answer:
    if is_filler(text) or is_button_payload(text):
        return Answer(error="not_an_answer")
    if slot == "title":
        return _length_checked(text, TITLE_LENGTH, "title_length")
    if slot == "description":
        return _length_checked(text, DESCRIPTION_LENGTH, "description_length", multiline=True)
    if slot in {"service_name", "entity_name", "platform"} and is_dont_know(text):
        return Answer("")  # "I don't know": eligibility refuses with the reason
    return _length_checked(text, NAME_LENGTH, "name_length")


def parse_answer(
    slot: str,
    text: str,
    *,
    intent: str | None = None,
    entities: Mapping[str, Any] | None = None,
    today: date,
) -> Answer:
    """The value for `slot` from the user's reply, or an error code.

    Platform and service names come back as typed; matching them against the catalogue
    (and confirming unknown ones) is the caller's step.
    """
    entities = entities or {}
    if slot in BOOLEAN_SLOTS:
        value = parse_yes_no(text, intent)
        if value is None and is_dont_know(text):
            # where the rules have an answer for "I don't know" (no response time known: the
            # guide's five working days) it is "no"; elsewhere it is explained, not stored
            question = QUESTIONS.get(slot)
            if question is not None and question.dont_know:
                return Answer(False)
            return Answer(error="dont_know_yes_no")
        return Answer(value) if value is not None else Answer(error="yes_no_expected")
    if slot in CHOICES:
        if slot == "service_channel" and is_skip(text, intent):
            return Answer("")
        choice = parse_choice(slot, text, entities)
        if choice is not None:
            return Answer(choice)
        if is_button_payload(text):
            return Answer(error="not_an_answer")
        if slot == "service_channel":  # a channel we have no button for, as typed
            if is_filler(text):
                return Answer(error="not_an_answer")
            return _length_checked(text, NAME_LENGTH, "name_length")
        return Answer(error="choice_expected")
    if slot in {"prior_complaint_date", "response_due"}:
        return _parse_date(slot, text, today)
    if slot == "prior_complaint_ref":
        if is_dont_know(text):
            return Answer("")  # no number: the rules explain what can be done without one
        if not any(char.isdigit() for char in text) and (
            is_filler(text) or parse_yes_no(text) is not None or len(_words(text)) > 1
        ):
            # "no", «لا ما عندي», «وش دخل الرقم»: words, not a mistyped number
            return Answer(error="not_an_answer")
        return _parse_prior_reference(text)
    if slot == "full_name":
        return _from_parsed(personal.parse_full_name(text))
    if slot == "national_id":
        parsed = personal.parse_national_id(text)
        return Answer(error=parsed.error) if parsed.error else Answer(parsed.value.number)
    if slot == "mobile":
        return _from_parsed(personal.parse_mobile(text))
    if slot == "email":
        parsed = personal.parse_email(text)
        if parsed.skipped:
            return Answer("")
        return _from_parsed(parsed)
    return _parse_text_slot(slot, text, intent)
