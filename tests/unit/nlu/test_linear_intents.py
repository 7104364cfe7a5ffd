"""bot/nlu/linear_intents.py: the n-gram SVM alone, and pooled with an earlier ranking."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.linear_intents import LinearIntentClassifier, NgramIntentModel, combine

EXAMPLES = {
    "greet": ["hello there", "hi", "good morning", "hey, hello", "مرحبا", "السلام عليكم"],
    "check_status": ["what is the status of my report", "status of BR-12345678",
                     "وين وصل بلاغي", "ما حالة البلاغ", "track my report", "any news on my report"],
    "file_complaint": ["I want to complain", "file a complaint about a service",
                       "ابي اقدم شكوى", "عندي شكوى على منصة", "complaint please",
                       "I have a complaint"],
}


def _texts() -> tuple[list[str], list[str]]:
    texts = [text for examples in EXAMPLES.values() for text in examples]
    intents = [intent for intent, examples in EXAMPLES.items() for _ in examples]
    return texts, intents


def test_the_svm_gives_one_probability_row_per_text() -> None:
    model = NgramIntentModel().fit(*_texts())
    rows = model.probabilities(["status of my report please", "hello"])
    assert rows.shape == (2, 3)
    assert np.allclose(rows.sum(axis=1), 1.0)
    assert model.intents[int(rows[0].argmax())] == "check_status"
    assert model.intents[int(rows[1].argmax())] == "greet"


def test_two_intents_still_give_probabilities() -> None:
    texts, intents = _texts()
    keep = [i for i, intent in enumerate(intents) if intent != "file_complaint"]
    model = NgramIntentModel().fit([texts[i] for i in keep], [intents[i] for i in keep])
    row = model.probabilities(["ما حالة بلاغي"])[0]
    assert row.shape == (2,) and row.sum() == pytest.approx(1.0)
    assert model.intents[int(row.argmax())] == "check_status"


def test_combine_is_the_weighted_geometric_mean_best_first() -> None:
    diet = [{"name": "a", "confidence": 0.9}, {"name": "b", "confidence": 0.1}]
    linear = {"a": 0.2, "b": 0.3, "c": 0.5}
    ranking = combine(diet, linear, diet_weight=0.5)
    assert [entry["name"] for entry in ranking] == ["a", "b", "c"]
    a, b = (0.9 * 0.2) ** 0.5, (0.1 * 0.3) ** 0.5
    c = (1e-6 * 0.5) ** 0.5  # missing from DIET's ranking: almost impossible there
    total = a + b + c
    assert [e["confidence"] for e in ranking] == pytest.approx([a / total, b / total, c / total],
                                                               rel=1e-3)
    assert sum(e["confidence"] for e in ranking) == pytest.approx(1.0)
    # with all the weight on DIET, DIET's order and confidences stand
    alone = combine(diet, linear, diet_weight=1.0)
    assert [(e["name"], round(e["confidence"], 4)) for e in alone[:2]] == [("a", 0.9), ("b", 0.1)]


def test_disagreement_lowers_the_confidence() -> None:
    agree = combine([{"name": "a", "confidence": 0.8}, {"name": "b", "confidence": 0.2}],
                    {"a": 0.8, "b": 0.2}, 0.5)
    disagree = combine([{"name": "a", "confidence": 0.8}, {"name": "b", "confidence": 0.2}],
                       {"a": 0.2, "b": 0.8}, 0.5)
    assert agree[0]["confidence"] == pytest.approx(0.8)
    assert disagree[0]["confidence"] == pytest.approx(0.5)


# pooled with an earlier classifier's ranking (the first wave's DIET), half each
POOLED = {"diet_weight": 0.5}


def _component(tmp_path: Path) -> tuple[LinearIntentClassifier, LocalModelStorage, Resource]:
    storage = LocalModelStorage(tmp_path)
    resource = Resource("linear_intents")
    context = ExecutionContext(GraphSchema({}), "test")
    return (LinearIntentClassifier.create({}, storage, resource, context), storage, resource)


def _trained(tmp_path: Path, config: dict) -> LinearIntentClassifier:
    component, storage, resource = _component(tmp_path)
    component.train(TrainingData([Message(data={TEXT: text, INTENT: intent})
                                  for text, intent in zip(*_texts(), strict=True)]))
    return LinearIntentClassifier.load(config, storage, resource,
                                       ExecutionContext(GraphSchema({}), "test"))


def test_alone_it_sets_intent_and_ranking_from_the_text(tmp_path: Path) -> None:
    """config.yml's pipeline: no classifier before it, so no intent on the message yet."""
    loaded = _trained(tmp_path, {})
    status = Message(data={TEXT: "وين وصل بلاغي رقم BR-12345678"})
    hello = Message(data={TEXT: "hello, good morning"})
    loaded.process([status, hello])
    assert status.get(INTENT)["name"] == "check_status"
    assert hello.get(INTENT)["name"] == "greet"
    ranking = status.get(INTENT_RANKING_KEY)
    assert ranking[0] == status.get(INTENT)
    assert [e["confidence"] for e in ranking] == sorted(
        (e["confidence"] for e in ranking), reverse=True)
    assert sum(e["confidence"] for e in ranking) == pytest.approx(1.0)
    assert {e["name"] for e in ranking} == set(EXAMPLES)


