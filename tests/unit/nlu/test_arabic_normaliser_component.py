"""bot.nlu.components.ArabicNormaliser, unit checks (in a trained Rasa model:
tests/integration/test_normaliser_in_rasa.py)."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
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
