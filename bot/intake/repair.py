"""Conversation repair at a question (plain Python): what to do when it is asked again.

A question answered with something else (an answer that fails its check, a question of the
user's own, a message NLU cannot place) is not asked word for word again and again
(CONVERSATIONS 7–13, issue #17): the second time it is explained differently (what it
means, an example, its buttons: `utter_explain_<slot>`), the third time the user is
offered ways out (`WayOut`): "I don't know" where the rules take it, skip where the
question is optional, a person, start over, cancel; then explanation and ways out take
turns. The ask actions (actions/ask.py) keep the count in the `asked_again` slot.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any

from bot.intake.dialogue_spec import QUESTIONS
from bot.texts import text

__all__ = [
    "DONT_KNOW_SLOTS",
    "OPTIONAL_SLOTS",
    "Step",
    "asked_times",
    "step_for",
    "way_out_buttons",
]


class Step(StrEnum):
    ASK = "ask"  # the question as written
    EXPLAIN = "explain"  # what it means, an example, the buttons
    WAY_OUT = "way_out"  # other ways on


# Questions whose "I don't know" is an answer the eligibility rules explain.
DONT_KNOW_SLOTS = frozenset(slot for slot, question in QUESTIONS.items() if question.dont_know)
# Questions the user may skip.
OPTIONAL_SLOTS = frozenset(slot for slot, question in QUESTIONS.items() if question.optional)

# The way-out buttons: their titles' keys in the text catalogue, with their payloads (none:
# the button sends its title).
_DONT_KNOW = ("repair.dont_know", None)
_SKIP = ("repair.skip", "/deny")
_PERSON = ("repair.person", "/human_handoff")
_RESTART = ("repair.restart", "/restart")
_CANCEL = ("repair.cancel", "/cancel")


def asked_times(state: Mapping[str, Any] | None, slot: str, *, counts: bool = True) -> int:
    """How many times `slot` has been asked in a row, this time included.

    `state` is the `asked_again` slot ({"slot": …, "times": …}); `counts` False for a
    question asked again only because the language changed.
    """
    if not isinstance(state, Mapping) or state.get("slot") != slot:
        return 1
    try:
        before = max(int(state.get("times") or 0), 0)
    except (TypeError, ValueError):
        return 1
    return before + 1 if counts else max(before, 1)


def step_for(times: int) -> Step:
    """Ask, then explain, then ways out; after that explanation and ways out alternate."""
    if times <= 1:
        return Step.ASK
    return Step.EXPLAIN if times % 2 == 0 else Step.WAY_OUT


def way_out_buttons(slot: str, language: str | None) -> list[dict[str, str]]:
    """The ways on from `slot`'s question, as buttons in the conversation's language."""
    options = []
    if slot in DONT_KNOW_SLOTS:
        options.append(_DONT_KNOW)
    if slot in OPTIONAL_SLOTS:
        options.append(_SKIP)
    options += [_PERSON, _RESTART, _CANCEL]
    titles = [(text(key, language), payload) for key, payload in options]
    return [{"title": title, "payload": payload or title} for title, payload in titles]
