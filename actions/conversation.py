"""Cancel and restart, available at any point of a conversation."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, EventType, Restarted, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.after_filing import ended
from bot.intake.flow import REPORT_SLOTS


class ActionCancelReport(Action):
    """Stop the report being prepared; nothing is filed."""

    def name(self) -> str:
        return "action_cancel_report"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        events: list[EventType] = [ActiveLoop(None), SlotSet("requested_slot", None)]
        if tracker.get_slot("report_request") and tracker.get_slot("status_reference"):
            # a request about a filed report (after_filing_form): the report stays as it was
            dispatcher.utter_message(
                response="utter_request_dropped", reference=tracker.get_slot("status_reference")
            )
            return events + ended(tracker)
        dispatcher.utter_message(response="utter_cancelled")
        # everything about the report goes; personal data stays (asked once per conversation)
        events += [
            SlotSet(slot, None) for slot in REPORT_SLOTS if tracker.get_slot(slot) is not None
        ]
        return events


class ActionRestart(Action):
    """Overrides Rasa's action_restart: a fresh conversation, still in the user's language."""

    def name(self) -> str:
        return "action_restart"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        dispatcher.utter_message(response="utter_restarted")
        return [Restarted(), SlotSet("language", tracker.get_slot("language") or "ar")]
