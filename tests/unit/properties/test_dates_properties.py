"""Properties of the date parser (bot.intake.dates.parse_user_date).

Any text gives a date between EARLIEST_DATE and today, or one of the documented error codes;
nothing raises. Every day from EARLIEST_DATE to today, written as an ISO date or day/month/
year, reads back as itself; every later day is refused as being in the future.
"""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.intake.dates import EARLIEST_DATE, ERROR_CODES, parse_user_date

FAST = settings(max_examples=200, deadline=None)
TODAY = date(2026, 11, 23)
ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
PERSIAN = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")

todays = st.dates(min_value=date(2024, 1, 1), max_value=date(2035, 12, 31))


def _digits(text: str, form: int) -> str:
    """`text` with ASCII (0), Arabic-Indic (1) or Persian (2) digits."""
    return text.translate((ARABIC_INDIC, PERSIAN)[form - 1]) if form else text


def _assert_documented(text: str, today: date) -> None:
    parsed = parse_user_date(text, today)
    if parsed.error is None:
        assert EARLIEST_DATE <= parsed.value <= today, (text, parsed)
    else:
        assert parsed.error in ERROR_CODES and parsed.value is None, (text, parsed)


@FAST
@given(st.text(max_size=60), todays)
def test_any_text_gives_a_date_or_a_documented_error(text: str, today: date) -> None:
    _assert_documented(text, today)


# Pieces of what people write about dates, so that random texts are date-like often enough to
# reach every branch: numbers of any size, month and weekday names of the three calendars,
# calendar marks, separators and the words of relative dates.
DATE_WORDS = [
    "2024", "1446", "1343", "1500", "1501", "9999", "0", "00", "31", "29", "30", "12", "13",
    "2", "99", "26", "47", "1", "ago", "back", "years", "year", "months", "weeks", "days", "day",
    "last", "week", "month", "this past", "on", "yesterday", "today", "tomorrow", "the day",
    "before", "january", "feb", "may", "sept", "of", "st", "th", "monday", "sunday", "قبل",
    "منذ", "من", "صار لي", "حوالي", "سنه", "سنتين", "سنوات", "شهر", "شهرين", "اشهر", "اسبوع",
    "يوم", "يومين", "ايام", "عام", "اعوام", "امس", "البارحه", "اليوم", "بكره", "الماضي",
    "محرم", "رمضان", "ذو الحجه", "جمادي الاخره", "شعبان", "نوفمبر", "فبراير", "شباط", "كانون الاول",
    "الاحد", "الجمعه", "هـ", "ه", "هجري", "م", "ميلادي", "a.h.", "ad", "ce", "ثلاث", "عشر",
    "واحد", "two", "ten", "a couple of", "an",
]
SEPARATORS = [" ", " ", " ", "/", "-", ".", ", ", "/ ", "\u200f", ""]


PHRASES = [
    "{n} {unit} ago", "قبل {n} {unit}", "منذ {n} {unit}", "صار لي {n} {unit}", "{n}/{n}/{n}",
    "{n}-{n}-{n}", "{n}.{n}.{n} {mark}", "{n} {month} {n}", "{n} {month}", "{month} {n}, {n}",
    "{n}/{n}", "{n} شهر {n}", "{n} من شهر {n} {n}", "{n} {month} {n} {mark}", "{n}/{n}/{n}{mark}",
    "last {word}", "{word} الماضي", "من {month}", "the {n}th of {month}",
]
UNITS = ["years", "months", "weeks", "days", "year", "سنه", "سنوات", "اعوام", "اشهر", "شهور",
         "اسابيع", "ايام", "يوم", "عام"]
MONTHS = ["january", "feb", "sept", "نوفمبر", "شباط", "محرم", "رمضان", "ذو الحجه", "جمادي الاخره"]
MARKS = ["", "هـ", "ه", "م", "a.h.", "ad", "هجري", "ميلادي"]


@st.composite
def date_phrases(draw: st.DrawFn) -> str:
    """A phrase of a form the parser reads, filled with numbers of any size."""
    phrase = draw(st.sampled_from(PHRASES))
    while "{n}" in phrase:
        number = draw(st.one_of(st.integers(0, 40), st.integers(1300, 1600),
                                st.integers(1900, 2100), st.integers(0, 99_999)))
        phrase = phrase.replace("{n}", str(number), 1)
    return phrase.format(
        unit=draw(st.sampled_from(UNITS)),
        month=draw(st.sampled_from(MONTHS)),
        mark=draw(st.sampled_from(MARKS)),
        word=draw(st.sampled_from(DATE_WORDS)),
    )


@st.composite
def date_like_texts(draw: st.DrawFn) -> str:
    """Date words and numbers in any order, or a date phrase between a few such words."""
    words = st.lists(st.sampled_from(DATE_WORDS), min_size=1, max_size=6)
    if draw(st.booleans()):
        pieces = draw(words)
    else:
        around = st.lists(st.sampled_from(DATE_WORDS), max_size=2)
        pieces = [*draw(around), draw(date_phrases()), *draw(around)]
    text = ""
    for piece in pieces:
        text += piece + draw(st.sampled_from(SEPARATORS))
    return _digits(text, draw(st.integers(0, 2)))


@settings(max_examples=600, deadline=None)
@given(date_like_texts(), todays)
def test_date_like_text_gives_a_date_or_a_documented_error(text: str, today: date) -> None:
    _assert_documented(text, today)


@FAST
@given(st.integers(0, 10**4), st.sampled_from(["years", "months", "weeks", "days"]), todays)
def test_any_count_of_units_ago_is_a_date_or_an_error(count: int, unit: str, today: date) -> None:
    _assert_documented(f"{count} {unit} ago", today)
    arabic_unit = {"years": "سنوات", "months": "اشهر", "weeks": "اسابيع", "days": "ايام"}[unit]
    _assert_documented(f"قبل {count} {arabic_unit}", today)


@st.composite
def days_until(draw: st.DrawFn, today: date) -> date:
    return draw(st.dates(min_value=EARLIEST_DATE, max_value=today))


@FAST
@given(st.data(), todays, st.integers(0, 2))
def test_every_day_since_the_earliest_round_trips(
    data: st.DataObject, today: date, form: int
) -> None:
    day = data.draw(days_until(today))
    assert parse_user_date(_digits(day.isoformat(), form), today).value == day
    assert parse_user_date(_digits(f"{day.day}/{day.month}/{day.year}", form), today).value == day
    assert parse_user_date(_digits(f"{day:%d-%m-%Y}", form), today).value == day


@FAST
@given(st.data(), todays)
def test_a_future_day_is_refused(data: st.DataObject, today: date) -> None:
    day = data.draw(st.dates(min_value=today + timedelta(days=1), max_value=date(9999, 12, 31)))
    assert parse_user_date(day.isoformat(), today).error == "date_in_future"
    assert parse_user_date(f"{day.day}/{day.month}/{day.year}", today).error == "date_in_future"


@FAST
@given(st.dates(min_value=date(1600, 1, 1), max_value=EARLIEST_DATE - timedelta(days=1)))
def test_a_day_before_the_earliest_is_refused(day: date) -> None:
    assert parse_user_date(day.isoformat(), TODAY).error == "date_too_early"
