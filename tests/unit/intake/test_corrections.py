"""bot.intake.corrections: corrections said in passing while another question is asked."""

from __future__ import annotations

from datetime import date

import pytest

from bot.intake.corrections import Correction, read_correction, says_correction
from bot.intake.flow import EDITABLE_FIELDS

TODAY = date(2026, 12, 7)
EDITABLE = EDITABLE_FIELDS["complaint_escalation"]
ON_FILE = {
    "prior_complaint_ref": "JAW-2026-11111",
    "prior_complaint_date": "2026-11-10",
    "platform": "أبشر",
    "service_name": "passport renewal",
    "service_channel": "web",
    "title": "Late reply",
    "full_name": "محمد القحطاني",
    "national_id": "1034567899",
    "mobile": "+966551112222",
    "email": "old@example.com",
}


@pytest.mark.parametrize(
    ("text", "language", "field", "value"),
    [
        ("no, the date was 3 November", "en", "prior_complaint_date", "2026-11-03"),
        ("قصدي التاريخ ٣ نوفمبر", "ar", "prior_complaint_date", "2026-11-03"),
        ("لا، المنصة توكلنا مو أبشر", "ar", "platform", "توكلنا"),
        ("لا، المنصة توكلنا مو أبشر", "en", "platform", "Tawakkalna"),
        ("no, it's Tawakkalna not Absher", "en", "platform", "Tawakkalna"),
        ("actually the complaint number is JAW-2026-88213", "en", "prior_complaint_ref",
         "JAW-2026-88213"),
        ("sorry my mobile is 0561234567", "en", "mobile", "+966561234567"),
        ("no, the service is driving licence renewal not passport", "en", "service_name",
         "driving licence renewal"),
        ("actually my email is new@example.com", "en", "email", "new@example.com"),
        ("no the channel is app", "en", "service_channel", "app"),
    ],
)
def test_corrections(text: str, language: str, field: str, value: str) -> None:
    assert read_correction(text, ON_FILE, EDITABLE, TODAY, language=language) == Correction(
        field, value
    )


@pytest.mark.parametrize(
    "text",
    [
        "yes",
        "web",
        "نعم",
        "the service is not working",  # a correcting word, but no new value
        "sorry my mobile is 0551112222",  # the value on file
        "لا، المنصة أبشر",  # the platform on file
        "لا رقم الهوية 1034567899",
        "/affirm",
        "",
    ],
)
def test_no_correction(text: str) -> None:
    assert read_correction(text, ON_FILE, EDITABLE, TODAY) is None


def test_a_field_without_a_value_cannot_be_corrected() -> None:
    slots = {**ON_FILE, "prior_complaint_date": None}
    assert read_correction("no, the date was 3 November", slots, EDITABLE, TODAY) is None
    slots = {**ON_FILE, "prior_complaint_date": ""}
    assert read_correction("no, the date was 3 November", slots, EDITABLE, TODAY) is None


def test_a_field_not_editable_is_not_corrected() -> None:
    editable = tuple(name for name in EDITABLE if name != "prior_complaint_date")
    assert read_correction("no, the date was 3 November", ON_FILE, editable, TODAY) is None


def test_the_correcting_word_is_needed_unless_told_otherwise() -> None:
    text = "the date was 3 November"
    assert read_correction(text, ON_FILE, EDITABLE, TODAY) is None
    assert read_correction(text, ON_FILE, EDITABLE, TODAY, needs_marker=False) == Correction(
        "prior_complaint_date", "2026-11-03"
    )


def test_a_button_payload_is_never_a_correction() -> None:
    text = '/inform{"date": "3 November"}'
    assert read_correction(text, ON_FILE, EDITABLE, TODAY, needs_marker=False) is None


@pytest.mark.parametrize(
    ("text", "field", "value"),
    [
        ("لا، الخدمة تجديد رخصة القيادة مو الجواز", "service_name", "تجديد رخصة القيادة"),
        ("لا، الاسم سارة العتيبي", "full_name", "سارة العتيبي"),
    ],
)
def test_an_arabic_value_is_kept_as_typed(text: str, field: str, value: str) -> None:
    assert read_correction(text, ON_FILE, EDITABLE, TODAY, language="ar") == Correction(
        field, value
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("no", True),
        ("actually it was Tawakkalna", True),
        ("I meant the other one", True),
        ("لا", True),
        ("لا، الصحيح توكلنا", True),
        ("توكلنا مو أبشر", True),
        ("قصدي نفاذ", True),
        ("yes", False),
        ("ok thanks", False),
        ("نعم", False),
        ("لازم", False),
        ("nothing", False),
    ],
)
def test_says_correction(text: str, expected: bool) -> None:
    assert says_correction(text) is expected
