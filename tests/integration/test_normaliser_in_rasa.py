"""bot.nlu.components.ArabicNormaliser inside a real trained Rasa model (unit checks:
tests/unit/nlu/test_arabic_normaliser_component.py): its place in the graph, before the
tokenizer and in the end-to-end copies Core uses, and what a parse and a conversation keep.

The policies are the project's own, RulePolicy and MemoizationPolicy, without TensorFlow
(TEDPolicy took about a minute to train here). Without TEDPolicy Rasa builds no end-to-end
featurisation copies of the NLU nodes, so none is checked: `ArabicNormaliser` still
normalises whatever messages such a copy would give it, as the unit tests show.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from rasa.shared.core.events import UserUttered

from tests.unit.nlu.test_arabic_normaliser_component import NLU_DATA

# --- a real model: ArabicNormaliser in front of Rasa's own components -------------------

CONFIG = """\
recipe: default.v1
language: ar
assistant_id: balagh_test
pipeline:
  - name: bot.nlu.components.ArabicNormaliser
  - name: WhitespaceTokenizer
  - name: CountVectorsFeaturizer
  - name: RegexEntityExtractor
    use_lookup_tables: true
  - name: EntitySynonymMapper
  - name: LogisticRegressionClassifier
policies:
  - name: RulePolicy
  - name: MemoizationPolicy
    max_history: 2
"""
DOMAIN = """\
version: "3.1"
intents: [complain, greet, thank]
entities: [platform, full_name]
responses:
  utter_sorry:
  - text: "نعتذر عن ذلك"
  utter_hello:
  - text: "هلا"
"""
STORIES = """\
version: "3.1"
stories:
- story: an end-to-end story (Core looks its features up by the text as typed)
  steps:
  - user: "ما أحد ردّ عليّ"
  - action: utter_sorry
rules:
- rule: greet
  steps:
  - intent: greet
  - action: utter_hello
"""


@pytest.fixture(scope="module")
def agent(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """A model trained from the files above (about 30 s on two cores)."""
    from rasa.core.agent import Agent
    from rasa.model_training import train

    root = tmp_path_factory.mktemp("rasa_model")
    files = {"config.yml": CONFIG, "domain.yml": DOMAIN, "nlu.yml": NLU_DATA}
    files["stories.yml"] = STORIES
    for name, content in files.items():
        (root / name).write_text(content, encoding="utf-8")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("RASA_CACHE_DIRECTORY", str(root / "cache"))
        patch.setenv("RASA_TELEMETRY_ENABLED", "false")
        result = train(
            str(root / "domain.yml"),
            str(root / "config.yml"),
            [str(root / "nlu.yml"), str(root / "stories.yml")],
            output=str(root / "models"),
        )
        assert result.code == 0, "training failed"
        yield Agent.load(result.model)


def _parse(agent: Any, text: str) -> dict[str, Any]:
    return asyncio.run(agent.parse_message(text))


def _node_names(nodes: dict[str, Any], component: str) -> list[str]:
    return [name for name, node in nodes.items() if node.uses.__name__ == component]


def test_normaliser_runs_before_the_tokenizer(agent: Any) -> None:
    metadata = agent.processor.model_metadata
    train_nodes = metadata.train_schema.nodes
    predict_nodes = metadata.predict_schema.nodes
    # no policy reads end-to-end features (no TEDPolicy): one copy of each, for NLU
    (normaliser,) = _node_names(train_nodes, "ArabicNormaliser")
    (tokenizer,) = _node_names(train_nodes, "WhitespaceTokenizer")
    assert train_nodes[normaliser].fn == "process_training_data"
    assert train_nodes[normaliser].needs == {"training_data": "nlu_training_data_provider"}
    assert train_nodes[tokenizer].needs == {"training_data": normaliser}
    (normaliser,) = _node_names(predict_nodes, "ArabicNormaliser")
    (tokenizer,) = _node_names(predict_nodes, "WhitespaceTokenizer")
    assert predict_nodes[normaliser].needs == {"messages": "nlu_message_converter"}
    assert predict_nodes[tokenizer].needs == {"messages": normaliser}


@pytest.mark.parametrize(
    "raw",
    [
        "ابغي اشتكي",  # typed without hamza, with ي for ى: only matches if training normalised
        "أَبْـغَـى أَشْتَكِي",  # diacritics and tatweel: only matches if parsing normalises
    ],
)
def test_spelling_variants_reach_the_classifier_normalised(agent: Any, raw: str) -> None:
    parsed = _parse(agent, raw)
    assert parsed["text"] == "ابغي اشتكي"
    assert parsed["original_text"] == raw
    assert parsed["intent"]["name"] == "complain"
    # the tokenizer saw the normalised text: its spans index into it
    assert [tuple(span) for span in parsed["text_tokens"]] == [(0, 4), (5, 10)]


def test_arabic_parse_output(agent: Any) -> None:
    raw = "\u200fأبغى أشتكي على أبشر ١٢٣"
    parsed = _parse(agent, raw)
    assert parsed["text"] == "ابغي اشتكي علي ابشر 123"
    assert parsed["original_text"] == raw
    entities = {entity["entity"]: entity for entity in parsed["entities"]}
    assert entities["language"]["value"] == "ar"
    assert entities["language"]["extractor"] == "ArabicNormaliser"
    assert entities["message_script"]["value"] == "arabic_script"
    # the lookup table and the synonym were normalised with the training data
    assert entities["platform"]["value"] == "absher"
    assert json.loads(json.dumps(parsed))["original_text"] == raw


def test_english_parse_output(agent: Any) -> None:
    parsed = _parse(agent, "Hello there")
    assert parsed["text"] == "Hello there"
    assert parsed["original_text"] == "Hello there"
    assert parsed["intent"]["name"] == "greet"
    values = {entity["entity"]: entity["value"] for entity in parsed["entities"]}
    assert values == {"language": "en", "message_script": "latin_script", "greeting_style": "plain"}


def test_digits_only_and_payload_messages(agent: Any) -> None:
    parsed = _parse(agent, "١٠٩٨٧٦٥٤٣٢")
    assert parsed["text"] == "1098765432"
    assert [entity["entity"] for entity in parsed["entities"]] == [
        "message_script", "greeting_style"
    ]
    payload = _parse(agent, '/complain{"platform": "أبشر"}')
    assert payload["intent"]["name"] == "complain"
    assert payload["entities"][0]["value"] == "أبشر"
    assert _parse(agent, "\u200f")["text"] == ""


def test_conversation_keeps_the_text_as_typed(agent: Any) -> None:
    # Core keeps the message as typed; NLU reads it normalised
    raw = "ما أحد ردّ عليّ"
    sender = f"e2e-{uuid.uuid4().hex}"

    async def talk() -> Any:  # one event loop for the message and the read-back
        await agent.handle_text(raw, sender_id=sender)
        # the whole history, whatever the policies predicted after the message
        return await agent.tracker_store.retrieve_full_tracker(sender)

    tracker = asyncio.run(talk())
    assert tracker is not None and tracker.events, "the message was not handled"
    (uttered,) = [event for event in tracker.events if isinstance(event, UserUttered)]
    assert uttered.text == raw
    assert uttered.parse_data["text"] == "ما احد رد علي"
    assert uttered.parse_data["original_text"] == raw
    assert {entity["entity"] for entity in uttered.entities} == {
        "language", "message_script", "greeting_style"
    }
    json.dumps([event.as_dict() for event in tracker.events])
