"""`parse_user_date`: the dates people type, in Arabic and English, Gregorian or Hijri.

Understood (surrounding words such as "created it on", "تقريبا", "approximately" are
ignored; the text goes through `normalise_text` first, so alef/ya/ta-marbuta forms,
diacritics and Arabic-Indic digits need no special cases):

* numbers: `2026-11-03`, `2026/11/3`; day first, the Saudi habit: `3/11/2026`,
  `03-11-2026`, `3.11.2026`, `3/11/26`; `3/11` (no year);
* month names: `3 November 2026`, `3rd of Nov`, `Nov 3, 2026`, `٣ نوفمبر`, `3 من نوفمبر
  2026`, Levantine names (`3 تشرين الثاني`), the Saudi `3 شهر 11`;
* Hijri: a year 1300–1599 means Hijri (`1447/05/12 هـ`, `12/5/1447`), as does a Hijri month
  name (`12 جمادى الأولى 1447`, `12 رمضان`), or the marker هـ / هجري after a year; converted
  with `hijridate` (Umm al-Qura);
* relative: today/اليوم, yesterday/أمس/البارحة, the day before yesterday/قبل أمس,
  "3 days ago", "a week ago", "قبل يومين", "قبل ثلاث اسابيع", "من 3 ايام", "قبل شهر",
  "last Sunday"/"الأحد الماضي", a bare weekday ("on Sunday", "يوم الأحد"), "last week"/
  "الأسبوع الماضي" (7 days ago), "last month"/"الشهر الماضي" (one month ago).

A date without a year is the most recent such date that is not in the future. Results are
checked: `date_in_future`, `date_too_early` (before `EARLIEST_DATE`), `date_invalid` (no such
day, e.g. 31/02), `date_unrecognised` (no date found).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from datetime import date, timedelta

from dateutil.relativedelta import relativedelta
from hijridate import Gregorian, Hijri

from bot.intake.parsing import Parsed
from bot.nlu.normalise import normalise_text

__all__ = [
    "EARLIEST_DATE",
    "ERROR_CODES",
    "format_date_iso",
    "parse_user_date",
]

# The oldest date accepted for an earlier complaint. Balagh Raqmi escalates complaints about
# *digital* government services lodged on today's platforms; a complaint from before 2020
# predates the service and the platforms it escalates to, so the Amer centre could not take
# it up, and such a date is far more often a typo (2002 for 2020, a Hijri year read as
# Gregorian) than a real complaint. Asking again is the better answer.
EARLIEST_DATE = date(2020, 1, 1)

ERROR_CODES: dict[str, str] = {
    "date_unrecognised": "no date found in the text",
    "date_invalid": "the day does not exist (31/02, month 13, day 30 of a 29-day Hijri month)",
    "date_in_future": "the date is after today",
    "date_too_early": f"the date is before {EARLIEST_DATE.isoformat()} (EARLIEST_DATE)",
}

GREGORIAN = "gregorian"
HIJRI = "hijri"
# hijridate's Umm al-Qura table covers these Hijri years (1924-2077).
_HIJRI_MIN_YEAR = 1343
_HIJRI_MAX_YEAR = 1500
# How many years back a yearless date may look (29 February needs up to 8).
_YEARLESS_LOOKBACK = 8


class _DateError(Exception):
    """A date was found but is not acceptable; carries the error code."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def format_date_iso(value: date) -> str:
    """`YYYY-MM-DD`, the form the `prior_complaint_date` slot and the store keep."""
    return value.isoformat()


# --- month and weekday names (normalised forms: ا for أ إ آ, ي for ى, ه for ة) -------------

