"""The intent classifier: a linear model over word and character n-grams.

A linear SVM over TF-IDF word (1-2) and character (2-5, within words) n-grams learns from
the training examples in seconds and needs no TensorFlow. Its scores become probabilities
(a softmax of the scores times `svm_scale`) that set the message's intent and intent
ranking; FallbackClassifier then judges that confidence.

Alone in the pipeline (config.yml) it decides by itself. Placed after another intent
classifier (DIET, as the first wave had it), it pools: the weighted geometric mean of the
two rankings, `diet_weight` for the other classifier's share. C and `svm_scale` were chosen
on the development set (tests/dev/, bench/linear_select.py), never on the held-out one.
"""

from __future__ import annotations

import logging
import math
from typing import Any

import joblib
import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import (
    INTENT,
    INTENT_NAME_KEY,
    INTENT_RANKING_KEY,
    PREDICTED_CONFIDENCE_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from scipy.sparse import hstack
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.svm import LinearSVC

logger = logging.getLogger(__name__)
MODEL_FILE = "linear_intents.joblib"
RANKING_LENGTH = 10
# the probability an intent missing from a ranking is taken to have
FLOOR = 1e-6


class NgramIntentModel:
    """TF-IDF word and character n-grams into a linear SVM (one against the rest)."""

    def __init__(self, c: float = 0.5, scale: float = 16.0) -> None:
        self.words = TfidfVectorizer(analyzer="word", ngram_range=(1, 2), sublinear_tf=True,
                                     min_df=1, token_pattern=r"(?u)\b\w+\b")
        self.chars = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True,
                                     min_df=2)
        self.classifier = LinearSVC(C=c)
        self.scale = scale

    def _features(self, texts: list[str], fit: bool = False) -> Any:
        if fit:
            return hstack([self.words.fit_transform(texts), self.chars.fit_transform(texts)])
        return hstack([self.words.transform(texts), self.chars.transform(texts)]).tocsr()

    def fit(self, texts: list[str], intents: list[str]) -> NgramIntentModel:
        self.classifier.fit(self._features(texts, fit=True).tocsr(), intents)
        return self

    @property
    def intents(self) -> list[str]:
        return [str(name) for name in self.classifier.classes_]

    def probabilities(self, texts: list[str]) -> np.ndarray:
        """A softmax over the SVM's scores (times `scale`): one row per text."""
        scores = self.classifier.decision_function(self._features(texts)) * self.scale
        if scores.ndim == 1:  # two intents: one score, for the second
            scores = np.stack([-scores, scores], axis=1) / 2
        scores = np.exp(scores - scores.max(axis=1, keepdims=True))
        return scores / scores.sum(axis=1, keepdims=True)


def combine(diet_ranking: list[dict[str, Any]], linear: dict[str, float],
            diet_weight: float) -> list[dict[str, Any]]:
    """The weighted geometric mean of two rankings, renormalised, best first.

    An intent both models like keeps a high confidence; one they disagree on drops, so
    FallbackClassifier asks again. An intent missing from DIET's ranking (it holds only its
    top intents) counts as almost impossible there.
    """
    names = set(linear) | {str(entry["name"]) for entry in diet_ranking if entry.get("name")}
    diet = {str(e["name"]): float(e.get("confidence", 0)) for e in diet_ranking if e.get("name")}
    logs = {
        name: diet_weight * math.log(diet.get(name, 0.0) + FLOOR)
        + (1 - diet_weight) * math.log(linear.get(name, 0.0) + FLOOR)
        for name in names
    }
    top = max(logs.values())
    weights = {name: math.exp(value - top) for name, value in logs.items()}
    total = sum(weights.values())
    ranked = sorted(weights.items(), key=lambda item: item[1], reverse=True)
    return [{"name": name, "confidence": weight / total} for name, weight in ranked]


def alone(linear: dict[str, float]) -> list[dict[str, Any]]:
    """The SVM's own ranking, best first."""
    ranked = sorted(linear.items(), key=lambda item: item[1], reverse=True)
    return [{"name": name, "confidence": confidence} for name, confidence in ranked]


