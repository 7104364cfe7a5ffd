"""A rule that reorders the intent ranking after the classifiers (a Rasa graph component).

RestartGuard and SwitchMarker are such rules: each looks at a message's text and ranking and
returns a new ranking (its first entry becomes the intent) or None to leave it. This base
holds the graph-component plumbing once; a subclass writes only `rerank`.
"""

from __future__ import annotations

from abc import abstractmethod
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

__all__ = ["RankingRule"]


class RankingRule(GraphComponent):
    """Replace a message's intent and ranking by what `rerank` says (button payloads, which
    say their intent themselves, are left alone)."""

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> RankingRule:
        return cls()

    @abstractmethod
    def rerank(
        self, text: str, intent: dict[str, Any], ranking: list[dict[str, Any]]
    ) -> list[dict[str, Any]] | None:
        """The new ranking, best first, or None to leave the message as it is."""

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            text = message.get(TEXT) or ""
            if text.startswith("/"):
                continue
            ranking = self.rerank(
                text, message.get(INTENT) or {}, list(message.get(INTENT_RANKING_KEY) or [])
            )
            if not ranking:
                continue
            message.set(INTENT, dict(ranking[0]), add_to_output=True)
            message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data
