"""bot.intake.codes: reading a reply to "type the code", masking a number, the code's text."""

from __future__ import annotations

import pytest

from bot.intake.codes import BUTTONS, ReplyKind, code_text, masked_mobile, read_code_reply


@pytest.mark.parametrize(
    ("text", "kind", "code"),
    [
        ("123456", ReplyKind.CODE, "123456"),
        ("١٢٣٤٥٦", ReplyKind.CODE, "123456"),
        ("the code is 123 456", ReplyKind.CODE, "123456"),
        ("الرمز 123-456", ReplyKind.CODE, "123456"),
        ("1234567", ReplyKind.OTHER, None),  # seven digits: a phone number, not a code
        ("12345", ReplyKind.OTHER, None),
        ("resend", ReplyKind.RESEND, None),
        ("I didn't get it", ReplyKind.RESEND, None),
        ("ما وصلني الرمز", ReplyKind.RESEND, None),
        ("ابي كود جديد", ReplyKind.RESEND, None),
        ("wrong number", ReplyKind.CHANGE_NUMBER, None),
        ("ابي اغير الرقم", ReplyKind.CHANGE_NUMBER, None),
        ("what is this for?", ReplyKind.OTHER, None),
    ],
)
def test_replies(text: str, kind: ReplyKind, code: str | None) -> None:
    reply = read_code_reply(text)
    assert reply.kind == kind
    assert reply.code == code


@pytest.mark.parametrize("language", ["ar", "en"])
def test_the_buttons_send_words_that_read_as_what_they_say(language: str) -> None:
    assert read_code_reply(BUTTONS["resend"][language]).kind == ReplyKind.RESEND
    assert read_code_reply(BUTTONS["change_number"][language]).kind == ReplyKind.CHANGE_NUMBER


def test_masked_mobile_shows_only_the_last_digits() -> None:
    assert masked_mobile("+966551234567") == "+9665•••••567"
    assert masked_mobile("0551234567") == "055••••567"
    assert "1234" not in masked_mobile("+966551234567")


def test_code_text_in_both_languages() -> None:
    assert "482913" in code_text("482913", "en") and "Do not share" in code_text("1", "en")
    assert "482913" in code_text("482913", "ar") and "لا تشاركه" in code_text("1", "ar")
