"""The unknown-words guard: a message with no word seen in training gets no confidence."""

from __future__ import annotations

import pytest

from bot.nlu.unknown_words import has_known_word, word_tokens

VOCABULARY = {"hello", "please", "english", "مرحبا", "ابي", "اشتكي"}


@pytest.mark.parametrize(
    ("tokens", "expected"),
    [
        (["asdfgh"], False),
        (["zqxv", "blorf", "wemp"], False),
        (["سشيبل"], False),
        (["Hello"], True),  # case does not matter
        (["blorf", "please"], True),  # one known word is evidence enough
        (["ابي", "zzz"], True),
        (["1234567890"], None),  # no words: nothing to judge
        (["?", "!", "a"], None),  # punctuation and one-letter tokens are not words
        ([], False),
        (["😀"], False),
        (["?", "--"], False),
        (["0551234567"], None),
    ],
)
def test_has_known_word(tokens: list[str], expected: bool | None) -> None:
    assert has_known_word(tokens, VOCABULARY) is expected


def test_word_tokens_keeps_words_with_letters_only() -> None:
    assert word_tokens(["BR-7K2M9QXH", "12", "x", "Qiwa", "٣"]) == ["br-7k2m9qxh", "qiwa"]
