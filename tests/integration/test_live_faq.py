"""The FAQ end to end: every question of SPEC answered in Arabic and English, also mid-form.

Each question is asked in MSA, Saudi dialect and English (one training example of each, so
the test checks the wiring: NLU → ResponseSelector → the answer in the user's language);
how well unseen paraphrases are recognised is measured by bench/, not asserted here.
"""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
import yaml

from tests.guide_faq import GUIDE_FAQ
from tests.live import (
    AssistantProcess,
    is_arabic,
    is_english,
    texts,
)

pytestmark = pytest.mark.servers

ROOT = Path(__file__).resolve().parents[2]


def _examples(name: str) -> dict[str, list[str]]:
    data = yaml.safe_load((ROOT / "nlu" / name).read_text(encoding="utf-8"))
    return {
        block["intent"].split("/", 1)[1]: [
            line[2:].strip() for line in block["examples"].splitlines() if line.startswith("- ")
        ]
        for block in data["nlu"]
        if str(block.get("intent", "")).startswith("faq/")
    }


MSA, GULF, ENGLISH = _examples("faq.yml"), _examples("faq_gulf.yml"), _examples("faq_en.yml")
ANSWERS = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))["responses"]


def _answer(key: str, language: str) -> str:
    (variation,) = [
        v for v in ANSWERS[f"utter_faq/{key}"] if v["condition"][0]["value"] == language
    ]
    return variation["text"]


def sender() -> str:
    return f"faq-{uuid.uuid4().hex[:10]}"


@pytest.mark.parametrize("key", sorted(ENGLISH))
def test_each_question_in_each_language(assistant: AssistantProcess, key: str) -> None:
    asked = ((MSA[key][-1], "ar"), (GULF[key][-1], "ar"), (ENGLISH[key][-1], "en"))
    for question, language in asked:
        reply = assistant.say(sender(), question)
        assert texts(reply) == _answer(key, language), (question, texts(reply))
        assert is_arabic(reply) if language == "ar" else is_english(reply)


def test_a_question_in_the_middle_of_a_form_then_the_form_goes_on(
    assistant: AssistantProcess,
) -> None:
    user = sender()
    assistant.say(user, "ابي اقترح تطوير لتطبيق توكلنا")
    assistant.say(user, "نعم")
    reply = assistant.say(user, "كم يوم تاخذ معالجة البلاغ؟")
    assert _answer("escalation_sla", "ar") in texts(reply), texts(reply)
    assert texts(reply).endswith("ما اسم الخدمة؟"), texts(reply)
    tracker = assistant.tracker(user)
    assert tracker["active_loop"]["name"] == "suggestion_form"


@pytest.mark.parametrize("language", ["ar", "en"])
def test_the_button_of_a_did_you_mean_gives_that_answer(
    assistant: AssistantProcess, language: str
) -> None:
    """The buttons actions/faq.py offers when two answers are close carry the key."""
    user = sender()
    assistant.say(user, "hello" if language == "en" else "مرحبا")
    reply = assistant.say(user, '/faq{"faq_pick": "escalation_sla"}')
    assert texts(reply) == _answer("escalation_sla", language), texts(reply)


def test_the_button_in_a_free_text_question_answers_and_the_form_goes_on(
    assistant: AssistantProcess,
) -> None:
    user = sender()
    assistant.say(user, "ابي اقترح تطوير لتطبيق توكلنا")
    assistant.say(user, "نعم")
    assert assistant.tracker(user)["slots"]["requested_slot"] == "service_name"
    reply = assistant.say(user, '/faq{"faq_pick": "share_screenshot"}')
    assert _answer("share_screenshot", "ar") in texts(reply), texts(reply)
    slots = assistant.tracker(user)["slots"]
    assert slots["service_name"] is None and slots["requested_slot"] == "service_name"


@pytest.mark.parametrize(("section", "question", "answer"), GUIDE_FAQ,
                         ids=[f"{i:02d}-{s}" for i, (s, _, _) in enumerate(GUIDE_FAQ, 1)])
def test_each_question_of_the_guide_as_the_guide_asks_it(
    assistant: AssistantProcess, section: str, question: str, answer: str
) -> None:
    """Seed 003's FAQ, word for word (tests/guide_faq.py): the FAQ's answer in Arabic, or,
    for "how do I submit a Development suggestion", the assistant offering to start one."""
    reply = texts(assistant.say(sender(), question))
    if answer == "intent:suggest_development":
        assert "اقتراح تطوير" in reply and "هل هذا صحيح" in reply, reply
    else:
        assert reply == _answer(answer, "ar"), (question, reply)
