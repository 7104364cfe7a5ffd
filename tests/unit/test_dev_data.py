"""Checks on the NLU development set, tests/dev/*.yml (no model).

`messages.yml` holds the four groups (MSA, dialect, English, mixed), at least 100 each;
`dialect.yml` and `mixed.yml` add Saudi-dialect and code-switched messages where the
held-out set found the model weakest (written afresh, not from the held-out set's messages).

The development set chooses the NLU's settings (bench/linear_select.py) and shows where the
training data is thin; the held-out set (tests/heldout/) only reports the result. Neither
is trained on, and they share no text, so a choice made on one is measured on the other.
"""

from __future__ import annotations

from functools import cache

from tests.unit.test_heldout_data import (
    GROUPS,
    KINDS,
    OPTIONAL,
    REQUIRED,
    SHAPES,
    bench,
    domain_intents,
    faq_keys,
)
from tests.unit.test_heldout_data import messages as heldout_messages
from tests.unit.test_nlu_data import ROOT
from tests.yaml_files import load_yaml

DEV = ROOT / "tests" / "dev" / "messages.yml"
DEV_FILES = sorted((ROOT / "tests" / "dev").glob("*.yml"))


@cache
def data(path: str = str(DEV)) -> dict:
    return load_yaml(path)


def messages() -> list[tuple[str, dict]]:
    """Every development message, of every file."""
    return [(group, item) for path in DEV_FILES for group in GROUPS
            for item in data(str(path)).get(group) or []]


def test_four_groups_of_at_least_100():
    assert set(data()) == {"new_intents", *GROUPS}
    assert all(len(data()[group]) >= 100 for group in GROUPS)
    assert len(DEV_FILES) >= 2 and all(set(data(str(p))) <= {"new_intents", *GROUPS}
                                       for p in DEV_FILES)


def test_every_message_has_valid_fields_and_is_there_once():
    texts = [bench._key(item["text"]) for _, item in messages()]
    assert len(texts) == len(set(texts))
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
    read = [bench.load_heldout(path)[1] for path in DEV_FILES]
    assert sum(len(g) for groups in read for g in groups.values()) == len(messages())
