"""Arabic-aware text normalisation for the NLU pipeline (pure functions, no Rasa).

`normalise_text` folds the spelling variety of typed Arabic onto one form, so that the
featurisers see one token where people write several:

* diacritics (tashkeel, dagger alef, Quranic annotation marks) and tatweel are removed;
* alef forms أ إ آ ٱ become ا, alef maqsura ى becomes ي, ta marbuta ة becomes ه;
* hamza on a seat (ؤ ئ) becomes the bare hamza ء. The seat is what varies between correct
  spellings (مسؤول / مسئول, شؤون / شئون), so folding the seat unifies them; folding to و / ي
  instead would not (مسوول / مسيول), and dropping the hamza would merge real words;
* the Persian keyboard's ی and ک become Arabic ي and ك;
* Arabic-Indic (٠-٩) and Persian (۰-۹) digits become ASCII digits;
* Arabic punctuation becomes ASCII: ، ؛ ؟ ٪ ۔ ٫ ٬ ٭ and the ornate parentheses, mapped by
  their Unicode names (U+FD3E ﴾ "(" and U+FD3F ﴿ ")");
* Arabic presentation forms (text copied from PDFs) become plain letters;
* directional marks and isolates, zero-width characters and the soft hyphen are removed,
  except a zero-width joiner inside an emoji sequence;
* runs of whitespace collapse to one space and the ends are stripped.

Latin text is left as written (lower-casing is the featuriser's job) apart from Unicode NFC
composition; emoji are kept. The result is idempotent.
"""

from __future__ import annotations

import unicodedata
from bisect import bisect_left
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from camel_tools.utils.dediac import dediac_ar
from camel_tools.utils.normalize import (
    normalize_alef_ar,
    normalize_alef_maksura_ar,
    normalize_teh_marbuta_ar,
    normalize_unicode,
)

from bot.digits import to_ascii_digits

__all__ = [
    "ORIGINAL_TEXT",
    "NormalisedText",
    "normalise",
    "normalise_digits",
    "normalise_pattern",
    "normalise_text",
    "typed_text",
]

# Where ArabicNormaliser (bot.nlu.components) keeps a message as typed, in the parse output.
ORIGINAL_TEXT = "original_text"


def typed_text(parse_data: Mapping[str, Any] | None, text: str | None = None) -> str:
    """A message as the user typed it: NLU's `text` is the normalised one, the typed one is
    kept under `original_text` (a payload or an unparsed message has only `text`)."""
    data = parse_data or {}
    return data.get(ORIGINAL_TEXT) or data.get("text") or text or ""

# One-to-one letter substitutions that camel_tools has no function for.
_LETTERS = str.maketrans(
    {
        "\u0624": "\u0621",  # ؤ -> ء
        "\u0626": "\u0621",  # ئ -> ء
        "\u06cc": "\u064a",  # Persian yeh ی -> ي
        "\u06a9": "\u0643",  # keheh ک -> ك
    }
)
_PUNCTUATION = str.maketrans(
    {
        "\u060c": ",",  # ، Arabic comma
        "\u061b": ";",  # ؛ Arabic semicolon
        "\u061f": "?",  # ؟ Arabic question mark
        "\u066a": "%",  # ٪ Arabic percent sign
        "\u066b": ".",  # ٫ Arabic decimal separator
        "\u066c": ",",  # ٬ Arabic thousands separator
        "\u066d": "*",  # ٭ Arabic five-pointed star
        "\u06d4": ".",  # ۔ Arabic full stop
        "\ufd3e": "(",  # ﴾ ornate left parenthesis
        "\ufd3f": ")",  # ﴿ ornate right parenthesis
    }
)
# Removed outright: tatweel; marks that camel_tools' dediac_ar does not list (Quranic
# annotation signs, maddah / hamza above / hamza below as separate marks, small high
# letters); bidi controls (LRM, RLM, ALM, embeddings and overrides, isolates); zero-width
# characters and the soft hyphen.
_REMOVED_CODEPOINTS = [
    0x0640,
    *range(0x0610, 0x061B),
    *range(0x0653, 0x0660),
    *(cp for cp in range(0x06D6, 0x06EE) if cp not in (0x06DD, 0x06DE, 0x06E9)),
    0x200E,
    0x200F,
    0x061C,
    *range(0x202A, 0x202F),
    *range(0x2066, 0x206A),
    0x200B,
    0x200C,
    0x2060,
    0xFEFF,
    0x00AD,
    0x180E,
]
_REMOVED = str.maketrans(dict.fromkeys(_REMOVED_CODEPOINTS))
_ZWJ = "\u200d"


