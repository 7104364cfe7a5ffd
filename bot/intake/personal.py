"""Parsers for the reporter's personal data: national ID / iqama, mobile, e-mail, full name.

Each returns a `Parsed` value or an error code (see `bot.intake.parsing`); the codes are
listed in `ERROR_CODES`. Input is read the way people type it: Arabic-Indic or Persian
digits, spaces and dashes inside numbers, invisible direction marks from copy-paste, and a
few words around the value ("رقم هويتي ١٠…").
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum

import phonenumbers
from email_validator import EmailNotValidError, validate_email
from phonenumbers import NumberParseException, PhoneNumberFormat, PhoneNumberType

from bot.digits import to_ascii_digits
from bot.intake.parsing import Parsed
from bot.intake.text import MAX_ANSWER_LENGTH, clean_free_text
from bot.nlu.normalise import normalise_text

__all__ = [
    "ERROR_CODES",
    "FULL_NAME_MAX_LENGTH",
    "FULL_NAME_MIN_LENGTH",
    "IdKind",
    "NationalId",
    "luhn_valid",
    "parse_email",
    "parse_full_name",
    "parse_mobile",
    "parse_national_id",
]

ERROR_CODES: dict[str, str] = {
    "national_id_not_digits": "no ID number found, or letters/symbols mixed into it",
    "national_id_length": "the ID number does not have exactly 10 digits",
    "national_id_first_digit": "the ID number starts with neither 1 (citizen) nor 2 (resident)",
    "national_id_check_digit": "the ID number fails its check digit (a typo)",
    "mobile_not_a_number": "no phone number found in the text",
    "mobile_several_numbers": "more than one phone number in the text",
    "mobile_not_saudi": "a valid phone number of another country",
    "mobile_invalid": "not a valid Saudi number (wrong length or unallocated prefix)",
    "mobile_not_mobile": "a valid Saudi number that is not a mobile (a landline)",
    "email_invalid": "not a valid e-mail address",
    "full_name_too_short": "the name is empty or shorter than 2 characters",
    "full_name_too_long": "the name is longer than 100 characters",
    "full_name_invalid_characters": "the name has characters other than Arabic/Latin letters, "
    "spaces, hyphens and apostrophes",
    "full_name_one_word": "a single word; the full name needs at least two",
}

NATIONAL_ID_LENGTH = 10
FULL_NAME_MIN_LENGTH = 2
FULL_NAME_MAX_LENGTH = 100
SAUDI_REGION = "SA"
SAUDI_COUNTRY_CODE = 966

# Direction marks and isolates, zero-width characters: copy-paste from right-to-left text
# carries them into numbers and addresses.
_INVISIBLE = re.compile("[\u200b-\u200f\u061c\u202a-\u202e\u2066-\u2069\ufeff\u00ad]")
_ID_SEPARATORS = re.compile(r"[\s\-_\u2010-\u2015\u2212]+")
_ID_DIGIT_RUN = re.compile(r"[0-9](?:[\s\-_\u2010-\u2015\u2212]*[0-9])*")
_PHONE_RUN = re.compile(r"\+?[0-9](?:[\s\-().\u2010-\u2015\u2212]*[0-9])*")
_MIN_PHONE_DIGITS = 7


class IdKind(StrEnum):
    """Who holds the ID: the first digit tells a citizen (1) from a resident's iqama (2)."""

    CITIZEN = "citizen"
    RESIDENT = "resident"


_KIND_BY_FIRST_DIGIT = {"1": IdKind.CITIZEN, "2": IdKind.RESIDENT}


@dataclass(frozen=True)
class NationalId:
    number: str  # the 10 ASCII digits
    kind: IdKind


def _clean(text: str) -> str:
    return _INVISIBLE.sub("", to_ascii_digits(text or "")).strip()


