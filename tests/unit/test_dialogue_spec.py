"""The dialogue spec (bot.intake.dialogue_spec) is the one table of the forms (#18): what
Rasa reads (domain.yml), the eligibility rules, the validations and the NLU's language
guard agree with it, and the flow never asks a slot the table does not list."""

from __future__ import annotations

import random
from dataclasses import fields
from datetime import date, timedelta
from pathlib import Path

import pytest

from bot.intake import dialogue_spec, flow
from bot.intake.dialogue_spec import FORMS, QUESTIONS, Ask, form_named, report_forms
from bot.intake.eligibility import facts_from_slots
from tests.yaml_files import domain_yaml

ROOT = Path(__file__).resolve().parents[2]
DOMAIN = domain_yaml()


def _domain_line(form: dialogue_spec.Form) -> str:
    return f"  {form.name}:\n    required_slots: [{', '.join(form.slots)}]"


def test_domain_forms_are_the_spec_forms() -> None:
    assert set(DOMAIN["forms"]) == {form.name for form in FORMS}


@pytest.mark.parametrize("form", FORMS, ids=lambda form: form.name)
def test_domain_lists_the_spec_slots_in_order(form: dialogue_spec.Form) -> None:
    """Rasa reads `required_slots` before any action runs; copy the spec's line if not."""
    listed = DOMAIN["forms"][form.name]["required_slots"]
    assert tuple(listed) == form.slots, f"domain.yml should say:\n{_domain_line(form)}"


@pytest.mark.parametrize("form", FORMS, ids=lambda form: form.name)
def test_every_slot_of_a_form_is_a_domain_slot_with_a_question(
    form: dialogue_spec.Form,
) -> None:
    for slot in form.slots:
        assert slot in DOMAIN["slots"], slot
        question = QUESTIONS[slot]
        # Rasa prefers action_ask_<slot> to utter_ask_<slot> when the domain has both
        asked_by_action = f"action_ask_{slot}" in DOMAIN["actions"]
        assert asked_by_action is (question.ask == Ask.ACTION), slot
        if question.ask == Ask.RESPONSE:
            assert f"utter_ask_{slot}" in DOMAIN["responses"], slot


def test_every_question_belongs_to_a_form() -> None:
    asked = {slot for form in FORMS for slot in form.slots}
    assert set(QUESTIONS) == asked


@pytest.mark.parametrize("form", report_forms(), ids=lambda form: form.name)
def test_eligibility_questions_are_the_rules_facts(form: dialogue_spec.Form) -> None:
    """Every fact the rules may ask is listed, in the spec's order; no other."""
    facts = facts_from_slots(form.report_type, {})
    names = {item.name for item in fields(facts)}
    assert set(form.looked_up) <= names
    assert set(form.eligibility) == names - set(form.looked_up)


_YES_NO = (None, True, False)
_CHOICES = {
    "closed_complaint_kind": (None, "technical", "procedural"),
    "outage_kind": (None, "own_service", "scheduled_maintenance", "other_entity_service"),
    "reporter_role": (None, "crisis_team", "citizen"),
}
_DATES = ("prior_complaint_date", "response_due")
_NAMES = ("prior_complaint_ref", "service_name", "platform", "entity_name")


def _random_slots(rng: random.Random, form: dialogue_spec.Form) -> dict[str, object]:
    today = date(2026, 12, 7)
    slots: dict[str, object] = {}
    for slot in form.eligibility:
        if slot in _CHOICES:
            slots[slot] = rng.choice(_CHOICES[slot])
        elif slot in _DATES:
            slots[slot] = rng.choice((None, (today - timedelta(days=rng.randint(0, 40)))))
        elif slot in _NAMES:
            slots[slot] = rng.choice((None, "", "أبشر"))
        else:
            slots[slot] = rng.choice(_YES_NO)
    return slots


@pytest.mark.parametrize("form", report_forms(), ids=lambda form: form.name)
def test_the_flow_asks_only_the_spec_slots(form: dialogue_spec.Form) -> None:
    """What the validation's `required_slots` returns (bot.intake.flow) is always listed."""
    rng = random.Random(18)
    for _ in range(400):
        slots = _random_slots(rng, form)
        asked = flow.report_form_slots(form.report_type, slots, date(2026, 12, 7))
        assert set(asked) <= set(form.slots), (slots, asked)


def test_every_form_has_its_validation_action() -> None:
    from rasa_sdk.executor import ActionExecutor

    executor = ActionExecutor()
    executor.register_package("actions")
    for form in FORMS:
        assert form.validation in executor.actions, form.validation
        assert form.validation in DOMAIN["actions"], form.validation


@pytest.mark.parametrize("form", FORMS, ids=lambda form: form.name)
def test_a_validation_with_the_spec_form_takes_its_report_type(
    form: dialogue_spec.Form,
) -> None:
    import actions.forms

    validations = [
        cls
        for cls in vars(actions.forms).values()
        if isinstance(cls, type) and getattr(cls, "form", None) is form
    ]
    for cls in validations:
        assert cls().name() == form.validation
        assert cls().report_type == form.report_type


def test_the_language_guard_knows_the_data_answers() -> None:
    """bot.nlu may not import the intake: its copy of the data slots is checked here."""
    from bot.nlu.language import DATA_SLOTS

    assert {slot for slot, question in QUESTIONS.items() if question.data} == DATA_SLOTS


def test_the_flow_tables_come_from_the_spec() -> None:
    assert form_named("personal_form").collects == flow.PERSONAL_SLOTS
    assert {form.name for form in report_forms()} == set(flow.FORM_OF_TYPE.values())
    assert {"email", "service_channel"} == flow.OPTIONAL_SLOTS
    assert set(flow.QUESTION_SLOTS) == {
        slot for form in (*report_forms(), form_named("personal_form")) for slot in form.slots
    }
