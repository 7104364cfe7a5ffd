"""Every response exists in Arabic and in English, and the stories use only known names."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.intake.flow import QUESTION_SLOTS
from tests.yaml_files import domain_yaml

ROOT = Path(__file__).resolve().parents[2]
DOMAIN = domain_yaml()
ARABIC = re.compile(r"[\u0600-\u06FF]")
LTR_TOKEN = re.compile(r"BR-[0-9A-Z]{8}|\d{4}-\d{2}-\d{2}|\b\d{6,}\b")


def _variation_language(variation: dict) -> str | None:
    for condition in variation.get("condition") or []:
        if condition.get("name") == "language":
            return condition.get("value")
    return None


@pytest.mark.parametrize("name", sorted(DOMAIN["responses"]))
def test_response_has_arabic_and_english_variations(name: str) -> None:
    variations = DOMAIN["responses"][name]
    languages = [_variation_language(v) for v in variations]
    assert set(languages) == {"ar", "en"}, f"{name}: variations for {languages}"
    for variation in variations:
        text = variation.get("text", "")
        is_arabic = bool(ARABIC.search(text))
        assert is_arabic == (_variation_language(variation) == "ar"), f"{name}: {text[:60]}"
        for button in variation.get("buttons") or []:
            assert button["payload"].startswith("/"), button


@pytest.mark.parametrize("name", sorted(DOMAIN["responses"]))
def test_numbers_inside_arabic_text_are_isolated(name: str) -> None:
    """A reference, date or phone number in Arabic text is wrapped in U+2066 … U+2069."""
    for variation in DOMAIN["responses"][name]:
        if _variation_language(variation) != "ar":
            continue
        text = variation["text"]
        for match in LTR_TOKEN.finditer(text):
            before, after = text[: match.start()], text[match.end() :]
            assert before.endswith("\u2066") and after.startswith("\u2069"), match.group()


def test_language_slot_defaults_to_arabic_and_is_set_by_action() -> None:
    slot = DOMAIN["slots"]["language"]
    assert slot["initial_value"] == "ar"
    assert slot["mappings"] == [{"type": "custom", "action": "action_detect_language"}]


def test_contract_slots_exist() -> None:
    contract = """language report_type full_name national_id mobile email platform service_name
    service_channel entity_name prior_complaint_ref prior_complaint_date title description
    attachments report_ref""".split()
    assert set(contract) <= set(DOMAIN["slots"])


def test_example_references_in_responses_are_valid_references() -> None:
    """A user who types the example a message shows must not be told it is invalid."""
    from bot.store.reference import parse_reference

    examples = {
        (name, match)
        for name, variations in DOMAIN["responses"].items()
        for variation in variations
        for match in re.findall(r"BR-[0-9A-Z]{8}", variation.get("text", ""))
    }
    assert examples, "no example reference in the responses"
    assert [e for e in sorted(examples) if parse_reference(e[1]) != e[1]] == []


@pytest.mark.parametrize("slot", QUESTION_SLOTS)
def test_every_intake_question_is_explained_and_asked_by_its_action(slot: str) -> None:
    """The second time a question is asked it is explained (actions/ask.py, #17)."""
    assert f"utter_explain_{slot}" in DOMAIN["responses"], slot
    assert f"action_ask_{slot}" in DOMAIN["actions"], slot


def test_every_answer_error_has_its_message() -> None:
    """actions/forms.py says `utter_invalid_<error>` for each error bot.intake.answers gives."""
    source = (ROOT / "bot" / "intake" / "answers.py").read_text(encoding="utf-8")
    errors = set(re.findall(r'error="([a-z_]+)"', source))
    assert "not_an_answer" in errors
    missing = sorted(e for e in errors if f"utter_invalid_{e}" not in DOMAIN["responses"])
    assert not missing, missing


@pytest.mark.parametrize("name", sorted(DOMAIN["responses"]))
def test_one_variation_per_language_and_condition(name: str) -> None:
    """Two texts under one condition would be picked at random: a response's key line lost
    in an edit glues its texts onto the response above it."""
    seen: set[tuple] = set()
    for variation in DOMAIN["responses"][name]:
        conditions = tuple(
            sorted((c.get("name"), str(c.get("value"))) for c in variation.get("condition") or [])
        )
        assert conditions not in seen, f"{name}: two variations for {conditions}"
        seen.add(conditions)
