"""bot.runtime.policy_states (rasa_tuning `states`, #21): the policies' states from the kept
replay are Rasa's own, prediction by prediction, on recorded conversations of the assistant
(tests/unit/data/policy_states_conversations.json: a filing in Arabic and one in English, and
a complaint with answers that miss, a correction, an FAQ, a change of mind). Checked when the
tracker grows (the replay is extended), when it is rebuilt (the replay starts again), for
both policies' options, and when the caller edits the states it got."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, Event, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.runtime.policy_states import IncrementalStates
from tests.yaml_files import domain_yaml

ROOT = Path(__file__).resolve().parents[2]
CONVERSATIONS: dict[str, list[dict]] = json.loads(
    (ROOT / "tests" / "unit" / "data" / "policy_states_conversations.json").read_text("utf-8"))
# Domain.load parses domain.yml with Rasa's reader (2.6 s); libyaml's, cached, takes 0.1 s
DOMAIN = Domain.from_dict(domain_yaml())
# Rasa's own method, also when this process applied the change
_current = Domain.__dict__["states_for_tracker_history"]
RASA = getattr(getattr(_current, "incremental", None), "original", _current)
# the policies' options: MemoizationPolicy (rule-only turns left out), RulePolicy (all)
RULE_ONLY = {"rule_only_slots": ["requested_slot", "language"],
             "rule_only_loops": sorted(DOMAIN.form_names)[:2]}
OPTIONS = [(False, None), (True, RULE_ONLY), (True, None)]


def events_of(name: str) -> list[Event]:
    return [Event.from_parameters(data) for data in CONVERSATIONS[name]]


def new_tracker(name: str) -> DialogueStateTracker:
    return DialogueStateTracker(name, DOMAIN.slots)


def predicts_after(event: Event) -> bool:
    return isinstance(event, ActionExecuted | UserUttered)


@pytest.mark.parametrize("name", sorted(CONVERSATIONS))
def test_a_growing_tracker_gets_rasas_states(name: str) -> None:
    states = IncrementalStates(RASA)
    tracker = new_tracker(name)
    checks = 0
    for event in events_of(name):
        tracker.update(event)
        if not predicts_after(event):
            continue
        for ignore, rule_only in OPTIONS:
            assert states(DOMAIN, tracker, False, ignore, rule_only) == RASA(
                DOMAIN, tracker, False, ignore, rule_only), (name, len(tracker.events))
            checks += 1
    applied = len(tracker.applied_events())
    # really kept: far fewer events replayed than checks times the conversation's length
    assert checks > 50 and states.replayed < checks * applied / 4, (states.replayed, checks)
    assert states.restarts < checks / 4


@pytest.mark.parametrize("name", sorted(CONVERSATIONS))
def test_a_rebuilt_tracker_starts_the_replay_again(name: str) -> None:
    """Read again from the store, a tracker holds new event objects: nothing is taken from
    the replay kept for the old ones."""
    states = IncrementalStates(RASA)
    count = len(CONVERSATIONS[name])
    for end in range(10, count, 17):
        tracker = new_tracker(name)
        for event in events_of(name)[:end]:  # new objects, as a store read makes them
            tracker.update(event)
        for ignore, rule_only in OPTIONS[:2]:
            assert states(DOMAIN, tracker, False, ignore, rule_only) == RASA(
                DOMAIN, tracker, False, ignore, rule_only)
    assert states.restarts == len(range(10, count, 17))


def test_the_caller_may_edit_the_states_it_got() -> None:
    """The featurizer deletes a state's user text or intent in place: the kept replay must
    not change with it."""
    name = sorted(CONVERSATIONS)[0]
    states = IncrementalStates(RASA)
    tracker = new_tracker(name)
    for event in events_of(name):
        tracker.update(event)
        got = states(DOMAIN, tracker, False, False, None)
        for state in got:
            state.get("user", {}).pop("intent", None)
            state.get("prev_action", {}).clear()
            state.get("slots", {}).clear()
    assert states(DOMAIN, tracker, False, True, RULE_ONLY) == RASA(
        DOMAIN, tracker, False, True, RULE_ONLY)
    assert states(DOMAIN, tracker, False, False, None) == RASA(DOMAIN, tracker, False, False,
                                                               None)


def test_what_is_not_kept_goes_to_rasa() -> None:
    """Unset slots left out (training) and rule trackers: Rasa's own method, nothing kept."""
    name = sorted(CONVERSATIONS)[0]
    states = IncrementalStates(RASA)
    tracker = new_tracker(name)
    for event in events_of(name)[:60]:
        tracker.update(event)
    assert states(DOMAIN, tracker, True, False, None) == RASA(DOMAIN, tracker, True, False, None)
    rule = DialogueStateTracker(name, DOMAIN.slots, is_rule_tracker=True)
    for event in events_of(name)[:60]:
        rule.update(event)
    assert states(DOMAIN, rule, False, False, None) == RASA(DOMAIN, rule, False, False, None)
    assert states.replays == {} and states.replayed == 0


def test_only_so_many_conversations_are_kept() -> None:
    states = IncrementalStates(RASA, conversations=2)
    for name in sorted(CONVERSATIONS):
        tracker = new_tracker(name)
        for event in events_of(name)[:30]:
            tracker.update(event)
        states(DOMAIN, tracker, False, False, None)
    assert list(states.replays) == sorted(CONVERSATIONS)[-2:]


def test_applied_events_kept_are_rasas() -> None:
    """Event by event, with a rewind, a reverted action, a restart and a loop named only
    later (every event seen so far is gone through again then)."""
    from rasa.shared.core.events import (
        ActionReverted,
        ActiveLoop,
        Restarted,
        UserUtteranceReverted,
    )

    from bot.runtime.policy_states import applied_events

    events = events_of(sorted(CONVERSATIONS)[0])
    extra = [UserUtteranceReverted(), ActionReverted(), ActionExecuted("late_form"),
             ActiveLoop("late_form"), ActionExecuted("late_form"), ActiveLoop(None),
             Restarted(), ActionExecuted("action_listen")]
    mixed = events[:40] + extra[:2] + events[40:80] + extra[2:] + events[80:]
    tracker = new_tracker("mixed")
    kept = None
    for event in mixed:
        tracker.update(event)
        got, kept = applied_events(tracker, kept)
        want = tracker.applied_events()
        assert len(got) == len(want) and all(a is b for a, b in zip(got, want, strict=True))