def luhn_valid(digits: str) -> bool:
    """The Luhn check: from the right, every second digit is doubled (minus 9 above 9)."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 1:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def _letter_next_to(text: str, start: int, end: int) -> bool:
    before = text[start - 1] if start > 0 else ""
    after = text[end] if end < len(text) else ""
    return before.isalpha() or after.isalpha()


def _id_digits(text: str) -> str | None:
    """The ID's digits: the whole text, or the one run of digits among words around it."""
    compact = _ID_SEPARATORS.sub("", text)
    if re.fullmatch(r"[0-9]+", compact):
        return compact
    runs = list(_ID_DIGIT_RUN.finditer(text))
    if len(runs) != 1 or _letter_next_to(text, runs[0].start(), runs[0].end()):
        return None
    return _ID_SEPARATORS.sub("", runs[0].group())


def parse_national_id(text: str) -> Parsed[NationalId]:
    """A Saudi national ID (starts with 1) or iqama number (starts with 2), Luhn-checked."""
    digits = _id_digits(_clean(text))
    if digits is None:
        return Parsed.failure("national_id_not_digits")
    if len(digits) != NATIONAL_ID_LENGTH:
        return Parsed.failure("national_id_length")
    kind = _KIND_BY_FIRST_DIGIT.get(digits[0])
    if kind is None:
        return Parsed.failure("national_id_first_digit")
    if not luhn_valid(digits):
        return Parsed.failure("national_id_check_digit")
    return Parsed.success(NationalId(digits, kind))


def _digit_count(text: str) -> int:
    return sum(char.isdigit() for char in text)


def _phone_candidate(text: str) -> Parsed[str]:
    """The one phone-number-like run in `text` (digits with +, spaces, dashes, brackets)."""
    runs = [match.group() for match in _PHONE_RUN.finditer(text)]
    if not runs:
        return Parsed.failure("mobile_not_a_number")
    long_runs = [run for run in runs if _digit_count(run) >= _MIN_PHONE_DIGITS]
    if len(long_runs) > 1:
        return Parsed.failure("mobile_several_numbers")
    run = long_runs[0] if long_runs else max(runs, key=_digit_count)
    compact = re.sub(r"[^0-9+]", "", run)
    if compact.startswith("00"):
        compact = "+" + compact[2:]
    return Parsed.success(compact)


def _is_foreign(compact: str) -> bool:
    """Whether digits typed without + or 00 are a valid number of another country."""
    try:
        number = phonenumbers.parse("+" + compact.lstrip("+"), None)
    except NumberParseException:
        return False
    return number.country_code != SAUDI_COUNTRY_CODE and phonenumbers.is_valid_number(number)


def parse_mobile(text: str) -> Parsed[str]:
    """A Saudi mobile number in any usual form, as E.164 (`+9665XXXXXXXX`)."""
    candidate = _phone_candidate(_clean(text))
    if candidate.error is not None or candidate.value is None:
        return Parsed.failure(candidate.error or "mobile_not_a_number")
    compact = candidate.value
    try:
        number = phonenumbers.parse(compact, SAUDI_REGION)
    except NumberParseException as error:
        if error.error_type == NumberParseException.NOT_A_NUMBER:
            return Parsed.failure("mobile_not_a_number")
        return Parsed.failure("mobile_invalid")
    if number.country_code != SAUDI_COUNTRY_CODE:
        return Parsed.failure("mobile_not_saudi")
    if not phonenumbers.is_valid_number(number):
        if not compact.startswith("+") and _is_foreign(compact):
            return Parsed.failure("mobile_not_saudi")
        return Parsed.failure("mobile_invalid")
    if phonenumbers.number_type(number) != PhoneNumberType.MOBILE:
        return Parsed.failure("mobile_not_mobile")
    return Parsed.success(phonenumbers.format_number(number, PhoneNumberFormat.E164))