_ENGLISH_MONTHS = {
    1: ["january", "jan"],
    2: ["february", "feb"],
    3: ["march", "mar"],
    4: ["april", "apr"],
    5: ["may"],
    6: ["june", "jun"],
    7: ["july", "jul"],
    8: ["august", "aug"],
    9: ["september", "sept", "sep"],
    10: ["october", "oct"],
    11: ["november", "nov"],
    12: ["december", "dec"],
}
_ARABIC_MONTHS = {
    1: ["يناير", "كانون الثاني", "كانون ثاني"],
    2: ["فبراير", "شباط"],
    3: ["مارس", "اذار"],
    4: ["ابريل", "نيسان"],
    5: ["مايو", "ايار"],
    6: ["يونيو", "يونيه", "حزيران"],
    7: ["يوليو", "يوليه", "تموز"],
    8: ["اغسطس", "اب"],
    9: ["سبتمبر", "ايلول"],
    10: ["اكتوبر", "تشرين الاول", "تشرين اول"],
    11: ["نوفمبر", "تشرين الثاني", "تشرين ثاني"],
    12: ["ديسمبر", "كانون الاول", "كانون اول"],
}
_HIJRI_MONTHS = {
    1: ["محرم", "المحرم"],
    2: ["صفر"],
    3: ["ربيع الاول", "ربيع اول"],
    4: ["ربيع الاخر", "ربيع اخر", "ربيع الثاني", "ربيع ثاني"],
    5: ["جمادي الاولي", "جمادي الاول", "جمادي اولي", "جمادي اول", "جماد الاول", "جماد اول"],
    6: [
        "جمادي الاخره", "جمادي الاخر", "جمادي اخره", "جمادي اخر", "جمادي الثانيه",
        "جمادي الثاني", "جمادي ثاني", "جماد الاخر", "جماد الثاني", "جماد ثاني",
    ],
    7: ["رجب"],
    8: ["شعبان"],
    9: ["رمضان"],
    10: ["شوال"],
    11: ["ذو القعده", "ذي القعده", "ذا القعده"],
    12: ["ذو الحجه", "ذي الحجه", "ذا الحجه"],
}
_WEEKDAYS = {  # date.weekday(): Monday is 0
    0: ["monday", "الاثنين", "الاتنين", "الاثنان"],
    1: ["tuesday", "الثلاثاء", "الثلاثا", "الثلوث"],
    2: ["wednesday", "الاربعاء", "الاربعا", "الربوع"],
    3: ["thursday", "الخميس"],
    4: ["friday", "الجمعه"],
    5: ["saturday", "السبت"],
    6: ["sunday", "الاحد"],
}


def _key(name: str) -> str:
    return re.sub(r"\s+", "", name)


def _lookup(table: dict[int, list[str]], calendar: str) -> dict[str, tuple[str, int]]:
    return {_key(name): (calendar, month) for month, names in table.items() for name in names}


_MONTH_BY_NAME: dict[str, tuple[str, int]] = {
    **_lookup(_ENGLISH_MONTHS, GREGORIAN),
    **_lookup(_ARABIC_MONTHS, GREGORIAN),
    **_lookup(_HIJRI_MONTHS, HIJRI),
}
_WEEKDAY_BY_NAME = {name: day for day, names in _WEEKDAYS.items() for name in names}


def _alternation(names: Iterable[str]) -> str:
    """A regex alternative of `names`, longest first, spaces optional inside a name."""
    ordered = sorted(set(names), key=len, reverse=True)
    return "|".join(r"\s*".join(map(re.escape, name.split())) for name in ordered)


_ALL_MONTH_NAMES = [name for table in (_ENGLISH_MONTHS, _ARABIC_MONTHS, _HIJRI_MONTHS)
                    for names in table.values() for name in names]
_MONTH = rf"(?<!\w)(?P<month>{_alternation(_ALL_MONTH_NAMES)})\.?(?!\w)"
_WEEKDAY = rf"(?<!\w)(?P<weekday>{_alternation(_WEEKDAY_BY_NAME)})(?!\w)"

# --- absolute dates ---------------------------------------------------------------------

_SEP = r"\s*[-/.]\s*"
_HIJRI_MARK = re.compile(r"\s*(?:ه|هجري|هجريه|للهجره|a\.?h\b\.?)(?!\w)")
_GREGORIAN_MARK = re.compile(r"\s*(?:م|ميلادي|ميلاديه|للميلاد|a\.?d\b\.?|ce\b)(?!\w)")
_YEAR_MONTH_DAY = re.compile(rf"(?<!\d)(?P<year>\d{{4}}){_SEP}(?P<mon>\d{{1,2}}){_SEP}"
                             rf"(?P<day>\d{{1,2}})(?!\d)")
