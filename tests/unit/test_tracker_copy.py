"""bot.runtime.tracker_copy (rasa_tuning `copy`, #21): a tracker copied without replaying its
events is Rasa's copy, after every event of recorded conversations
(tests/unit/data/policy_states_conversations.json), and stays so, independent of the
original, when more events are applied to each."""

from __future__ import annotations

from typing import Any

import pytest
from rasa.shared.core.events import SlotSet
from rasa.shared.core.trackers import DialogueStateTracker, EventVerbosity

from bot.runtime.tracker_copy import fast_copy
from tests.unit.test_policy_states import CONVERSATIONS, DOMAIN, events_of, new_tracker

# Rasa's own copy, also when this process applied the change
_current = DialogueStateTracker.__dict__["copy"]
RASA_COPY = getattr(_current, "original", _current)


def state(tracker: DialogueStateTracker) -> dict[str, Any]:
    """Everything a replay sets, and what a copy leaves unset."""
    loop = tracker.active_loop
    return {
        "current": tracker.current_state(EventVerbosity.ALL),
        "slots": {name: (type(slot), slot.value) for name, slot in tracker.slots.items()},
        "paused": tracker._paused,
        "followup": tracker.followup_action,
        "latest_action": tracker.latest_action,
        "loop": None if loop is None else vars(loop),
        "latest_message": tracker.latest_message,
        "latest_bot": tracker.latest_bot_utterance,
        "ids": (tracker.model_id, tracker.assistant_id, tracker.sender_source,
                tracker.is_rule_tracker, tracker._max_event_history, tracker.sender_id),
        "events": list(tracker.events),
    }


@pytest.mark.parametrize("name", sorted(CONVERSATIONS))
def test_a_copy_is_rasas_copy_after_every_event(name: str) -> None:
    events = events_of(name)
    tracker = new_tracker(name)
    tracker.model_id, tracker.assistant_id = "model-1", "balagh-raqmi"
    for at, event in enumerate(events):
        tracker.update(event)
        fast, rasa = fast_copy(tracker), RASA_COPY(tracker)
        assert state(fast) == state(rasa), (name, at)
        before = state(tracker)
        for later in events[at + 1 : at + 4]:  # each copy goes on by itself
            fast.update(later)
            rasa.update(later)
        extra = SlotSet("language", "en")
        fast.update(extra)
        rasa.update(extra)
        assert state(fast) == state(rasa), (name, at)
        assert state(tracker) == before  # the original did not move


def test_what_is_not_a_plain_tracker_goes_to_rasa() -> None:
    anything = DialogueStateTracker("x", None)  # no domain: slots made on demand
    anything.update(SlotSet("free", 1))
    copied = fast_copy(anything)
    assert copied is not anything and copied.get_slot("free") == 1
    assert state(copied) == state(RASA_COPY(anything))


def test_the_domain_is_the_one_recorded() -> None:
    assert "report_type" in {slot.name for slot in DOMAIN.slots}