def test_alone_it_ignores_an_earlier_guess(tmp_path: Path) -> None:
    """With diet_weight 0 (the default) an intent already on the message does not count."""
    loaded = _trained(tmp_path, {})
    message = Message(data={TEXT: "what is the status of my report"})
    message.set(INTENT, {"name": "greet", "confidence": 0.99})
    message.set(INTENT_RANKING_KEY, [{"name": "greet", "confidence": 0.99}])
    loaded.process([message])
    assert message.get(INTENT)["name"] == "check_status"


def test_trained_component_is_stored_loaded_and_overrules_a_wrong_diet(tmp_path: Path) -> None:
    component, storage, resource = _component(tmp_path)
    training = TrainingData([Message(data={TEXT: text, INTENT: intent})
                             for text, intent in zip(*_texts(), strict=True)])
    component.train(training)
    loaded = LinearIntentClassifier.load(POOLED, storage, resource,
                                         ExecutionContext(GraphSchema({}), "test"))
    # DIET unsure between greet and check_status; the n-grams are sure it is a status question
    message = Message(data={TEXT: "what is the status of my report"})
    message.set(INTENT, {"name": "greet", "confidence": 0.5})
    message.set(INTENT_RANKING_KEY, [{"name": "greet", "confidence": 0.5},
                                     {"name": "check_status", "confidence": 0.45}])
    button = Message(data={TEXT: '/choose{"choice": "app"}'})
    button.set(INTENT, {"name": "choose", "confidence": 1.0})
    loaded.process([message, button])
    assert message.get(INTENT)["name"] == "check_status"
    ranking = message.get(INTENT_RANKING_KEY)
    assert ranking[0] == message.get(INTENT)
    assert sum(entry["confidence"] for entry in ranking) == pytest.approx(1.0)
    assert button.get(INTENT) == {"name": "choose", "confidence": 1.0}  # a payload is left


def test_without_a_stored_model_the_earlier_intent_stands(tmp_path: Path) -> None:
    component, storage, resource = _component(tmp_path)
    component.train(TrainingData([Message(data={TEXT: "hi", INTENT: "greet"})]))
    loaded = LinearIntentClassifier.load({}, storage, resource,
                                         ExecutionContext(GraphSchema({}), "test"))
    message = Message(data={TEXT: "hello"})
    message.set(INTENT, {"name": "greet", "confidence": 0.7})
    loaded.process([message])
    assert message.get(INTENT) == {"name": "greet", "confidence": 0.7}


def test_alone_a_payload_and_an_empty_text_still_get_an_intent(tmp_path: Path) -> None:
    """FallbackClassifier reads `intent` of every message: a button payload (its own
    intent is put in place later, by Rasa's RegexMessageHandler) and a message with only
    a file must have one, as DIET gave them."""
    loaded = _trained(tmp_path, {})
    button = Message(data={TEXT: '/choose{"choice": "app"}'})
    files_only = Message(data={TEXT: ""})
    loaded.process([button, files_only])
    assert button.get(INTENT)["name"] in EXAMPLES
    assert files_only.get(INTENT) == {"name": None, "confidence": 0.0}
    assert files_only.get(INTENT_RANKING_KEY) == []


def test_the_pipeline_survives_a_payload_through_the_fallback_classifier(
    tmp_path: Path,
) -> None:
    """The crash this guards against: KeyError 'intent' in FallbackClassifier."""
    from rasa.nlu.classifiers.fallback_classifier import FallbackClassifier

    loaded = _trained(tmp_path, {})
    messages = [Message(data={TEXT: "/affirm"}), Message(data={TEXT: ""}),
                Message(data={TEXT: "hello"})]
    loaded.process(messages)
    FallbackClassifier({**FallbackClassifier.get_default_config()}).process(messages)
    assert messages[2].get(INTENT)["name"] == "greet"
    assert messages[1].get(INTENT)["name"] == "nlu_fallback"
