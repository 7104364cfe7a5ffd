"""bot.intake.personal: national ID / iqama, Saudi mobile, optional e-mail, full name."""

from __future__ import annotations

import pytest

from bot.intake.parsing import Parsed
from bot.intake.personal import (
    ERROR_CODES,
    IdKind,
    NationalId,
    luhn_valid,
    parse_email,
    parse_full_name,
    parse_mobile,
    parse_national_id,
)

# Valid IDs, Luhn checked by hand: double the 1st, 3rd, 5th, 7th and 9th digits (minus 9 when
# over 9), add the other five digits; the total must end in 0.
#   1000000008: doubled 1->2, 0, 0, 0, 0 = 2; plain 0+0+0+0+8 = 8; 2+8 = 10
#   2000000006: doubled 2->4 = 4; plain 6; 4+6 = 10
#   1234567897: doubled 1->2, 3->6, 5->10->1, 7->14->5, 9->18->9 = 23; plain 2+4+6+8+7 = 27; 50
#   2109876546: doubled 2->4, 0->0, 8->16->7, 6->12->3, 4->8 = 22; plain 1+9+7+5+6 = 28; 50
#   1098765439: doubled 1->2, 9->18->9, 7->14->5, 5->10->1, 3->6 = 23; plain 0+8+6+4+9 = 27; 50
VALID_IDS = [
    ("1000000008", IdKind.CITIZEN),
    ("2000000006", IdKind.RESIDENT),
    ("1234567897", IdKind.CITIZEN),
    ("2109876546", IdKind.RESIDENT),
    ("1098765439", IdKind.CITIZEN),
]


@pytest.mark.parametrize(("number", "kind"), VALID_IDS)
def test_valid_ids(number: str, kind: IdKind) -> None:
    assert parse_national_id(number) == Parsed(value=NationalId(number, kind))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("١٢٣٤٥٦٧٨٩٧", "1234567897"),  # Arabic-Indic digits
        ("۱۲۳۴۵۶۷۸۹۷", "1234567897"),  # Persian digits
        ("1234 567 897", "1234567897"),
        ("1234-567-897", "1234567897"),
        ("  2109876546\n", "2109876546"),
        ("\u20661234567897\u2069", "1234567897"),  # direction isolates from copy-paste
        ("رقم هويتي ١٠٠٠٠٠٠٠٠٨", "1000000008"),
        ("my iqama is 2000000006", "2000000006"),
    ],
)
def test_id_as_typed(text: str, expected: str) -> None:
    result = parse_national_id(text)
    assert result.error is None
    assert result.value is not None and result.value.number == expected


@pytest.mark.parametrize(
    ("text", "code"),
    [
        # one digit changed (the check digit, then a middle digit)
        ("1234567891", "national_id_check_digit"),
        ("1234557897", "national_id_check_digit"),
        ("1000000009", "national_id_check_digit"),
        # two neighbours swapped
        ("1243567897", "national_id_check_digit"),
        ("1234567987", "national_id_check_digit"),
        ("2109876564", "national_id_check_digit"),
        ("1098765493", "national_id_check_digit"),
        ("2000000060", "national_id_check_digit"),
        # wrong first digit (3000000004 passes Luhn: 3->6, plus 4 = 10)
        ("3000000004", "national_id_first_digit"),
        ("0000000000", "national_id_first_digit"),
        ("5234567897", "national_id_first_digit"),
        # wrong length
        ("123456789", "national_id_length"),
        ("12345678970", "national_id_length"),
        ("١٢٣", "national_id_length"),
        # no digits, or letters inside the number
        ("", "national_id_not_digits"),
        ("abc", "national_id_not_digits"),
        ("ما اعرف", "national_id_not_digits"),
        ("12345abc90", "national_id_not_digits"),
        ("1234567897x", "national_id_not_digits"),
        ("1234 and 567897", "national_id_not_digits"),
    ],
)
def test_invalid_ids(text: str, code: str) -> None:
    assert parse_national_id(text) == Parsed(error=code)
    assert code in ERROR_CODES


@pytest.mark.parametrize(
    ("digits", "valid"),
    [("0", True), ("18", True), ("79927398713", True), ("79927398710", False), ("1", False)],
)
def test_luhn(digits: str, valid: bool) -> None:
    assert luhn_valid(digits) is valid


