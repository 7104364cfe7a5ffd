"""bot.nlu.components.ArabicNormaliser: unit checks, then a real trained Rasa model."""

from __future__ import annotations

import asyncio
import json
import textwrap
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.core.events import UserUttered
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLReader
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.components import ORIGINAL_TEXT, ArabicNormaliser

NLU_DATA = textwrap.dedent(
    """\
    version: "3.1"
    nlu:
    - intent: complain
      examples: |
        - أبغى أشتكي
        - أُرِيدُ أنْ أشتكي على [أبشر](platform)
        - عندي شكوى على [توكلنا](platform)
        - أبغى أقدّم شكوى على [أبشر]{"entity": "platform", "value": "absher"}
        - اسمي [مُحَمَّد](full_name) وأبغى أشتكي
    - intent: greet
      examples: |
        - hello
        - hi there
        - good morning
        - السلام عليكم
    - intent: thank
      examples: |
        - thanks
        - thank you
        - شكراً جزيلاً
        - مشكورة
    - lookup: platform
      examples: |
        - أبشر
        - توكلنا
        - نفاذ
    - synonym: absher
      examples: |
        - أبشر
    - regex: national_id
      examples: |
        - [12][٠-٩0-9]{9}
    """
)


def _component(tmp_path: Path, node_name: str = "run_ArabicNormaliser0") -> ArabicNormaliser:
    context = ExecutionContext(GraphSchema({}), node_name=node_name)
    return ArabicNormaliser.create(
        ArabicNormaliser.get_default_config(),
        LocalModelStorage(tmp_path),
        Resource(node_name),
        context,
    )


def _training_data() -> TrainingData:
    return RasaYAMLReader().reads(NLU_DATA)


def _example(data: TrainingData, original: str) -> Message:
    return next(ex for ex in data.training_examples if ex.get(ORIGINAL_TEXT) == original)


def test_training_examples_are_normalised_like_messages(tmp_path: Path) -> None:
    data = _training_data()
    processed = _component(tmp_path).process_training_data(data)
    texts = {example.get(TEXT) for example in processed.training_examples}
    assert {"ابغي اشتكي", "اريد ان اشتكي علي ابشر", "شكرا جزيلا", "مشكوره"} <= texts
    # the input is not modified: the provider's data stays as it was read
    assert "أبغى أشتكي" in {example.get(TEXT) for example in data.training_examples}
    assert all(ORIGINAL_TEXT not in example.data for example in data.training_examples)


def test_training_entities_follow_the_text_and_no_language_entities(tmp_path: Path) -> None:
    processed = _component(tmp_path).process_training_data(_training_data())
    for example in processed.training_examples:
        for entity in example.get(ENTITIES) or []:
            assert entity["entity"] in {"platform", "full_name"}  # no language/message_script
            span = example.get(TEXT)[entity["start"] : entity["end"]]
            if entity["entity"] == "platform" and entity["value"] == "absher":
                assert span == "ابشر"  # the synonym's value stays canonical
            else:
                assert span == entity["value"]
    name = _example(processed, "اسمي مُحَمَّد وأبغى أشتكي")
    assert name.get(TEXT) == "اسمي محمد وابغي اشتكي"
    assert name.get(ENTITIES)[0] | {} == {
        "entity": "full_name",
        "value": "محمد",
        "start": 5,
        "end": 9,
    }


def test_lookup_tables_synonyms_and_regexes_are_normalised(tmp_path: Path) -> None:
    processed = _component(tmp_path).process_training_data(_training_data())
    assert processed.lookup_tables[0]["elements"] == ["ابشر", "توكلنا", "نفاذ"]
    assert processed.entity_synonyms["ابشر"] == "absher"
    assert processed.regex_features[0]["pattern"] == "[12][0-90-9]{9}"


def test_lookup_table_file_is_read_and_normalised(tmp_path: Path) -> None:
    table = tmp_path / "platforms.txt"
    table.write_text("أبشر\nتوكلنا\n\n", encoding="utf-8")
    data = TrainingData(lookup_tables=[{"name": "platform", "elements": str(table)}])
    processed = _component(tmp_path).process_training_data(data)
    assert processed.lookup_tables[0]["elements"] == ["ابشر", "توكلنا"]


def test_process_normalises_and_tags_language(tmp_path: Path) -> None:
    raw = "\u200fأبـغـى أشتكي على أبشر ١٢٣"
    message = Message(data={TEXT: raw})
    (processed,) = _component(tmp_path).process([message])
    text = "ابغي اشتكي علي ابشر 123"
    assert processed.get(TEXT) == text
    assert processed.get(ORIGINAL_TEXT) == raw
    assert processed.get(ENTITIES) == [
        {
            "entity": "language",
            "value": "ar",
            "start": 0,
            "end": len(text),
            "confidence_entity": 1.0,
            "extractor": "ArabicNormaliser",
        },
        {
            "entity": "message_script",
            "value": "arabic_script",
            "start": 0,
            "end": len(text),
            "confidence_entity": 1.0,
            "extractor": "ArabicNormaliser",
        },
        {
            "entity": "greeting_style",
            "value": "plain",
            "start": 0,
            "end": len(text),
            "confidence_entity": 1.0,
            "extractor": "ArabicNormaliser",
        },
    ]
    output = processed.as_dict(only_output_properties=True)
    assert output[ORIGINAL_TEXT] == raw
    assert json.loads(json.dumps(output)) == output


