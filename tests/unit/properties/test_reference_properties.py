"""Properties of report references (bot.store.reference), checked with hypothesis.

The scheme (module docstring): values v1..v8 of the body, weights 8..1, valid iff
sum(w_i * v_i) = 0 (mod 37). The reference strategy below computes the check character
from that definition, not with the module's own helper.
"""

from __future__ import annotations

import re

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from bot.store.reference import (
    ALPHABET,
    BODY_LENGTH,
    MODULUS,
    PREFIX,
    WEIGHTS,
    is_valid_reference,
    parse_reference,
)

FAST = settings(max_examples=200, deadline=None)
FORMAT = re.compile(r"^BR-[0-9A-HJKMNP-TV-Z]{8}$")
# What a person may type for a character (Crockford's readback): O is 0, I and L are 1.
LOOKALIKES = {"0": "Oo", "1": "IiLl"}
ARABIC_INDIC = {str(d): chr(0x0660 + d) for d in range(10)}
PERSIAN = {str(d): chr(0x06F0 + d) for d in range(10)}
# Separators and marks that may come between characters (spaces, dashes, bidi marks from
# copy-paste, zero-width characters).
NOISE = [" ", "-", "  ", "\u2010", "\u2212", "\u00a0", "\u200f", "\u200e", "\u061c", "\u2066",
         "\u2069", "\u202b", "\u202c", "\u200b", "\ufeff", "\t"]


@st.composite
def references(draw: st.DrawFn) -> str:
    """A valid reference: seven random characters and the check character that fits."""
    values = draw(st.lists(st.integers(0, len(ALPHABET) - 1), min_size=7, max_size=7))
    partial = sum(w * v for w, v in zip(WEIGHTS, values, strict=False))
    check = -partial % MODULUS  # the last weight is 1
    assume(check < len(ALPHABET))  # 32..36 have no character: such draws are not references
    return PREFIX + "".join(ALPHABET[v] for v in [*values, check])


def _weighted_sum(body: str) -> int:
    return sum(w * ALPHABET.index(c) for w, c in zip(WEIGHTS, body, strict=True))


@FAST
@given(references())
def test_a_reference_parses_back_to_itself(reference: str) -> None:
    assert _weighted_sum(reference[3:]) % MODULUS == 0
    assert parse_reference(reference) == reference
    assert parse_reference(reference[3:]) == reference  # the body alone
    assert is_valid_reference(reference)


@FAST
@given(references(), st.integers(0, BODY_LENGTH - 1), st.sampled_from(ALPHABET))
def test_every_single_substitution_is_detected(reference: str, position: int, new: str) -> None:
    """Guaranteed by the scheme: the sum changes by w_i * d, both non-zero mod the prime 37."""
    body = reference[3:]
    assume(body[position] != new)
    changed = body[:position] + new + body[position + 1 :]
    assert parse_reference(PREFIX + changed) is None
    assert parse_reference(changed) is None


@FAST
@given(references(), st.integers(0, BODY_LENGTH - 1), st.sampled_from("ILOUilou"))
def test_a_lookalike_reads_as_its_digit_and_anything_else_is_refused(
    reference: str, position: int, typed: str
) -> None:
    """I/L read as 1 and O as 0 (so typing them for 1/0 is no error); U is never valid."""
    body = reference[3:]
    changed = body[:position] + typed + body[position + 1 :]
    read_as = {"I": "1", "L": "1", "O": "0"}.get(typed.upper())
    expected = reference if read_as == body[position] else None
    assert parse_reference(changed) == expected


@FAST
@given(references(), st.integers(0, BODY_LENGTH - 2))
def test_every_swap_of_neighbours_is_detected(reference: str, position: int) -> None:
    body = reference[3:]
    assume(body[position] != body[position + 1])
    swapped = body[:position] + body[position + 1] + body[position] + body[position + 2 :]
    assert parse_reference(swapped) is None


@st.composite
def typed_forms(draw: st.DrawFn, reference: str) -> str:
    """`reference` as a person may type or paste it: any case, lookalikes, Arabic-Indic or
    Persian digits, the prefix with "-", a space or nothing (or no prefix at all), and
    separators or bidi/zero-width marks between any two characters."""
    prefix = draw(st.sampled_from(["BR-", "BR ", "BR", "br-", "Br ", "bR", "BR - ", ""]))
    chars: list[str] = []
    for char in reference[3:]:
        options = [char, char.lower()]
        if char in LOOKALIKES:
            options += list(LOOKALIKES[char])
        if char.isdigit():
            options += [ARABIC_INDIC[char], PERSIAN[char]]
        chars.append(draw(st.sampled_from(options)))
        chars.append(draw(st.sampled_from(["", "", "", *NOISE])))
    around = st.sampled_from(["", " ", "\u200f", "\u2067", "\n", "\u2069 "])
    return draw(around) + prefix + "".join(chars) + draw(around)


@FAST
@given(st.data())
def test_typed_variants_parse_to_the_canonical_form(data: st.DataObject) -> None:
    reference = data.draw(references())
    typed = data.draw(typed_forms(reference))
    assert parse_reference(typed) == reference


@FAST
@given(st.text(max_size=40))
def test_any_text_gives_none_or_a_valid_reference(text: str) -> None:
    parsed = parse_reference(text)
    if parsed is not None:
        assert FORMAT.match(parsed)
        assert _weighted_sum(parsed[3:]) % MODULUS == 0
        assert parse_reference(parsed) == parsed


@FAST
@given(st.text(alphabet=ALPHABET + "ILOUilou -", min_size=8, max_size=12))
def test_reference_like_text_gives_none_or_a_valid_reference(text: str) -> None:
    """Text from the alphabet itself, where a valid reference is not rare (about 1 in 37)."""
    parsed = parse_reference(text)
    assert parsed is None or (
        FORMAT.match(parsed) and _weighted_sum(parsed[3:]) % MODULUS == 0
    )