# Words around an answer that declines the optional e-mail; dropped before the phrase check.
_EMAIL_FILLER = frozenset(
    {
        "email", "e-mail", "mail", "address", "an", "a", "one", "thanks", "thank", "you",
        "please", "sorry", "ايميل", "الايميل", "اميل", "الاميل", "بريد", "البريد", "الكتروني",
        "الالكتروني", "شكرا", "عفوا", "لو", "سمحت", "اسف", "والله",
    }
)
_EMAIL_SKIP_PHRASES = frozenset(
    {
        "skip", "skip it", "skip this", "no", "nope", "none", "nothing", "n/a", "na", "nil",
        "-", "i dont have", "i do not have", "dont have", "i have none", "i have no",
        "i dont", "not available", "without", "no need",
        "لا", "لاء", "لا يوجد", "لايوجد", "ما يوجد", "لا يوجد لدي", "ما عندي", "ماعندي",
        "ما عندي شي", "ما في", "مافي", "ما فيه", "مافيه", "ليس لدي", "ليس عندي", "لا املك",
        "ما املك", "لا احتاج", "ما احتاج", "لا اريد", "ما ابي", "ما ابغي", "ما ابغا",
        "تخطي", "تخطيه", "تجاوز", "بدون", "لا شيء", "لا شي", "ما عندي واحد",
    }
)
_NEGATIONS = frozenset({"no", "nope", "لا", "لاء"})


def _declines_email(text: str) -> bool:
    """Whether `text` says "no e-mail" ("skip", "لا يوجد", "no, I don't have one", …)."""
    folded = normalise_text(text).lower().replace("'", "").replace("\u2019", "")
    words = [w for w in re.sub(r"[^\w\s/-]", " ", folded).split() if w not in _EMAIL_FILLER]
    phrase = " ".join(words)
    if phrase in _EMAIL_SKIP_PHRASES:
        return True
    if words and words[0] in _NEGATIONS:
        rest = " ".join(words[1:])
        return rest in _EMAIL_SKIP_PHRASES
    return False


def _email_candidate(text: str) -> str:
    """The word with an @ in it when the address comes with words around it."""
    words = [word for word in text.split() if "@" in word]
    candidate = words[0] if len(words) == 1 else text
    candidate = candidate.strip(" \t<>()[]{}\"'`,;:!?")
    if candidate.lower().startswith("mailto:"):
        candidate = candidate[len("mailto:") :]
    return candidate.rstrip(".")


def parse_email(text: str) -> Parsed[str]:
    """An optional e-mail address, normalised; an explicit "no e-mail" gives `skipped`.

    Syntax only: no DNS lookup, which would make a form step depend on the network.
    """
    cleaned = _clean(text).replace("\uff20", "@")  # full-width @ from some keyboards
    if "@" not in cleaned and _declines_email(cleaned):
        return Parsed.skip()
    candidate = _email_candidate(cleaned)
    if "@" not in candidate:
        return Parsed.failure("email_invalid")
    try:
        result = validate_email(candidate, check_deliverability=False)
    except EmailNotValidError:
        return Parsed.failure("email_invalid")
    return Parsed.success(result.normalized)


_HYPHENS = frozenset("-\u2010\u2011")
_APOSTROPHES = frozenset("'\u2019\u2018\u02bc")


def _is_name_letter(char: str) -> bool:
    """An Arabic or Latin letter (other scripts, digits and symbols are not)."""
    if not char.isalpha():
        return False
    name = unicodedata.name(char, "")
    return name.startswith(("ARABIC", "LATIN"))


def _name_characters_ok(name: str) -> bool:
    previous = " "
    for char in name:
        if unicodedata.category(char).startswith("M"):  # a diacritic on the letter before
            if not _is_name_letter(previous) and not unicodedata.category(previous).startswith(
                "M"
            ):
                return False
        elif not (char == " " or char in _HYPHENS or char in _APOSTROPHES) and not (
            _is_name_letter(char)
        ):
            return False
        previous = char
    return True


def parse_full_name(text: str) -> Parsed[str]:
    """A full name of at least two words, kept as typed apart from surrounding/extra spaces
    and invisible, directional or control characters (see bot.intake.text)."""
    name = clean_free_text(text, multiline=False, max_length=MAX_ANSWER_LENGTH)
    if len(name) < FULL_NAME_MIN_LENGTH:
        return Parsed.failure("full_name_too_short")
    if len(name) > FULL_NAME_MAX_LENGTH:
        return Parsed.failure("full_name_too_long")
    if not _name_characters_ok(name):
        return Parsed.failure("full_name_invalid_characters")
    words = [word for word in name.split() if any(_is_name_letter(char) for char in word)]
    if len(words) < 2:
        return Parsed.failure("full_name_one_word")
    return Parsed.success(name)
