"""bot.intake.volunteered: facts a message gives besides the one asked."""

from __future__ import annotations

from datetime import date

import pytest

from bot.intake.volunteered import (
    complaint_facts,
    facts_to_take,
    find_prior_reference,
    personal_facts,
    read_facts,
)

TODAY = date(2026, 12, 7)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "رفعت شكوى قبل اسبوعين على منصة أبشر وما ردوا",
            {
                "prior_complaint_lodged": True,
                "complaint_closed": False,
                "prior_complaint_date": "2026-11-23",
                "platform": "أبشر",
            },
        ),
        (
            "JAW-2026-88213 on 3 November",
            {
                "prior_complaint_ref": "JAW-2026-88213",
                "prior_complaint_lodged": True,
                "prior_complaint_date": "2026-11-03",
            },
        ),
        (
            "الاسم محمد القحطاني وهويتي ١٠٣٤٥٦٧٨٩٩",
            {"full_name": "محمد القحطاني", "national_id": "1034567899"},
        ),
        ("no, they gave no response time", {"entity_gave_response_time": False}),
        (
            "ما قدرت ارفع الشكوى لان الموقع معطل",
            {"prior_complaint_lodged": False, "lodging_blocked_by_fault": True},
        ),
        ("I haven't complained to them yet", {"prior_complaint_lodged": False}),
        (
            "قفلوا الشكوى وما انحلت المشكلة رقم الشكوى 44521",
            {
                "prior_complaint_ref": "44521",
                "prior_complaint_lodged": True,
                "complaint_closed": True,
                "problem_persists": True,
            },
        ),
        (
            "they closed my complaint but the problem is still not solved",
            {"prior_complaint_lodged": True, "complaint_closed": True, "problem_persists": True},
        ),
        (
            "رفعت بلاغ في توكلنا وما عطوني مده",
            {
                "prior_complaint_lodged": True,
                "entity_gave_response_time": False,
                "platform": "توكلنا",
            },
        ),
        (
            "my name is Mohammed Al-Qahtani and my mobile is 0561234567, email a.b@example.com",
            {
                "full_name": "Mohammed Al-Qahtani",
                "mobile": "+966561234567",
                "email": "a.b@example.com",
            },
        ),
    ],
)
def test_read_facts(text: str, expected: dict) -> None:
    assert read_facts(text, TODAY, language="ar") == expected


def test_platform_in_the_conversation_language() -> None:
    facts = read_facts("I filed a complaint on Absher on 3 November, no reply", TODAY,
                       language="en")
    assert facts == {
        "prior_complaint_lodged": True,
        "complaint_closed": False,
        "prior_complaint_date": "2026-11-03",
        "platform": "Absher",
    }


@pytest.mark.parametrize(
    "text",
    [
        "hello there",
        "مرحبا، عندي مشكلة",
        "The app failed on 3 November",  # a date, but not about lodging a complaint
        "التطبيق تعطل يوم ٣ نوفمبر",
        "ما ردوا",  # no complaint known to be lodged
    ],
)
def test_nothing_found(text: str) -> None:
    assert read_facts(text, TODAY) == {}


def test_a_date_only_when_the_message_speaks_of_lodging() -> None:
    assert "prior_complaint_date" not in complaint_facts("the site was down on 3 November", TODAY)
    assert "prior_complaint_date" not in complaint_facts("الموقع تعطل ٣ نوفمبر", TODAY)
    assert complaint_facts("قدمت شكوى يوم ٣ نوفمبر", TODAY)["prior_complaint_date"] == (
        "2026-11-03"
    )


@pytest.mark.parametrize(("text", "lodged"), [("ما ردوا", True), ("no reply yet", True)])
def test_no_reply_once_lodged_is_known(text: str, lodged: bool) -> None:
    assert complaint_facts(text, TODAY, lodged=lodged) == {"complaint_closed": False}
    assert complaint_facts(text, TODAY) == {}


def test_a_transformation_request_gets_no_complaint_facts_and_no_platform() -> None:
    text = "رفعت شكوى قبل اسبوعين على منصة أبشر وما ردوا وجوالي 0561234567"
    assert read_facts(text, TODAY, report_type="transformation_request") == {
        "mobile": "+966561234567"
    }


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("complaint number 558812", "558812"),
        ("رقم البلاغ ٥٥٨٨١٢", "558812"),
        ("ticket cmp12345 was closed", "CMP12345"),
        ("reference BR-12345678 and my complaint JAW-1234", "JAW-1234"),
        # ours (BR-…) are never the earlier complaint's
        ("My complaint BR-12345678 was not answered", None),
        ("our reference br-abcd1234", None),
        # a national ID or a Saudi mobile is not a reference
        ("complaint number 1034567899", None),
        ("my complaint number is 0561234567", None),
        ("رقم الشكوى ٠٥٦١٢٣٤٥٦٧", None),
        ("number 558812", None),  # "number" alone, with no complaint spoken of
        ("hello", None),
    ],
)
def test_find_prior_reference(text: str, expected: str | None) -> None:
    assert find_prior_reference(text) == expected


