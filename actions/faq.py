"""A question of the FAQ: its answer, or "did you mean A or B?" when two answers are close.

Thin adapter over bot.intake.clarify (`faq_pair`, `faq_button`). The rules say this action
wherever a question of the FAQ is answered (stories/faq.yml, inside every form too); a
button it offers carries the key itself (`/faq{"faq_pick": "<key>"}`), so the answer chosen
is given without NLU guessing again.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.common import latest_entities
from bot.intake.clarify import FAQ_PICK_ENTITY, faq_button, faq_pair, faq_titles
from bot.runtime import settings

RESPONSE_PREFIX = "utter_faq/"


@lru_cache(maxsize=1)
def _titles() -> dict[str, dict[str, str]]:
    return faq_titles(settings.PROJECT_ROOT / "nlu")


class ActionAnswerFaq(Action):
    def name(self) -> str:
        return "action_answer_faq"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        keys = {
            name.removeprefix(RESPONSE_PREFIX)
            for name in domain.get("responses") or {}
            if name.startswith(RESPONSE_PREFIX)
        }
        picked = latest_entities(tracker).get(FAQ_PICK_ENTITY)
        if picked in keys:  # a button of an earlier "did you mean …?"
            dispatcher.utter_message(response=RESPONSE_PREFIX + picked)
            return []
        selector = ((tracker.latest_message or {}).get("response_selector") or {}).get("faq")
        selector = selector or {}
        ranking = [
            (str(item.get("intent_response_key") or ""), float(item.get("confidence") or 0.0))
            for item in selector.get("ranking") or []
        ]
        pair = faq_pair(ranking)
        if pair is not None and all(key in keys for key in pair):
            language = tracker.get_slot("language")
            buttons = [faq_button(key, language, _titles()) for key in pair]
            dispatcher.utter_message(response="utter_clarify_faq", buttons=buttons)
            return []
        chosen = str((selector.get("response") or {}).get("intent_response_key") or "")
        if not chosen and ranking:
            chosen = ranking[0][0]
        key = chosen.removeprefix("faq/")
        if key in keys:
            dispatcher.utter_message(response=RESPONSE_PREFIX + key)
        else:  # NLU said FAQ but chose no answer: ask in other words rather than guess
            dispatcher.utter_message(response="utter_rephrase")
        return []