def normalise_digits(text: str) -> str:
    """Arabic-Indic (٠-٩) and Persian (۰-۹) digits to ASCII; nothing else changes."""
    return to_ascii_digits(text)


def _is_presentation_form(char: str) -> bool:
    code = ord(char)
    return 0xFB50 <= code <= 0xFDFF or 0xFE70 <= code <= 0xFEFE


@lru_cache(maxsize=8192)
def _fold(chunk: str) -> str:
    """Fold one base character and its combining marks (every step is per character)."""
    if chunk.isascii():
        return chunk
    text = chunk.translate(_PUNCTUATION)
    if any(_is_presentation_form(char) for char in text):
        # camel_tools' NFKC (with its ﷼ fix) turns presentation forms into plain letters.
        text = "".join(normalize_unicode(c) if _is_presentation_form(c) else c for c in text)
    text = dediac_ar(text)
    text = normalize_alef_ar(text)
    text = normalize_alef_maksura_ar(text)
    text = normalize_teh_marbuta_ar(text)
    return normalise_digits(text).translate(_LETTERS).translate(_REMOVED)


def _continues_emoji(char: str) -> bool:
    """Whether a zero-width joiner after `char` belongs to an emoji sequence."""
    return unicodedata.category(char) in ("So", "Sk") or char == "\ufe0f"


@dataclass(frozen=True)
class NormalisedText:
    """A normalised text and, for each of its characters, the index it came from.

    The source indices move annotated spans (entity `start`/`end` in training examples)
    onto the normalised text, see `span`.
    """

    text: str
    sources: tuple[int, ...]

    def span(self, start: int, end: int) -> tuple[int, int]:
        """The normalised span of the original span `[start, end)`, whitespace trimmed."""
        new_start = bisect_left(self.sources, start)
        new_end = max(new_start, bisect_left(self.sources, end))
        while new_start < new_end and self.text[new_start].isspace():
            new_start += 1
        while new_end > new_start and self.text[new_end - 1].isspace():
            new_end -= 1
        return new_start, new_end


def normalise(text: str) -> NormalisedText:
    """Normalise `text`, keeping track of where each output character came from.

    Source indices refer to `text` itself; NFC composition (which can shorten a text that
    carries decomposed letters) is done per base character, so indices stay exact.
    """
    out: list[str] = []
    sources: list[int] = []
    pending_space: int | None = None
    index = 0
    while index < len(text):
        end = index + 1
        while end < len(text) and unicodedata.combining(text[end]):
            end += 1
        chunk = text[index:end]
        if chunk == _ZWJ:
            folded = _ZWJ if out and _continues_emoji(out[-1]) else ""
        else:
            folded = _fold(normalize_unicode(chunk, compatibility=False))
        for char in folded:
            if char.isspace():
                if pending_space is None:
                    pending_space = index
                continue
            if pending_space is not None and out:
                out.append(" ")
                sources.append(pending_space)
            pending_space = None
            out.append(char)
            sources.append(index)
        index = end
    return NormalisedText("".join(out), tuple(sources))


def normalise_text(text: str) -> str:
    """The form of `text` that the NLU pipeline works on (see the module docstring)."""
    return normalise(text).text


def normalise_pattern(pattern: str) -> str:
    """The regex-safe part of the normalisation, for hand-written regex features.

    Only one-to-one substitutions of a literal by a literal are applied (alef forms, ى, ة,
    hamza seats, Persian letters, digits), so the pattern keeps its meaning. Removals and
    punctuation are not: a removed diacritic could leave its quantifier behind and ؟ would
    become the metacharacter ?. Patterns should therefore not rely on diacritics or tatweel.
    """
    pattern = normalize_teh_marbuta_ar(normalize_alef_maksura_ar(normalize_alef_ar(pattern)))
    return normalise_digits(pattern).translate(_LETTERS)
