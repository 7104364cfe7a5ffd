"""Checks on the held-out NLU set of issue #17, tests/heldout/messages.yml (no model).

The set measures the NLU before and after the changes of #17, so it must stay out of
training: no text of it may appear in nlu/*.yml (normalised as `bench/nlu.py` does) or in
bench/domain_test.yml. A change that trains on it fails here.
"""

from __future__ import annotations

import importlib.util
import re
import sys
from collections import Counter
from functools import cache
from pathlib import Path

import pytest

from tests.yaml_files import domain_yaml, load_yaml

ROOT = Path(__file__).resolve().parents[2]


def _load_bench():
    """bench/nlu.py, under a name of its own (tests/unit/nlu/ is another `nlu`)."""
    spec = importlib.util.spec_from_file_location("bench_nlu", ROOT / "bench" / "nlu.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


bench = _load_bench()
HELDOUT = ROOT / "tests" / "heldout" / "messages.yml"
GROUPS = ("msa", "gulf", "en", "mixed")
MIN_PER_GROUP = 100
MIN_TOTAL = 400
KINDS = {"first", "answer", "digression"}
SHAPES = {"short", "long", "misspelt", "run_on"}
CORE = {
    "complaint_escalation": "report_complaint",
    "transformation_request": "request_transformation",
    "development_suggestion": "suggest_development",
    "entity_outage": "report_outage",
}
MIN_CORE = 3
REQUIRED = {"intent", "text", "kind", "shape"}
OPTIONAL = {"response", "asked", "core"}
ARABIC = re.compile(r"[\u0600-\u06FF]")
LATIN = re.compile(r"[A-Za-z]{2,}")
REFERENCE = re.compile(r"\b(BR-[0-9A-Z]{8}|Q-\d+)\b")


@cache
def data() -> dict:
    return load_yaml(HELDOUT)


def messages() -> list[tuple[str, dict]]:
    return [(group, item) for group in GROUPS for item in data()[group]]


@cache
def domain_intents() -> set[str]:
    domain = domain_yaml()
    return set(domain["intents"])


@cache
def faq_keys() -> set[str]:
    keys = set()
    for path in (ROOT / "nlu").glob("faq*.yml"):
        keys |= set(re.findall(r"intent: faq/([a-z_]+)", path.read_text(encoding="utf-8")))
    return keys


def test_file_loads_with_the_four_groups_and_the_new_intents():
    assert set(data()) == {"new_intents", *GROUPS}
    new = data()["new_intents"]  # empty once every repair intent is in the domain
    assert isinstance(new, dict) and all(isinstance(v, str) and v for v in new.values())
    assert not set(new) & domain_intents(), "a new intent is already in domain.yml"


@pytest.mark.parametrize("group", GROUPS)
def test_enough_messages_per_group(group):
    assert len(data()[group]) >= MIN_PER_GROUP


def test_enough_messages_in_all():
    assert len(messages()) >= MIN_TOTAL


def test_every_item_has_the_fields_with_allowed_values():
    labels = domain_intents() | set(data()["new_intents"])
    for group, item in messages():
        where = f"{group}: {item}"
        assert REQUIRED <= set(item) <= REQUIRED | OPTIONAL, where
        assert isinstance(item["text"], str) and item["text"].strip(), where
        assert item["intent"] in labels, where
        assert item["kind"] in KINDS, where
        assert item["shape"] in SHAPES, where
        if item["intent"] == "faq":
            assert item.get("response") in faq_keys(), where
        else:
            assert "response" not in item, where
        if item["kind"] == "answer":
            assert item.get("asked"), f"an answer says what was asked: {where}"
        if "core" in item:
            assert group == "en" and CORE[item["core"]] == item["intent"], where


@pytest.mark.parametrize("group", GROUPS)
def test_at_least_half_of_each_group_is_long_misspelt_or_run_on(group):
    items = data()[group]
    assert 2 * sum(item["shape"] != "short" for item in items) >= len(items)


@pytest.mark.parametrize("group", GROUPS)
def test_every_group_has_first_messages_answers_and_digressions(group):
    kinds = Counter(item["kind"] for item in data()[group])
    assert all(kinds[kind] >= 15 for kind in KINDS), kinds


def test_scripts_match_the_groups():
    for group, item in messages():
        text = REFERENCE.sub("", item["text"])
        arabic, latin = bool(ARABIC.search(text)), bool(LATIN.search(text))
        expected = {"en": (False, True), "mixed": (True, True)}.get(group, (True, False))
        assert (arabic, latin) == expected, f"{group}: {item['text']}"


def test_core_english_phrasings_of_the_four_report_types():
    counts = Counter(item["core"] for item in data()["en"] if "core" in item)
    assert set(counts) == set(CORE)
    assert all(n >= MIN_CORE for n in counts.values()), counts


def test_every_new_intent_is_used_in_every_group():
    for group in GROUPS:
        used = {item["intent"] for item in data()[group]}
        assert set(data()["new_intents"]) <= used, group


def test_no_duplicate_texts():
    keys = Counter(bench._key(item["text"]) for _, item in messages())
    assert [k for k, n in keys.items() if n > 1] == []


def test_no_heldout_text_is_training_data():
    seen = bench.training_texts()
    clashes = [item["text"] for _, item in messages() if bench._key(item["text"]) in seen]
    assert clashes == [], "held-out texts found in nlu/*.yml"


def test_no_heldout_text_is_in_the_domain_test():
    domain = {bench._key(c["text"]) for cs in bench.load_domain_test().values() for c in cs}
    clashes = [item["text"] for _, item in messages() if bench._key(item["text"]) in domain]
    assert clashes == []


def test_bench_reads_the_same_set():
    new_intents, groups = bench.load_heldout(HELDOUT)
    assert new_intents == data()["new_intents"]
    assert list(groups) == list(GROUPS)
    assert sum(len(g) for g in groups.values()) == len(messages())
