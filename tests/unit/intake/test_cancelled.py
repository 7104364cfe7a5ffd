"""bot/intake/cancelled.py: what is kept of a cancelled report, and how it is resumed."""

from __future__ import annotations

from bot.intake.cancelled import AFTER_FORMS, kept_draft, resumed
from bot.intake.flow import REPORT_SLOTS

IN_THE_FORM = {
    "report_type": "development_suggestion",
    "platform": "أبشر",
    "service_name": "",  # skipped: an answer too
    "attachments": [],
    "title": None,
    "intake_step": "type_form",
    "full_name": "محمد العتيبي",  # personal data is not part of the draft (it stays anyway)
    "language": "ar",
}


def test_the_answers_and_the_form_are_kept() -> None:
    draft = kept_draft(IN_THE_FORM, "suggestion_form")
    assert draft == {
        "slots": {"report_type": "development_suggestion", "platform": "أبشر",
                  "service_name": "", "attachments": [], "intake_step": "type_form"},
        "form": "suggestion_form",
    }


def test_nothing_is_kept_before_a_type_is_chosen() -> None:
    assert kept_draft({"proposed_report_type": "complaint_escalation"}, None) is None
    assert kept_draft({}, "suggestion_form") is None


def test_a_request_about_a_filed_report_is_not_a_draft_form() -> None:
    draft = kept_draft(IN_THE_FORM, "after_filing_form")
    assert draft is not None and draft["form"] is None


def test_resuming_sets_every_report_slot_and_reopens_the_form() -> None:
    plan = resumed(kept_draft(IN_THE_FORM, "suggestion_form"))
    assert plan is not None and plan.next_action == "suggestion_form"
    assert set(plan.slots) == set(REPORT_SLOTS)
    assert plan.slots["platform"] == "أبشر" and plan.slots["service_name"] == ""
    assert plan.slots["title"] is None and plan.slots["proposed_report_type"] is None
    assert "full_name" not in plan.slots


def test_without_a_form_the_step_says_where_to_go_on() -> None:
    at_summary = {**IN_THE_FORM, "intake_step": "summary", "filing_key": "k1"}
    plan = resumed(kept_draft(at_summary, None))
    assert plan is not None and plan.next_action == AFTER_FORMS
    assert plan.slots["filing_key"] == "k1"  # the same key: filing stays idempotent
    personal = {**IN_THE_FORM, "intake_step": "personal_data"}
    assert resumed(kept_draft(personal, None)).next_action == "personal_form"  # type: ignore[union-attr]
    started = {**IN_THE_FORM, "report_type": "entity_outage", "intake_step": None}
    assert resumed(kept_draft(started, None)).next_action == "outage_form"  # type: ignore[union-attr]


def test_a_name_waiting_for_confirmation_is_asked_afresh() -> None:
    waiting = {**IN_THE_FORM, "pending_name": "أبشر", "pending_typed": "ابشر"}
    plan = resumed(kept_draft(waiting, "suggestion_form"))
    assert plan is not None and plan.slots["pending_name"] is None
    assert plan.slots["pending_typed"] is None and plan.slots["platform"] == "أبشر"


def test_nothing_or_a_broken_slot_value_resumes_nothing() -> None:
    for value in (None, "text", [], {}, {"slots": []}, {"slots": {"platform": "x"}}):
        assert resumed(value) is None, value
