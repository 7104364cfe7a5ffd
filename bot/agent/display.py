"""Arabic in terminals: shaped and reordered by us, or left to a terminal that can (pure).

Most terminals draw one character per cell, left to right: Arabic comes out with its
letters unjoined and its words backwards. For them the console shapes the text itself
(`arabic-reshaper`: each letter in its joined presentation form, U+FB50-U+FEFF) and lays
it out in visual order (`python-bidi`: the Unicode bidirectional algorithm), one screen
line at a time. A terminal that implements bidi and shaping itself (VTE, mlterm, Konsole,
mintty) must get the logical text instead, or it would reverse it a second time.

`--arabic-display=auto|shaped|raw` picks the mode; `auto` (the default) decides with
`resolve_mode`, in this order:

1. `BALAGH_TERMINAL_BIDI=1` (or true/yes/on): raw; `BALAGH_TERMINAL_BIDI=0` (false/no/off):
   shaped. The agent's own word wins over any guess.
2. Inside tmux or GNU screen (`TMUX`, `STY`, or `TERM` starting with `tmux`/`screen`):
   shaped. The multiplexer draws the cells itself, so the outer terminal's bidi cannot be
   relied on (and `VTE_VERSION` leaks into the multiplexer's environment).
3. A terminal known to do bidi and Arabic shaping: raw. That is VTE 0.58 or later
   (`VTE_VERSION` >= 5800: GNOME Terminal, Tilix, Terminator …), mlterm (`MLTERM`, or
   `TERM` starting with `mlterm`), Konsole (`KONSOLE_VERSION`) and mintty
   (`TERM_PROGRAM=mintty`).
4. Anything else: shaped.

Shaped mode also drops the invisible direction controls (isolates, marks, embeddings) the
replies carry, which such terminals would otherwise print as stray cells, and the harakat,
which they cannot place over a letter. Raw mode leaves the text exactly as written.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from functools import lru_cache
from typing import Literal

import arabic_reshaper
from bidi import get_display
from wcwidth import wcswidth, wcwidth

__all__ = [
    "CHOICES",
    "Mode",
    "auto_mode",
    "block",
    "has_rtl",
    "is_rtl",
    "resolve_mode",
    "visual",
    "width",
    "wrap",
]

Mode = Literal["shaped", "raw"]
CHOICES = ("auto", "shaped", "raw")

BIDI_ENV = "BALAGH_TERMINAL_BIDI"
_YES = frozenset({"1", "true", "yes", "on"})
_NO = frozenset({"0", "false", "no", "off"})
VTE_BIDI_SINCE = 5800  # VTE 0.58 brought bidi and Arabic shaping
_BIDI_TERM_PROGRAMS = frozenset({"mintty", "mlterm"})

# Invisible controls of the bidi algorithm: shaped text no longer needs them.
_CONTROLS = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_STRONG_RTL = frozenset({"R", "AL"})
_MIRRORS = dict(zip("()[]{}<>«»‹›", ")(][}{><»«›‹", strict=True))


# -- choosing the mode -------------------------------------------------------------------


def auto_mode(environ: Mapping[str, str]) -> tuple[Mode, str]:
    """The mode `auto` stands for in this environment, and why (see the module docstring)."""
    override = (environ.get(BIDI_ENV) or "").strip().lower()
    if override in _YES:
        return "raw", f"{BIDI_ENV}={environ[BIDI_ENV]}"
    if override in _NO:
        return "shaped", f"{BIDI_ENV}={environ[BIDI_ENV]}"
    term = (environ.get("TERM") or "").lower()
    if environ.get("TMUX") or environ.get("STY") or term.startswith(("tmux", "screen")):
        return "shaped", "inside tmux/screen"
    vte = (environ.get("VTE_VERSION") or "").strip()
    if vte.isdigit() and int(vte) >= VTE_BIDI_SINCE:
        return "raw", f"VTE {vte} does bidi"
    if environ.get("MLTERM") or term.startswith("mlterm"):
        return "raw", "mlterm does bidi"
    if environ.get("KONSOLE_VERSION"):
        return "raw", "Konsole does bidi"
    program = (environ.get("TERM_PROGRAM") or "").strip().lower()
    if program in _BIDI_TERM_PROGRAMS:
        return "raw", f"{environ['TERM_PROGRAM']} does bidi"
    return "shaped", "no bidi terminal recognised"


def resolve_mode(requested: str, environ: Mapping[str, str]) -> tuple[Mode, str]:
    """`shaped` or `raw` for `--arabic-display=requested`, and a few words on why."""
    if requested == "shaped":
        return "shaped", "--arabic-display=shaped"
    if requested == "raw":
        return "raw", "--arabic-display=raw"
    if requested != "auto":
        raise ValueError(f"--arabic-display must be one of {', '.join(CHOICES)}")
    mode, why = auto_mode(environ)
    return mode, f"auto: {why}"


# -- direction and width -----------------------------------------------------------------


def _strong(char: str) -> str | None:
    kind = unicodedata.bidirectional(char)
    if kind == "L":
        return "L"
    if kind in _STRONG_RTL:
        return "R"
    return None


def is_rtl(text: str) -> bool:
    """Whether `text` reads right to left: its first strong character is Arabic/Hebrew."""
    for char in text:
        strong = _strong(char)
        if strong is not None:
            return strong == "R"
    return False


def has_rtl(text: str) -> bool:
    return any(_strong(char) == "R" for char in text)


def width(text: str) -> int:
    """Terminal cells `text` takes (combining marks and controls take none)."""
    cells = wcswidth(text)
    if cells >= 0:
        return cells
    return sum(max(wcwidth(char), 0) for char in text)


# -- shaping and reordering --------------------------------------------------------------


@lru_cache(maxsize=1)
def _bidi_mirrors_brackets() -> bool:
    """Whether this python-bidi applies rule L4 (mirrored glyphs) itself; 0.6 does not."""
    return get_display("\u05d0(", base_dir="R")[0] == ")"


def _mirrored(text: str, rtl: bool) -> str:
    """Brackets that the bidi algorithm puts in a right-to-left run, mirrored (rule L4).

    A bracket takes the direction of the strong characters on both sides when they agree,
    else the paragraph's (rules N1/N2); digits count as right-to-left unless a
    left-to-right letter comes before them (W7). Done on the logical text, before the
    reordering, which is the same as mirroring the glyph afterwards.
    """
    if not any(char in _MIRRORS for char in text):
        return text
    base = "R" if rtl else "L"
    kinds: list[str | None] = []
    last = base
    for char in text:
        strong = _strong(char)
        if strong is None and unicodedata.bidirectional(char) in ("EN", "AN"):
            strong = "L" if last == "L" and unicodedata.bidirectional(char) == "EN" else "R"
        elif strong is not None:
            last = strong
        kinds.append(strong)
    out = list(text)
    for index, char in enumerate(text):
        if char not in _MIRRORS:
            continue
        before = next((k for k in reversed(kinds[:index]) if k), base)
        after = next((k for k in kinds[index + 1 :] if k), base)
        if (before if before == after else base) == "R":
            out[index] = _MIRRORS[char]
    return "".join(out)


def visual(line: str, mode: Mode, *, rtl: bool | None = None) -> str:
    """One screen line as the terminal must receive it in `mode` (no line breaks inside).

    `rtl` is the direction of the paragraph the line belongs to (default: the line's own,
    from its first strong character).
    """
    if mode == "raw":
        return line
    if not has_rtl(line):
        return _CONTROLS.sub("", line)
    rtl = is_rtl(line) if rtl is None else rtl
    shaped = arabic_reshaper.reshape(line)
    if not _bidi_mirrors_brackets():
        shaped = _mirrored(shaped, rtl)
    ordered = get_display(shaped, base_dir="R" if rtl else "L")
    return _CONTROLS.sub("", ordered)


# -- wrapping and blocks -----------------------------------------------------------------


def _split_word(word: str, cells: int) -> list[str]:
    pieces: list[str] = []
    current = ""
    for char in word:
        if current and width(current + char) > cells:
            pieces.append(current)
            current = ""
        current += char
    return [*pieces, current] if current else pieces


def wrap(text: str, cells: int) -> list[str]:
    """`text` cut into lines of at most `cells` cells, in logical order, at spaces.

    Each "\\n" starts a new line; an empty paragraph stays an empty line; a paragraph's
    leading spaces indent each of its lines; a word longer than a line is cut. Wrapping
    happens before shaping and reordering, as the bidi algorithm wants: each line is then
    laid out on its own.
    """
    lines: list[str] = []
    for paragraph in text.split("\n"):
        words = paragraph.split()
        if not words:
            lines.append("")
            continue
        indent = paragraph[: len(paragraph) - len(paragraph.lstrip())]
        if width(indent) >= cells:
            indent = ""
        lines.extend(indent + line for line in _wrap_words(words, cells - width(indent)))
    return lines


def _wrap_words(words: list[str], cells: int) -> list[str]:
    cells = max(cells, 1)
    lines: list[str] = []
    current = ""
    for word in words:
        candidate = f"{current} {word}" if current else word
        if width(candidate) <= cells:
            current = candidate
            continue
        if current:
            lines.append(current)
        pieces = _split_word(word, cells) if width(word) > cells else [word]
        lines.extend(pieces[:-1])
        current = pieces[-1]
    lines.append(current)
    return lines


def _fit(line: str, cells: int) -> str:
    """`line` shortened to `cells` cells (a visual line: cut at its end)."""
    if width(line) <= cells:
        return line
    return _split_word(line, max(cells - 1, 1))[0] + "…"


def block(text: str, cells: int, mode: Mode, *, indent: str = "") -> list[str]:
    """`text` as screen lines of exactly `cells` cells in `mode`.

    In shaped mode a right-to-left line is reordered and pushed against the right edge,
    as Arabic is read; other lines start at the left after `indent`. In raw mode the lines
    stay logical and start at the left: the terminal places them itself.
    """
    inner = max(cells - width(indent), 1)
    lines: list[str] = []
    for paragraph in text.split("\n"):
        rtl = is_rtl(paragraph)
        for logical in wrap(paragraph, inner):
            shown = _fit(visual(logical, mode, rtl=rtl), inner)
            gap = " " * (inner - width(shown))
            if mode == "shaped" and rtl:
                lines.append(indent + gap + shown)
            else:
                lines.append(indent + shown + gap)
    return lines
