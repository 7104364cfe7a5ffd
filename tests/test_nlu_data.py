"""Checks on the NLU training data in nlu/, read with Rasa's own loader.

Covers the conversational intents shared by nlu/ar_msa.yml (Modern Standard
Arabic), nlu/ar_gulf.yml (Saudi/Gulf dialect, mixed Arabic/English) and
nlu/en.yml (English), and the `target_language` synonyms of nlu/synonyms.yml.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from functools import cache
from pathlib import Path

import pytest
from rasa.shared.nlu.training_data.loading import load_data
from rasa.shared.nlu.training_data.training_data import TrainingData

NLU_DIR = Path(__file__).resolve().parent.parent / "nlu"
LANGUAGE_FILES = ("ar_msa.yml", "ar_gulf.yml", "en.yml")

INTENTS = (
    "greet",
    "goodbye",
    "thank",
    "affirm",
    "deny",
    "ask_help",
    "ask_report_types",
    "switch_language",
    "restart",
    "cancel",
    "bot_challenge",
    "out_of_scope",
)
MIN_PER_SCRIPT = 10
ENTITY = "target_language"
LANGUAGES = {"ar", "en"}

# Gulf dialect words that must be in the data (after normalisation: أبغى -> ابغي).
DIALECT_MARKERS = {
    "أبغى/ابغى": {"ابغي", "ابغا"},
    "ابي": {"ابي"},
    "وش": {"وش"},
    "ليش": {"ليش"},
    "محد": {"محد"},
}

_ARABIC_LETTER = re.compile(r"[\u0621-\u064A\u066E-\u06D3\u06FA-\u06FF]")
_LATIN_LETTER = re.compile(r"[A-Za-z]")
_DIACRITICS = re.compile(r"[\u0610-\u061A\u064B-\u065F\u0670\u06D6-\u06ED\u0640]")
_ARABIC_MAP = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ى": "ي", "ة": "ه"})
_NON_WORD = re.compile(r"[^\w\s+]")


def normalise(text: str) -> str:
    """Roughly what the pipeline's Arabic normaliser does, plus case and punctuation."""
    text = unicodedata.normalize("NFKC", text)
    text = _DIACRITICS.sub("", text).translate(_ARABIC_MAP).lower()
    text = _NON_WORD.sub(" ", text)
    return " ".join(text.split())


def script(text: str) -> str:
    """`arabic` or `latin`: whichever alphabet has more letters in the text."""
    arabic = len(_ARABIC_LETTER.findall(text))
    latin = len(_LATIN_LETTER.findall(text))
    if arabic == latin:
        return "none"
    return "arabic" if arabic > latin else "latin"


@cache
def all_data() -> TrainingData:
    return load_data(str(NLU_DIR))


@cache
def file_data(name: str) -> TrainingData:
    path = NLU_DIR / name
    assert path.is_file(), f"missing {path}"
    return load_data(str(path))


def intent_examples(td: TrainingData):
    return [ex for ex in td.intent_examples if ex.get("intent")]


def test_loads_with_rasa_reader():
    td = all_data()
    assert len(td.training_examples) > 0
    for name in (*LANGUAGE_FILES, "synonyms.yml"):
        assert (NLU_DIR / name).is_file(), f"missing nlu/{name}"


@pytest.mark.parametrize("name", LANGUAGE_FILES)
def test_each_language_file_has_every_intent(name):
    counts = defaultdict(int)
    for ex in intent_examples(file_data(name)):
        counts[ex.get("intent")] += 1
    for intent in INTENTS:
        assert counts[intent] >= 8, f"nlu/{name}: {intent} has {counts[intent]} examples"


@pytest.mark.parametrize("intent", INTENTS)
def test_enough_examples_in_each_script(intent):
    by_script = defaultdict(list)
    for ex in intent_examples(all_data()):
        if ex.get("intent") == intent:
            by_script[script(ex.get("text"))].append(ex.get("text"))
    assert len(by_script["arabic"]) >= MIN_PER_SCRIPT, f"{intent}: {by_script['arabic']}"
    assert len(by_script["latin"]) >= MIN_PER_SCRIPT, f"{intent}: {by_script['latin']}"


