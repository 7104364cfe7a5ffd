"""bot.intake.summary: the values of the summary the reporter confirms."""

from __future__ import annotations

from bot.intake.answers import DESCRIPTION_LENGTH
from bot.intake.summary import NOT_GIVEN, SUMMARY_FIELDS, summary_values

RLO, PDF, LRI, PDI = "\u202e", "\u202c", "\u2066", "\u2069"


def test_every_field_has_a_value() -> None:
    values = summary_values({}, "ar")
    assert set(values) == {f"summary_{name}" for name in SUMMARY_FIELDS}
    assert set(values.values()) == {NOT_GIVEN}


def test_a_name_with_a_right_to_left_override_is_shown_without_it() -> None:
    """With U+202E RIGHT-TO-LEFT OVERRIDE, "Sara ilA" would read "Sara Ali" on screen while
    "ilA" is filed; the summary shows the characters that are filed, without the override."""
    slots = {"full_name": f"Sara {RLO}ilA{PDF}", "title": f"{LRI}Login{PDI} fails{RLO}"}
    values = summary_values(slots, "en")
    assert values["summary_full_name"] == "Sara ilA"
    assert values["summary_title"] == "Login fails"
    for shown in values.values():
        assert not set(shown) & {RLO, PDF, LRI, PDI, "\u200f", "\u200e"}


def test_attachment_names_are_cleaned() -> None:
    slots = {
        "attachments": [
            {"filename": f"invoice{RLO}fdp.exe"},
            {"filename": "\u200b"},  # nothing visible: left out
            {"filename": "screen shot.png"},
        ]
    }
    assert summary_values(slots, "en")["summary_attachments"] == (
        "invoicefdp.exe, screen shot.png"
    )
    assert summary_values(slots, "ar")["summary_attachments"] == "invoicefdp.exe، screen shot.png"


def test_values_of_invisible_characters_only_show_as_not_given() -> None:
    values = summary_values({"entity_name": "\u200f\u202e", "attachments": []}, "ar")
    assert values["summary_entity_name"] == NOT_GIVEN
    assert values["summary_attachments"] == NOT_GIVEN


def test_the_description_keeps_its_lines_and_other_fields_do_not() -> None:
    slots = {"description": "line one\r\nline two\x00", "title": "a\nb"}
    values = summary_values(slots, "ar")
    assert values["summary_description"] == "line one\nline two"
    assert values["summary_title"] == "a b"


def test_option_labels_are_kept() -> None:
    assert summary_values({"service_channel": "app"}, "en")["summary_service_channel"] == "App"
    assert summary_values({"service_channel": "app"}, "ar")["summary_service_channel"] == (
        "التطبيق"
    )
    typed = summary_values({"service_channel": f"fax{RLO}"}, "en")["summary_service_channel"]
    assert typed == "fax"


def test_a_long_description_is_shown_whole() -> None:
    text = "x" * DESCRIPTION_LENGTH[1]
    assert summary_values({"description": text}, "en")["summary_description"] == text
