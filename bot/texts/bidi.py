"""Keeping text of the other direction whole inside an Arabic sentence (plain Python).

References, dates and numbers are wrapped in the directional isolates U+2066 (LRI) …
U+2069 (PDI), text of unknown direction (a note, an agent's message) in U+2068 (FSI) …
U+2069, so that `BR-7K3Q9PX2` or an English line render intact inside right-to-left text
(CONVERSATIONS.md, "Note on mixed-direction text"). English text is left as it is.
"""

from __future__ import annotations

__all__ = ["FSI", "LRI", "PDI", "fsi", "ltr"]

LRI, FSI, PDI = "\u2066", "\u2068", "\u2069"


def ltr(text: str, language: str | None) -> str:
    """A reference, date or number, kept whole inside an Arabic sentence."""
    return text if language == "en" else f"{LRI}{text}{PDI}"


def fsi(text: str, language: str | None) -> str:
    """Text of unknown direction (a note), isolated inside an Arabic sentence."""
    return text if language == "en" else f"{FSI}{text}{PDI}"
