"""Checks on the FAQ content: the retrieval intent `faq/<key>` and its answers.

Every question of the FAQ (SPEC, section FAQ; seed 003, «الأسئلة الشائعة») has a key.
Its training examples are in three files, one per variety: nlu/faq.yml (Modern
Standard Arabic), nlu/faq_gulf.yml (Saudi/Gulf dialect) and nlu/faq_en.yml (English).
Its answer is the response `utter_faq/<key>` in domain.yml, in Arabic and in English.
"""

from __future__ import annotations

import re
from collections import defaultdict
from functools import cache
from pathlib import Path

import pytest
from rasa.shared.nlu.training_data.loading import load_data
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.normalise import normalise_text
from tests.guide_faq import GUIDE_FAQ
from tests.yaml_files import domain_yaml

ROOT = Path(__file__).resolve().parents[2]
NLU_DIR = ROOT / "nlu"
DOMAIN = domain_yaml()

RETRIEVAL_INTENT = "faq"
# key -> the SPEC's FAQ topic it answers, in the SPEC's order.
FAQ_TOPICS = {
    "paper_service_complaint": "can a complaint about a paper service be escalated",
    "missing_data_documents": "how to share documents when a report is in 'missing data'",
    "sla_no_entity_sla": "processing time when the entity has no SLA (5 working days)",
    "report_errors": "what to do about errors in a filed report",
    "escalation_sla": "SLA of an escalation (5 working days)",
    "missing_data_deadline": "time allowed to complete missing documents (48 h, then cancelled)",
    "complaint_without_number": "complaining without an earlier complaint number (no, except"
    " a technical fault, with a screenshot)",
    "closed_procedure_complaint": "can a closed complaint about the entity's procedures be"
    " escalated (no)",
    "upload_steps": "steps to upload documents",
    "rate_entity_response": "how to rate the entity's response",
    "share_screenshot": "how to share a screenshot of a technical problem",
    "reopen_notification": "is the reporter told when reopening is accepted (yes)",
    "closed_technical_complaint": "can a closed technical complaint be escalated (yes, if it"
    " persists)",
    "rate_service": "how to rate the service",
    "transformation_request": "what a Transformation request is and how it is processed",
    "request_accepted": "what happens when a Transformation request / Development suggestion"
    " is accepted",
    "paper_service_suggestion": "can a paper service get a Development suggestion (no)",
    "contact_channels": "contact channels: GOV.SA, its app, the toll-free number 199099",
    "development_suggestion": "what a Development suggestion is (its answer also says how a"
    " Transformation request differs; asking the difference is ask_report_types)",
}

VARIETY_FILES = {"msa": "faq.yml", "gulf": "faq_gulf.yml", "en": "faq_en.yml"}
MIN_PER_VARIETY = 6

# Facts each answer must state, in both languages (numbers, names).
FACTS = {
    "sla_no_entity_sla": ["5"],
    "escalation_sla": ["5"],
    "missing_data_deadline": ["48"],
    "upload_steps": ["GOV.SA"],
    "contact_channels": ["GOV.SA", "199099"],
}

# Saudi/Gulf words, after normalisation. Each dialect example has one of GULF_WORDS or
# SHARED_WORDS; no MSA example has one of GULF_WORDS (SHARED_WORDS are also written in MSA).
GULF_WORDS = set(
    """
    وش ايش وشلون ابي ابغي ابغا ودي ينفع يصير يمدي يجيني مو لين للحين حقي حقتي حقكم
    حقتكم عشان عطني عطتني اسوي سكروا قفلوا قفلت قفلوها سكروها انقفلت تسكرت مسكره
    مقفله تنقفل ينلغي يتسكر انقبل ينقبل تنقبل بتردون تردون بيوصلني بتعلموني
    بتبلغوني تعلموني بيعلموني بينفذونه تعطوني رسلت ياخذ تاخذ الاقي احط حطت وين مين
    بعرف بيجيني رجعوا غلطت ناقصه تتصعد يتصعد اجيكم اللي صار يخلص سكرين لما يوصلني
    اقعد
    """.split()
)
SHARED_WORDS = set(
    """
    ولا فيه لازم اقدر حق عندي عندكم معكم اقيم تقبلون تقبلونها اصعد اصعدها يمر غلط
    """.split()
)

