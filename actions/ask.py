"""The forms' questions: asked, explained differently, then with ways out (bot.intake.repair).

Every intake question is asked through an `action_ask_<slot>` of this module (Rasa's form
looks it up before `utter_ask_<slot>`): the first time as written, the second time in other
words (`utter_explain_<slot>`), the third time with ways on (a person, start over, "I don't
know" or skip where the rules allow them); the count lives in the `asked_again` slot.

A platform or service name waiting for confirmation is asked about instead of the name.

A name not found as typed is confirmed first (actions/forms.py `_catalogue_name`): the
validation asks "Do you mean X?" or "is that the right name?" and leaves the slot empty, so
the form would go on to ask for the name as well, two questions in one reply. These ask
actions (Rasa's `action_ask_<slot>`, used by every form that asks the slot) let the
confirmation be the only question: asked this turn, nothing is added; asked in an earlier
turn and answered with something else (a button of another step), it is asked again.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.common import latest_intent, latest_text, slot_set_this_turn
from bot.intake import repair
from bot.intake.answers import is_filler
from bot.intake.flow import QUESTION_SLOTS

# Turns after which the question comes again as it was: a digression answered (an FAQ, help,
# "are you a bot?", a person, a status), a language switch (the same question, translated).
NOT_MISSES = frozenset(
    {
        "switch_language",
        "faq",
        "ask_help",
        "ask_report_types",
        "bot_challenge",
        "human_handoff",
        "check_status",
        "greet",
        "thank",
        "resume_report",
        "insult",
    }
)


def ask_with_repair(
    dispatcher: CollectingDispatcher,
    tracker: Tracker,
    slot: str,
    buttons: list[dict[str, Any]] | None = None,
) -> list[EventType]:
    """Ask `slot`'s question, explain it, or offer ways out, by how often it was asked."""
    # "what?" may be NLU's FAQ question, but it asked nothing: it counts as a miss
    counts = latest_intent(tracker) not in NOT_MISSES or is_filler(latest_text(tracker))
    times = repair.asked_times(tracker.get_slot("asked_again"), slot, counts=counts)
    # after a digression the form resumes with its question as written (CONVERSATIONS 6),
    # not with the ways out it may have reached; the count stays where it was
    step = repair.step_for(times) if counts else repair.Step.ASK
    extra = {"buttons": buttons} if buttons else {}
    if step == repair.Step.ASK:
        dispatcher.utter_message(response=f"utter_ask_{slot}", **extra)
    elif step == repair.Step.EXPLAIN:
        dispatcher.utter_message(response=f"utter_explain_{slot}", **extra)
    else:
        language = tracker.get_slot("language")
        dispatcher.utter_message(
            response="utter_way_out", buttons=repair.way_out_buttons(slot, language)
        )
    return [SlotSet("asked_again", {"slot": slot, "times": times})]


class ActionAskWithRepair(Action, ABC):
    """`action_ask_<slot>`: the question, its explanation, or the ways out."""

    @property
    @abstractmethod
    def slot(self) -> str:
        """The slot asked for."""

    def name(self) -> str:
        return f"action_ask_{self.slot}"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        return ask_with_repair(dispatcher, tracker, self.slot)


def confirmation_asked_this_turn(tracker: Tracker) -> bool:
    """Whether this turn's validation set the name waiting for confirmation."""
    event = slot_set_this_turn(tracker, "pending_name")
    return event is not None and event.get("value") is not None


class ActionAskCatalogueName(ActionAskWithRepair, ABC):
    """Asks for `slot`, or repeats the confirmation question of a name that waits."""

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        pending = tracker.get_slot("pending_name")
        if not pending:
            return ask_with_repair(dispatcher, tracker, self.slot)
        if not confirmation_asked_this_turn(tracker):
            # a catalogue name offered for what was typed, or an unknown name as typed
            response = (
                "utter_confirm_name" if tracker.get_slot("pending_typed")
                else "utter_confirm_unknown_name"
            )
            dispatcher.utter_message(response=response, pending_name=pending)
        return []


class ActionAskPlatform(ActionAskCatalogueName):
    slot = "platform"


class ActionAskServiceName(ActionAskCatalogueName):
    slot = "service_name"


def _ask_action(slot: str) -> type[ActionAskWithRepair]:
    class_name = "ActionAsk" + "".join(part.title() for part in slot.split("_"))
    return type(class_name, (ActionAskWithRepair,), {"slot": slot, "__module__": __name__})


# one class a question (rasa-sdk registers every Action subclass); platform, service_name
# and mobile have classes of their own
ASK_ACTIONS = [
    _ask_action(slot)
    for slot in QUESTION_SLOTS
    if slot not in {"platform", "service_name", "mobile"}
]
