"""The console's side panel, built from tracker slots (bot/agent/panel.py)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from bot.agent import panel
from bot.agent.panel import State, build_panel, collected_fields, conditions
from bot.intake import flow
from bot.intake.eligibility import Ground, Outcome, Reason, RedirectTarget
from bot.intake.workdays import escalation_opens_on
from bot.texts import has, pair

TODAY = date(2026, 11, 23)

# The slots of the Arabic complaint of tests/integration/test_live_intake.py, when the
# service is asked.
COMPLAINT: dict[str, Any] = {
    "language": "ar",
    "report_type": "complaint_escalation",
    "proposed_report_type": "complaint_escalation",
    "platform": "قوى",
    "service_is_digital": True,
    "prior_complaint_lodged": True,
    "complaint_closed": False,
    "entity_gave_response_time": False,
    "prior_complaint_date": "2026-11-02",
    "prior_complaint_ref": "Q-77410",
    "already_escalated_as": None,
    "requested_slot": "service_name",
}


def states(report_type: str, slots: dict[str, Any]) -> dict[str, State]:
    return {item.key: item.state for item in conditions(report_type, slots, TODAY)}


def texts(slots: dict[str, Any], language: str = "en") -> list[str]:
    return build_panel(slots, today=TODAY, language=language).lines()


def test_a_new_call_shows_only_that_no_type_is_known() -> None:
    assert texts({}) == ["Report type: —"]
    assert texts({}, "ar") == ["نوع البلاغ: —"]


def test_a_proposed_type_is_marked_as_not_confirmed() -> None:
    lines = texts({"proposed_report_type": "complaint_escalation", "platform": "قوى"})
    assert lines == ["Report type: Complaint escalation (proposed)"]


def test_an_eligible_complaint_shows_every_condition_met_and_the_fields() -> None:
    lines = texts(COMPLAINT)
    assert lines[:2] == ["Report type: Complaint escalation", "▶ Asking now: Service"]
    assert "✓ Digital service" in lines
    assert "✓ Earlier complaint with its number, or a fault screenshot: Q-77410" in lines
    assert "✓ Not escalated to Amer before" in lines
    assert "✓ A ground to escalate: 5 working days without reply" in lines
    assert "Decision: Eligible — 5 working days without reply" in lines
    assert "✓ Platform: قوى" in lines and "▶ Service: —" in lines
    assert "· Attachments: —" in lines and "· Full name: —" in lines
    assert lines.index("COLLECTED") > lines.index("ELIGIBILITY")


def test_open_questions_are_shown_open_and_no_decision_yet() -> None:
    slots = {
        "report_type": "complaint_escalation",
        "service_is_digital": True,
        "requested_slot": "prior_complaint_lodged",
    }
    assert states("complaint_escalation", slots) == {
        "digital_service": State.MET,
        "prior_complaint": State.OPEN,
        "not_escalated_before": State.OPEN,
        "escalation_ground": State.OPEN,
    }
    lines = texts(slots)
    assert "▶ Asking now: Complaint lodged with the entity?" in lines
    assert "Decision: waiting for answers" in lines


def test_a_complaint_too_recent_says_from_when() -> None:
    created = TODAY - timedelta(days=1)
    slots = {**COMPLAINT, "prior_complaint_date": created.isoformat(), "prior_complaint_ref": None}
    opens = escalation_opens_on(created).isoformat()
    found = {item.key: item for item in conditions("complaint_escalation", slots, TODAY)}
    assert found["escalation_ground"] == panel.Condition("escalation_ground", State.UNMET, opens)
    lines = texts(slots)
    assert f"✗ A ground to escalate: from {opens}" in lines
    assert f"Decision: Not yet — from {opens}" in lines


def test_a_fault_that_stopped_the_lodging_needs_a_screenshot() -> None:
    slots = {
        "report_type": "complaint_escalation",
        "service_is_digital": True,
        "prior_complaint_lodged": False,
        "lodging_blocked_by_fault": True,
    }
    assert states("complaint_escalation", slots)["prior_complaint"] is State.OPEN
    assert states("complaint_escalation", {**slots, "has_fault_screenshot": False}) == {
        "digital_service": State.MET,
        "prior_complaint": State.UNMET,
        "not_escalated_before": State.MET,
        "escalation_ground": State.UNMET,
    }
    with_screenshot = {**slots, "has_fault_screenshot": True}
    assert set(states("complaint_escalation", with_screenshot).values()) == {State.MET}
    names = [field.name for field in collected_fields("complaint_escalation", with_screenshot)]
    assert "prior_complaint_ref" not in names and "attachments" in names


def test_closed_complaints_procedural_and_solved() -> None:
    closed = {**COMPLAINT, "complaint_closed": True, "entity_gave_response_time": None}
    procedural = {**closed, "closed_complaint_kind": "procedural"}
    assert states("complaint_escalation", procedural)["escalation_ground"] is State.UNMET
    assert "Decision: Other path → contact the entity" in texts(procedural)
    solved = {**closed, "closed_complaint_kind": "technical", "problem_persists": False}
    assert "✗ A ground to escalate: the problem was solved" in texts(solved)
    persists = {**solved, "problem_persists": True}
    assert "Decision: Eligible — closed technical complaint, problem persists" in texts(persists)


def test_a_complaint_escalated_before_names_the_existing_report() -> None:
    slots = {**COMPLAINT, "already_escalated_as": "BR-7K2M9QXH"}
    assert "✗ Not escalated to Amer before: BR-7K2M9QXH" in texts(slots)
    assert "Decision: Cannot be filed — already escalated BR-7K2M9QXH" in texts(slots)


def test_transformation_request_conditions_and_the_duplicate_check() -> None:
    slots = {
        "report_type": "transformation_request",
        "service_name": "إصدار شهادة إشغال",
        "service_is_paper": True,
        "has_digital_alternative": False,
        "entity_name": "أمانة منطقة الرياض",
    }
    assert states("transformation_request", slots) == {
        "service_name_known": State.MET,
        "paper_service": State.MET,
        "no_digital_alternative": State.MET,
        "entity_known": State.MET,
        "not_requested_before": State.OPEN,  # looked up once the personal data is in
    }
    at_summary = {**slots, "intake_step": "summary"}
    assert states("transformation_request", at_summary)["not_requested_before"] is State.MET
    repeat = {**slots, "similar_previous_request": "BR-7K2M9QXH"}
    assert states("transformation_request", repeat)["not_requested_before"] is State.UNMET
    alternative = {**slots, "has_digital_alternative": True}
    assert states("transformation_request", alternative)["no_digital_alternative"] is State.UNMET


def test_suggestion_with_an_unknown_platform() -> None:
    slots = {
        "report_type": "development_suggestion",
        "service_name": "login",
        "service_is_digital": True,
        "platform": "",
    }
    assert states("development_suggestion", slots)["platform_known"] is State.UNMET
    assert "Decision: Cannot be filed — platform not known" in texts(slots)


@pytest.mark.parametrize(
    ("role", "entity", "crisis"),
    [
        ("individual", State.UNMET, State.UNMET),
        ("entity_staff", State.MET, State.UNMET),
        ("deputy", State.MET, State.MET),
        ("crisis_manager", State.MET, State.MET),
    ],
)
def test_outage_reporter_roles(role: str, entity: State, crisis: State) -> None:
    found = states("entity_outage", {"report_type": "entity_outage", "reporter_role": role})
    assert (found["government_entity"], found["crisis_team"]) == (entity, crisis)
    assert found["outage_kind"] is State.OPEN


SCENARIOS = [
    COMPLAINT,
    {**COMPLAINT, "prior_complaint_ref": ""},
    {**COMPLAINT, "service_is_digital": False},
    {**COMPLAINT, "prior_complaint_date": TODAY.isoformat()},
    {**COMPLAINT, "entity_gave_response_time": True, "response_due": "2026-11-01"},
    {**COMPLAINT, "entity_gave_response_time": True, "response_due": "2026-12-30"},
    {**COMPLAINT, "prior_complaint_lodged": False, "lodging_blocked_by_fault": False},
    {
        **COMPLAINT,
        "prior_complaint_lodged": False,
        "lodging_blocked_by_fault": True,
        "has_fault_screenshot": True,
    },
    {"report_type": "transformation_request", "service_name": "x", "service_is_paper": False},
    {
        "report_type": "development_suggestion",
        "service_name": "x",
        "service_is_digital": True,
        "platform": "Nafath",
        "intake_step": "summary",
    },
    {"report_type": "entity_outage", "reporter_role": "deputy", "outage_kind": "own_service"},
]


@pytest.mark.parametrize("slots", SCENARIOS)
def test_conditions_agree_with_the_rules_decision(slots: dict[str, Any]) -> None:
    report_type = slots["report_type"]
    found = states(report_type, slots)
    decision = flow.decision_for(report_type, slots, TODAY)
    assert decision is not None
    if all(state is State.MET for state in found.values()):
        assert decision.is_eligible, (found, decision)
    if any(state is State.UNMET for state in found.values()):
        assert not decision.is_eligible, (found, decision)
    if decision.is_eligible:
        assert State.UNMET not in found.values()


def test_collected_values_are_shown_in_words() -> None:
    slots = {
        **COMPLAINT,
        "service_channel": "app",
        "email": "",
        "attachments": [{"filename": "خطأ.png"}],
        "attachments_done": True,
    }
    lines = texts(slots)
    assert "✓ Service channel: App" in lines and "✓ E-mail: skipped" in lines
    assert "✓ Attachments: خطأ.png" in lines
    arabic = texts(slots, "ar")
    assert "✓ قناة الخدمة: التطبيق" in arabic and "✓ البريد الإلكتروني: تخطى" in arabic


def test_arabic_panel_keeps_numbers_and_references_whole() -> None:
    lines = texts({**COMPLAINT, "mobile": "+966551234567", "report_ref": "BR-7K2M9QXH"}, "ar")
    assert "✓ رقم البلاغ المرسل: \u2066BR-7K2M9QXH\u2069" in lines
    assert "✓ رقم الجوال: \u2066+966551234567\u2069" in lines
    assert "✓ المنصة: قوى" in lines  # Arabic needs no isolate
    assert "شروط التقديم" in lines and "البيانات المجمعة" in lines


def test_after_filing_the_reference_and_the_personal_data_stay() -> None:
    slots = {
        "report_ref": "BR-7K2M9QXH",
        "full_name": "محمد بن سعد العتيبي",
        "national_id": "1000000008",
        "mobile": "+966551234567",
        "email": "",
    }
    assert texts(slots) == [
        "Report type: —",
        "✓ Filed as: BR-7K2M9QXH",
        "",
        "COLLECTED",
        "✓ Full name: محمد بن سعد العتيبي",
        "✓ National ID/iqama: 1000000008",
        "✓ Mobile: +966551234567",
        "✓ E-mail: skipped",
    ]


def test_long_values_are_cut() -> None:
    slots = {**COMPLAINT, "description": "word " * 40}
    (line,) = [line for line in texts(slots) if line.startswith("✓ Description")]
    assert line.endswith("…") and len(line) < 80


def test_every_code_of_the_rules_has_words_in_both_languages() -> None:
    for codes, prefix in (
        (Reason, "panel.reason."),
        (Ground, "panel.ground."),
        (Outcome, "panel.outcome."),
    ):
        for code in codes:
            arabic, english = pair(f"{prefix}{code}")
            assert arabic and english
    for target in RedirectTarget:
        assert panel._redirect(target, "ar") and panel._redirect(target, "en")
    for fields in flow.EDITABLE_FIELDS.values():
        assert all(has(f"panel.field.{field}") for field in fields)


def test_unknown_slot_values_do_not_break_the_panel() -> None:
    slots = {
        **COMPLAINT,
        "closed_complaint_kind": "weird",
        "complaint_closed": True,
        "prior_complaint_date": "not a date",
        "requested_slot": "something_new",
    }
    lines = texts(slots)
    assert "Decision: waiting for answers" in lines and "▶ Asking now: something_new" in lines
