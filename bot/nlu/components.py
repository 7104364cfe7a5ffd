"""Rasa 3.6 pipeline components of Balagh Raqmi.

`ArabicNormaliser` goes first in the NLU pipeline (before the tokenizer):

    pipeline:
      - name: bot.nlu.components.ArabicNormaliser
      - name: WhitespaceTokenizer
      ...

It is registered as a MESSAGE_FEATURIZER: Rasa's default recipe gives only tokenizers and
featurizers a `process_training_data` node, and chains those nodes (and the `process`
nodes at inference) in the order of the pipeline, so a featurizer placed first rewrites
TEXT before the tokenizer reads it, in training and at inference alike (SpacyNLP, which
also runs before the tokenizer, is registered the same way). It is no Tokenizer or
Featurizer subclass, so Rasa's one-tokenizer and featurizer-compatibility checks ignore it.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.constants import ENTITY_ATTRIBUTE_CONFIDENCE_TYPE
from rasa.nlu.utils.pattern_utils import read_lookup_table_file
from rasa.shared.constants import INTENT_MESSAGE_PREFIX
from rasa.shared.nlu.constants import (
    ENTITIES,
    ENTITY_ATTRIBUTE_END,
    ENTITY_ATTRIBUTE_START,
    ENTITY_ATTRIBUTE_TYPE,
    ENTITY_ATTRIBUTE_VALUE,
    EXTRACTOR,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu import language, normalise
from bot.nlu.greetings import greeting_style
from bot.nlu.language import detect_script, language_of
from bot.nlu.normalise import ORIGINAL_TEXT, normalise_pattern, normalise_text

__all__ = [
    "LANGUAGE_ENTITY",
    "ORIGINAL_TEXT",
    "SCRIPT_ENTITY",
    "SCRIPT_VALUES",
    "ArabicNormaliser",
]

LANGUAGE_ENTITY = "language"
SCRIPT_ENTITY = "message_script"
GREETING_ENTITY = "greeting_style"
# Entity values of `message_script`. They must not be keys of the training data's synonyms
# ("arabic" is one, for `target_language`): EntitySynonymMapper rewrites every entity type.
SCRIPT_VALUES = {
    "arabic": "arabic_script",
    "latin": "latin_script",
    "mixed": "mixed_scripts",
    "none": "no_letters",
}
# Rasa's end-to-end featurisation runs copies of the pipeline's nodes under these names.
_END_TO_END_NODE_PREFIX = "e2e_"


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False)
class ArabicNormaliser(GraphComponent):
    """Replaces the message text with its normalised form and tags its language.

    Training examples get the same normalisation (entity spans are moved along, lookup
    tables and synonyms are normalised too) but no language entities, which would
    otherwise become entity-training targets. At inference, the message gets a `language`
    entity ("ar"/"en", when it has letters) and a `message_script` entity; the text as
    typed stays in the message under `original_text` (also in the parse output).

    Messages that start with "/" (intent payloads of buttons) are left alone, so that
    entity values in `/intent{"slot": "value"}` arrive verbatim. In Rasa's end-to-end
    featurisation the message text is the key under which Core looks the features up, so
    there the component passes messages through unchanged.
    """

    def __init__(self, config: dict[str, Any], node_name: str | None = None) -> None:
        self._config = config
        self._end_to_end = (node_name or "").startswith(_END_TO_END_NODE_PREFIX)

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> ArabicNormaliser:
        """Creates the component (nothing to train or load)."""
        return cls(config, execution_context.node_name)

    @staticmethod
    def required_packages() -> list[str]:
        return ["camel_tools"]

    @classmethod
    def fingerprint_addon(cls, config: dict[str, Any]) -> str | None:
        """Rasa fingerprints only this class's source; the work is done in two modules.

        Hashing them makes a change to the normalisation invalidate Rasa's training cache.
        """
        digest = hashlib.sha256()
        for module in (normalise, language):
            digest.update(Path(str(module.__file__)).read_bytes())
        return digest.hexdigest()

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        """A normalised copy of the training data; the input is left unchanged."""
        if self._end_to_end:
            return training_data
        return TrainingData(
            training_examples=[
                self._normalised_example(example) for example in training_data.training_examples
            ],
            entity_synonyms=_normalised_synonyms(training_data.entity_synonyms),
            regex_features=[
                {**regex, "pattern": normalise_pattern(regex["pattern"])}
                for regex in training_data.regex_features
            ],
            lookup_tables=[_normalised_lookup(table) for table in training_data.lookup_tables],
            responses=training_data.responses,
        )

    def process(self, messages: list[Message]) -> list[Message]:
        """Normalises each message's text and adds the language entities."""
        if self._end_to_end:
            return messages
        for message in messages:
            text = message.get(TEXT)
            if not _should_normalise(text):
                continue
            normalised = normalise_text(text)
            message.set(ORIGINAL_TEXT, text, add_to_output=True)
            message.set(TEXT, normalised)
            message.set(
                ENTITIES,
                [*(message.get(ENTITIES) or []), *self._language_entities(normalised)],
                add_to_output=True,
            )
        return messages

    def _language_entities(self, text: str) -> list[dict[str, Any]]:
        found = [
            (SCRIPT_ENTITY, SCRIPT_VALUES[detect_script(text)]),
            (GREETING_ENTITY, greeting_style(text)),  # answered in kind: bot.nlu.greetings
        ]
        detected = language_of(text)
        if detected is not None:
            found.insert(0, (LANGUAGE_ENTITY, detected))
        return [
            {
                ENTITY_ATTRIBUTE_TYPE: entity,
                ENTITY_ATTRIBUTE_VALUE: value,
                ENTITY_ATTRIBUTE_START: 0,
                ENTITY_ATTRIBUTE_END: len(text),
                ENTITY_ATTRIBUTE_CONFIDENCE_TYPE: 1.0,
                EXTRACTOR: self.__class__.__name__,
            }
            for entity, value in found
        ]

    @staticmethod
    def _normalised_example(example: Message) -> Message:
        """A copy of `example` with normalised text and entity spans moved to match."""
        text = example.get(TEXT)
        if not _should_normalise(text):
            return example
        result = normalise.normalise(text)
        data = {**example.data, TEXT: result.text, ORIGINAL_TEXT: text}
        if example.get(ENTITIES):
            data[ENTITIES] = [
                _moved_entity(entity, text, result) for entity in example.get(ENTITIES)
            ]
        return Message(
            data=data,
            output_properties=set(example.output_properties),
            time=example.time,
            features=list(example.features),
        )


