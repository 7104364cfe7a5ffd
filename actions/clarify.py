"""The reply to a message NLU could not place: thin adapter over bot.intake.clarify."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from bot.intake.clarify import clarify


def misses_in_a_row(tracker: Tracker) -> int:
    """How many of the latest user messages in a row NLU could not place (this one too)."""
    count = 0
    for event in reversed(tracker.events):
        if event.get("event") != "user":
            continue
        if ((event.get("parse_data") or {}).get("intent") or {}).get("name") != "nlu_fallback":
            break
        count += 1
    return count


class ActionClarify(Action):
    def name(self) -> str:
        return "action_clarify"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        ranking = [
            (item.get("name", ""), float(item.get("confidence") or 0.0))
            for item in (tracker.latest_message or {}).get("intent_ranking") or []
        ]
        reply = clarify(
            ranking, tracker.get_slot("language"), misses_in_a_row=misses_in_a_row(tracker)
        )
        if reply.buttons:
            dispatcher.utter_message(response=reply.response, buttons=list(reply.buttons))
        else:
            dispatcher.utter_message(response=reply.response)
        return []