def test_files_are_in_their_language():
    for ex in intent_examples(file_data("ar_msa.yml")):
        assert script(ex.get("text")) == "arabic", f"nlu/ar_msa.yml: {ex.get('text')!r}"
    for ex in intent_examples(file_data("ar_gulf.yml")):
        assert _ARABIC_LETTER.search(ex.get("text")) or script(ex.get("text")) == "latin"
    for ex in intent_examples(file_data("en.yml")):
        text = ex.get("text")
        assert not _ARABIC_LETTER.search(text), f"nlu/en.yml has Arabic: {text!r}"
        assert script(text) == "latin", f"nlu/en.yml: {text!r}"


def test_dialect_markers_present():
    tokens = set()
    for ex in intent_examples(file_data("ar_gulf.yml")):
        tokens.update(normalise(ex.get("text")).split())
    missing = [marker for marker, forms in DIALECT_MARKERS.items() if not tokens & forms]
    assert not missing, f"dialect markers missing from nlu/ar_gulf.yml: {missing}"


def test_no_example_under_two_intents():
    intents_of = defaultdict(set)
    for ex in intent_examples(all_data()):
        intents_of[ex.get("text").strip()].add(ex.get("intent"))
    clashes = {text: sorted(i) for text, i in intents_of.items() if len(i) > 1}
    assert not clashes, f"same text under several intents: {clashes}"


def test_no_normalised_example_under_two_intents():
    """After Arabic normalisation, case folding and punctuation removal, a text
    must still belong to one intent (the model sees normalised text)."""
    intents_of = defaultdict(set)
    texts = defaultdict(set)
    for ex in intent_examples(all_data()):
        key = normalise(ex.get("text"))
        intents_of[key].add(ex.get("intent"))
        texts[key].add(ex.get("text"))
    clashes = {k: (sorted(i), sorted(texts[k])) for k, i in intents_of.items() if len(i) > 1}
    assert not clashes, f"normalised text under several intents: {clashes}"


def test_no_duplicate_examples_across_files():
    seen: dict[str, str] = {}
    duplicates = []
    for name in LANGUAGE_FILES:
        for ex in intent_examples(file_data(name)):
            text = ex.get("text").strip()
            if text in seen:
                duplicates.append((text, seen[text], name))
            seen[text] = name
    assert not duplicates, f"examples listed twice: {duplicates}"


def _language_value(td: TrainingData, value: str) -> str:
    synonyms = td.entity_synonyms
    return synonyms.get(value, synonyms.get(str(value).lower(), value))


def test_switch_language_examples_carry_target_language():
    td = all_data()
    covered = set()
    examples = [ex for ex in intent_examples(td) if ex.get("intent") == "switch_language"]
    assert examples
    for ex in examples:
        text = ex.get("text")
        entities = [e for e in ex.get("entities") or [] if e["entity"] == ENTITY]
        assert entities, f"switch_language example without {ENTITY}: {text!r}"
        for entity in entities:
            value = _language_value(td, entity["value"])
            assert value in LANGUAGES, f"{text!r}: {ENTITY}={entity['value']!r} -> {value!r}"
            covered.add((script(text), value))
    wanted = {(s, v) for s in ("arabic", "latin") for v in LANGUAGES}
    assert wanted <= covered, f"switch_language lacks (script, target): {wanted - covered}"


def test_entity_annotations_align_with_words():
    """An annotation must cover whole words, or tokenizers warn and drop it."""
    for ex in intent_examples(all_data()):
        text = ex.get("text")
        for entity in ex.get("entities") or []:
            start, end = entity["start"], entity["end"]
            assert text[start:end].strip() == text[start:end] != "", (text, entity)
            before = text[start - 1] if start > 0 else " "
            after = text[end] if end < len(text) else " "
            assert not before.isalnum(), f"{text!r}: annotation starts inside a word"
            assert not after.isalnum(), f"{text!r}: annotation ends inside a word"


def test_synonyms_cover_every_annotated_language_form():
    synonyms = load_data(str(NLU_DIR / "synonyms.yml")).entity_synonyms
    assert set(synonyms.values()) == LANGUAGES, synonyms
    by_form = {normalise(form): value for form, value in synonyms.items()}
    for form, value in synonyms.items():
        assert by_form[normalise(form)] == value, f"{form!r} maps to two languages"
    for ex in intent_examples(all_data()):
        text = ex.get("text")
        for entity in ex.get("entities") or []:
            if entity["entity"] != ENTITY:
                continue
            form = normalise(text[entity["start"] : entity["end"]])
            assert form in by_form, f"nlu/synonyms.yml lacks {form!r} (from {text!r})"
            assert by_form[form] == entity["value"], (text, entity, by_form[form])
