"""bot.intake.triage: the type to propose from a first message."""

from __future__ import annotations

import pytest

from bot.intake.triage import propose


@pytest.mark.parametrize(
    ("intent", "text", "report_type", "platform_id", "paper"),
    [
        ("report_complaint",
         "the Absher site kept failing and nobody answered my complaint for a week",
         "complaint_escalation", "absher", False),
        ("report_complaint", "رفعت شكوى على منصة قوى من ثلاث اسابيع وللحين محد رد علي",
         "complaint_escalation", "qiwa", False),
        ("report_complaint", "ابي اشتكي على خدمة ورقية في الأحوال المدنية لازم اروح لها بنفسي",
         "transformation_request", None, True),
        ("suggest_development", "ابي اقترح تطوير لتطبيق توكلنا",
         "development_suggestion", "tawakkalna", False),
        ("request_transformation", "خدمة في البلدية ورقية وابيها الكترونية",
         "transformation_request", None, True),
        ("report_outage", "our e-service is down", "entity_outage", None, False),
    ],
)
def test_proposals(intent, text, report_type, platform_id, paper) -> None:
    proposal = propose(intent, text, "ar")
    assert proposal is not None
    assert proposal.report_type == report_type
    assert proposal.platform_id == platform_id
    assert proposal.paper_service is paper
    assert proposal.redirected is (paper and intent != "request_transformation")


def test_not_a_report_intent() -> None:
    assert propose("greet", "hello", "en") is None


def test_a_switch_before_any_report_proposes_the_type_it_wants() -> None:
    """"a suggestion, not a complaint" as a first message: the suggestion is proposed."""
    proposal = propose("switch_report_type", "خلها اقتراح مو شكوى", "ar")
    assert proposal is not None and proposal.report_type == "development_suggestion"
    assert propose("switch_report_type", "I want another type", "en") is None