# Messages that must be trained as the FAQ answer they ask for, word for word:
# CONVERSATIONS.md example 6 and the questions named when the FAQ was planned.
ANCHOR_EXAMPLES = {
    "كم يوم تاخذ معالجة البلاغ؟": "escalation_sla",
    "كم ياخذ البلاغ وقت؟": "escalation_sla",
    "how long does a report take?": "escalation_sla",
    "وش اسوي اذا غلطت في البلاغ": "report_errors",
}

_ARABIC_LETTER = re.compile(r"[\u0621-\u064A\u066E-\u06D3\u06FA-\u06FF]")
_LATIN_LETTER = re.compile(r"[A-Za-z]")
_NON_WORD = re.compile(r"[^\w\s+]")


def normalise(text: str) -> str:
    """The pipeline's Arabic normalisation, plus case folding and no punctuation."""
    return " ".join(_NON_WORD.sub(" ", normalise_text(text).casefold()).split())


def label(ex: Message) -> str:
    """`faq/<key>` for an FAQ example, the intent for any other."""
    return ex.get("intent_response_key") or ex.get("intent")


@cache
def all_examples() -> tuple[Message, ...]:
    return tuple(ex for ex in load_data(str(NLU_DIR)).intent_examples if ex.get("intent"))


@cache
def variety_examples(variety: str) -> tuple[Message, ...]:
    path = NLU_DIR / VARIETY_FILES[variety]
    assert path.is_file(), f"missing {path}"
    return tuple(ex for ex in load_data(str(path)).intent_examples if ex.get("intent"))


def faq_key(ex: Message) -> str | None:
    if ex.get("intent") != RETRIEVAL_INTENT:
        return None
    response_key = ex.get("intent_response_key") or ""
    prefix = f"{RETRIEVAL_INTENT}/"
    assert response_key.startswith(prefix), f"faq example without a key: {ex.get('text')!r}"
    return response_key[len(prefix) :]


def _language(variation: dict) -> str | None:
    for condition in variation.get("condition") or []:
        if condition.get("name") == "language":
            return condition.get("value")
    return None


def faq_responses() -> dict[str, list[dict]]:
    prefix = f"utter_{RETRIEVAL_INTENT}/"
    return {
        name[len(prefix) :]: variations
        for name, variations in DOMAIN["responses"].items()
        if name.startswith(prefix)
    }


def test_every_question_of_the_guide_is_answered() -> None:
    """Each question of seed 003's FAQ (tests/guide_faq.py) leads to an FAQ key that has
    an answer, or to an intent of the domain; every key answers one of them (but for the
    channels, from the guide's «قنوات التواصل»)."""
    used = set()
    for section, question, answer in GUIDE_FAQ:
        if answer.startswith("intent:"):
            assert answer.removeprefix("intent:") in DOMAIN["intents"], (section, question)
            continue
        assert answer in FAQ_TOPICS and f"utter_faq/{answer}" in DOMAIN["responses"], question
        used.add(answer)
    assert set(FAQ_TOPICS) - used == {"contact_channels"}
    assert len(GUIDE_FAQ) == 30


def test_every_spec_topic_has_a_key():
    assert len(FAQ_TOPICS) == 19
    for key in FAQ_TOPICS:
        assert re.fullmatch(r"[a-z][a-z0-9]*(_[a-z0-9]+)*", key), f"not snake_case: {key}"
    trained = {faq_key(ex) for ex in all_examples()} - {None}
    assert trained == set(FAQ_TOPICS), trained ^ set(FAQ_TOPICS)
    assert set(faq_responses()) == set(FAQ_TOPICS), set(faq_responses()) ^ set(FAQ_TOPICS)


def test_faq_is_an_intent_of_the_domain():
    intents = {i if isinstance(i, str) else next(iter(i)) for i in DOMAIN["intents"]}
    assert RETRIEVAL_INTENT in intents


def test_faq_examples_are_only_in_the_faq_files():
    for name in sorted(p.name for p in NLU_DIR.glob("*.yml")):
        if name in VARIETY_FILES.values():
            continue
        for ex in load_data(str(NLU_DIR / name)).intent_examples:
            assert ex.get("intent") != RETRIEVAL_INTENT, f"nlu/{name}: {ex.get('text')!r}"


