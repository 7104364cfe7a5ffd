"""Arabic display modes of the call-centre console (bot/agent/display.py)."""

from __future__ import annotations

import unicodedata

import pytest

from bot.agent import display
from bot.agent.display import auto_mode, block, is_rtl, resolve_mode, visual, width, wrap

PRESENTATION_FORMS = range(0xFB50, 0xFF00)


def presentation_forms(text: str) -> int:
    return sum(1 for char in text if ord(char) in PRESENTATION_FORMS)


def logical(visual_rtl_line: str) -> str:
    """Undo shaping and reordering of a purely right-to-left line."""
    return unicodedata.normalize("NFKC", visual_rtl_line[::-1])


# -- the auto rule ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({}, "shaped"),
        ({"TERM": "xterm-256color"}, "shaped"),
        ({"BALAGH_TERMINAL_BIDI": "1"}, "raw"),
        ({"BALAGH_TERMINAL_BIDI": "yes", "TMUX": "/tmp/tmux-0/default,1,0"}, "raw"),
        ({"BALAGH_TERMINAL_BIDI": "0", "VTE_VERSION": "7600"}, "shaped"),
        ({"VTE_VERSION": "7600"}, "raw"),
        ({"VTE_VERSION": "5800"}, "raw"),
        ({"VTE_VERSION": "5402"}, "shaped"),  # before VTE 0.58: no bidi
        ({"VTE_VERSION": "7600", "TMUX": "/tmp/tmux-0/default,1,0"}, "shaped"),
        ({"VTE_VERSION": "7600", "STY": "1234.pts-0"}, "shaped"),
        ({"VTE_VERSION": "7600", "TERM": "screen-256color"}, "shaped"),
        ({"MLTERM": "3.9.3"}, "raw"),
        ({"TERM": "mlterm"}, "raw"),
        ({"KONSOLE_VERSION": "230804"}, "raw"),
        ({"TERM_PROGRAM": "mintty"}, "raw"),
        ({"TERM_PROGRAM": "iTerm.app"}, "shaped"),
        ({"TERM_PROGRAM": "vscode"}, "shaped"),
    ],
)
def test_auto_rule(environ: dict[str, str], expected: str) -> None:
    mode, why = auto_mode(environ)
    assert mode == expected, why
    assert resolve_mode("auto", environ) == (mode, f"auto: {why}")


def test_explicit_modes_win_over_the_terminal() -> None:
    assert resolve_mode("shaped", {"BALAGH_TERMINAL_BIDI": "1"})[0] == "shaped"
    assert resolve_mode("raw", {})[0] == "raw"
    with pytest.raises(ValueError, match="arabic-display"):
        resolve_mode("fancy", {})


# -- one line ------------------------------------------------------------------------------


def test_raw_mode_leaves_text_exactly_as_written() -> None:
    text = "رقم بلاغك \u2066BR-7K2M9QXH\u2069 (تقديم شكوى)"
    assert visual(text, "raw") == text


def test_latin_text_is_never_touched() -> None:
    assert visual("Status: Received (2026-11-23)", "shaped") == "Status: Received (2026-11-23)"


def test_shaped_lines_never_carry_direction_controls() -> None:
    # a wrapped line of an Arabic paragraph can hold only the isolated reference
    assert visual("\u2066Q-77410\u2069", "shaped") == "Q-77410"
    lines = block("رقم الشكوى السابقة: \u2066Q-77410\u2069", 20, "shaped")
    assert not any("\u2066" <= char <= "\u2069" for char in "".join(lines))
    assert lines[-1].endswith("Q-77410")


def test_shaped_arabic_is_joined_and_in_visual_order() -> None:
    shown = visual("مرحبا بك في بلاغ رقمي", "shaped")
    assert presentation_forms(shown) == len(shown.replace(" ", ""))
    assert logical(shown) == "مرحبا بك في بلاغ رقمي"
    assert shown[-1] == "\ufee3"  # the first letter, م, on the right in its initial form


def test_lam_alef_becomes_one_ligature_cell() -> None:
    shown = visual("لا", "shaped")
    assert shown == "\ufefb" and width(shown) == 1


def test_numbers_and_isolated_references_stay_left_to_right() -> None:
    shown = visual("رقم الجوال: \u2066+966551234567\u2069", "shaped")
    assert shown.startswith("+966551234567 ")
    assert not any("\u2066" <= char <= "\u2069" for char in shown)
    shown = visual("تم تسجيل بلاغك برقم \u2066BR-7K2M9QXH\u2069 خلال 5 أيام عمل", "shaped")
    assert "BR-7K2M9QXH" in shown and " 5 " in shown


def test_brackets_are_mirrored_in_right_to_left_runs() -> None:
    shown = visual("(مثال)", "shaped")
    assert shown[0] == "(" and shown[-1] == ")"
    assert logical(shown[1:-1]) == "مثال"
    shown = visual("«قبل ثلاثة أسابيع»", "shaped")
    assert shown[0] == "«" and shown[-1] == "»"
    assert visual("Platform: قوى (app)", "shaped").endswith("(app)")


def test_a_numbered_choice_reads_from_the_right() -> None:
    shown = visual("[1] نعم، تصعيد شكوى", "shaped")
    assert shown.endswith(" [1]")
    assert visual("[1] Yes", "shaped") == "[1] Yes"


def test_mixed_lines_keep_the_direction_of_their_first_strong_character() -> None:
    assert is_rtl("[2] لا") and not is_rtl("Platform: قوى") and not is_rtl("2026")
    assert visual("Platform: قوى", "shaped").startswith("Platform: ")
    assert visual("المنصة: Qiwa", "shaped").startswith("Qiwa :")


def test_harakat_take_no_cell_and_are_dropped_when_shaped() -> None:
    assert width("قدّمتها") == 6
    shown = visual("قدّمتها", "shaped")
    assert "\u0651" not in shown and len(shown) == 6


# -- lines and blocks ----------------------------------------------------------------------


def test_wrap_respects_the_width_and_keeps_every_word() -> None:
    text = "أرسل صور الشاشة أو المستندات الداعمة (صور PNG أو JPEG أو WebP، أو PDF)."
    lines = wrap(text, 20)
    assert all(width(line) <= 20 for line in lines) and len(lines) > 2
    assert " ".join(lines).split() == text.split()


def test_wrap_keeps_paragraphs_indentation_and_cuts_long_words() -> None:
    assert wrap("one\n\n  two three", 9) == ["one", "", "  two", "  three"]
    assert wrap("abcdefghij", 4) == ["abcd", "efgh", "ij"]


def test_shaped_block_pushes_arabic_to_the_right_edge() -> None:
    lines = block("ما اسم الخدمة؟\nTitle: Qiwa", 30, "shaped")
    assert [width(line) for line in lines] == [30, 30]
    assert lines[0].startswith(" ") and not lines[0].endswith(" ")
    assert lines[1].startswith("Title: Qiwa")


def test_continuation_lines_keep_their_paragraphs_direction() -> None:
    lines = block("Description: أحاول نقل خدمات عامل منذ شهر وتظهر رسالة خطأ", 30, "shaped")
    assert len(lines) > 1 and all(not line.startswith(" ") for line in lines)


def test_raw_block_stays_logical_and_left_aligned() -> None:
    lines = block("ما اسم الخدمة؟", 30, "raw", indent="  ")
    assert lines == ["  ما اسم الخدمة؟" + " " * 14] and width(lines[0]) == 30
    assert presentation_forms("".join(lines)) == 0


def test_choices_are_exactly_the_documented_ones() -> None:
    assert display.CHOICES == ("auto", "shaped", "raw")
