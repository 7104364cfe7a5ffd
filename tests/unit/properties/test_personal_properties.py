"""Properties of the national ID / iqama and mobile parsers (bot.intake.personal).

Parsers never raise: any text gives a value or one of the documented error codes.
"""

from __future__ import annotations

import re

import phonenumbers
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from phonenumbers import PhoneNumberFormat, PhoneNumberType

from bot.intake.personal import (
    ERROR_CODES,
    IdKind,
    NationalId,
    luhn_valid,
    parse_mobile,
    parse_national_id,
)

FAST = settings(max_examples=200, deadline=None)
ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
PERSIAN = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")
DIGIT_FORMS = [None, ARABIC_INDIC, PERSIAN]
E164_SAUDI_MOBILE = re.compile(r"^\+9665\d{8}$")
# Separators people and phone keyboards put inside numbers.
SEPARATORS = ["", "", "", " ", "-", " - ", "\u2010", "\u2212", "\u00a0", "\u200f", "\u2066"]
ID_CODES = {code for code in ERROR_CODES if code.startswith("national_id_")}
MOBILE_CODES = {code for code in ERROR_CODES if code.startswith("mobile_")}


def luhn_digit(partial: str) -> str:
    """The check digit that makes `partial` + digit pass Luhn (computed from the definition:
    from the right of the full number, every second digit is doubled, minus 9 above 9)."""
    total = 0
    for position, char in enumerate(reversed(partial)):
        value = int(char)
        if position % 2 == 0:  # second from the right once the check digit is appended
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return str(-total % 10)


digits = st.text(alphabet="0123456789", min_size=1, max_size=1)


@st.composite
def valid_ids(draw: st.DrawFn) -> str:
    first = draw(st.sampled_from("12"))
    middle = draw(st.text(alphabet="0123456789", min_size=8, max_size=8))
    return first + middle + luhn_digit(first + middle)


@st.composite
def spelled(draw: st.DrawFn, number: str) -> str:
    """`number` with its digits in ASCII, Arabic-Indic or Persian and separators between."""
    table = draw(st.sampled_from(DIGIT_FORMS))
    if table is not None:
        number = number.translate(table)
    parts = [number[0]]
    for char in number[1:]:
        if char.isdigit():
            parts.append(draw(st.sampled_from(SEPARATORS)))
        parts.append(char)
    return "".join(parts)


# -- national ID / iqama ----------------------------------------------------------------


@FAST
@given(valid_ids())
def test_a_luhn_completed_id_is_accepted(number: str) -> None:
    assert luhn_valid(number)
    kind = IdKind.CITIZEN if number[0] == "1" else IdKind.RESIDENT
    assert parse_national_id(number).value == NationalId(number, kind)


@FAST
@given(st.data())
def test_an_id_as_typed_is_accepted(data: st.DataObject) -> None:
    number = data.draw(valid_ids())
    typed = data.draw(spelled(number))
    words = data.draw(st.sampled_from(["{}", " {} ", "رقم هويتي {}", "my iqama is {}", "{}\n"]))
    assert parse_national_id(words.format(typed)).value.number == number


@FAST
@given(valid_ids(), st.integers(0, 9), digits)
def test_every_single_digit_change_is_refused(number: str, position: int, new: str) -> None:
    assume(number[position] != new)
    changed = number[:position] + new + number[position + 1 :]
    error = parse_national_id(changed).error
    if position == 0 and new not in "12":
        assert error == "national_id_first_digit"
    else:
        assert error == "national_id_check_digit"


@FAST
@given(st.text(alphabet="0123456789", min_size=1, max_size=30).filter(lambda s: len(s) != 10))
def test_a_wrong_length_is_refused(number: str) -> None:
    assert parse_national_id(number).error == "national_id_length"


@FAST
@given(st.sampled_from("03456789"), st.text(alphabet="0123456789", min_size=8, max_size=8))
def test_a_wrong_first_digit_is_refused_even_with_a_good_check_digit(
    first: str, middle: str
) -> None:
    number = first + middle + luhn_digit(first + middle)
    assert luhn_valid(number)
    assert parse_national_id(number).error == "national_id_first_digit"


@FAST
@given(st.text(max_size=60))
def test_any_text_gives_an_id_or_a_documented_error(text: str) -> None:
    parsed = parse_national_id(text)
    if parsed.error is None:
        number = parsed.value.number
        assert len(number) == 10 and number[0] in "12" and luhn_valid(number)
    else:
        assert parsed.error in ID_CODES and parsed.value is None


