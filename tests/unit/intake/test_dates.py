"""bot.intake.dates: dates as people type them, Arabic and English, Gregorian and Hijri.

`TODAY` is fixed: Monday 2026-11-23 (13 Jumada al-Akhirah 1448 in Umm al-Qura).
"""

from __future__ import annotations

from datetime import date

import pytest

from bot.intake.dates import EARLIEST_DATE, ERROR_CODES, format_date_iso, parse_user_date
from bot.intake.parsing import Parsed

TODAY = date(2026, 11, 23)
assert TODAY.weekday() == 0  # a Monday


def parsed(text: str) -> Parsed[date]:
    return parse_user_date(text, TODAY)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # ISO and year first
        ("2026-11-03", date(2026, 11, 3)),
        ("2026/11/3", date(2026, 11, 3)),
        ("٢٠٢٦-١١-٠٣", date(2026, 11, 3)),
        # day first (the Saudi habit), with / - . and spaces
        ("3/11/2026", date(2026, 11, 3)),
        ("03-11-2026", date(2026, 11, 3)),
        ("3.11.2026", date(2026, 11, 3)),
        ("3 / 11 / 2026", date(2026, 11, 3)),
        ("٣/١١/٢٠٢٦", date(2026, 11, 3)),
        ("3/11/26", date(2026, 11, 3)),
        ("12/1/2026", date(2026, 1, 12)),
        ("3/11/2026م", date(2026, 11, 3)),
        # day and month, no year: the most recent one not in the future
        ("3/11", date(2026, 11, 3)),
        ("25/11", date(2025, 11, 25)),
        ("29/2", date(2024, 2, 29)),
        # English month names
        ("3 November 2026", date(2026, 11, 3)),
        ("3 November", date(2026, 11, 3)),
        ("3rd of November", date(2026, 11, 3)),
        ("Nov 3, 2026", date(2026, 11, 3)),
        ("November 3rd 2026", date(2026, 11, 3)),
        ("nov. 3", date(2026, 11, 3)),
        ("3-Nov-2026", date(2026, 11, 3)),
        ("Sept 9", date(2026, 9, 9)),
        ("24 December", date(2025, 12, 24)),
        ("3 may", date(2026, 5, 3)),
        # Arabic Gregorian month names (with the usual spellings) and Levantine names
        ("٣ نوفمبر", date(2026, 11, 3)),
        ("3 نوفمبر 2026", date(2026, 11, 3)),
        ("3 من نوفمبر 2026", date(2026, 11, 3)),
        ("١ أكتوبر", date(2026, 10, 1)),
        ("1 اكتوبر ٢٠٢٦م", date(2026, 10, 1)),
        ("15 إبريل 2026", date(2026, 4, 15)),
        ("15 ابريل", date(2026, 4, 15)),
        ("5 يونيه 2026", date(2026, 6, 5)),
        ("20 أغسطس", date(2026, 8, 20)),
        ("3 تشرين الثاني", date(2026, 11, 3)),
        ("3 تشرين الثانى 2026", date(2026, 11, 3)),
        ("3 كانون الثاني 2026", date(2026, 1, 3)),
        ("7 كانون الأول 2025", date(2025, 12, 7)),
        ("10 شباط", date(2026, 2, 10)),
        ("10 آذار 2026", date(2026, 3, 10)),
        ("4 آب", date(2026, 8, 4)),
        ("9 أيلول", date(2026, 9, 9)),
        # the Saudi "day شهر month"
        ("3 شهر 11", date(2026, 11, 3)),
        ("١٥ شهر ٣", date(2026, 3, 15)),
        ("15 من شهر 3 2026", date(2026, 3, 15)),
    ],
)
def test_gregorian_dates(text: str, expected: date) -> None:
    assert parsed(text) == Parsed(value=expected)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # numbers, year 13xx-15xx or a هـ marker
        ("1447/05/12 هـ", date(2025, 11, 3)),
        ("1447/05/12", date(2025, 11, 3)),
        ("١٤٤٧/٥/١٢هـ", date(2025, 11, 3)),
        ("12/5/1447", date(2025, 11, 3)),
        ("12-05-1447 هجري", date(2025, 11, 3)),
        ("12/5/47هـ", date(2025, 11, 3)),
        # month names and their spelling variants
        ("12 جمادى الأولى 1447", date(2025, 11, 3)),
        ("12 جمادي الاولى 1447", date(2025, 11, 3)),
        ("12 جُمَادَى الأُولَى 1447هـ", date(2025, 11, 3)),
        ("12 جمادى الأول 1447", date(2025, 11, 3)),
        ("12 جمادى الآخرة 1447", date(2025, 12, 3)),
        ("12 جمادى الثانية 1447", date(2025, 12, 3)),
        ("12 ربيع الأول 1447", date(2025, 9, 4)),
        ("12 ربيع الآخر 1447", date(2025, 10, 4)),
        ("12 ربيع الثاني 1447", date(2025, 10, 4)),
        ("1 محرم 1447", date(2025, 6, 26)),
        ("1 صفر 1447", date(2025, 7, 26)),
        ("1 رجب 1447", date(2025, 12, 21)),
        ("15 شعبان 1447", date(2026, 2, 3)),
        ("1 شوال 1447", date(2026, 3, 20)),
        ("1 ذو القعدة 1447", date(2026, 4, 18)),
        ("1 ذوالقعدة 1447", date(2026, 4, 18)),
        ("10 ذو الحجة 1446", date(2025, 6, 6)),
        ("10 ذي الحجة 1446", date(2025, 6, 6)),
        # no year: the most recent one not in the future (1448 AH is current)
        ("5 رمضان", date(2026, 2, 22)),
        ("10 ذي الحجه", date(2026, 5, 27)),
        ("1 جمادى الآخرة", date(2026, 11, 11)),
    ],
)
def test_hijri_dates(text: str, expected: date) -> None:
    assert parsed(text) == Parsed(value=expected)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("today", date(2026, 11, 23)),
        ("Today", date(2026, 11, 23)),
        ("اليوم", date(2026, 11, 23)),
        ("yesterday", date(2026, 11, 22)),
        ("أمس", date(2026, 11, 22)),
        ("امس", date(2026, 11, 22)),
        ("البارحة", date(2026, 11, 22)),
        ("the day before yesterday", date(2026, 11, 21)),
        ("قبل أمس", date(2026, 11, 21)),
        ("أول أمس", date(2026, 11, 21)),
        ("3 days ago", date(2026, 11, 20)),
        ("a day ago", date(2026, 11, 22)),
        ("a week ago", date(2026, 11, 16)),
        ("two weeks ago", date(2026, 11, 9)),
        ("a couple of weeks ago", date(2026, 11, 9)),
        ("3 weeks back", date(2026, 11, 2)),
        ("2 months ago", date(2026, 9, 23)),
        ("a year ago", date(2025, 11, 23)),
        ("قبل يوم", date(2026, 11, 22)),
        ("قبل يومين", date(2026, 11, 21)),
        ("قبل 3 ايام", date(2026, 11, 20)),
        ("قبل ٣ أيام", date(2026, 11, 20)),
        ("قبل ثلاثة أيام", date(2026, 11, 20)),
        ("قبل عشرة ايام", date(2026, 11, 13)),
        ("قبل اسبوع", date(2026, 11, 16)),
        ("قبل أسبوع", date(2026, 11, 16)),
        ("قبل اسبوعين", date(2026, 11, 9)),
        ("قبل ثلاث اسابيع", date(2026, 11, 2)),
        ("قبل ثلاث اسابيع تقريبا", date(2026, 11, 2)),
        ("من ثلاث اسابيع", date(2026, 11, 2)),
        ("منذ أسبوعين", date(2026, 11, 9)),
        ("قبل شهر", date(2026, 10, 23)),
        ("قبل شهرين", date(2026, 9, 23)),
        ("قبل 3 أشهر", date(2026, 8, 23)),
        ("قبل سنة", date(2025, 11, 23)),
        ("last Sunday", date(2026, 11, 22)),
        ("last Monday", date(2026, 11, 16)),  # today is Monday: the one before
        ("last friday", date(2026, 11, 20)),
        ("الأحد الماضي", date(2026, 11, 22)),
        ("يوم الأحد الماضي", date(2026, 11, 22)),
        ("الخميس اللي فات", date(2026, 11, 19)),
        ("الاثنين الماضي", date(2026, 11, 16)),
        ("on Thursday", date(2026, 11, 19)),
        ("يوم الثلاثاء", date(2026, 11, 17)),
        ("last week", date(2026, 11, 16)),
        ("الاسبوع الماضي", date(2026, 11, 16)),
        ("الأسبوع الفائت", date(2026, 11, 16)),
        ("الأسبوع اللي فات", date(2026, 11, 16)),
        ("last month", date(2026, 10, 23)),
        ("الشهر الماضي", date(2026, 10, 23)),
    ],
)
def test_relative_dates(text: str, expected: date) -> None:
    assert parsed(text) == Parsed(value=expected)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("I created it on 3/11/2026", date(2026, 11, 3)),
        ("created it on 3 November, approximately", date(2026, 11, 3)),
        ("approximately 3 weeks ago", date(2026, 11, 2)),
        ("تقريبا 3/11/2026", date(2026, 11, 3)),
        ("رفعتها يوم 3 نوفمبر تقريبا", date(2026, 11, 3)),
        ("قدمتها بتاريخ 1447/05/12 هـ", date(2025, 11, 3)),
        ("3/11/2026 الساعة 10:30", date(2026, 11, 3)),
        ("Q-77410 on 2026-11-03", date(2026, 11, 3)),
        ("من يوم الأحد", date(2026, 11, 22)),  # "since Sunday", not "a day ago"
    ],
)
def test_words_around_the_date(text: str, expected: date) -> None:
    assert parsed(text) == Parsed(value=expected)


