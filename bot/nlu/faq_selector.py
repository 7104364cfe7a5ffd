"""Rasa's ResponseSelector, run only for messages whose intent is its retrieval intent.

Rasa runs the ResponseSelector on every message, and its answer is used only when the
message's intent is the retrieval intent (`faq`: actions/faq.py reads it). Most
turns of a conversation are answers to the form's questions, so the prediction (a
TensorFlow call, ~2.8 ms of a ~32 ms turn, bench/profile_turn.py) was thrown away on them.
Here it is made only for messages that LinearIntentClassifier (placed before it)
classified as the retrieval intent; the others get no `response_selector` output. Training
and the saved model are the ResponseSelector's own.
"""

from __future__ import annotations

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.selectors.response_selector import ResponseSelector
from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY
from rasa.shared.nlu.training_data.message import Message


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class RetrievalResponseSelector(ResponseSelector):
    """Selects a response only where the message asks the retrieval intent."""

    def asks_retrieval_intent(self, message: Message) -> bool:
        if not self.retrieval_intent:  # a selector for every intent: always needed
            return True
        return (message.get(INTENT) or {}).get(INTENT_NAME_KEY) == self.retrieval_intent

    def process(self, messages: list[Message]) -> list[Message]:
        super().process([m for m in messages if self.asks_retrieval_intent(m)])
        return messages