@FAST
@given(st.text(alphabet="0123456789٠١٢٣٤٥٦٧٨٩ -abc\u200f", max_size=30))
def test_digit_like_text_gives_an_id_or_a_documented_error(text: str) -> None:
    parsed = parse_national_id(text)
    assert parsed.error in ID_CODES or luhn_valid(parsed.value.number)


# -- mobile -------------------------------------------------------------------------------


@st.composite
def saudi_mobiles(draw: st.DrawFn) -> str:
    """The 9-digit national number of an allocated Saudi mobile: 5, then 0/1/3/4/5/6/8/9
    (phonenumbers' metadata: 5[013-689]…; 52 is unallocated, 57 only in part), then 7."""
    second = draw(st.sampled_from("01345689"))
    return "5" + second + draw(st.text(alphabet="0123456789", min_size=7, max_size=7))


MOBILE_FORMS = ["0{}", "{}", "966{}", "+966{}", "00966{}", "+966 {}", "+966 (0){}", "+9660{}"]


@FAST
@given(st.data())
def test_every_form_of_a_mobile_gives_the_same_e164(data: st.DataObject) -> None:
    national = data.draw(saudi_mobiles())
    form = data.draw(st.sampled_from(MOBILE_FORMS))
    typed = data.draw(spelled(form.format(national)))
    words = data.draw(st.sampled_from(["{}", " {} ", "جوالي {}", "my number is {}", "{}."]))
    assert parse_mobile(words.format(typed)).value == "+966" + national


@FAST
@given(st.text(alphabet="0123456789", min_size=8, max_size=8), st.data())
def test_all_forms_agree_for_any_number_starting_with_5(tail: str, data: st.DataObject) -> None:
    """Allocated or not: the forms of one number give one outcome."""
    national = "5" + tail
    expected = parse_mobile("+966" + national)
    form = data.draw(st.sampled_from(MOBILE_FORMS))
    assert parse_mobile(data.draw(spelled(form.format(national)))) == expected


FOREIGN_REGIONS = ["AE", "EG", "JO", "KW", "BH", "QA", "OM", "YE", "PK", "IN", "BD", "PH",
                   "GB", "US", "FR", "DE", "TR", "SD", "ID", "NG"]


@FAST
@given(st.sampled_from(FOREIGN_REGIONS), st.sampled_from(["+{}", "00{}", "{}"]), st.data())
def test_a_foreign_mobile_is_refused(region: str, form: str, data: st.DataObject) -> None:
    example = phonenumbers.example_number_for_type(region, PhoneNumberType.MOBILE)
    e164 = phonenumbers.format_number(example, PhoneNumberFormat.E164)
    typed = data.draw(spelled(form.format(e164.lstrip("+"))))
    parsed = parse_mobile(typed)
    assert not parsed.ok
    if form != "{}":  # with + or 00 the country is certain
        assert parsed.error == "mobile_not_saudi"


@FAST
@given(
    st.sampled_from(["11", "12", "13", "14", "16", "17"]),
    st.text(alphabet="0123456789", min_size=7, max_size=7),
    st.sampled_from(["0{}", "+966{}", "966{}"]),
)
def test_a_saudi_landline_is_refused(area: str, rest: str, form: str) -> None:
    national = area + rest
    parsed = parse_mobile(form.format(national))
    assert not parsed.ok
    number = phonenumbers.parse("+966" + national)
    if phonenumbers.is_valid_number(number):
        assert parsed.error == "mobile_not_mobile"
    else:
        assert parsed.error == "mobile_invalid"


@FAST
@given(
    st.sampled_from(["800", "9200", "700", "811"]), st.text("0123456789", min_size=5, max_size=7)
)
def test_service_numbers_are_refused(prefix: str, rest: str) -> None:
    assert not parse_mobile(prefix + rest).ok


@FAST
@given(st.text(max_size=60))
def test_any_text_gives_a_mobile_or_a_documented_error(text: str) -> None:
    parsed = parse_mobile(text)
    if parsed.error is None:
        assert E164_SAUDI_MOBILE.match(parsed.value)
    else:
        assert parsed.error in MOBILE_CODES and parsed.value is None


@FAST
@given(st.text(alphabet="0123456789٠١٢٣٤٥٦٧٨٩+ -()\u200f", max_size=40))
def test_phone_like_text_gives_a_mobile_or_a_documented_error(text: str) -> None:
    parsed = parse_mobile(text)
    assert parsed.error in MOBILE_CODES or E164_SAUDI_MOBILE.match(parsed.value)
