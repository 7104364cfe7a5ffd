"""Cancel and restart, available at any point of a conversation."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, EventType, FollowupAction, Restarted, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.after_filing import ended
from actions.common import slot_values
from actions.handoff import leave_agent_chat
from bot.intake import cancelled
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
        loop = tracker.active_loop.get("name") if tracker.active_loop else None
        draft = cancelled.kept_draft(slot_values(tracker), loop)
        if draft is None:
            dispatcher.utter_message(response="utter_cancelled")
        else:  # kept, so that "resume my report" can bring it back
            dispatcher.utter_message(response="utter_cancelled_draft")
            events.append(SlotSet("cancelled_draft", draft))
        # everything about the report goes; personal data stays (asked once per conversation)
        events += [
            SlotSet(slot, None) for slot in REPORT_SLOTS if tracker.get_slot(slot) is not None
        ]
        return events


class ActionResumeReport(Action):
    """Puts the report cancelled last back, answers and all; the form asks where it stopped."""

    def name(self) -> str:
        return "action_resume_report"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        plan = cancelled.resumed(tracker.get_slot("cancelled_draft"))
        if plan is None:
            dispatcher.utter_message(response="utter_nothing_to_resume")
            return []
        dispatcher.utter_message(response="utter_report_resumed")
        return resumed_events(plan)


def resumed_events(plan: cancelled.Resumed) -> list[EventType]:
    """A kept draft put back (a cancelled report, a reminder's draft): its answers, no kept
    draft left, and the form that asks what is missing."""
    return [
        *(SlotSet(slot, value) for slot, value in plan.slots.items()),
        SlotSet("requested_slot", None),
        SlotSet("cancelled_draft", None),
        SlotSet("asked_again", None),  # the question comes back as it was first asked
        FollowupAction(plan.next_action),
    ]


class ActionRestart(Action):
    """Overrides Rasa's action_restart: a fresh conversation, still in the user's language."""

    def name(self) -> str:
        return "action_restart"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        leave_agent_chat(tracker.sender_id)
        dispatcher.utter_message(response="utter_restarted")
        return [Restarted(), SlotSet("language", tracker.get_slot("language") or "ar")]
