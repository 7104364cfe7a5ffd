"""Free text typed by the reporter, made safe to keep, to file and to show back.

Names, the title, the description and typed service/platform/entity names go into the
report and into the summary the reporter confirms. Hostile or pasted text can carry
characters that change how the text *looks* without being visible themselves:

* bidi controls: the embeddings and overrides U+202A..U+202E (U+202E RIGHT-TO-LEFT OVERRIDE
  shows "Ali\\u202Ecod.exe" as "Aliexe.doc"), the isolates U+2066..U+2069 and the marks
  LRM U+200E, RLM U+200F and ALM U+061C; a left-open embedding also reorders whatever the
  summary template puts after the value;
* zero-width characters (U+200B..U+200D, U+2060 WORD JOINER, U+FEFF) and every other format
  character (Unicode category Cf: the soft hyphen, the invisible operators U+2061..U+2064,
  the tag characters U+E0000.., …), which hide text or make two values look alike;
* control characters (C0 and C1, category Cc): NUL, ESC sequences for terminals, …;
* lone surrogates (category Cs), which a JSON body may carry and which no UTF-8 writer
  (the database, Telegram, a log file) accepts;
* the Hangul fillers and the combining grapheme joiner, letters/marks that show as nothing.

`clean_free_text` removes them all, turns every kind of whitespace into single spaces (a
multi-line text keeps its line breaks, with at most one empty line in a row) and cuts the
text to a maximum length. It is idempotent: cleaning a cleaned text changes nothing. Line
breaks and tabs are whitespace, not deleted, so "Sara<TAB>Ali" becomes "Sara Ali" rather
than "SaraAli"; a tab is kept as a space.
"""

from __future__ import annotations

import unicodedata

__all__ = ["MAX_ANSWER_LENGTH", "clean_free_text"]

# The longest free-text answer read at all. Every field's own limit (the description's 2000
# characters is the largest) lies well below it, so an over-long answer is refused with the
# field's error instead of being cut to fit; only the summary and unvalidated values are cut.
MAX_ANSWER_LENGTH = 4096

_REMOVED_CATEGORIES = frozenset({"Cc", "Cf", "Cs"})
# Not format characters, yet invisible: the Hangul fillers (a "blank" name made of U+3164
# is a known trick), the Khmer inherent vowels and the combining grapheme joiner.
_INVISIBLE_OTHERS = frozenset("\u034f\u115f\u1160\u17b4\u17b5\u3164\uffa0")


def _visible(word: str) -> str:
    return "".join(
        char
        for char in word
        if unicodedata.category(char) not in _REMOVED_CATEGORIES and char not in _INVISIBLE_OTHERS
    )


def _one_line(text: str) -> str:
    """`text` as one line: whitespace runs (line breaks and tabs too) become one space."""
    # split() first, so whitespace controls (TAB, LF, VT, FF, CR, FS..US, NEL) separate words
    # before the other controls are deleted.
    return " ".join(word for word in map(_visible, text.split()) if word)


def _lines(text: str) -> str:
    """`text` line by line (any line break), at most one empty line in a row."""
    lines: list[str] = []
    for line in map(_one_line, text.splitlines()):
        if line or (lines and lines[-1]):
            lines.append(line)
    return "\n".join(lines).strip("\n")


def clean_free_text(text: str | None, *, multiline: bool, max_length: int) -> str:
    """`text` without invisible, directional or control characters, whitespace collapsed,
    and at most `max_length` characters long ("" for None).

    Single-line text (`multiline=False`) has every whitespace run, line breaks included, as
    one space; multi-line text keeps its line breaks (CR LF, CR, U+2028, … become "\\n"),
    collapses spaces and tabs within each line and keeps at most one empty line in a row.
    Leading and trailing whitespace goes, also after cutting to `max_length`.
    """
    if not text:
        return ""
    cleaned = _lines(text) if multiline else _one_line(text)
    if len(cleaned) > max_length:
        cleaned = cleaned[: max(max_length, 0)].rstrip()
    return cleaned
