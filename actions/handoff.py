""""I want to talk to a person": the call centre's hours and number; the draft is kept.

Thin adapter over bot.intake.handoff. The conversation's answers stay as they are, so a
form that was asking asks its question again after this reply (stories/rules.yml).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from bot.intake import handoff, summary


class ActionHumanHandoff(Action):
    def name(self) -> str:
        return "action_human_handoff"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        now = datetime.now(UTC)
        drafting = bool(tracker.get_slot("report_type"))
        values = {"number": handoff.CALL_CENTRE}
        if handoff.on_duty(now):
            response = "utter_handoff_call_now"
        else:
            opening = handoff.next_opening(now)
            response = "utter_handoff_closed"
            values["opens_day_ar"] = summary.weekday_name(opening.date(), "ar")
            values["opens_day_en"] = summary.weekday_name(opening.date(), "en")
            values["opens_date"] = opening.date().isoformat()
        dispatcher.utter_message(response=response, **values)
        dispatcher.utter_message(
            response="utter_handoff_draft_kept" if drafting else "utter_handoff_anything_else"
        )
        return []
