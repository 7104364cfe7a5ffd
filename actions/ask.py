"""The form's question for a platform or service name, when a name waits for confirmation.

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
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.common import slot_set_this_turn


def confirmation_asked_this_turn(tracker: Tracker) -> bool:
    """Whether this turn's validation set the name waiting for confirmation."""
    event = slot_set_this_turn(tracker, "pending_name")
    return event is not None and event.get("value") is not None


class ActionAskCatalogueName(Action, ABC):
    """Asks for `slot`, or repeats the confirmation question of a name that waits."""

    @property
    @abstractmethod
    def slot(self) -> str:
        """The slot asked for."""

    def name(self) -> str:
        return f"action_ask_{self.slot}"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        pending = tracker.get_slot("pending_name")
        if not pending:
            dispatcher.utter_message(response=f"utter_ask_{self.slot}")
        elif not confirmation_asked_this_turn(tracker):
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
