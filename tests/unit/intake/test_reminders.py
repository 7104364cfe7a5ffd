"""What a "not yet" offers to remind, when, and what the reminder keeps (bot.intake.reminders)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from bot.intake import cancelled
from bot.intake.eligibility import Outcome, decide, facts_from_slots
from bot.intake.reminders import REMINDABLE_CHANNELS, ReminderOffer, offer, remind_at

TODAY = date(2026, 12, 7)  # Monday
# a complaint lodged on Thursday 2026-12-03, unanswered, no response time given
WAITING = {
    "report_type": "complaint_escalation",
    "platform": "قوى",
    "service_is_digital": True,
    "prior_complaint_lodged": True,
    "complaint_closed": False,
    "entity_gave_response_time": False,
    "prior_complaint_date": "2026-12-03",
    # volunteered early: never kept in a reminder
    "full_name": "سارة أحمد",
    "national_id": "1000000008",
    "mobile": "0501234567",
    "attachments": [{"filename": "fault.png"}],
    "intake_step": "type_form",
}


def _decision(slots: dict) -> object:
    return decide(slots["report_type"], facts_from_slots(slots["report_type"], slots), TODAY)


def test_a_not_yet_decision_offers_its_day_with_the_report_facts_only() -> None:
    decision = _decision(WAITING)
    assert decision.outcome is Outcome.NOT_YET
    offered = offer(decision, WAITING, "telegram")
    assert offered is not None and offered.remind_on == decision.eligible_from
    kept = offered.draft["slots"]
    assert kept["platform"] == "قوى" and kept["prior_complaint_date"] == "2026-12-03"
    for personal in ("full_name", "national_id", "mobile", "attachments", "intake_step"):
        assert personal not in kept, personal
    # resumed on the day: the complaint's form asks what is still missing
    plan = cancelled.resumed(offered.draft)
    assert plan is not None and plan.next_action == "complaint_form"
    assert plan.slots["entity_gave_response_time"] is False


@pytest.mark.parametrize("channel", ["call_centre", "unknown"])
def test_no_offer_where_the_conversation_cannot_be_written_to_later(channel: str) -> None:
    assert channel not in REMINDABLE_CHANNELS
    assert offer(_decision(WAITING), WAITING, channel) is None


def test_no_offer_for_other_outcomes() -> None:
    eligible = {**WAITING, "prior_complaint_date": "2026-11-01", "prior_complaint_ref": "Q-1"}
    assert _decision(eligible).is_eligible
    assert offer(_decision(eligible), eligible, "web") is None


def test_the_reminder_is_said_at_nine_in_riyadh_on_its_day() -> None:
    assert remind_at(date(2026, 12, 11)).astimezone(UTC) == datetime(2026, 12, 11, 6, 0, tzinfo=UTC)


def test_the_offer_survives_the_slot_and_a_broken_slot_is_no_offer() -> None:
    offered = offer(_decision(WAITING), WAITING, "rest")
    assert offered is not None
    assert ReminderOffer.from_slot(offered.as_slot()) == offered
    for broken in (None, "x", {"remind_on": "2026-12-11"}, {"remind_on": "soon", "draft": {}}):
        assert ReminderOffer.from_slot(broken) is None