@pytest.mark.parametrize(
    ("text", "code"),
    [
        # in the future
        ("2026-11-24", "date_in_future"),
        ("24/11/2026", "date_in_future"),
        ("2027-01-01", "date_in_future"),
        ("tomorrow", "date_in_future"),
        ("بكرة", "date_in_future"),
        ("غداً", "date_in_future"),
        ("1 رجب 1448", "date_in_future"),
        ("1/1/1501", "date_in_future"),  # Hijri year beyond the Umm al-Qura table
        # before EARLIEST_DATE
        ("2019-12-31", "date_too_early"),
        ("31/12/2019", "date_too_early"),
        ("3/11/2002", "date_too_early"),
        ("1440/01/01", "date_too_early"),
        ("1/1/1342", "date_too_early"),  # Hijri year before the Umm al-Qura table
        ("10 years ago", "date_too_early"),
        ("9999 years ago", "date_too_early"),  # before year 1: raised ValueError once
        ("قبل ٢٠٣٠ سنة", "date_too_early"),
        # no such day
        ("31/02/2026", "date_invalid"),
        ("2026-02-30", "date_invalid"),
        ("3/13/2026", "date_invalid"),
        ("0/11/2026", "date_invalid"),
        ("31 نوفمبر 2026", "date_invalid"),
        ("30 صفر 1447", "date_invalid"),  # Safar 1447 has 29 days
        ("31/2", "date_invalid"),
        # nothing recognisable
        ("", "date_unrecognised"),
        ("hello", "date_unrecognised"),
        ("ما اذكر", "date_unrecognised"),
        ("قبل ايام", "date_unrecognised"),  # "some days ago": too vague
        ("من شهر نوفمبر", "date_unrecognised"),  # a month, not a day
        ("November 2026", "date_unrecognised"),
        ("I may have filed it", "date_unrecognised"),
        ("وللحين محد رد", "date_unrecognised"),
        ("Q-77410", "date_unrecognised"),
    ],
)
def test_errors(text: str, code: str) -> None:
    assert parsed(text) == Parsed(error=code)
    assert code in ERROR_CODES


