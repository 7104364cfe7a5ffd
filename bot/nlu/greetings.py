"""Which greeting the user used, so that the assistant answers in kind (issue #17).

«السلام عليكم» is answered «وعليكم السلام»; «مرحبا», «هلا», "hello" are answered «أهلًا» /
"Hello", not with a reply to a salam nobody gave. The NLU pipeline's ArabicNormaliser tags
every message with `greeting_style` (`salam` or `plain`), which fills the slot of that name;
`utter_greet`'s variants are conditioned on it.
"""

from __future__ import annotations

import re

SALAM = "salam"
PLAIN = "plain"

# On normalised text (bot.nlu.normalise): alef forms unified, diacritics and tatweel gone.
_SALAM = re.compile(
    r"(?:^|[^\w])(?:ال)?سلام(?:\s+علي(?:كم|كو|ك))?(?:$|[^\w])"
    r"|\b(?:as+|a)?s?[- ]?salam(?:u|o)?\s*(?:a?laikum|alaykum|alaikom|alykm)\b"
    r"|\bsalam\b",
    re.IGNORECASE,
)


def greeting_style(text: str) -> str:
    """`salam` when the message greets with a salam (in Arabic or in Latin letters), else
    `plain`."""
    return SALAM if _SALAM.search(text or "") else PLAIN
