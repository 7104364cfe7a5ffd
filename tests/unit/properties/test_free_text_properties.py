"""Properties of hostile free text: bot.intake.text.clean_free_text and the answers using it.

Whatever the reporter types, the cleaned text has no bidi control, zero-width, format,
control or surrogate character, no whitespace but single spaces (and, in multi-line text,
single line breaks with at most one empty line between paragraphs), fits the length cap,
and cleaning it again changes nothing.
"""

from __future__ import annotations

import unicodedata
from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.intake import answers, dates, personal
from bot.intake.answers import parse_answer
from bot.intake.summary import summary_values
from bot.intake.text import clean_free_text

FAST = settings(max_examples=200, deadline=None)
TODAY = date(2026, 11, 23)

BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"
ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff"
C0 = "".join(map(chr, range(0x20))) + "\x7f"
C1 = "".join(map(chr, range(0x80, 0xA0)))
OTHER_WHITESPACE = "\u00a0\u2000\u2003\u2028\u2029\u3000\u205f\u1680\x1c\x1f\x85\r\x0b\x0c"
SURROGATES = "\ud800\udbff\udc00\udfff"  # lone ones, as a JSON body may carry them
FORBIDDEN = set(BIDI + ZERO_WIDTH + C0 + C1 + SURROGATES + "\u00ad\u3164\u115f\u034f")

# Text that mixes what hostile or pasted input carries with ordinary Arabic and Latin text.
# (A list joined, not st.text: st.text leaves out the lone surrogates.)
hostile_text = st.lists(
    st.one_of(
        st.sampled_from(
            BIDI + ZERO_WIDTH + C0 + C1 + OTHER_WHITESPACE + SURROGATES + "\u00ad\u3164\u034f"
        ),
        st.sampled_from("abc XYZ سارة علي-'\u064e\u0651٣.\t\n"),
        st.characters(),  # any code point
    ),
    max_size=80,
).map("".join)
lengths = st.integers(0, 120)


def _check_clean(cleaned: str, *, multiline: bool, max_length: int) -> None:
    assert len(cleaned) <= max(max_length, 0)
    kept = set(cleaned) - ({"\n"} if multiline else set())
    assert not FORBIDDEN & kept, ascii(cleaned)
    assert not any(unicodedata.category(char) in {"Cc", "Cf", "Cs"} for char in kept)
    assert cleaned == cleaned.strip()
    lines = cleaned.split("\n") if multiline else [cleaned]
    if not multiline:
        assert "\n" not in cleaned
    assert "\n\n\n" not in cleaned
    for line in lines:
        assert line == line.strip()
        assert "  " not in line
        assert all(char == " " or not char.isspace() for char in line), ascii(line)


@FAST
@given(hostile_text, st.booleans(), lengths)
def test_cleaned_text_has_no_hidden_characters(text: str, multiline: bool, cap: int) -> None:
    _check_clean(clean_free_text(text, multiline=multiline, max_length=cap),
                 multiline=multiline, max_length=cap)


@FAST
@given(hostile_text, st.booleans(), lengths)
def test_cleaning_is_idempotent(text: str, multiline: bool, cap: int) -> None:
    once = clean_free_text(text, multiline=multiline, max_length=cap)
    assert clean_free_text(once, multiline=multiline, max_length=cap) == once


@FAST
@given(hostile_text)
def test_single_line_is_the_multi_line_text_joined(text: str) -> None:
    multi = clean_free_text(text, multiline=True, max_length=10_000)
    single = clean_free_text(text, multiline=False, max_length=10_000)
    assert single == " ".join(multi.split())


@FAST
@given(st.text(alphabet=st.characters(categories=["L", "M", "N", "P", "S"]), max_size=60))
def test_ordinary_text_is_kept(text: str) -> None:
    """Letters, marks, digits, punctuation and symbols (without spaces) come back unchanged,
    apart from the few invisible letters (Hangul fillers, the grapheme joiner)."""
    expected = "".join(c for c in text if c not in "\u034f\u115f\u1160\u17b4\u17b5\u3164\uffa0")
    assert clean_free_text(text, multiline=False, max_length=100) == expected


FREE_TEXT_SLOTS = ["title", "description", "service_name", "entity_name", "platform",
                   "service_channel", "full_name"]


@FAST
@given(st.sampled_from(FREE_TEXT_SLOTS), hostile_text)
def test_free_text_answers_are_clean(slot: str, text: str) -> None:
    answer = parse_answer(slot, text, today=TODAY)
    if answer.ok and isinstance(answer.value, str):
        _check_clean(answer.value, multiline=slot == "description", max_length=2000)


ALL_SLOTS = sorted(
    {*answers.BOOLEAN_SLOTS, *answers.CHOICES, *FREE_TEXT_SLOTS, "prior_complaint_date",
     "response_due", "prior_complaint_ref", "national_id", "mobile", "email"}
)


ERROR_CODES = {
    *personal.ERROR_CODES, *dates.ERROR_CODES, "yes_no_expected", "choice_expected",
    "prior_ref_invalid", "title_length", "description_length", "name_length", "not_an_answer",
}


@FAST
@given(st.sampled_from(ALL_SLOTS), hostile_text)
def test_every_answer_is_a_value_or_a_documented_error(slot: str, text: str) -> None:
    answer = parse_answer(slot, text, today=TODAY)
    if answer.error is not None:
        assert answer.error in ERROR_CODES and answer.value is None
    else:
        assert answer.value is not None


@FAST
@given(hostile_text)
def test_email_never_raises(text: str) -> None:
    parsed = personal.parse_email(text)
    assert parsed.ok or parsed.error == "email_invalid"


@FAST
@given(st.dictionaries(st.sampled_from(["full_name", "title", "description", "platform",
                                         "service_name", "entity_name", "service_channel"]),
                       hostile_text),
       st.lists(hostile_text, max_size=3), st.sampled_from(["ar", "en"]))
def test_the_summary_shows_nothing_hidden(
    slots: dict[str, str], filenames: list[str], language: str
) -> None:
    """Whatever reached the slots (also without going through parse_answer)."""
    slots = {**slots, "attachments": [{"filename": name} for name in filenames]}
    for name, shown in summary_values(slots, language).items():
        assert shown, name
        _check_clean(shown, multiline=name == "summary_description", max_length=10_000)