@pytest.mark.parametrize("variety", sorted(VARIETY_FILES))
def test_every_key_has_enough_examples_in_each_variety(variety):
    counts: dict[str | None, int] = defaultdict(int)
    for ex in variety_examples(variety):
        key = faq_key(ex)
        assert key is not None, f"nlu/{VARIETY_FILES[variety]}: not an FAQ: {ex.get('text')!r}"
        counts[key] += 1
    short = {k: counts[k] for k in FAQ_TOPICS if counts[k] < MIN_PER_VARIETY}
    assert not short, f"nlu/{VARIETY_FILES[variety]}: fewer than {MIN_PER_VARIETY}: {short}"


def test_varieties_are_in_their_language():
    for variety in ("msa", "gulf"):
        for ex in variety_examples(variety):
            text = ex.get("text")
            arabic, latin = len(_ARABIC_LETTER.findall(text)), len(_LATIN_LETTER.findall(text))
            assert arabic > latin, f"nlu/{VARIETY_FILES[variety]}: {text!r}"
    for ex in variety_examples("msa"):
        assert not _LATIN_LETTER.search(ex.get("text")), f"nlu/faq.yml: {ex.get('text')!r}"
    for ex in variety_examples("en"):
        text = ex.get("text")
        assert not _ARABIC_LETTER.search(text), f"nlu/faq_en.yml has Arabic: {text!r}"


def test_gulf_examples_are_dialect_and_msa_examples_are_not():
    plain = [
        ex.get("text")
        for ex in variety_examples("gulf")
        if not (GULF_WORDS | SHARED_WORDS) & set(normalise(ex.get("text")).split())
    ]
    assert not plain, f"nlu/faq_gulf.yml: no dialect word in {plain}"
    dialect = {
        ex.get("text"): sorted(GULF_WORDS & set(normalise(ex.get("text")).split()))
        for ex in variety_examples("msa")
    }
    dialect = {text: words for text, words in dialect.items() if words}
    assert not dialect, f"nlu/faq.yml has dialect words: {dialect}"


def test_faq_examples_carry_no_entities():
    for ex in all_examples():
        if faq_key(ex):
            assert not ex.get("entities"), ex.get("text")


def test_no_example_text_is_repeated_anywhere_in_nlu():
    """Across every file and intent of nlu/, FAQ keys included: a text, or the text the
    model sees after normalisation, is trained once."""
    seen: dict[str, list[str]] = defaultdict(list)
    for ex in all_examples():
        seen[normalise(ex.get("text"))].append(f"{label(ex)}: {ex.get('text')!r}")
    repeated = {text: where for text, where in seen.items() if len(where) > 1}
    faq_repeated = {
        text: where for text, where in repeated.items() if any("faq/" in w for w in where)
    }
    assert not faq_repeated, f"repeated examples: {faq_repeated}"


def test_anchor_examples_are_trained_as_their_key():
    key_of = {ex.get("text").strip(): faq_key(ex) for ex in all_examples()}
    wrong = {
        text: (key_of.get(text), key)
        for text, key in ANCHOR_EXAMPLES.items()
        if key_of.get(text) != key
    }
    assert not wrong, f"(found, wanted): {wrong}"


@pytest.mark.parametrize("key", sorted(FAQ_TOPICS))
def test_answer_has_one_arabic_and_one_english_variation(key):
    variations = faq_responses().get(key)
    assert variations, f"domain.yml lacks utter_{RETRIEVAL_INTENT}/{key}"
    languages = sorted(_language(v) or "none" for v in variations)
    assert languages == ["ar", "en"], f"utter_faq/{key}: variations for {languages}"
    for variation in variations:
        text = variation.get("text") or ""
        assert text.strip(), f"utter_faq/{key}: empty {_language(variation)} text"
        if _language(variation) == "ar":
            assert _ARABIC_LETTER.search(text), f"utter_faq/{key}: ar text has no Arabic"
        else:
            assert not re.search(r"[\u0600-\u06FF]", text), f"utter_faq/{key}: en has Arabic"


@pytest.mark.parametrize("key", sorted(FACTS))
def test_answer_states_its_facts_in_both_languages(key):
    for variation in faq_responses()[key]:
        text = variation["text"]
        for fact in FACTS[key]:
            assert re.search(rf"(?<![\w.]){re.escape(fact)}(?![\w])", text), (key, fact, text)
