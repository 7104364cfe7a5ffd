"""Keep the `language` slot in step with the user (rules in bot.nlu.language)."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.common import latest_text
from bot.nlu.language import language_after_message, requested_language

LANGUAGES = ("ar", "en")


class ActionDetectLanguage(Action):
    """Custom slot mapping of `language`, run by Rasa after every user message."""

    def name(self) -> str:
        return "action_detect_language"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        language = language_after_message(
            tracker.get_slot("language"), latest_text(tracker), tracker.get_slot("requested_slot")
        )
        return [] if language is None else [SlotSet("language", language)]


class ActionSwitchLanguage(Action):
    """Explicit "English please" / "كلمني عربي": switch to the language asked for."""

    def name(self) -> str:
        return "action_switch_language"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        target = next(tracker.get_latest_entity_values("target_language"), None)
        if target not in LANGUAGES:
            target = requested_language(latest_text(tracker))
        if target not in LANGUAGES:  # "switch language" without saying which: the other one
            target = "en" if tracker.get_slot("language") == "ar" else "ar"
        # The confirmation (utter_language_switched) follows in the rule, so that Rasa
        # renders it after this slot is set, in the new language.
        return [SlotSet("language", target)]
