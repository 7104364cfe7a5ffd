"""FAQ answers without TensorFlow: an n-gram SVM over the FAQ's answer keys.

Rasa's ResponseSelector is a TensorFlow model: it took most of the FAQ's training time and
~3 ms of a turn, and it chose the right answer less often than a linear model over the
same examples on the development set (tests/dev/: 0.932 against 0.977 of FAQ questions
with intent and answer right, bench/nlu.py). Rasa predicts a response for every message;
here it is made only for messages classified as the retrieval intent (`faq`: actions/faq.py
reads it), since most turns are answers to the form's questions.
"""

from __future__ import annotations

import logging
from typing import Any

from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.constants import (
    RESPONSE_SELECTOR_PREDICTION_KEY,
    RESPONSE_SELECTOR_PROPERTY_NAME,
    RESPONSE_SELECTOR_RANKING_KEY,
    RESPONSE_SELECTOR_RESPONSES_KEY,
    RESPONSE_SELECTOR_RETRIEVAL_INTENTS,
    RESPONSE_SELECTOR_UTTER_ACTION_KEY,
)
from rasa.shared.nlu.constants import (
    INTENT,
    INTENT_NAME_KEY,
    INTENT_RESPONSE_KEY,
    PREDICTED_CONFIDENCE_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.linear_intents import RANKING_LENGTH, NgramComponent, NgramIntentModel, alone

logger = logging.getLogger(__name__)
MODEL_FILE = "linear_faq.joblib"


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class LinearResponseSelector(NgramComponent):
    """Picks the FAQ answer with an n-gram linear SVM over the retrieval intent's keys.

    The same model as the intents' (bot/nlu/linear_intents.py), trained on the examples of
    `faq/<key>` with their keys as labels; no TensorFlow. Its output has the shape of Rasa's
    ResponseSelector's (`response_selector.faq.response` and `.ranking`), so actions/faq.py
    and Rasa's own readers of it are unchanged. Run only for messages classified as the
    retrieval intent.
    """

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {"retrieval_intent": "faq", "C": 0.5, "svm_scale": 16.0}

    model_file = MODEL_FILE

    def __init__(self, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
                 model: NgramIntentModel | None = None,
                 responses: dict[str, list[dict[str, Any]]] | None = None) -> None:
        super().__init__(config, model_storage, resource, model)
        self.responses = responses or {}

    @property
    def retrieval_intent(self) -> str:
        return str(self._config["retrieval_intent"])

    def train(self, training_data: TrainingData) -> Resource:
        examples = [(e.get(TEXT), e.get(INTENT_RESPONSE_KEY)) for e in training_data.intent_examples
                    if e.get(TEXT) and e.get(INTENT) == self.retrieval_intent
                    and e.get(INTENT_RESPONSE_KEY)]
        if len({key for _, key in examples}) < 2:
            logger.warning("LinearResponseSelector: fewer than two answers of %r; nothing learnt.",
                           self.retrieval_intent)
            return self._resource
        texts, keys = zip(*examples, strict=True)
        model = self._fit(list(texts), list(keys))
        self.responses = {
            key: list(training_data.responses.get(f"utter_{key}") or []) for key in model.intents
        }
        self._persist((model, self.responses))
        return self._resource

    @classmethod
    def load(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
             execution_context: ExecutionContext, **kwargs: Any) -> LinearResponseSelector:
        model, responses = cls._stored(model_storage, resource) or (None, {})
        return cls(config, model_storage, resource, model, responses)

    def process(self, messages: list[Message]) -> list[Message]:
        todo = [m for m in messages if self.model is not None and m.get(TEXT)
                and (m.get(INTENT) or {}).get(INTENT_NAME_KEY) == self.retrieval_intent]
        if not todo:
            return messages
        rows = self.model.probabilities([str(m.get(TEXT)) for m in todo])
        for message, row in zip(todo, rows, strict=True):
            ranking = alone(dict(zip(self.model.intents, row.tolist(), strict=True)))
            self._set_prediction(message, ranking[:RANKING_LENGTH])
        return messages

    def _set_prediction(self, message: Message, ranking: list[dict[str, Any]]) -> None:
        best = ranking[0]
        key = str(best["name"])
        selectors = message.get(RESPONSE_SELECTOR_PROPERTY_NAME) or {}
        selectors[RESPONSE_SELECTOR_RETRIEVAL_INTENTS] = [self.retrieval_intent]
        selectors[self.retrieval_intent] = {
            RESPONSE_SELECTOR_PREDICTION_KEY: {
                RESPONSE_SELECTOR_RESPONSES_KEY: self.responses.get(key) or [],
                PREDICTED_CONFIDENCE_KEY: best["confidence"],
                INTENT_RESPONSE_KEY: key,
                RESPONSE_SELECTOR_UTTER_ACTION_KEY: f"utter_{key}",
            },
            RESPONSE_SELECTOR_RANKING_KEY: [
                {"id": self.model.intents.index(str(entry["name"])),
                 PREDICTED_CONFIDENCE_KEY: entry["confidence"],
                 INTENT_RESPONSE_KEY: entry["name"]}
                for entry in ranking
            ],
        }
        message.set(RESPONSE_SELECTOR_PROPERTY_NAME, selectors, add_to_output=True)
