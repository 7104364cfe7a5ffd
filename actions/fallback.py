"""Rasa's core fallback (`action_default_fallback`), with a way on for a yes or a no.

No rule predicts what comes after a "yes" that answers nothing the assistant asked (after
an FAQ answer, say): instead of "not sure how to go on", it gets the next steps; a "no"
gets an open door. Anything else gets `utter_default`, as Rasa's own action does. Like
Rasa's, the action reverts the user's message so the rules see the conversation as before.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, UserUtteranceReverted
from rasa_sdk.executor import CollectingDispatcher

from actions.common import latest_intent

RESPONSES = {"affirm": "utter_fallback_affirm", "deny": "utter_fallback_deny"}


class ActionDefaultFallback(Action):
    def name(self) -> str:
        return "action_default_fallback"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        response = RESPONSES.get(latest_intent(tracker) or "", "utter_default")
        dispatcher.utter_message(response=response)
        return [UserUtteranceReverted()]
