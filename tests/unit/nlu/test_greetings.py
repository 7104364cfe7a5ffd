"""bot/nlu/greetings.py: a salam is answered with a salam, «مرحبا» and «هلا» with «أهلًا»."""

from __future__ import annotations

import pytest

from bot.nlu.greetings import PLAIN, SALAM, greeting_style
from bot.nlu.normalise import normalise_text


@pytest.mark.parametrize(
    ("text", "style"),
    [
        ("السلام عليكم ورحمة الله", SALAM),
        ("سلام عليكم", SALAM),
        ("السلام عليكم، ابي اشتكي على أبشر", SALAM),
        ("Assalamu alaikum", SALAM),
        ("salam", SALAM),
        ("مرحبا", PLAIN),
        ("هلا والله", PLAIN),
        ("أهلاً", PLAIN),
        ("hello", PLAIN),
        ("صباح الخير", PLAIN),
        ("سلامات", PLAIN),  # "get well": not a salam
        ("بلاغ عن منصة السلامة المرورية", PLAIN),  # a word that contains سلام
    ],
)
def test_greeting_style(text: str, style: str) -> None:
    assert greeting_style(normalise_text(text)) == style
