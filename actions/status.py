"""Status questions: "what is the status of BR-…", "وين وصل بلاغي", "my reports".

Thin adapter over bot.intake.status: it decides what may be shown to whom; this action
turns the answer into domain responses in the conversation's language.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import latest_entities, latest_intent, latest_text, repository
from bot.intake.status import StatusOutcome, look_up
from bot.store.models import Report

# At most this many reports are listed for "my reports".
MAX_LISTED = 5


def _utter_report(dispatcher: CollectingDispatcher, report: Report) -> None:
    due = report.due_at.date().isoformat() if report.due_at else "—"
    dispatcher.utter_message(
        response=f"utter_status_{report.status}", reference=report.reference, due_date=due
    )


class ActionCheckStatus(Action):
    """Looks a report up for its reporter; asks for ID and mobile from another channel."""

    def name(self) -> str:
        return "action_check_status"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        after_identity = tracker.get_slot("status_step") == "need_identity"
        reference = latest_entities(tracker).get("reference")
        if after_identity and latest_intent(tracker) != "check_status":
            reference = tracker.get_slot("status_reference")
        answer = look_up(
            repository(),
            latest_text(tracker) if not reference else "",
            sender_id=tracker.sender_id,
            national_id=tracker.get_slot("national_id"),
            mobile=tracker.get_slot("mobile"),
            reference=reference,
        )
        if answer.outcome == StatusOutcome.NEED_IDENTITY and not after_identity:
            dispatcher.utter_message(response="utter_status_need_identity")
            return [
                SlotSet("status_reference", answer.reference),
                SlotSet("status_step", "need_identity"),
            ]
        self._answer(dispatcher, answer)
        return [SlotSet("status_reference", None), SlotSet("status_step", "answered")]

    @staticmethod
    def _answer(dispatcher: CollectingDispatcher, answer: Any) -> None:
        outcome = answer.outcome
        if outcome == StatusOutcome.FOUND:
            _utter_report(dispatcher, answer.reports[0])
        elif outcome == StatusOutcome.LIST:
            dispatcher.utter_message(response="utter_status_list_intro")
            for report in answer.reports[:MAX_LISTED]:
                _utter_report(dispatcher, report)
        elif outcome == StatusOutcome.DID_YOU_MEAN:
            dispatcher.utter_message(
                response="utter_status_did_you_mean", reference=answer.reference
            )
        elif outcome == StatusOutcome.INVALID:
            dispatcher.utter_message(response="utter_status_invalid", reference=answer.reference)
        elif outcome == StatusOutcome.NONE:
            dispatcher.utter_message(response="utter_status_none")
        else:  # NOT_FOUND, and NEED_IDENTITY after a failed identity check: the same words
            dispatcher.utter_message(response="utter_status_not_found", reference=answer.reference)
