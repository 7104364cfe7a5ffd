"""bot.intake.repair: what to do when a question is asked again."""

from __future__ import annotations

import pytest

from bot.intake.repair import (
    DONT_KNOW_SLOTS,
    OPTIONAL_SLOTS,
    Step,
    asked_times,
    step_for,
    way_out_buttons,
)

ALWAYS = ["/human_handoff", "/restart", "/cancel"]


@pytest.mark.parametrize(
    ("state", "counts", "expected"),
    [
        ({"slot": "platform", "times": 1}, True, 2),
        ({"slot": "platform", "times": 2}, True, 3),
        ({"slot": "platform", "times": "3"}, True, 4),
        ({"slot": "platform", "times": 2}, False, 2),  # asked again for the language only
        ({"slot": "platform", "times": 0}, False, 1),
        ({"slot": "platform", "times": -4}, True, 1),
        # bad states start again at 1
        (None, True, 1),
        ("platform", True, 1),
        ({}, True, 1),
        ({"slot": "email", "times": 3}, True, 1),
        ({"slot": "platform", "times": None}, True, 1),
        ({"slot": "platform", "times": "often"}, True, 1),
        ({"slot": "platform", "times": [2]}, True, 1),
    ],
)
def test_asked_times(state: object, counts: bool, expected: int) -> None:
    assert asked_times(state, "platform", counts=counts) == expected


@pytest.mark.parametrize(
    ("times", "step"),
    [
        (0, Step.ASK),
        (1, Step.ASK),
        (2, Step.EXPLAIN),
        (3, Step.WAY_OUT),
        (4, Step.EXPLAIN),
        (5, Step.WAY_OUT),
        (6, Step.EXPLAIN),
        (7, Step.WAY_OUT),
    ],
)
def test_step_for(times: int, step: Step) -> None:
    assert step_for(times) is step


@pytest.mark.parametrize(
    ("slot", "language", "titles", "payloads"),
    [
        ("platform", "en", ["I don't know", "Talk to a person", "Start over", "Cancel the report"],
         ["I don't know", *ALWAYS]),
        ("platform", "ar", ["لا أعرف", "التحدث إلى موظف", "ابدأ من جديد", "إلغاء البلاغ"],
         ["لا أعرف", *ALWAYS]),
        ("email", "en", ["Skip", "Talk to a person", "Start over", "Cancel the report"],
         ["/deny", *ALWAYS]),
        ("email", "ar", ["تخطي", "التحدث إلى موظف", "ابدأ من جديد", "إلغاء البلاغ"],
         ["/deny", *ALWAYS]),
        ("mobile", "en", ["Talk to a person", "Start over", "Cancel the report"], ALWAYS),
        ("mobile", None, ["التحدث إلى موظف", "ابدأ من جديد", "إلغاء البلاغ"], ALWAYS),
    ],
)
def test_way_out_buttons(slot: str, language: str | None, titles: list, payloads: list) -> None:
    buttons = way_out_buttons(slot, language)
    assert [button["title"] for button in buttons] == titles
    assert [button["payload"] for button in buttons] == payloads


@pytest.mark.parametrize("slot", sorted(DONT_KNOW_SLOTS | OPTIONAL_SLOTS | {"mobile", "title"}))
@pytest.mark.parametrize("language", ["ar", "en"])
def test_dont_know_and_skip_only_where_allowed(slot: str, language: str) -> None:
    payloads = [button["payload"] for button in way_out_buttons(slot, language)]
    dont_know = "I don't know" if language == "en" else "لا أعرف"
    assert (dont_know in payloads) is (slot in DONT_KNOW_SLOTS)
    assert ("/deny" in payloads) is (slot in OPTIONAL_SLOTS)
    assert payloads[-3:] == ALWAYS
