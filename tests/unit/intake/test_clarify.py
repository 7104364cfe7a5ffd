"""Clarifying a message NLU could not place (bot/intake/clarify.py)."""

from __future__ import annotations

import pytest

from bot.intake.clarify import clarify

COMPLAINT = '/choose_report_type{"report_type": "complaint_escalation"}'
SUGGESTION = '/choose_report_type{"report_type": "development_suggestion"}'


def test_two_close_report_types_are_offered_as_a_choice() -> None:
    ranking = [("nlu_fallback", 0.45), ("report_complaint", 0.34), ("faq", 0.25),
               ("suggest_development", 0.21)]
    reply = clarify(ranking, "en", misses_in_a_row=1)
    assert reply.response == "utter_clarify_two"
    assert [b["payload"] for b in reply.buttons] == [COMPLAINT, SUGGESTION]
    assert [b["title"] for b in reply.buttons] == [
        "Escalate a complaint I lodged", "Suggest an improvement"
    ]


def test_the_choice_in_arabic() -> None:
    ranking = [("check_status", 0.3), ("report_complaint", 0.2)]
    reply = clarify(ranking, "ar", misses_in_a_row=1)
    assert [b["title"] for b in reply.buttons] == ["معرفة حالة بلاغ", "تصعيد شكوى قدمتها لجهة"]


@pytest.mark.parametrize(
    "ranking",
    [
        [("greet", 0.5), ("report_complaint", 0.3)],  # one guess only
        [("report_complaint", 0.2), ("suggest_development", 0.05)],  # the second is too weak
        [("report_complaint", 0.15), ("report_outage", 0.1)],  # both weak
        [("report_complaint", 0.0), ("report_outage", 0.0)],  # no known word at all
        [],
    ],
)
def test_no_real_pair_of_guesses_gets_the_rephrase_prompt(ranking) -> None:
    reply = clarify(ranking, "en", misses_in_a_row=1)
    assert reply.response == "utter_rephrase" and not reply.buttons


def test_the_second_miss_in_a_row_gets_the_menu_and_a_person() -> None:
    ranking = [("report_complaint", 0.34), ("suggest_development", 0.21)]
    reply = clarify(ranking, "en", misses_in_a_row=2)
    assert reply.response == "utter_clarify_menu"
    payloads = [b["payload"] for b in reply.buttons]
    assert payloads[-1] == "/human_handoff" and COMPLAINT in payloads and len(payloads) == 5


# -- two FAQ answers close together ---------------------------------------------------------


def test_a_clear_faq_answer_is_given() -> None:
    from bot.intake.clarify import faq_pair

    assert faq_pair([("faq/escalation_sla", 0.9), ("faq/contact_channels", 0.05)]) is None
    assert faq_pair([("faq/escalation_sla", 0.55), ("faq/contact_channels", 0.30)]) is None
    assert faq_pair([("faq/escalation_sla", 0.5)]) is None
    assert faq_pair([]) is None


def test_two_close_faq_answers_are_both_offered() -> None:
    from bot.intake.clarify import faq_pair

    ranking = [("faq/escalation_sla", 0.45), ("faq/missing_data_documents", 0.40), ("x", 0.1)]
    assert faq_pair(ranking) == ("escalation_sla", "missing_data_documents")


def test_faq_buttons_carry_the_key_and_a_question_of_the_faq_as_title() -> None:
    from bot.intake.clarify import faq_button, faq_titles
    from bot.runtime.settings import PROJECT_ROOT

    titles = faq_titles(PROJECT_ROOT / "nlu")
    assert len(titles) >= 18 and all(set(t) == {"ar", "en"} for t in titles.values())
    en = faq_button("paper_service_complaint", "en", titles)
    assert en == {
        "title": "can a complaint about a paper service be escalated?",
        "payload": '/faq{"faq_pick": "paper_service_complaint"}',
    }
    ar = faq_button("paper_service_complaint", "ar", titles)
    assert ar["payload"] == en["payload"] and any("\u0600" <= c <= "\u06ff" for c in ar["title"])
