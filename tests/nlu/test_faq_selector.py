"""bot/nlu/faq_selector.py: the ResponseSelector predicts only for the retrieval intent.

The answers themselves (NLU → selector → the FAQ reply in the user's language) are checked
against the trained model by tests/test_live_faq.py.
"""

from __future__ import annotations

from typing import Any

import pytest
from rasa.nlu.selectors.response_selector import ResponseSelector
from rasa.shared.nlu.constants import INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.faq_selector import RetrievalResponseSelector


def _selector(retrieval_intent: str | None) -> RetrievalResponseSelector:
    selector = RetrievalResponseSelector.__new__(RetrievalResponseSelector)
    selector.retrieval_intent = retrieval_intent  # what ResponseSelector reads from its config
    return selector


def _message(text: str, intent: str | None) -> Message:
    data: dict[str, Any] = {TEXT: text}
    if intent:
        data[INTENT] = {"name": intent, "confidence": 0.9}
    return Message(data=data)


@pytest.fixture
def predicted(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The texts Rasa's own ResponseSelector.process was asked to predict for."""
    seen: list[str] = []

    def process(self: ResponseSelector, messages: list[Message]) -> list[Message]:
        seen.extend(message.get(TEXT) for message in messages)
        for message in messages:
            message.set("response_selector", {"faq": {"response": {}}}, add_to_output=True)
        return messages

    monkeypatch.setattr(ResponseSelector, "process", process)
    return seen


def test_only_retrieval_intent_messages_are_predicted(predicted: list[str]) -> None:
    messages = [
        _message("كم مدة معالجة البلاغ؟", "faq"),
        _message("تجديد رخصة القيادة", "inform"),
        _message("what is the status of my report", "check_status"),
        _message("/affirm", None),
    ]
    out = _selector("faq").process(messages)
    assert out == messages  # every message goes on, in order
    assert predicted == ["كم مدة معالجة البلاغ؟"]
    assert "response_selector" in messages[0].data
    assert all("response_selector" not in m.data for m in messages[1:])


def test_a_selector_for_every_intent_predicts_for_all(predicted: list[str]) -> None:
    messages = [_message("hello", "greet"), _message("how long?", "faq")]
    _selector(None).process(messages)
    assert predicted == ["hello", "how long?"]


def test_config_uses_it_for_the_faq() -> None:
    from pathlib import Path

    import yaml

    config = yaml.safe_load((Path(__file__).parents[2] / "config.yml").read_text())
    names = [component["name"] for component in config["pipeline"]]
    assert "bot.nlu.faq_selector.RetrievalResponseSelector" in names
    assert "ResponseSelector" not in names
    selector = next(c for c in config["pipeline"] if c["name"].endswith("ResponseSelector"))
    assert selector["retrieval_intent"] == "faq"