def _should_normalise(text: Any) -> bool:
    return isinstance(text, str) and not text.lstrip().startswith(INTENT_MESSAGE_PREFIX)


def _moved_entity(
    entity: dict[str, Any], original: str, result: normalise.NormalisedText
) -> dict[str, Any]:
    """The annotation on the normalised text; a literal value follows its text."""
    start, end = entity.get(ENTITY_ATTRIBUTE_START), entity.get(ENTITY_ATTRIBUTE_END)
    if not isinstance(start, int) or not isinstance(end, int):
        return entity
    new_start, new_end = result.span(start, end)
    moved = {**entity, ENTITY_ATTRIBUTE_START: new_start, ENTITY_ATTRIBUTE_END: new_end}
    if entity.get(ENTITY_ATTRIBUTE_VALUE) == original[start:end]:
        moved[ENTITY_ATTRIBUTE_VALUE] = result.text[new_start:new_end]
    return moved


def _normalised_synonyms(synonyms: dict[str, str]) -> dict[str, str]:
    """Synonym keys are matched against extracted (normalised) text; values stay canonical."""
    normalised = dict(synonyms)
    for key, value in synonyms.items():
        normalised.setdefault(normalise_text(key), value)
    return normalised


def _normalised_lookup(table: dict[str, Any]) -> dict[str, Any]:
    """The table with normalised elements, read from its file where it names one."""
    elements = table.get("elements")
    if isinstance(elements, str) and Path(elements).is_file():
        elements = read_lookup_table_file(elements)
    if not isinstance(elements, list):
        return table
    unique = dict.fromkeys(normalise_text(str(element)) for element in elements)
    return {**table, "elements": [element for element in unique if element]}