_DAY_MONTH_YEAR = re.compile(rf"(?<![\d.])(?P<day>\d{{1,2}}){_SEP}(?P<mon>\d{{1,2}}){_SEP}"
                             rf"(?P<year>\d{{4}}|\d{{2}})(?!\d)")
_ORDINAL = r"(?:st|nd|rd|th)?"
_YEAR_AFTER = r"(?:\s*[-/.,]?\s*(?P<year>\d{4}|\d{2}(?=\s*(?:ه|م)(?!\w))))?(?!\d)"
_DAY_NAME_YEAR = re.compile(
    rf"(?<![\d.])(?P<day>\d{{1,2}}){_ORDINAL}(?:\s*(?:of|من)\s*|\s*[-/.]?\s*){_MONTH}"
    rf"{_YEAR_AFTER}"
)
_NAME_DAY_YEAR = re.compile(
    rf"{_MONTH}\s*(?P<day>\d{{1,2}}){_ORDINAL}(?!\d)(?:\s*,?\s*(?P<year>\d{{4}}))?(?!\d)"
)
_DAY_SHAHR_MONTH = re.compile(  # Saudi usage: "3 شهر 11" is the 3rd of the 11th month
    r"(?<![\d.])(?P<day>\d{1,2})\s*(?:من\s*)?شهر\s*(?P<mon>\d{1,2})(?!\d)"
    r"(?:\s*[-/.,]?\s*(?P<year>\d{4}))?(?!\d)"
)
_DAY_MONTH = re.compile(r"(?<![\d/.])(?P<day>\d{1,2})\s*/\s*(?P<mon>\d{1,2})(?![\d/])")


def _calendar_of(year: int | None, text_after: str) -> str:
    """Hijri for a 13xx-15xx year or a هـ marker after the year, else Gregorian."""
    if _HIJRI_MARK.match(text_after):
        return HIJRI
    if _GREGORIAN_MARK.match(text_after):
        return GREGORIAN
    return HIJRI if year is not None and 1300 <= year <= 1599 else GREGORIAN


def _full_year(year: int, calendar: str) -> int:
    """Two-digit years: 26 is 2026, and 47 with a هـ marker is 1447."""
    if year >= 100:
        return year
    return (1400 if calendar == HIJRI else 2000) + year


def _to_date(calendar: str, year: int, month: int, day: int) -> date:
    """The Gregorian date of `year-month-day` in `calendar`, or a `_DateError`."""
    if not (1 <= month <= 12 and 1 <= day <= 31):
        raise _DateError("date_invalid")
    if calendar == GREGORIAN:
        try:
            return date(year, month, day)
        except ValueError:
            raise _DateError("date_invalid") from None
    if year < _HIJRI_MIN_YEAR:
        raise _DateError("date_too_early")
    if year > _HIJRI_MAX_YEAR:
        raise _DateError("date_in_future")
    try:
        gregorian = Hijri(year, month, day).to_gregorian()
    except ValueError:
        raise _DateError("date_invalid") from None
    return date(gregorian.year, gregorian.month, gregorian.day)


def _current_year(calendar: str, today: date) -> int:
    if calendar == GREGORIAN:
        return today.year
    return Gregorian(today.year, today.month, today.day).to_hijri().year


def _yearless(calendar: str, month: int, day: int, today: date) -> date:
    """The most recent `day`/`month` that is not after `today`."""
    this_year = _current_year(calendar, today)
    for year in range(this_year, this_year - _YEARLESS_LOOKBACK - 1, -1):
        try:
            candidate = _to_date(calendar, year, month, day)
        except _DateError:
            continue
        if candidate <= today:
            return candidate
    raise _DateError("date_invalid")


def _build(calendar: str, year: int | None, month: int, day: int, today: date) -> date:
    if year is None:
        return _yearless(calendar, month, day, today)
    return _to_date(calendar, _full_year(year, calendar), month, day)


def _year(match: re.Match[str]) -> int | None:
    year = match.groupdict().get("year")
    return int(year) if year else None


