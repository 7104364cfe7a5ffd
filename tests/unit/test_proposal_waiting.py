"""While "is this a <type>?" waits (#17): the actions, in process, on built trackers.

A question, a challenge or a correction between the proposal and its yes/no keeps the
proposal (stories/intake.yml asks it again); a correction changes the fact the first message
gave; anything that is not a digression, or the core fallback's take-back, is seen as Rasa's
policies see it.
"""

from __future__ import annotations

import asyncio
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.common import proposal_waiting
from actions.intake import ActionEditField, ActionProposeReportType

DOMAIN = {
    "responses": {
        "utter_propose_development_suggestion": [],
        "utter_propose_development_suggestion_platform": [],
        "utter_propose_transformation_request": [],
    }
}
PROPOSED = {"proposed_report_type": "development_suggestion", "platform": "أبشر",
            "language": "ar"}  # fmt: skip


def action(name: str) -> dict[str, Any]:
    return {"event": "action", "name": name}


def user(text: str, intent: str) -> dict[str, Any]:
    return {"event": "user", "text": text,
            "parse_data": {"intent": {"name": intent}, "original_text": text}}  # fmt: skip


OPENING = [action("action_listen"), user("عندي اقتراح تطوير لأبشر", "suggest_development"),
           action("action_propose_report_type"), action("action_listen")]  # fmt: skip


def tracker(events: list[dict[str, Any]], text: str, intent: str, **slots: Any) -> Tracker:
    latest = {"text": text, "intent": {"name": intent}, "entities": [], "original_text": text}
    return Tracker("proposal", {**PROPOSED, **slots}, latest, [*events, user(text, intent)],
                   False, None, {}, "action_listen")  # fmt: skip


def run(action_class: type, built: Tracker) -> tuple[list[dict[str, Any]], list[Any]]:
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action_class().run(dispatcher, built, DOMAIN))
    return dispatcher.messages, events


def test_the_proposal_waits_through_digressions() -> None:
    events = [*OPENING, user("كم مدة المعالجة؟", "faq"), action("action_answer_faq"),
              action("action_propose_report_type"), action("action_listen")]  # fmt: skip
    assert proposal_waiting(tracker(events, "انت بوت؟", "bot_challenge"))


def test_no_proposal_waits_once_a_form_started_or_after_a_no() -> None:
    assert not proposal_waiting(
        tracker(OPENING, "نعم", "affirm", report_type="development_suggestion")
    )
    denied = [*OPENING, user("لا", "deny"), action("utter_choose_report_type"),
              action("action_listen")]  # fmt: skip
    assert not proposal_waiting(tracker(denied, "كم مدة المعالجة؟", "faq"))
    assert not proposal_waiting(tracker(OPENING, "نعم", "affirm", proposed_report_type=None))


def test_the_core_fallback_taken_back_does_not_end_the_proposal() -> None:
    events = [*OPENING, user("سيارة", "nlu_fallback"), action("action_default_fallback"),
              {"event": "rewind"}, action("action_listen")]  # fmt: skip
    assert proposal_waiting(tracker(events, "انت غبي", "insult"))


def test_a_digression_repeats_the_proposal_with_the_platform() -> None:
    messages, events = run(ActionProposeReportType, tracker(OPENING, "كم مدة المعالجة؟", "faq"))
    assert [(m["response"], m.get("platform")) for m in messages] == [
        ("utter_propose_development_suggestion_platform", "أبشر")
    ]
    assert events == []  # nothing the first message gave is forgotten


def test_without_a_waiting_proposal_the_types_are_listed() -> None:
    built = tracker(OPENING, "كم مدة المعالجة؟", "faq", proposed_report_type=None)
    messages, _ = run(ActionProposeReportType, built)
    assert [m["response"] for m in messages] == ["utter_choose_report_type"]


def test_a_correction_changes_the_platform_before_any_form() -> None:
    messages, events = run(
        ActionEditField, tracker(OPENING, "لا، المنصة توكلنا مو أبشر", "correct_field")
    )
    assert [m["response"] for m in messages] == ["utter_corrected"]
    assert {(e["name"], e["value"]) for e in events} == {("platform", "توكلنا"),
                                                          ("intake_step", None)}


def test_a_correction_without_a_value_says_how_to_give_one() -> None:
    messages, events = run(ActionEditField, tracker(OPENING, "ابي اعدل اسم المنصة", "edit_field"))
    assert [m["response"] for m in messages] == ["utter_correction_unclear_at_proposal"]
    assert [(e["name"], e["value"]) for e in events] == [("intake_step", None)]