def test_earliest_date_is_accepted_and_the_day_before_is_not() -> None:
    assert date(2020, 1, 1) == EARLIEST_DATE
    assert parsed("1/1/2020") == Parsed(value=EARLIEST_DATE)
    assert parsed("2019-12-31").error == "date_too_early"


def test_today_is_accepted_and_depends_on_the_given_today() -> None:
    assert parse_user_date("yesterday", date(2026, 3, 1)).value == date(2026, 2, 28)
    assert parse_user_date("3/11", date(2026, 11, 2)).value == date(2025, 11, 3)
    assert parse_user_date("2026-11-03", date(2026, 11, 3)).value == date(2026, 11, 3)


def test_last_weekday_on_that_weekday_goes_back_a_week() -> None:
    sunday = date(2026, 11, 22)
    assert parse_user_date("last Sunday", sunday).value == date(2026, 11, 15)
    assert parse_user_date("الأحد الماضي", sunday).value == date(2026, 11, 15)


@pytest.mark.parametrize(
    ("value", "expected"),
    [(date(2026, 11, 3), "2026-11-03"), (date(2020, 1, 1), "2020-01-01")],
)
def test_format_date_iso(value: date, expected: str) -> None:
    assert format_date_iso(value) == expected
    assert parsed(expected) == Parsed(value=value)