def _numeric(match: re.Match[str], text: str, today: date) -> date:
    year = _year(match)
    calendar = _calendar_of(year, text[match.end() :])
    return _build(calendar, year, int(match["mon"]), int(match["day"]), today)


def _named(match: re.Match[str], text: str, today: date) -> date:
    """A month name decides the calendar: "3 نوفمبر" is Gregorian, "3 رمضان" Hijri."""
    calendar, month = _MONTH_BY_NAME[_key(match["month"])]
    year = _year(match)
    return _build(calendar, year, month, int(match["day"]), today)


_ABSOLUTE: list[tuple[re.Pattern[str], Callable[[re.Match[str], str, date], date]]] = [
    (_YEAR_MONTH_DAY, _numeric),
    (_DAY_MONTH_YEAR, _numeric),
    (_DAY_NAME_YEAR, _named),
    (_NAME_DAY_YEAR, _named),
    (_DAY_SHAHR_MONTH, _numeric),
    (_DAY_MONTH, _numeric),
]

# --- relative dates ---------------------------------------------------------------------

_NUMBER_WORDS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
    "a couple of": 2, "couple of": 2,
    "واحد": 1, "واحده": 1, "اثنين": 2, "اثنان": 2, "ثنين": 2, "اتنين": 2, "ثلاث": 3,
    "ثلاثه": 3, "ثلث": 3, "تلات": 3, "تلاته": 3, "اربع": 4, "اربعه": 4, "خمس": 5,
    "خمسه": 5, "ست": 6, "سته": 6, "سبع": 7, "سبعه": 7, "ثمان": 8, "ثماني": 8, "ثمانيه": 8,
    "تسع": 9, "تسعه": 9, "عشر": 10, "عشره": 10,
}
_NUMBER_BY_KEY = {_key(word): value for word, value in _NUMBER_WORDS.items()}
_NUMBER = rf"(?P<count>\d{{1,4}}|{_alternation(_NUMBER_WORDS)})"

# Arabic unit words: (unit, count implied by the word alone: 1 singular, 2 dual, None plural).
_ARABIC_UNITS: dict[str, tuple[str, int | None]] = {
    "يوم": ("days", 1), "يومين": ("days", 2), "ايام": ("days", None),
    "اسبوع": ("weeks", 1), "اسبوعين": ("weeks", 2), "اسابيع": ("weeks", None),
    "شهر": ("months", 1), "شهرين": ("months", 2), "اشهر": ("months", None),
    "شهور": ("months", None),
    "سنه": ("years", 1), "سنتين": ("years", 2), "سنوات": ("years", None),
    "سنين": ("years", None), "عام": ("years", 1), "عامين": ("years", 2),
    "اعوام": ("years", None),
}
_ENGLISH_UNITS = {"day": "days", "week": "weeks", "month": "months", "year": "years"}
_AGO_ARABIC = re.compile(
    r"(?<!\w)(?:قبل|من|منذ|صار\s*لي|صار\s*له|صار\s*لها|صار\s*لنا|له|لها|لي)\s+"
    r"(?:حوالي\s+|تقريبا\s+|نحو\s+)?"
    rf"(?:{_NUMBER}\s*)?(?P<unit>{_alternation(_ARABIC_UNITS)})(?!\w)"
    # Not "a month ago": "من شهر نوفمبر" (since November), "من يوم الاحد" (since Sunday),
    # "من يوم امس" (since yesterday), "من شهر 11".
    rf"(?!\s*(?:\d|{_alternation([*_ALL_MONTH_NAMES, *_WEEKDAY_BY_NAME, 'امس', 'البارحه'])}))"
)
_AGO_ENGLISH = re.compile(
    rf"(?<!\w){_NUMBER}\s+(?P<unit>day|week|month|year)s?\s+(?:ago|back)(?!\w)"
)
_LAST_WEEK = re.compile(
    r"(?<!\w)(?:last\s+week|(?:ال)?اسبوع\s+(?:الماضي|الفاءت|اللي\s*فات|الي\s*فات|السابق|المنصرم)"
    r")(?!\w)"
)
_LAST_MONTH = re.compile(
    r"(?<!\w)(?:last\s+month|(?:ال)?شهر\s+(?:الماضي|الفاءت|اللي\s*فات|الي\s*فات|السابق|المنصرم)"
    r")(?!\w)"
)
_PAST_MARK = r"(?:الماضي|الفاءت|اللي\s*فات|الي\s*فات|السابق|المنصرم)"
_LAST_WEEKDAY = (
    re.compile(rf"(?<!\w)(?:last|this\s+past|past)\s+{_WEEKDAY}"),
    re.compile(rf"{_WEEKDAY}\s+{_PAST_MARK}(?!\w)"),
)
_BARE_WEEKDAY = re.compile(_WEEKDAY)
_DAY_BEFORE_YESTERDAY = re.compile(
    r"(?<!\w)(?:the\s+day\s+before\s+yesterday|(?:قبل|اول)\s*(?:ال)?امس)(?!\w)"
)
_YESTERDAY = re.compile(r"(?<!\w)(?:yesterday|امس|البارحه|البارح)(?!\w)")
_TODAY = re.compile(r"(?<!\w)(?:today|this\s+morning|اليوم)(?!\w)")
_TOMORROW = re.compile(r"(?<!\w)(?:tomorrow|بكره|بكرا|غدا|باكر)(?!\w)")