class NgramComponent(GraphComponent):
    """The graph-component plumbing of a component that learns an NgramIntentModel and
    stores what it learnt with joblib in its resource (LinearIntentClassifier here,
    bot.nlu.faq_selector.LinearResponseSelector): a subclass names its `model_file` and
    writes `train`, `load` and `process`."""

    model_file = "model.joblib"

    def __init__(self, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
                 model: NgramIntentModel | None = None) -> None:
        self._config = {**self.get_default_config(), **config}
        self._model_storage = model_storage
        self._resource = resource
        self.model = model

    @classmethod
    def create(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> NgramComponent:
        return cls(config, model_storage, resource)

    @staticmethod
    def required_packages() -> list[str]:
        return ["sklearn"]

    def _fit(self, texts: list[str], labels: list[str]) -> NgramIntentModel:
        """A model with this component's C and scale, trained on `texts`."""
        self.model = NgramIntentModel(float(self._config["C"]), float(self._config["svm_scale"]))
        return self.model.fit(texts, labels)

    def _persist(self, learnt: Any) -> None:
        with self._model_storage.write_to(self._resource) as directory:
            joblib.dump(learnt, directory / self.model_file)

    @classmethod
    def _stored(cls, model_storage: ModelStorage, resource: Resource) -> Any:
        """What `_persist` stored, or None (nothing was learnt)."""
        try:
            with model_storage.read_from(resource) as directory:
                return joblib.load(directory / cls.model_file)
        except (ValueError, FileNotFoundError):
            logger.warning("%s: no model stored; it leaves messages as they are.", cls.__name__)
            return None

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class LinearIntentClassifier(NgramComponent):
    """Classifies intents with an n-gram linear SVM (pooled with an earlier classifier's
    ranking where there is one)."""

    model_file = MODEL_FILE

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {"diet_weight": 0.0, "C": 0.5, "svm_scale": 16.0}

    def train(self, training_data: TrainingData) -> Resource:
        examples = [(e.get(TEXT), e.get(INTENT)) for e in training_data.intent_examples
                    if e.get(TEXT) and e.get(INTENT)]
        if len({intent for _, intent in examples}) < 2:
            logger.warning("LinearIntentClassifier: fewer than two intents; nothing learnt.")
            return self._resource
        texts, intents = zip(*examples, strict=True)
        self._persist(self._fit(list(texts), list(intents)))
        return self._resource

    @classmethod
    def load(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
             execution_context: ExecutionContext, **kwargs: Any) -> LinearIntentClassifier:
        return cls(config, model_storage, resource, cls._stored(model_storage, resource))

    def process(self, messages: list[Message]) -> list[Message]:
        weight = float(self._config["diet_weight"])

        def earlier(message: Message) -> list[dict[str, Any]]:
            if weight <= 0:
                return []
            intent = message.get(INTENT) or {}
            return message.get(INTENT_RANKING_KEY) or ([intent] if intent.get("name") else [])

        # Every text is classified, a button payload ("/intent{...}") too: Rasa's
        # RegexMessageHandler puts the payload's own intent in place at the end of the graph,
        # but the components before it (FallbackClassifier) need an intent to read. Pooled,
        # a payload keeps the earlier classifier's intent.
        todo = [m for m in messages if self.model is not None and m.get(TEXT)
                and not (earlier(m) and str(m.get(TEXT)).startswith("/"))]
        if todo:
            probabilities = self.model.probabilities([str(m.get(TEXT)) for m in todo])
            for message, row in zip(todo, probabilities, strict=True):
                linear = dict(zip(self.model.intents, row.tolist(), strict=True))
                before = earlier(message)
                ranking = (combine(before, linear, weight) if before
                           else alone(linear))[:RANKING_LENGTH]
                message.set(INTENT, ranking[0], add_to_output=True)
                message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)
        for message in messages:
            if not message.get(INTENT):  # no text or no model: no intent, as DIET says it
                message.set(INTENT, {INTENT_NAME_KEY: None, PREDICTED_CONFIDENCE_KEY: 0.0},
                            add_to_output=True)
                message.set(INTENT_RANKING_KEY, [], add_to_output=True)
        return messages
