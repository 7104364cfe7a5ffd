"""bot.intake.text.clean_free_text, and the free-text answers that go through it."""

from __future__ import annotations

from datetime import date

import pytest

from bot.intake.answers import DESCRIPTION_LENGTH, NAME_LENGTH, TITLE_LENGTH, parse_answer
from bot.intake.personal import parse_full_name
from bot.intake.text import MAX_ANSWER_LENGTH, clean_free_text

TODAY = date(2026, 11, 23)
RLO, PDF = "\u202e", "\u202c"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (None, ""),
        ("", ""),
        ("  Sara   Ali  ", "Sara Ali"),
        (f"Ali{RLO}cod.exe", "Alicod.exe"),  # shows as "Aliexe.doc" with the override
        (f"{RLO}سارة علي{PDF}", "سارة علي"),
        ("\u202a\u202b\u202c\u202d\u202e x \u2066\u2067\u2068\u2069", "x"),
        ("a\u200eb\u200fc\u061cd", "abcd"),  # LRM, RLM, ALM
        ("a\u200bb\u200cc\u200dd\u2060e\ufefff", "abcdef"),  # zero-width characters
        ("pay\u00adment", "payment"),  # soft hyphen
        ("tag\U000e0041\U000e0042s", "tags"),  # tag characters (hidden ASCII)
        ("a\x00b\x07c\x1bd\x7fe\x9bf", "abcdef"),  # C0, DEL, C1
        ("Sara\tAli", "Sara Ali"),  # a tab separates words, it is not deleted
        ("Sara\nAli\r\nSaad", "Sara Ali Saad"),
        ("a\x1cb\x1fc\x85d", "a b c d"),  # whitespace controls separate words too
        ("a\u00a0\u2003\u3000b", "a b"),
        ("a\ud800b\udfffc", "abc"),  # lone surrogates from a JSON body
        ("\u3164\u3164\u3164", ""),  # Hangul fillers: a "blank" answer
        ("Ｓａｒａ", "Ｓａｒａ"),  # full-width letters are letters: kept as typed
        ("سَارّة", "سَارّة"),  # diacritics are kept
    ],
)
def test_single_line(text: str | None, expected: str) -> None:
    assert clean_free_text(text, multiline=False, max_length=100) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("first line\nsecond", "first line\nsecond"),
        ("one\r\ntwo\rthree\u2028four\u2029five\x85six", "one\ntwo\nthree\nfour\nfive\nsix"),
        ("para 1\n\n\n\n  para 2  ", "para 1\n\npara 2"),  # at most one empty line
        ("\n\n  text \t here \n\n", "text here"),
        ("a\u202e\nb\x00\tc", "a\nb c"),
        ("\u200b\n\u200f\nx", "x"),  # lines of invisible characters only are empty
    ],
)
def test_multi_line(text: str, expected: str) -> None:
    assert clean_free_text(text, multiline=True, max_length=100) == expected


def test_the_length_is_capped_without_trailing_space() -> None:
    assert clean_free_text("abc def", multiline=False, max_length=4) == "abc"
    assert clean_free_text("abc\n\ndef", multiline=True, max_length=5) == "abc"
    assert clean_free_text("x" * 50, multiline=False, max_length=10) == "x" * 10
    assert clean_free_text("abc", multiline=False, max_length=0) == ""


def test_every_field_limit_lies_below_the_answer_cap() -> None:
    """An over-long answer is refused with the field's error, not cut to fit."""
    assert max(TITLE_LENGTH[1], DESCRIPTION_LENGTH[1], NAME_LENGTH[1]) + 2 < MAX_ANSWER_LENGTH
    assert parse_answer("title", "x" * 121, today=TODAY).error == "title_length"
    assert parse_answer("description", "x " * 1001, today=TODAY).error == "description_length"


@pytest.mark.parametrize("slot", ["title", "service_name", "entity_name", "platform"])
def test_single_line_answers_are_cleaned(slot: str) -> None:
    answer = parse_answer(slot, f" Absher{RLO}\u200b   login\x00\n page ", today=TODAY)
    assert answer.value == "Absher login page"


def test_the_description_keeps_its_paragraphs() -> None:
    text = f"The page fails.\r\n\r\n\r\nError{RLO} 500\u200f appears   every time."
    answer = parse_answer("description", text, today=TODAY)
    assert answer.value == "The page fails.\n\nError 500 appears every time."


def test_invisible_characters_do_not_count_towards_the_minimum_length() -> None:
    assert parse_answer("title", "a\u200b\u200b\u200bb", today=TODAY).error == "title_length"
    assert parse_answer("title", "\u3164" * 10, today=TODAY).error == "title_length"
    assert parse_answer("platform", RLO * 5, today=TODAY).error == "name_length"


def test_a_full_name_loses_the_override() -> None:
    assert parse_full_name(f"Sara {RLO}Ali{PDF}").value == "Sara Ali"
    assert parse_full_name(f"سارة{RLO} علي\x00").value == "سارة علي"
    assert parse_full_name("Sara\tAli").value == "Sara Ali"