@pytest.mark.parametrize(
    ("raw", "language", "script"),
    [
        ("I want to complain about أبشر", "en", "mixed_scripts"),
        ("Hello", "en", "latin_script"),
        ("ابي اشتكي على Absher", "ar", "mixed_scripts"),
        ("١٠٩٨٧٦٥٤٣٢", None, "no_letters"),
    ],
)
def test_process_language_entities(
    tmp_path: Path, raw: str, language: str | None, script: str
) -> None:
    (processed,) = _component(tmp_path).process([Message(data={TEXT: raw})])
    values = {entity["entity"]: entity["value"] for entity in processed.get(ENTITIES)}
    assert values == ({"language": language} if language else {}) | {
        "message_script": script, "greeting_style": "plain"
    }


def test_intent_payloads_and_non_text_messages_are_left_alone(tmp_path: Path) -> None:
    payload = '/inform{"platform": "أبشر"}'
    messages = [Message(data={TEXT: payload}), Message(data={"action_name": "utter_greet"})]
    processed = _component(tmp_path).process(messages)
    assert processed[0].data == {TEXT: payload}
    assert processed[1].data == {"action_name": "utter_greet"}


def test_end_to_end_copies_pass_messages_through(tmp_path: Path) -> None:
    # Core looks end-to-end features up by the text of the tracker's user message.
    component = _component(tmp_path, node_name="e2e_run_ArabicNormaliser0")
    message = Message(data={TEXT: "أبغى أشتكي"})
    assert component.process([message])[0].data == {TEXT: "أبغى أشتكي"}
    data = _training_data()
    assert component.process_training_data(data) is data


def test_fingerprint_covers_the_normalisation_modules() -> None:
    addon = ArabicNormaliser.fingerprint_addon({})
    assert addon and addon == ArabicNormaliser.fingerprint_addon({})


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
  - name: TEDPolicy
    epochs: 1
    max_history: 2
    random_seed: 7
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


@pytest.mark.slow  # trains a model (the `agent` fixture)
def test_normaliser_runs_before_the_tokenizer(agent: Any) -> None:
    metadata = agent.processor.model_metadata
    train_nodes = metadata.train_schema.nodes
    predict_nodes = metadata.predict_schema.nodes
    # NLU nodes, plus the copies Rasa runs for end-to-end featurisation
    e2e_normaliser, normaliser = sorted(_node_names(train_nodes, "ArabicNormaliser"))
    e2e_tokenizer, tokenizer = sorted(_node_names(train_nodes, "WhitespaceTokenizer"))
    assert e2e_normaliser == f"e2e_{normaliser}"
    assert train_nodes[normaliser].fn == "process_training_data"
    assert train_nodes[normaliser].needs == {"training_data": "nlu_training_data_provider"}
    assert train_nodes[tokenizer].needs == {"training_data": normaliser}
    assert train_nodes[e2e_tokenizer].needs == {"training_data": e2e_normaliser}
    e2e_normaliser, normaliser = sorted(_node_names(predict_nodes, "ArabicNormaliser"))
    _, tokenizer = sorted(_node_names(predict_nodes, "WhitespaceTokenizer"))
    assert predict_nodes[normaliser].needs == {"messages": "nlu_message_converter"}
    assert predict_nodes[tokenizer].needs == {"messages": normaliser}
    assert predict_nodes[e2e_normaliser].needs == {"messages": "tracker_to_message_converter"}


@pytest.mark.slow  # trains a model (the `agent` fixture)
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


@pytest.mark.slow  # trains a model (the `agent` fixture)
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


@pytest.mark.slow  # trains a model (the `agent` fixture)
def test_english_parse_output(agent: Any) -> None:
    parsed = _parse(agent, "Hello there")
    assert parsed["text"] == "Hello there"
    assert parsed["original_text"] == "Hello there"
    assert parsed["intent"]["name"] == "greet"
    values = {entity["entity"]: entity["value"] for entity in parsed["entities"]}
    assert values == {"language": "en", "message_script": "latin_script", "greeting_style": "plain"}


@pytest.mark.slow  # trains a model (the `agent` fixture)
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


@pytest.mark.slow  # trains a model (the `agent` fixture)
def test_conversation_keeps_the_text_as_typed(agent: Any) -> None:
    # Runs Core with end-to-end features too: they are looked up by the text as typed.
    raw = "ما أحد ردّ عليّ"
    sender = f"e2e-{uuid.uuid4().hex}"

    async def talk() -> Any:  # one event loop for the message and the read-back
        await agent.handle_text(raw, sender_id=sender)
        # the whole history: the 1-epoch policy may well predict a restart after the message
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
