"""Take away the intent classifier's confidence when a message has no known word.

DIET spreads a softmax over the intents it knows, so "asdfgh" can come out as `affirm`
with 0.94. A message none of whose words occurs anywhere in the training data gives the
classifier no evidence at all: this component, placed between DIETClassifier and
FallbackClassifier, sets the confidence of such a message's intent to 0 so that the
FallbackClassifier turns it into `nlu_fallback` (a rephrase prompt with buttons).
"""

from __future__ import annotations

import json
import logging
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.constants import TOKENS_NAMES
from rasa.nlu.tokenizers.tokenizer import Tokenizer
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

logger = logging.getLogger(__name__)
VOCABULARY_FILE = "vocabulary.json"


def word_tokens(tokens: list[str]) -> list[str]:
    """The tokens that are words: at least two characters, some of them letters."""
    return [t.lower() for t in tokens if len(t) >= 2 and any(ch.isalpha() for ch in t)]


def has_known_word(tokens: list[str], vocabulary: set[str]) -> bool | None:
    """True if a word of the message is in the vocabulary; None if it has no words but
    digits (an ID, a mobile: the form reads them); False for no letter or digit at all
    (an emoji, "?", "--"), which is no answer to anything."""
    words = word_tokens(tokens)
    if not words:
        return None if any(char.isalnum() for token in tokens for char in token) else False
    return any(word in vocabulary for word in words)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class UnknownWordsGuard(GraphComponent):
    """Zero the intent confidence of messages made only of words never seen in training."""

    @classmethod
    def required_components(cls) -> list[type]:
        return [Tokenizer]

    def __init__(
        self, model_storage: ModelStorage, resource: Resource, vocabulary: set[str]
    ) -> None:
        self._model_storage = model_storage
        self._resource = resource
        self.vocabulary = vocabulary

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> UnknownWordsGuard:
        return cls(model_storage, resource, set())

    @staticmethod
    def _tokens(message: Message) -> list[str]:
        return [token.text for token in message.get(TOKENS_NAMES[TEXT]) or []]

    def train(self, training_data: TrainingData) -> Resource:
        for example in training_data.training_examples:
            self.vocabulary.update(word_tokens(self._tokens(example)))
        with self._model_storage.write_to(self._resource) as directory:
            (directory / VOCABULARY_FILE).write_text(
                json.dumps(sorted(self.vocabulary), ensure_ascii=False), encoding="utf-8"
            )
        return self._resource

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> UnknownWordsGuard:
        try:
            with model_storage.read_from(resource) as directory:
                words = json.loads((directory / VOCABULARY_FILE).read_text(encoding="utf-8"))
        except (ValueError, FileNotFoundError):
            logger.warning("UnknownWordsGuard: no vocabulary in the model; guard disabled.")
            return cls(model_storage, resource, set())
        return cls(model_storage, resource, set(words))

    def process(self, messages: list[Message]) -> list[Message]:
        if not self.vocabulary:
            return messages
        for message in messages:
            intent = message.get(INTENT)
            if not intent or has_known_word(self._tokens(message), self.vocabulary) is not False:
                continue
            message.set(INTENT, {**intent, "confidence": 0.0}, add_to_output=True)
            ranking = message.get(INTENT_RANKING_KEY) or []
            message.set(
                INTENT_RANKING_KEY,
                [{**entry, "confidence": 0.0} for entry in ranking],
                add_to_output=True,
            )
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data
