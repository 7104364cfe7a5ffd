"""Report references: format, check character, readback forms, randomness."""

from __future__ import annotations

import itertools
import random
import re

import pytest

from bot.store.reference import (
    ALPHABET,
    MODULUS,
    WEIGHTS,
    is_valid_reference,
    new_reference,
    parse_reference,
)

FORMAT = re.compile(r"^BR-[0-9A-HJKMNP-TV-Z]{8}$")
ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
PERSIAN = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")


@pytest.fixture(scope="module")
def sample() -> list[str]:
    return [new_reference() for _ in range(200)]


def test_alphabet_is_crockford() -> None:
    assert len(ALPHABET) == 32 == len(set(ALPHABET))
    assert not set("ILOU") & set(ALPHABET)
    assert len(ALPHABET) < MODULUS and all(0 < weight < MODULUS for weight in WEIGHTS)
    assert all(abs(a - b) % MODULUS != 0 for a, b in itertools.pairwise(WEIGHTS))


def test_ten_thousand_references_are_unique_and_valid() -> None:
    references = [new_reference() for _ in range(10_000)]
    assert len(set(references)) == len(references)
    for reference in references:
        assert FORMAT.match(reference), reference
        assert parse_reference(reference) == reference
        assert is_valid_reference(reference)


def test_references_are_not_sequential() -> None:
    """Every position, the check character included, takes many different values."""
    references = [new_reference()[3:] for _ in range(2_000)]
    for position in range(8):
        assert len({reference[position] for reference in references}) == len(ALPHABET)


def test_every_single_substitution_is_rejected(sample: list[str]) -> None:
    for reference in sample:
        body = reference[3:]
        for position in range(8):
            for char in ALPHABET:
                if char == body[position]:
                    continue
                wrong = body[:position] + char + body[position + 1 :]
                assert parse_reference("BR-" + wrong) is None, (reference, wrong)


def test_every_adjacent_swap_is_rejected(sample: list[str]) -> None:
    swaps = 0
    for reference in sample:
        body = reference[3:]
        for position in range(7):
            if body[position] == body[position + 1]:
                continue
            swapped = body[:position] + body[position + 1] + body[position] + body[position + 2 :]
            assert parse_reference("BR-" + swapped) is None, (reference, swapped)
            swaps += 1
    assert swaps > 1000


def test_exhaustive_over_all_value_pairs_at_every_position() -> None:
    """Algebraic check over every position and every pair of values, not only a sample."""
    for position, weight in enumerate(WEIGHTS):
        for old in range(len(ALPHABET)):
            for new in range(len(ALPHABET)):
                if old != new:
                    assert (weight * (new - old)) % MODULUS != 0, (position, old, new)
    for position in range(len(WEIGHTS) - 1):
        step = WEIGHTS[position] - WEIGHTS[position + 1]
        for left in range(len(ALPHABET)):
            for right in range(len(ALPHABET)):
                if left != right:
                    assert (step * (right - left)) % MODULUS != 0


def _readbacks(reference: str) -> list[str]:
    body = reference[3:]
    spaced = " ".join([body[:4], body[4:]])
    return [
        reference.lower(),
        body,
        body.lower(),
        "BR" + body,
        "br " + body,
        "Br-" + spaced,
        "BR-" + "-".join([body[:4], body[4:]]),
        "  " + reference + "\n",
        "\u200f" + reference + "\u200e",
        "\u2067" + reference + "\u2069",
        "\u2066BR-\u2068" + body + "\u2069\u2069",
        reference.translate(ARABIC_INDIC),
        reference.translate(PERSIAN),
        "br-" + body.lower().translate(ARABIC_INDIC),
    ]


def test_readback_variants_are_accepted(sample: list[str]) -> None:
    for reference in sample[:50]:
        for variant in _readbacks(reference):
            assert parse_reference(variant) == reference, (reference, variant)


def test_look_alike_letters_read_as_digits() -> None:
    for _ in range(2_000):
        reference = new_reference()
        body = reference[3:]
        if "0" in body or "1" in body:
            break
    else:
        pytest.fail("no reference with a 0 or 1 in 2000 draws")
    confused = body.replace("0", "O").replace("1", random.choice("ILil"))
    assert parse_reference("BR-" + confused) == reference
    assert parse_reference(("br-" + confused).lower()) == reference


def test_known_reference() -> None:
    # 7K2M9QX: 8*7 + 7*19 + 6*2 + 5*20 + 4*9 + 3*23 + 2*29 = 464 = 20 (mod 37); check 17 = H.
    assert parse_reference("BR-7K2M9QXH") == "BR-7K2M9QXH"
    assert parse_reference("BR-7K2M9QXJ") is None
    assert parse_reference("BR-00000000") == "BR-00000000"


@pytest.mark.parametrize(
    "text",
    [
        "",
        None,
        "   ",
        "BR-",
        "BR-1234567",
        "BR-123456789",
        "BR-U0000000",
        "BR-0000000U",
        "BR-0000.000",
        "BR-0000/0000",
        "BR-0000_00#0",
        "BR-0000000!",
        "XX-00000000",
        "BRBR-00000000",
        "BR-٠٠٠٠٠٠٠",
        "hello world",
    ],
)
def test_bad_input_is_rejected(text: str | None) -> None:
    assert parse_reference(text) is None
    assert not is_valid_reference(text)


def test_check_values_without_a_character_are_redrawn() -> None:
    """Bodies whose check value would be 32..36 never come out (rejection sampling)."""
    for _ in range(5_000):
        body = new_reference()[3:]
        total = sum(w * ALPHABET.index(c) for w, c in zip(WEIGHTS, body, strict=False))
        assert total % MODULUS == 0
