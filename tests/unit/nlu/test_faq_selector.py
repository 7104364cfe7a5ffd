"""bot/nlu/faq_selector.py: the FAQ answer by an n-gram SVM, only for the retrieval intent.

The answers themselves (NLU → selector → the FAQ reply in the user's language) are checked
against the trained model by tests/integration/test_live_faq.py.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.constants import INTENT, INTENT_RESPONSE_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.faq_selector import LinearResponseSelector

FAQ = {
    "faq/processing_time": ["how long does processing take", "كم مدة معالجة البلاغ",
                            "when will my report be handled", "متى تتم معالجة البلاغ"],
    "faq/attachments": ["can I attach a screenshot", "هل أستطيع إرفاق صورة",
                        "what files can I upload", "ما الملفات المسموح رفعها"],
    "faq/working_hours": ["what are your working hours", "ما أوقات العمل",
                          "when is the call centre open", "متى يفتح مركز الاتصال"],
}
OTHER = {"greet": ["hello", "مرحبا", "hi there"]}
RESPONSES = {f"utter_{key}": [{"text": f"answer of {key}"}] for key in FAQ}


def _training() -> TrainingData:
    examples = [
        Message(data={TEXT: text, INTENT: "faq", INTENT_RESPONSE_KEY: key})
        for key, texts in FAQ.items() for text in texts
    ] + [Message(data={TEXT: text, INTENT: intent})
         for intent, texts in OTHER.items() for text in texts]
    return TrainingData(examples, responses=RESPONSES)


def _selector(tmp_path: Path, train: bool = True) -> LinearResponseSelector:
    storage = LocalModelStorage(tmp_path)
    resource = Resource("linear_faq")
    context = ExecutionContext(GraphSchema({}), "test")
    if train:
        LinearResponseSelector.create({}, storage, resource, context).train(_training())
    return LinearResponseSelector.load({}, storage, resource, context)


def _message(text: str, intent: str | None) -> Message:
    data: dict[str, Any] = {TEXT: text}
    if intent:
        data[INTENT] = {"name": intent, "confidence": 0.9}
    return Message(data=data)


def test_the_answer_has_the_shape_of_rasas_response_selector(tmp_path: Path) -> None:
    (message,) = _selector(tmp_path).process([_message("how long until it is processed?",
                                                       "faq")])
    selector = message.get("response_selector")
    assert selector["all_retrieval_intents"] == ["faq"]
    response = selector["faq"]["response"]
    assert response["intent_response_key"] == "faq/processing_time"
    assert response["utter_action"] == "utter_faq/processing_time"
    assert response["responses"] == [{"text": "answer of faq/processing_time"}]
    ranking = selector["faq"]["ranking"]
    assert ranking[0]["intent_response_key"] == "faq/processing_time"
    assert {entry["intent_response_key"] for entry in ranking} == set(FAQ)
    assert sum(entry["confidence"] for entry in ranking) == pytest.approx(1.0)
    assert response["confidence"] == ranking[0]["confidence"]
    assert "response_selector" in message.as_dict(only_output_properties=True)


@pytest.mark.parametrize(
    ("text", "key"),
    [("هل يمكن إرفاق صورة للشاشة", "faq/attachments"),
     ("what time do you open", "faq/working_hours")],
)
def test_it_picks_the_answer_in_either_language(tmp_path: Path, text: str, key: str) -> None:
    (message,) = _selector(tmp_path).process([_message(text, "faq")])
    assert message.get("response_selector")["faq"]["response"]["intent_response_key"] == key


def test_only_retrieval_intent_messages_are_answered(tmp_path: Path) -> None:
    messages = [
        _message("كم مدة معالجة البلاغ؟", "faq"),
        _message("تجديد رخصة القيادة", "inform"),
        _message("what is the status of my report", "check_status"),
        _message("/affirm", None),
    ]
    out = _selector(tmp_path).process(messages)
    assert out == messages  # every message goes on, in order
    assert "response_selector" in messages[0].data
    assert all("response_selector" not in m.data for m in messages[1:])


def test_without_faq_examples_nothing_is_learnt_or_answered(tmp_path: Path) -> None:
    storage = LocalModelStorage(tmp_path)
    resource = Resource("linear_faq")
    context = ExecutionContext(GraphSchema({}), "test")
    LinearResponseSelector.create({}, storage, resource, context).train(
        TrainingData([Message(data={TEXT: "hi", INTENT: "greet"})]))
    loaded = LinearResponseSelector.load({}, storage, resource, context)
    (message,) = loaded.process([_message("how long does it take", "faq")])
    assert "response_selector" not in message.data


def test_config_answers_the_faq_with_it_and_has_no_tensorflow_component() -> None:
    config = yaml.safe_load((Path(__file__).parents[3] / "config.yml").read_text())
    names = [component["name"] for component in config["pipeline"]]
    assert "bot.nlu.faq_selector.LinearResponseSelector" in names
    assert "bot.nlu.linear_intents.LinearIntentClassifier" in names
    tensorflow = {"DIETClassifier", "ResponseSelector", "TEDPolicy", "UnexpecTEDIntentPolicy",
                  "LanguageModelFeaturizer", "ConveRTFeaturizer"}
    assert not tensorflow & set(names + [p["name"] for p in config["policies"]])
    selector = next(c for c in config["pipeline"] if c["name"].endswith("ResponseSelector"))
    assert selector["retrieval_intent"] == "faq"
