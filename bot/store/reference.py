"""Report references: `BR-` + 8 characters of Crockford base-32, the last a check character.

Scheme: with character values v1..v8 and weights w = (8, 7, 6, 5, 4, 3, 2, 1), a reference is
valid iff sum(w_i * v_i) = 0 (mod 37). Because 37 is a prime larger than every weight and every
difference of two values (at most 31), a single wrong character changes the sum by w_i * d with
both factors non-zero mod 37, and swapping two neighbours changes it by (w_i - w_{i+1}) * d =
+-d, so neither can go unnoticed. The check value can come out as 32..36, which has no
character; such draws are thrown away (rejection sampling), so references stay uniformly random
and say nothing about each other.
"""

from __future__ import annotations

import re
import secrets
import unicodedata

from bot.digits import ASCII_DIGITS

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
PREFIX = "BR-"
BODY_LENGTH = 8
MODULUS = 37
WEIGHTS = (8, 7, 6, 5, 4, 3, 2, 1)

_VALUES = {char: value for value, char in enumerate(ALPHABET)}
_CHECK_WEIGHT_INVERSE = pow(WEIGHTS[-1], -1, MODULUS)

# Readback: Crockford's look-alikes, then Arabic-Indic (U+0660..) and Persian (U+06F0..) digits.
_READBACK = str.maketrans(
    {
        "O": "0",
        "I": "1",
        "L": "1",
        **ASCII_DIGITS,
    }
)
# Directional marks and isolates that copy-paste from right-to-left text carries along
# (LRM, RLM, ALM, the embeddings/overrides and the isolates), plus zero-width characters.
_INVISIBLE = re.compile("[\u200b-\u200f\u061c\u202a-\u202e\u2066-\u2069\ufeff]")
# Separators a person may type or a phone keyboard may substitute: whitespace and dashes.
_SEPARATORS = re.compile(r"[\s\-_\u2010-\u2015\u2212\u00ad]+")


def _weighted_sum(values: list[int]) -> int:
    return sum(weight * value for weight, value in zip(WEIGHTS, values, strict=False))


def _checks_out(body: str) -> bool:
    values = [_VALUES[char] for char in body]
    return _weighted_sum(values) % MODULUS == 0


def new_reference() -> str:
    """A fresh random reference such as `BR-7K2M9QXH`."""
    while True:
        values = [secrets.randbelow(len(ALPHABET)) for _ in range(BODY_LENGTH - 1)]
        check = (-_weighted_sum(values) * _CHECK_WEIGHT_INVERSE) % MODULUS
        if check < len(ALPHABET):
            return PREFIX + "".join(ALPHABET[value] for value in [*values, check])


def _normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", text)
    text = _INVISIBLE.sub("", text)
    text = _SEPARATORS.sub("", text).upper()
    if len(text) == BODY_LENGTH + 2 and text.startswith("BR"):
        text = text[2:]
    return text.translate(_READBACK)


def parse_reference(text: str | None) -> str | None:
    """The canonical `BR-XXXXXXXX` for a reference as a person may type or read it back.

    Accepts lower case, the `BR` prefix with or without `-` or a space (or no prefix),
    spaces and hyphens anywhere, `O` for 0, `I`/`L` for 1, Arabic-Indic and Persian digits,
    and directional marks pasted along from right-to-left text. None when it is not a valid
    reference (wrong length, a character outside the alphabet, or a failed check).
    """
    if not text:
        return None
    body = _normalise(text)
    if len(body) != BODY_LENGTH or any(char not in _VALUES for char in body):
        return None
    if not _checks_out(body):
        return None
    return PREFIX + body


def is_valid_reference(text: str | None) -> bool:
    """Whether `text` reads as a valid reference (see parse_reference)."""
    return parse_reference(text) is not None
