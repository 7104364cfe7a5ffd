"""bot.intake.flow: which slot each form asks next, and when it stops."""

from __future__ import annotations

from datetime import date

import pytest

from bot.intake.flow import (
    EDITABLE_FIELDS,
    REPORT_SLOTS,
    decision_for,
    field_named,
    missing_personal_slots,
    report_form_slots,
)
from tests.yaml_files import domain_yaml

TODAY = date(2026, 11, 23)  # a Monday
OPEN_COMPLAINT = {
    "service_is_digital": True,
    "prior_complaint_lodged": True,
    "complaint_closed": False,
    "entity_gave_response_time": False,
}


def _next(report_type: str, slots: dict) -> str | None:
    wanted = report_form_slots(report_type, slots, TODAY)
    return next((name for name in wanted if slots.get(name) is None), None)


@pytest.mark.parametrize(
    ("slots", "expected"),
    [
        ({}, "service_is_digital"),
        ({"service_is_digital": True}, "prior_complaint_lodged"),
        ({"service_is_digital": True, "prior_complaint_lodged": False}, "lodging_blocked_by_fault"),
        (
            {"service_is_digital": True, "prior_complaint_lodged": False,
             "lodging_blocked_by_fault": True},
            "has_fault_screenshot",
        ),
        ({"service_is_digital": True, "prior_complaint_lodged": True}, "complaint_closed"),
        (OPEN_COMPLAINT, "prior_complaint_date"),
        ({**OPEN_COMPLAINT, "prior_complaint_date": "2026-11-02"}, "prior_complaint_ref"),
        (
            {**OPEN_COMPLAINT, "prior_complaint_date": "2026-11-02", "prior_complaint_ref": "Q-1"},
            "platform",
        ),
        (
            {**OPEN_COMPLAINT, "entity_gave_response_time": True},
            "response_due",
        ),
    ],
)
def test_complaint_questions_in_order(slots: dict, expected: str) -> None:
    assert _next("complaint_escalation", slots) == expected


@pytest.mark.parametrize(
    "slots",
    [
        {"service_is_digital": False},  # paper: redirected
        {"service_is_digital": True, "prior_complaint_lodged": False,
         "lodging_blocked_by_fault": False},  # lodge it first
        {**OPEN_COMPLAINT, "prior_complaint_date": "2026-11-20"},  # not yet: 5 working days
        {**OPEN_COMPLAINT, "prior_complaint_date": "2026-11-02", "prior_complaint_ref": "Q-1",
         "already_escalated_as": "BR-00000000"},
    ],
)
def test_a_report_that_cannot_be_filed_ends_its_form(slots: dict) -> None:
    assert _next("complaint_escalation", slots) is None
    assert not decision_for("complaint_escalation", slots, TODAY).is_eligible


def test_an_eligible_complaint_collects_its_data_then_stops() -> None:
    slots = {**OPEN_COMPLAINT, "prior_complaint_date": "2026-11-02", "prior_complaint_ref": "Q-1"}
    asked = []
    while (slot := _next("complaint_escalation", slots)) is not None:
        asked.append(slot)
        slots[slot] = True if slot == "attachments_done" else "x"
    assert asked == [
        "platform", "service_name", "service_channel", "title", "description", "attachments_done",
    ]
    assert decision_for("complaint_escalation", slots, TODAY).is_eligible


def test_a_skipped_optional_slot_counts_as_answered() -> None:
    slots = {"full_name": "A B", "national_id": "1000000008", "mobile": "+966551234567"}
    assert missing_personal_slots(slots) == ["email"]
    assert missing_personal_slots({**slots, "email": ""}) == []


@pytest.mark.parametrize(
    ("report_type", "slots", "expected"),
    [
        ("transformation_request", {}, "service_name"),
        ("transformation_request", {"service_name": "شهادة"}, "service_is_paper"),
        ("development_suggestion", {}, "service_name"),
        ("entity_outage", {}, "reporter_role"),
        ("entity_outage", {"reporter_role": "deputy"}, "outage_kind"),
        ("entity_outage", {"reporter_role": "deputy", "outage_kind": "own_service"}, "entity_name"),
    ],
)
def test_other_types_start_with_their_conditions(report_type: str, slots: dict, expected: str):
    assert _next(report_type, slots) == expected


def test_every_editable_field_and_report_slot_is_a_known_slot() -> None:

    domain = domain_yaml()
    for fields in EDITABLE_FIELDS.values():
        assert set(fields) <= set(domain["slots"])
    assert set(REPORT_SLOTS) <= set(domain["slots"])
    assert "report_ref" not in REPORT_SLOTS  # kept: "what is the status of my report"


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("change my mobile number", "mobile"),
        ("عدل رقم الجوال", "mobile"),
        ("الاسم غلط", "full_name"),
        ("I want to fix the description", "description"),
        ("غير رقم الشكوى", "prior_complaint_ref"),
        ("something else entirely", None),
    ],
)
def test_a_typed_field_name(text: str, field: str | None) -> None:
    assert field_named(text, EDITABLE_FIELDS["complaint_escalation"]) == field