def test_personal_numbers_are_not_taken_as_the_reference() -> None:
    facts = read_facts("my complaint number is 0561234567 and my id 1034567899", TODAY)
    assert "prior_complaint_ref" not in facts
    assert facts["mobile"] == "+966561234567"
    assert facts["national_id"] == "1034567899"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("اسمي محمد القحطاني وجوالي 0551234567",
         {"full_name": "محمد القحطاني", "mobile": "+966551234567"}),
        ("my id is 1034567899", {"national_id": "1034567899"}),
        ("email: someone@example.sa", {"email": "someone@example.sa"}),
        ("my account number is 12345678", {}),  # not a valid ID nor a mobile
        ("the service has been down for 3 days", {}),
    ],
)
def test_personal_facts(text: str, expected: dict) -> None:
    assert personal_facts(text) == expected


@pytest.mark.parametrize(
    ("text", "name"),
    [("اسمي سارة العتيبي", "سارة العتيبي"), ("اسمي أحمد إبراهيم", "أحمد إبراهيم")],
)
def test_an_arabic_name_is_kept_as_typed(text: str, name: str) -> None:
    assert personal_facts(text)["full_name"] == name


def test_facts_to_take_never_overwrites_a_slot_with_a_value() -> None:
    facts = {"national_id": "1034567899", "prior_complaint_lodged": True, "mobile": "+966561234567"}
    slots = {"national_id": "2000000000", "prior_complaint_lodged": False}
    assert facts_to_take(facts, report_type="complaint_escalation", slots=slots) == {
        "mobile": "+966561234567"
    }


@pytest.mark.parametrize("report_type", [None, "development_suggestion", "entity_outage",
                                         "transformation_request"])
def test_facts_to_take_drops_complaint_facts_for_other_types(report_type: str | None) -> None:
    facts = {"prior_complaint_lodged": True, "complaint_closed": False,
             "prior_complaint_ref": "JAW-1234", "email": "a@example.com"}
    assert facts_to_take(facts, report_type=report_type, slots={}) == {"email": "a@example.com"}


@pytest.mark.parametrize(
    ("report_type", "expected"),
    [
        ("complaint_escalation", {"platform": "أبشر", "service_is_digital": True}),
        ("development_suggestion", {"platform": "أبشر", "service_is_digital": True}),
        ("entity_outage", {"platform": "أبشر"}),
        ("transformation_request", {}),
        (None, {}),
    ],
)
def test_facts_to_take_platform(report_type: str | None, expected: dict) -> None:
    assert facts_to_take({"platform": "أبشر"}, report_type=report_type, slots={}) == expected


def test_facts_to_take_keeps_service_is_digital_on_file() -> None:
    taken = facts_to_take({"platform": "أبشر"}, report_type="complaint_escalation",
                          slots={"service_is_digital": False})
    assert taken == {"platform": "أبشر"}


@pytest.mark.parametrize(
    "text",
    [
        "عندي شكوى على منصة قوى رفعتها قبل ثلاث اسابيع وما ردوا علي",
        "الشكوى اللي قدمتها على ابشر ما ردوا عليها",
    ],
)
def test_the_complaint_told_before_the_verb_is_lodged(text: str) -> None:
    """«شكوى … رفعتها»: the noun first, the verb with its pronoun after (found by hand)."""
    facts = complaint_facts(text, TODAY)
    assert facts["prior_complaint_lodged"] is True and facts["complaint_closed"] is False


def test_a_complaint_still_to_lodge_is_not_lodged() -> None:
    assert complaint_facts("شكوى على ابشر ابي ارفعها", TODAY) == {}


@pytest.mark.parametrize(
    "text",
    [
        "I complained 2 weeks ago but they closed it without fixing anything",
        "I filed a complaint, they closed my complaint and did not fix it",
        "رفعت شكوى وقفلوها بدون ما يحلونها",
    ],
)
def test_closed_without_a_fix_is_a_problem_that_persists(text: str) -> None:
    """"closed it without fixing anything" asked "does the problem persist?" (found by hand)."""
    facts = complaint_facts(text, TODAY)
    assert facts["complaint_closed"] is True and facts["problem_persists"] is True
