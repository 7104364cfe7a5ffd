"""Another report type mid-form: "actually I want to suggest an improvement instead".

The form stops and the user is asked whether to drop the draft; the draft is kept the way
"cancel" keeps it (bot.intake.cancelled), so "no" puts it back where it was
(action_resume_report) and "yes" starts the other type with the personal data kept.
Which type: bot.intake.triage.switch_target.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.common import latest_text, slot_values
from bot.intake import cancelled, triage
from bot.intake.flow import REPORT_SLOTS


def _ranking(tracker: Tracker) -> list[tuple[str, float]]:
    ranking = (tracker.latest_message or {}).get("intent_ranking") or []
    return [(item.get("name", ""), float(item.get("confidence") or 0.0)) for item in ranking]


class ActionOfferSwitch(Action):
    def name(self) -> str:
        return "action_offer_switch"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        current = tracker.get_slot("report_type")
        target = triage.switch_target(latest_text(tracker), current, _ranking(tracker))
        loop = tracker.active_loop.get("name") if tracker.active_loop else None
        draft = cancelled.kept_draft(slot_values(tracker), loop)
        if draft is None:  # no report started: the type it names is proposed, or the list
            if triage.switch_target(latest_text(tracker), None) is not None:
                return [SlotSet("switch_to", None), FollowupAction("action_propose_report_type")]
            dispatcher.utter_message(response="utter_choose_report_type")
            return [SlotSet("switch_to", None)]
        dispatcher.utter_message(
            response=f"utter_offer_switch_{target.value if target else 'unknown'}"
        )
        return [
            ActiveLoop(None),
            SlotSet("requested_slot", None),
            SlotSet("cancelled_draft", draft),
            SlotSet("switch_to", target.value if target else None),
        ]


class ActionSwitchReportType(Action):
    """"Yes": the draft goes (personal data stays); action_start_intake starts the other type."""

    def name(self) -> str:
        return "action_switch_report_type"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        target = tracker.get_slot("switch_to")
        # action_start_intake comes next (stories/rules.yml): it starts `target`, or shows
        # the list of types when there is none
        return [
            *(SlotSet(slot, None) for slot in REPORT_SLOTS),
            SlotSet("switch_to", None),
            SlotSet("asked_again", None),
            SlotSet("proposed_report_type", target),
        ]