def _ago(today: date, unit: str, count: int) -> date:
    try:
        return today - relativedelta(**{unit: count})
    except (ValueError, OverflowError):  # "9999 years ago": before year 1, which date lacks
        raise _DateError("date_too_early") from None


def _count(word: str | None, implied: int | None) -> int | None:
    if word is None:
        return implied
    return int(word) if word.isdigit() else _NUMBER_BY_KEY[_key(word)]


def _relative(text: str, today: date) -> date | None:
    """A relative date ("قبل يومين", "last Sunday", …) or None when there is none."""
    if match := _AGO_ARABIC.search(text):
        unit, implied = _ARABIC_UNITS[_key(match["unit"])]
        count = _count(match["count"], implied)
        if count is not None:
            return _ago(today, unit, count)
    if match := _AGO_ENGLISH.search(text):
        count = _count(match["count"], None) or 0
        return _ago(today, _ENGLISH_UNITS[match["unit"]], count)
    if _LAST_WEEK.search(text):
        return today - timedelta(days=7)
    if _LAST_MONTH.search(text):
        return today - relativedelta(months=1)
    for pattern in _LAST_WEEKDAY:  # the most recent such day before today
        if match := pattern.search(text):
            weekday = _WEEKDAY_BY_NAME[_key(match["weekday"])]
            return today - timedelta(days=(today.weekday() - weekday - 1) % 7 + 1)
    if match := _BARE_WEEKDAY.search(text):  # "on Sunday": the most recent, today included
        weekday = _WEEKDAY_BY_NAME[_key(match["weekday"])]
        return today - timedelta(days=(today.weekday() - weekday) % 7)
    for pattern, days in ((_DAY_BEFORE_YESTERDAY, 2), (_YESTERDAY, 1), (_TODAY, 0)):
        if pattern.search(text):
            return today - timedelta(days=days)
    if _TOMORROW.search(text):
        return today + timedelta(days=1)
    return None


# --- entry point ------------------------------------------------------------------------


def _find_date(text: str, today: date) -> date | None:
    for pattern, read in _ABSOLUTE:
        if match := pattern.search(text):
            return read(match, text, today)
    return _relative(text, today)


def _check(value: date, today: date) -> Parsed[date]:
    if value > today:
        return Parsed.failure("date_in_future")
    if value < EARLIEST_DATE:
        return Parsed.failure("date_too_early")
    return Parsed.success(value)


def parse_user_date(text: str, today: date) -> Parsed[date]:
    """The (Gregorian) date in `text`, or `date_unrecognised` / `date_invalid` /
    `date_in_future` / `date_too_early`. `today` is the user's today (Riyadh time)."""
    folded = normalise_text(text or "").lower()
    try:
        found = _find_date(folded, today)
    except _DateError as error:
        return Parsed.failure(error.code)
    if found is None:
        return Parsed.failure("date_unrecognised")
    return _check(found, today)
