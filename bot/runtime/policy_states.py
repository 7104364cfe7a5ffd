"""The policies' dialogue states, replayed once per conversation instead of from scratch for
every policy and every prediction (bot/runtime/rasa_tuning.py `states`, #21).

Rasa's MemoizationPolicy and RulePolicy each ask `Domain.states_for_tracker_history` for the
state before every action of the conversation. Rasa answers by replaying the whole tracker
(`generate_all_prior_trackers`: a fresh tracker, every applied event again) and building a
state at each action, for each policy, at each of the two or three predictions of a turn:
about a sixth of a turn's CPU, growing with the conversation.

Here the replay is kept per conversation (`Replay`: the applied events replayed so far, the
replayed tracker, the raw state at each action). When the tracker's applied events start
with the same event objects, only the new ones are replayed; anything else (a rewound form,
another tracker of the sender, another domain) starts a new replay from nothing, as Rasa
does. The states for each policy's options are then derived from the kept raw states with
Rasa's own helpers, in Rasa's order, as fresh dictionaries (the featurizer edits them in
place). tests/unit/test_policy_states.py compares every answer with Rasa's on recorded
conversations.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

from rasa.shared.core.constants import PREVIOUS_ACTION
from rasa.shared.core.events import (
    ActionExecuted,
    ActionReverted,
    ActiveLoop,
    Restarted,
    SessionStarted,
    UserUtteranceReverted,
    UserUttered,
)

__all__ = ["IncrementalStates", "Point", "Replay"]

# conversations whose replay is kept (least recently used dropped first). A replay holds
# about 40 KiB beside the events it keeps alive (346 events: bench/policy_states.py's
# longest); as many as the tracker cache keeps by default (BALAGH_TRACKER_CACHE).
DEFAULT_CONVERSATIONS = 256


@dataclass(frozen=True)
class Point:
    """What `states_for_tracker_history` reads of the replayed tracker before one action."""

    state: dict[str, Any]  # get_active_state(tracker), never handed out itself
    prev_action: Any  # Domain._get_prev_action_sub_state(tracker)
    followup_action: str | None
    latest_action_name: str | None
    active_loop_name: str | None
    hide_rule_turn: bool


@dataclass
class Replay:
    """One conversation's replay: `events` (applied events) replayed into `tracker`, with a
    Point before each ActionExecuted among them."""

    domain: Any
    tracker: Any
    events: list[Any] = field(default_factory=list)
    points: list[Point] = field(default_factory=list)


@dataclass
class Applied:
    """`DialogueStateTracker.applied_events` kept for one conversation: the tracker events
    `seen` so far, the applied events they leave, the names of the loops among them."""

    seen: list[Any] = field(default_factory=list)
    applied: list[Any] = field(default_factory=list)
    loop_names: set[str] = field(default_factory=set)


def _loop_names(events: Any) -> set[str]:
    return {event.name for event in events if isinstance(event, ActiveLoop) and event.name}


def _apply(tracker: Any, event: Any, applied: list[Any], loop_names: set[str]) -> None:
    """One step of `DialogueStateTracker.applied_events` (Rasa 3.6), on `applied`."""
    if isinstance(event, Restarted | SessionStarted):
        applied.clear()
    elif isinstance(event, ActionReverted):
        tracker._undo_till_previous(ActionExecuted, applied)
    elif isinstance(event, UserUtteranceReverted):
        tracker._undo_till_previous(UserUttered, applied)
        tracker._undo_till_previous(ActionExecuted, applied)
    elif (
        isinstance(event, ActionExecuted)
        and event.action_name in loop_names
        and not tracker._first_loop_execution_or_unhappy_path(event.action_name, applied)
    ):
        tracker._undo_till_previous_loop_execution(event.action_name, applied)
    else:
        applied.append(event)


def applied_events(tracker: Any, kept: Applied | None) -> tuple[list[Any], Applied]:
    """The tracker's applied events, as Rasa computes them, going on from `kept` when the
    tracker's events start with the ones it saw and bring no new loop name (a loop named
    later changes how earlier events count: then all are gone through again)."""
    events = tracker.events
    new: list[Any] = []
    if kept is not None and _extends(events, kept.seen):
        new = list(events)[len(kept.seen):]
        if not _loop_names(new) <= kept.loop_names:
            kept = None
    else:
        kept = None
    if kept is None:
        kept = Applied(loop_names=_loop_names(events))
        new = list(events)
    for event in new:
        _apply(tracker, event, kept.applied, kept.loop_names)
        kept.seen.append(event)
    return kept.applied, kept


def _point(domain: Any, tracker: Any, hide_rule_turn: bool) -> Point:
    return Point(
        state=domain.get_active_state(tracker, omit_unset_slots=False),
        prev_action=domain._get_prev_action_sub_state(tracker),
        followup_action=tracker.followup_action,
        latest_action_name=tracker.latest_action_name,
        active_loop_name=tracker.active_loop_name,
        hide_rule_turn=hide_rule_turn,
    )


def _fresh(state: dict[str, Any]) -> dict[str, Any]:
    """A copy the caller may change: the state and each of its parts are new dicts."""
    return {key: dict(part) if isinstance(part, dict) else part for key, part in state.items()}


def _extends(events: Any, replayed: list[Any]) -> bool:
    """Whether `events` starts with exactly the event objects of `replayed`."""
    if len(events) < len(replayed):
        return False
    return all(new is old for new, old in zip(events, replayed, strict=False))


def derive_states(
    domain: Any, points: list[Point], ignore_rule_only_turns: bool,
    rule_only_data: dict[str, Any] | None,
) -> list[dict[str, Any]]:
    """`Domain.states_for_tracker_history` (Rasa 3.6) over kept points, step for step."""
    states: list[dict[str, Any]] = []
    last_ml_action_sub_state = None
    turn_was_hidden = False
    for point in points:
        if ignore_rule_only_turns:
            if not turn_was_hidden:
                last_ml_action_sub_state = point.prev_action
            if (
                not point.followup_action
                and point.latest_action_name != point.active_loop_name
            ):
                turn_was_hidden = point.hide_rule_turn
            if turn_was_hidden:
                continue
        state = _fresh(point.state)
        if ignore_rule_only_turns:
            domain._remove_rule_only_features(state, rule_only_data)
            if states:
                domain._substitute_rule_only_user_input(state, states[-1])
            if last_ml_action_sub_state:
                state[PREVIOUS_ACTION] = dict(last_ml_action_sub_state)
        states.append(domain._clean_state(state))
    return states


class IncrementalStates:
    """The replacement of `Domain.states_for_tracker_history`: `original` for what it does
    not keep (unset slots left out, rule trackers of training), the kept replay otherwise."""

    def __init__(self, original: Any, conversations: int = DEFAULT_CONVERSATIONS) -> None:
        self.original = original
        self.conversations = conversations
        self.replays: OrderedDict[str, tuple[Applied, Replay]] = OrderedDict()
        self.replayed = 0  # events replayed, for the tests and the benchmarks
        self.restarts = 0  # replays started from nothing

    def replay(self, domain: Any, tracker: Any) -> Replay:
        """The conversation's replay, brought up to the tracker's applied events."""
        key = tracker.sender_id
        applied, kept = self.replays.pop(key, (None, None))
        events, applied = applied_events(tracker, applied)
        if kept is None or kept.domain is not domain or not _extends(events, kept.events):
            kept = Replay(domain, tracker.init_copy())
            self.restarts += 1
        for event in events[len(kept.events):]:
            if isinstance(event, ActionExecuted):
                kept.points.append(_point(domain, kept.tracker, event.hide_rule_turn))
            kept.tracker.update(event)
            kept.events.append(event)
            self.replayed += 1
        self.replays[key] = (applied, kept)
        while len(self.replays) > self.conversations:
            self.replays.popitem(last=False)
        return kept

    def __call__(
        self, domain: Any, tracker: Any, omit_unset_slots: bool = False,
        ignore_rule_only_turns: bool = False, rule_only_data: dict[str, Any] | None = None,
    ) -> list[dict[str, Any]]:
        if omit_unset_slots or tracker.is_rule_tracker:
            return self.original(domain, tracker, omit_unset_slots=omit_unset_slots,
                                 ignore_rule_only_turns=ignore_rule_only_turns,
                                 rule_only_data=rule_only_data)
        kept = self.replay(domain, tracker)
        points = [*kept.points, _point(domain, kept.tracker, False)]
        return derive_states(domain, points, ignore_rule_only_turns, rule_only_data)
