"""Checks on the NLU development set, tests/dev/messages.yml (no model).

The development set chooses the NLU's settings (bench/linear_select.py) and shows where the
training data is thin; the held-out set (tests/heldout/) only reports the result. Neither
is trained on, and they share no text, so a choice made on one is measured on the other.
"""

from __future__ import annotations

from functools import cache

import yaml

from tests.test_heldout_data import (
    GROUPS,
    KINDS,
    OPTIONAL,
    REQUIRED,
    SHAPES,
    bench,
    domain_intents,
    faq_keys,
)
from tests.test_heldout_data import messages as heldout_messages
from tests.test_nlu_data import ROOT

DEV = ROOT / "tests" / "dev" / "messages.yml"


@cache
def data() -> dict:
    return yaml.safe_load(DEV.read_text(encoding="utf-8"))


def messages() -> list[tuple[str, dict]]:
    return [(group, item) for group in GROUPS for item in data()[group]]


def test_four_groups_of_at_least_100_with_valid_fields():
    assert set(data()) == {"new_intents", *GROUPS}
    assert all(len(data()[group]) >= 100 for group in GROUPS)
    for group, item in messages():
        where = f"{group}: {item}"
        assert REQUIRED <= set(item) <= REQUIRED | OPTIONAL, where
        assert item["intent"] in domain_intents(), where
        assert item["kind"] in KINDS and item["shape"] in SHAPES, where
        assert (item.get("response") in faq_keys()) == (item["intent"] == "faq"), where


def test_no_development_text_is_training_data():
    seen = bench.training_texts()
    clashes = [item["text"] for _, item in messages() if bench._key(item["text"]) in seen]
    assert clashes == [], "development texts found in nlu/*.yml: write new examples instead"


def test_the_development_and_held_out_sets_share_no_text():
    held_out = {bench._key(item["text"]) for _, item in heldout_messages()}
    assert [item["text"] for _, item in messages() if bench._key(item["text"]) in held_out] == []


def test_bench_reads_it():
    _, groups = bench.load_heldout(DEV)
    assert sum(len(g) for g in groups.values()) == len(messages())
