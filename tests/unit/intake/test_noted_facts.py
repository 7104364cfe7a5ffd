"""bot.intake.summary.noted_facts: the facts taken from a message, as shown back."""

from __future__ import annotations

import pytest

from bot.intake.summary import noted_facts

LRI, PDI, RLO = "\u2066", "\u2069", "\u202e"
FACTS = {
    "prior_complaint_lodged": True,
    "complaint_closed": False,
    "platform": "أبشر",
    "prior_complaint_ref": "JAW-2026-88213",
    "prior_complaint_date": "2026-11-03",
    "national_id": "1034567899",
    "full_name": "محمد القحطاني",
}


def test_arabic() -> None:
    assert noted_facts(FACTS, "ar").splitlines() == [
        "• رفعتَ شكوى لدى الجهة",
        "• لم يُرد عليها بعد",
        "• المنصة: أبشر",
        f"• رقم الشكوى: {LRI}JAW-2026-88213{PDI}",
        f"• تاريخ الشكوى: {LRI}2026-11-03{PDI}",
        "• الاسم: محمد القحطاني",
        f"• رقم الهوية: {LRI}1034567899{PDI}",
    ]


def test_english_is_not_wrapped() -> None:
    shown = noted_facts(FACTS, "en")
    assert shown.splitlines() == [
        "• you lodged a complaint with the entity",
        "• there has been no reply yet",
        "• Platform: أبشر",
        "• Complaint number: JAW-2026-88213",
        "• Complaint date: 2026-11-03",
        "• Name: محمد القحطاني",
        "• ID number: 1034567899",
    ]
    assert LRI not in shown and PDI not in shown


@pytest.mark.parametrize(
    ("facts", "ar", "en"),
    [
        ({"prior_complaint_lodged": False}, "لم ترفع شكوى لدى الجهة بعد",
         "you have not lodged a complaint with the entity"),
        ({"lodging_blocked_by_fault": True}, "عطل تقني منعك من رفع الشكوى",
         "a technical fault stopped you lodging it"),
        ({"complaint_closed": True}, "أُغلقت الشكوى", "the complaint was closed"),
        ({"problem_persists": True}, "المشكلة ما زالت قائمة", "the problem persists"),
        ({"entity_gave_response_time": False}, "لم تحدد الجهة مدة للرد",
         "the entity gave no response time"),
    ],
)
def test_sentences_for_yes_no_facts(facts: dict, ar: str, en: str) -> None:
    assert noted_facts(facts, "ar") == f"• {ar}"
    assert noted_facts(facts, "en") == f"• {en}"


@pytest.mark.parametrize(
    ("name", "value", "ar", "en"),
    [
        ("mobile", "+966561234567", f"الجوال: {LRI}+966561234567{PDI}", "Mobile: +966561234567"),
        ("email", "a@example.com", f"البريد الإلكتروني: {LRI}a@example.com{PDI}",
         "E-mail: a@example.com"),
        ("service_name", "تجديد الجواز", "الخدمة: تجديد الجواز", "Service: تجديد الجواز"),
        ("service_channel", "app", "القناة: التطبيق", "Channel: App"),
    ],
)
def test_labels_for_values(name: str, value: str, ar: str, en: str) -> None:
    assert noted_facts({name: value}, "ar") == f"• {ar}"
    assert noted_facts({name: value}, "en") == f"• {en}"


@pytest.mark.parametrize(
    "facts", [{}, {"platform": None, "email": ""}, {"complaint_closed": None}]
)
def test_nothing_to_note(facts: dict) -> None:
    assert noted_facts(facts, "ar") == ""
    assert noted_facts(facts, "en") == ""


def test_control_characters_are_removed_from_shown_values() -> None:
    facts = {"full_name": f"Sara {RLO}ilA", "prior_complaint_ref": f"JAW{RLO}-1234"}
    for language in ("ar", "en"):
        shown = noted_facts(facts, language)
        assert RLO not in shown
        assert "Sara ilA" in shown and "JAW-1234" in shown
    assert f"{LRI}JAW-1234{PDI}" in noted_facts(facts, "ar")
