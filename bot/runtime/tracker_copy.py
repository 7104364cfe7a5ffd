"""A copy of a dialogue tracker without replaying its events (rasa_tuning change `copy`, #21).

Rasa 3.6 copies the tracker before every action it runs (`MessageProcessor._run_action`, so
that a rejected action's events can be dropped) and when a form activates, and its
`DialogueStateTracker.copy()` builds a new tracker and applies every event of the
conversation again: about 5 copies a turn, 15 % of the turn's CPU by the end of a filing.

The state those events build is the tracker's own state (Rasa's rule: "MUST be re-creatable
by processing all the events"). `fast_copy` takes it directly: the events in a new deque,
each slot copied (its value is the event's, as in a replay), the active loop copied (Rasa
changes it in place), the rest as it is or as `init_copy` leaves it (no model id, assistant
id or sender source: events added to a copy get no model metadata, as after Rasa's copy).
Only a plain DialogueStateTracker with its domain's slots is copied this way; anything else
goes to Rasa's own copy. tests/unit/test_tracker_copy.py compares the two after every event
of recorded conversations, and after more events on each copy.
"""

from __future__ import annotations

import copy
from typing import Any

from rasa.shared.core.trackers import AnySlotDict, DialogueStateTracker

__all__ = ["fast_copy"]


def fast_copy(tracker: DialogueStateTracker) -> DialogueStateTracker:
    """`tracker.copy()`: an independent tracker in the same state, the same events."""
    if type(tracker) is not DialogueStateTracker or isinstance(tracker.slots, AnySlotDict):
        return tracker.travel_back_in_time(float("inf"))  # what Rasa's copy() does
    new: Any = DialogueStateTracker.__new__(DialogueStateTracker)
    new.__dict__.update(tracker.__dict__)
    new.events = tracker._create_events(list(tracker.events))
    new.slots = {name: copy.copy(slot) for name, slot in tracker.slots.items()}
    new.active_loop = copy.copy(tracker.active_loop)
    new.latest_action = dict(tracker.latest_action) if tracker.latest_action else (
        tracker.latest_action)
    # what init_copy() leaves unset, and a replay does not set
    new.model_id = None
    new.assistant_id = None
    new.sender_source = None
    return new