@pytest.mark.parametrize(
    "text",
    [
        "0501234567",
        "050 123 4567",
        "050-123-4567",
        "(050) 123-4567",
        "501234567",
        "+966501234567",
        "+966 50 123 4567",
        "00966501234567",
        "966501234567",
        "٠٥٠١٢٣٤٥٦٧",
        "+٩٦٦٥٠١٢٣٤٥٦٧",
        "جوالي 0501234567",
        "my number is +966 50 123 4567.",
    ],
)
def test_valid_mobile_forms(text: str) -> None:
    assert parse_mobile(text) == Parsed(value="+966501234567")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("0551234567", "+966551234567"),
        ("0531234567", "+966531234567"),
        ("0591234567", "+966591234567"),
        ("0581234567", "+966581234567"),
        ("0541234567", "+966541234567"),
    ],
)
def test_mobile_prefixes(text: str, expected: str) -> None:
    assert parse_mobile(text) == Parsed(value=expected)


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("", "mobile_not_a_number"),
        ("abc", "mobile_not_a_number"),
        ("ما عندي جوال", "mobile_not_a_number"),
        ("+", "mobile_not_a_number"),
        ("0501234567 or 0551234567", "mobile_several_numbers"),
        ("+971501234567", "mobile_not_saudi"),  # UAE mobile
        ("00971501234567", "mobile_not_saudi"),
        ("971501234567", "mobile_not_saudi"),
        ("+201001234567", "mobile_not_saudi"),  # Egypt mobile
        ("0112345678", "mobile_not_mobile"),  # Riyadh landline
        ("+966 12 612 3456", "mobile_not_mobile"),  # Jeddah landline
        ("05", "mobile_invalid"),
        ("050123456", "mobile_invalid"),  # one digit short
        ("05012345678", "mobile_invalid"),  # one digit too many
        ("0521234567", "mobile_invalid"),  # unallocated prefix
    ],
)
def test_invalid_mobiles(text: str, code: str) -> None:
    assert parse_mobile(text) == Parsed(error=code)
    assert code in ERROR_CODES


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("sara@example.com", "sara@example.com"),
        ("Sara.Ali@Example.COM", "Sara.Ali@example.com"),  # the domain is case-insensitive
        ("  sara@example.com  ", "sara@example.com"),
        ("<sara@example.com>", "sara@example.com"),
        ("mailto:sara@example.com", "sara@example.com"),
        ("my email is sara@example.com.", "sara@example.com"),
        ("ايميلي sara@example.com", "sara@example.com"),
        ("user+tag@sub.example.sa", "user+tag@sub.example.sa"),
        ("ali٢٠٢٦@example.com", "ali2026@example.com"),  # Arabic-Indic digits typed
        ("sara\uff20example.com", "sara@example.com"),  # full-width @
    ],
)
def test_valid_emails(text: str, expected: str) -> None:
    assert parse_email(text) == Parsed(value=expected)


@pytest.mark.parametrize(
    "text",
    [
        "skip",
        "Skip",
        "no",
        "No.",
        "none",
        "n/a",
        "-",
        "No, I don't have one",
        "I don't have an email",
        "لا",
        "لا يوجد",
        "لايوجد",
        "ما عندي",
        "ما عندي ايميل",
        "ماعندي بريد الكتروني",
        "ليس لدي بريد إلكتروني",
        "تخطي",
        "تخطى",
        "لا، ما عندي",
        "بدون",
    ],
)
def test_email_skipped(text: str) -> None:
    assert parse_email(text) == Parsed(skipped=True)
    assert parse_email(text).ok


@pytest.mark.parametrize(
    "text",
    [
        "",
        "hello",
        "ما هو المطلوب",
        "sara@",
        "@example.com",
        "sara@example",
        "sara example.com",
        "sara@@example.com",
        "sara@exa mple.com",
        "sara@example..com",
        "a@b@example.com",
    ],
)
def test_invalid_emails(text: str) -> None:
    assert parse_email(text) == Parsed(error="email_invalid")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("محمد العتيبي", "محمد العتيبي"),
        ("  محمد   عبدالله   العتيبي  ", "محمد عبدالله العتيبي"),
        ("عبد الله", "عبد الله"),
        ("مُحَمَّد علي", "مُحَمَّد علي"),  # diacritics kept as typed
        ("نورة آل سعود", "نورة آل سعود"),
        ("Mary-Jane O'Neil", "Mary-Jane O'Neil"),
        ("Sara Al-Qahtani", "Sara Al-Qahtani"),
        ("José Núñez", "José Núñez"),
        ("Ali bin Hassan", "Ali bin Hassan"),
        ("فاطمة Ahmed", "فاطمة Ahmed"),  # mixed scripts
        ("Li Wu", "Li Wu"),
    ],
)
def test_valid_names(text: str, expected: str) -> None:
    assert parse_full_name(text) == Parsed(value=expected)


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("", "full_name_too_short"),
        ("   ", "full_name_too_short"),
        ("م", "full_name_too_short"),
        ("محمد " * 20 + "علي", "full_name_too_long"),
        ("محمد", "full_name_one_word"),
        ("Mohammed", "full_name_one_word"),
        ("محمد -", "full_name_one_word"),
        ("Ali 2", "full_name_invalid_characters"),
        ("علي ٣", "full_name_invalid_characters"),
        ("Ali, Hassan", "full_name_invalid_characters"),
        ("علي، حسن", "full_name_invalid_characters"),
        ("sara@example.com x", "full_name_invalid_characters"),
        ("Иван Петров", "full_name_invalid_characters"),  # neither Arabic nor Latin
        ("محمد 😀 علي", "full_name_invalid_characters"),
    ],
)
def test_invalid_names(text: str, code: str) -> None:
    assert parse_full_name(text) == Parsed(error=code)
    assert code in ERROR_CODES


def test_name_length_limit_is_inclusive() -> None:
    name = "ا" * 49 + " " + "ب" * 50
    assert len(name) == 100
    assert parse_full_name(name).value == name
