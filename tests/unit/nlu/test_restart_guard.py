"""The restart guard: `restart` only for words that ask to start over (bot/nlu/restart_guard)."""

from __future__ import annotations

import pytest
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.restart_guard import RestartGuard, asks_to_start_over
from tests.unit.test_nlu_data import ROOT
from tests.yaml_files import load_yaml


def _restart_examples() -> list[str]:
    found = []
    for name in ("en.yml", "ar_msa.yml", "ar_gulf.yml"):
        data = load_yaml(ROOT / "nlu" / name)
        for item in data["nlu"]:
            if item.get("intent") == "restart":
                lines = item["examples"].splitlines()
                found += [line.strip()[2:] for line in lines if line.strip()]
    return found


@pytest.mark.parametrize("text", _restart_examples())
def test_every_trained_way_to_start_over_is_believed(text: str) -> None:
    assert asks_to_start_over(text)


@pytest.mark.parametrize(
    "text",
    [
        "can we start this over please", "let's start the whole thing over",
        "start it all again", "clear it all", "restrat", "redo everything from question one",
        "take me back to question 1, from question one", "خلنا نعيدها من اولها",
        "ابي اعيده من اوله", "سوي ريست",
    ],
)  # fmt: skip
def test_more_ways_people_ask_to_start_over(text: str) -> None:
    assert asks_to_start_over(text)


@pytest.mark.parametrize(
    "text",
    [
        "المشكلة إن الصفحة تعلق كل مرة وما اقدر اكمل الطلب أبدًا",  # أبدًا: never, not ابدأ
        "ما عمري استخدمت الموقع ابدا",
        "the page keeps reloading when I pay",
        "I want to renew my ID",
    ],
)
def test_answers_that_do_not_ask_to_start_over(text: str) -> None:
    assert not asks_to_start_over(text)


def _message(text: str, ranking: list[tuple[str, float]]) -> Message:
    message = Message(data={TEXT: text})
    entries = [{"name": name, "confidence": confidence} for name, confidence in ranking]
    message.set(INTENT, dict(entries[0]))
    message.set(INTENT_RANKING_KEY, entries)
    return message


def test_a_sentence_read_as_restart_gets_the_next_intent() -> None:
    text = "المشكلة إن الصفحة تعلق كل مرة وما اقدر اكمل الطلب أبدًا"
    (message,) = RestartGuard().process(
        [_message(text, [("restart", 0.55), ("cancel", 0.13), ("report_complaint", 0.11)])]
    )
    assert message.get(INTENT)["name"] == "cancel"
    assert [entry["name"] for entry in message.get(INTENT_RANKING_KEY)] == [
        "cancel", "report_complaint"
    ]


@pytest.mark.parametrize("text", ["ابدأ من جديد", "start over", "/restart"])
def test_a_request_to_start_over_stays_restart(text: str) -> None:
    (message,) = RestartGuard().process([_message(text, [("restart", 0.9), ("cancel", 0.1)])])
    assert message.get(INTENT)["name"] == "restart"
