"""Checks on the NLU training data in nlu/, read with Rasa's own loader.

Covers the intents shared by nlu/ar_msa.yml (Modern Standard Arabic),
nlu/ar_gulf.yml (Saudi/Gulf dialect, mixed Arabic/English) and nlu/en.yml
(English): the conversational ones, the four report types and the intake
intents, and the `target_language` synonyms of nlu/synonyms.yml.
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

from tests.yaml_files import domain_yaml

ROOT = Path(__file__).resolve().parents[2]
NLU_DIR = ROOT / "nlu"
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
    "resume_report",
    "bot_challenge",
    "human_handoff",
    "handoff_leave",
    "correct_field",
    "dont_know",
    "insult",
    "switch_report_type",
    "out_of_scope",
    "check_status",
    # requests about a filed report (actions/after_filing.py)
    "withdraw_report",
    "request_correction",
    "add_documents",
    "rate_report",
    "reopen_report",
)
MIN_PER_FILE = 8
MIN_PER_SCRIPT = 10

# The four report types: free text, the first thing a user writes, so many examples.
REPORT_INTENTS = (
    "report_complaint",
    "request_transformation",
    "suggest_development",
    "report_outage",
)
MIN_REPORT_PER_FILE = 20

# Intake intents. confirm_report / edit_report answer the summary; the other four
# normally arrive as button payloads that carry their entity (report_type, choice,
# field) or, for send_attachment, with an uploaded file, so typed examples are only
# a fallback for classification and fewer are needed in each script.
INTAKE_INTENTS = (
    "confirm_report",
    "edit_report",
    "choose_report_type",
    "choose",
    "edit_field",
    "send_attachment",
)
MIN_INTAKE_PER_SCRIPT = 8

# Intents without examples: predicted by the pipeline, never trained.
# Rasa's fallback; the reminder's buttons (a typed "yes" answers the offer as `affirm`)
# and the scheduler's trigger (actions/reminders.py): payloads, never classified
UNTRAINED_INTENTS = {"nlu_fallback", "remind_me", "resume_draft", "EXTERNAL_draft_reminder"}

# Retrieval intents (faq/<key>, in nlu/faq*.yml): checked by tests/unit/test_faq_data.py.
RETRIEVAL_INTENTS = ("faq",)

# The first messages of docs' model conversations, and messages in the task
# statement, must be trained as the intent they ask for, word for word.
ANCHOR_EXAMPLES = {
    "رفعت شكوى على منصة قوى من ثلاث اسابيع وللحين محد رد علي": "report_complaint",
    "ابي اشتكي على خدمة ورقية في الأحوال المدنية لازم اروح لها بنفسي": "report_complaint",
    "I filed a complaint with Qiwa on 2026-11-18 and they haven't replied": "report_complaint",
    "Balady keeps failing when I upload my documents. I want to complain": "report_complaint",
    "the Absher site kept failing and nobody answered my complaint for a week": (
        "report_complaint"
    ),
    "ابي اشتكي على Absher": "report_complaint",
    "خدمة في البلدية ورقية وابيها الكترونية": "request_transformation",
    "أطلب تحويل خدمة ورقية إلى رقمية": "request_transformation",
    "I want the marriage certificate service to be online instead of paper": (
        "request_transformation"
    ),
    "ابي اقترح تطوير لتطبيق توكلنا": "suggest_development",
    "I want to suggest an improvement to the Nafath app": "suggest_development",
    "we are a government entity and our e-service is down": "report_outage",
    "نبلغ عن صيانة مجدولة لخدمتنا الإلكترونية": "report_outage",
    "بصفتي مدير فريق الأزمات في الجهة أبلغ عن تعطل": "report_outage",
    "إرسال": "confirm_report",
    "send": "confirm_report",
    "تعديل": "edit_report",
    "edit": "edit_report",
}
ENTITY = "target_language"
LANGUAGES = {"ar", "en"}

# Gulf dialect words that must be in the data (after normalisation: أبغى -> ابغي).
DIALECT_MARKERS = {
    "أبغى/ابغى": {"ابغي", "ابغا"},
    "ابي": {"ابي"},
    "وش": {"وش"},
    "ليش": {"ليش"},
    "محد": {"محد"},
    "للحين": {"للحين"},
    "ودي": {"ودي"},
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


def domain_intents() -> set[str]:
    domain = domain_yaml()
    return {i if isinstance(i, str) else next(iter(i)) for i in domain["intents"]}


def test_trained_intents_match_the_domain():
    trained = {ex.get("intent") for ex in intent_examples(all_data())}
    listed = {*INTENTS, *REPORT_INTENTS, *INTAKE_INTENTS, *RETRIEVAL_INTENTS}
    assert trained == listed, f"update the lists here: {trained ^ listed}"
    assert domain_intents() - UNTRAINED_INTENTS == trained, domain_intents() ^ trained


@pytest.mark.parametrize("name", LANGUAGE_FILES)
def test_each_language_file_has_every_intent(name):
    counts = defaultdict(int)
    for ex in intent_examples(file_data(name)):
        counts[ex.get("intent")] += 1
    for intent in (*INTENTS, *INTAKE_INTENTS):
        assert counts[intent] >= MIN_PER_FILE, f"nlu/{name}: {intent} has {counts[intent]}"
    for intent in REPORT_INTENTS:
        assert counts[intent] >= MIN_REPORT_PER_FILE, f"nlu/{name}: {intent}: {counts[intent]}"


def _by_script(intent: str) -> dict[str, list[str]]:
    by_script = defaultdict(list)
    for ex in intent_examples(all_data()):
        if ex.get("intent") == intent:
            by_script[script(ex.get("text"))].append(ex.get("text"))
    return by_script


@pytest.mark.parametrize("intent", (*INTENTS, *REPORT_INTENTS))
def test_enough_examples_in_each_script(intent):
    by_script = _by_script(intent)
    assert len(by_script["arabic"]) >= MIN_PER_SCRIPT, f"{intent}: {by_script['arabic']}"
    assert len(by_script["latin"]) >= MIN_PER_SCRIPT, f"{intent}: {by_script['latin']}"


@pytest.mark.parametrize("intent", INTAKE_INTENTS)
def test_intake_intents_have_typed_examples_in_each_script(intent):
    by_script = _by_script(intent)
    assert len(by_script["arabic"]) >= MIN_INTAKE_PER_SCRIPT, f"{intent}: {by_script['arabic']}"
    assert len(by_script["latin"]) >= MIN_INTAKE_PER_SCRIPT, f"{intent}: {by_script['latin']}"


@pytest.mark.parametrize("intent", REPORT_INTENTS)
def test_gulf_report_intents_have_mixed_messages(intent):
    """Users write "ابي اشتكي على Absher": Arabic with English words, in one message."""
    mixed = [
        ex.get("text")
        for ex in intent_examples(file_data("ar_gulf.yml"))
        if ex.get("intent") == intent
        and _ARABIC_LETTER.search(ex.get("text"))
        and _LATIN_LETTER.search(ex.get("text"))
    ]
    assert mixed, f"nlu/ar_gulf.yml: no mixed Arabic/English example of {intent}"


def test_report_and_intake_examples_carry_no_entities():
    """Platforms are found by the catalogue matcher, not by NLU; the intake entities
    (report_type, choice, field) come with button payloads only."""
    for ex in intent_examples(all_data()):
        if ex.get("intent") in (*REPORT_INTENTS, *INTAKE_INTENTS):
            assert not ex.get("entities"), f"{ex.get('intent')}: {ex.get('text')!r}"


def test_anchor_examples_are_trained_as_their_intent():
    intent_of = {ex.get("text").strip(): ex.get("intent") for ex in intent_examples(all_data())}
    wrong = {
        text: (intent_of.get(text), intent)
        for text, intent in ANCHOR_EXAMPLES.items()
        if intent_of.get(text) != intent
    }
    assert not wrong, f"(found, wanted): {wrong}"


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
