"""bot.intake.triage: which report type a user switches to mid-report."""

from __future__ import annotations

import pytest

from bot.intake.triage import switch_target, types_named

COMPLAINT = "complaint_escalation"
TRANSFORMATION = "transformation_request"
SUGGESTION = "development_suggestion"
OUTAGE = "entity_outage"


@pytest.mark.parametrize(
    ("text", "current", "target"),
    [
        ("actually I want to suggest an improvement instead", COMPLAINT, SUGGESTION),
        ("this should be a transformation request not a suggestion", SUGGESTION, TRANSFORMATION),
        ("this should be a transformation request not a suggestion", None, TRANSFORMATION),
        ("بدل الاقتراح ابي اصعد شكوى", OUTAGE, COMPLAINT),
        ("مابي اكمل الشكوى ابي اقترح شي بداله", COMPLAINT, SUGGESTION),
        ("ابي ارفع طلب تحول رقمي للخدمة", COMPLAINT, TRANSFORMATION),
        ("it is really an outage, not a complaint", COMPLAINT, OUTAGE),
    ],
)
def test_the_type_the_message_names(text: str, current: str | None, target: str) -> None:
    assert switch_target(text, current) == target


@pytest.mark.parametrize(
    ("text", "wanted_only", "named"),
    [
        ("this should be a transformation request not a suggestion", False,
         [TRANSFORMATION, SUGGESTION]),
        ("this should be a transformation request not a suggestion", True, [TRANSFORMATION]),
        ("بدل الاقتراح ابي اصعد شكوى", True, [COMPLAINT]),
        ("مو شكوى", True, []),
        ("hello", False, []),
    ],
)
def test_types_named(text: str, wanted_only: bool, named: list[str]) -> None:
    assert types_named(text, wanted_only=wanted_only) == named


RANKING = [("greet", 0.6), ("report_complaint", 0.3), ("suggest_development", 0.1)]


@pytest.mark.parametrize(
    ("text", "current", "ranking", "target"),
    [
        ("change it please", OUTAGE, RANKING, COMPLAINT),
        ("change it please", COMPLAINT, RANKING, SUGGESTION),  # skips the current type
        ("غيرها لو سمحت", COMPLAINT, RANKING, SUGGESTION),
        ("not a suggestion", SUGGESTION, RANKING, COMPLAINT),  # named only as not wanted
        ("I want to keep my complaint", COMPLAINT, RANKING, SUGGESTION),  # names the current
        ("change it please", COMPLAINT, [("greet", 0.9), ("report_complaint", 0.1)], None),
        ("change it please", COMPLAINT, [], None),
        ("change it please", COMPLAINT, None, None),
    ],
)
def test_falls_back_to_the_nlu_ranking(
    text: str, current: str, ranking: list | None, target: str | None
) -> None:
    assert switch_target(text, current, ranking) == target
