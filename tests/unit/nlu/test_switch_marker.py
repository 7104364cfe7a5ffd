"""The switch marker: "… instead" with a report type puts switch_report_type first
(bot/nlu/switch_marker.py)."""

from __future__ import annotations

import pytest
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.switch_marker import SwitchMarker, marks_a_change_of_mind, promoted


@pytest.mark.parametrize(
    "text",
    ["actually I want to suggest an improvement instead", "I'd rather file a suggestion",
     "بدلًا من الشكوى أريد تقديم طلب تحول", "ابي اقتراح بدال الشكوى", "عوضًا عن ذلك طلب تحول"],
)  # fmt: skip
def test_words_of_a_change_of_mind(text: str) -> None:
    assert marks_a_change_of_mind(text)


@pytest.mark.parametrize(
    "text",
    ["I want to suggest an improvement", "أريد تقديم اقتراح تطوير", "can I rate the service"],
)
def test_messages_without_one(text: str) -> None:
    assert not marks_a_change_of_mind(text)


def _message(text: str, ranking: list[tuple[str, float]]) -> Message:
    entries = [{"name": name, "confidence": score} for name, score in ranking]
    return Message(data={TEXT: text, INTENT: dict(entries[0]), INTENT_RANKING_KEY: entries})


def _run(message: Message) -> tuple[str, float, list[str]]:
    (out,) = SwitchMarker().process([message])
    ranking = [entry["name"] for entry in out.get(INTENT_RANKING_KEY)]
    return out.get(INTENT)["name"], out.get(INTENT)["confidence"], ranking


def test_the_switch_and_the_type_split_the_belief_the_switch_goes_first() -> None:
    message = _message(
        "actually I want to suggest an improvement instead",
        [("suggest_development", 0.51), ("switch_report_type", 0.47), ("correct_field", 0.01)],
    )
    name, confidence, ranking = _run(message)
    assert name == "switch_report_type" and confidence == pytest.approx(0.98)
    assert ranking == ["switch_report_type", "suggest_development", "correct_field"]


def test_left_alone_without_the_word_or_without_the_pair() -> None:
    no_word = _message("I want to suggest an improvement",
                       [("suggest_development", 0.51), ("switch_report_type", 0.47)])  # fmt: skip
    assert _run(no_word)[0] == "suggest_development"
    not_a_type = _message("instead, what does SLA mean",
                          [("faq", 0.6), ("switch_report_type", 0.3)])  # fmt: skip
    assert _run(not_a_type)[0] == "faq"
    payload = _message("/suggest_development", [("suggest_development", 1.0),
                                                 ("switch_report_type", 0.0)])  # fmt: skip
    assert _run(payload)[0] == "suggest_development"
    assert promoted([{"name": "switch_report_type", "confidence": 1.0}]) is None


def test_a_suggestion_that_merely_says_instead_stays_a_suggestion() -> None:
    """The switch's own share is small: "instead" is part of the suggestion's words."""
    message = _message(
        "let us upload all the files at once instead of one by one",
        [("suggest_development", 0.85), ("switch_report_type", 0.12), ("faq", 0.02)],
    )
    name, confidence, _ = _run(message)
    assert name == "suggest_development" and confidence == pytest.approx(0.85)


def test_the_promoted_ranking_is_not_ambiguous_for_the_fallback_rule() -> None:
    """The type keeps the smaller share, so the best two are never within 0.05."""
    message = _message(
        "actually I'd rather file a complaint instead",
        [("report_complaint", 0.74), ("switch_report_type", 0.24), ("faq", 0.01)],
    )
    (out,) = SwitchMarker().process([message])
    first, second = out.get(INTENT_RANKING_KEY)[:2]
    assert first == {"name": "switch_report_type", "confidence": pytest.approx(0.98)}
    assert second == {"name": "report_complaint", "confidence": pytest.approx(0.24)}
    assert first["confidence"] - second["confidence"] > 0.05
