"""The notification texts (bot.texts.notices): both languages, every kind, bidi isolates."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from bot.store.lifecycle import TRANSITIONS
from bot.texts import catalogue, has, keys
from bot.texts.notices import NoticeKind, render

LRI, FSI, PDI = "\u2066", "\u2068", "\u2069"
FIELDS = {
    "reference": "BR-7K3Q9PX2",
    "due_at": datetime(2026, 11, 29, 20, 59, tzinfo=UTC),  # 23:59 in Riyadh
    "deadline": datetime(2026, 11, 25, 9, 0, tzinfo=UTC),  # 12:00 in Riyadh
}


def test_every_text_exists_in_arabic_and_english() -> None:
    assert keys("notify.")
    for key in keys("notify."):
        texts = catalogue()[key]
        assert set(texts) == {"ar", "en"}, key
        assert all(text.strip() for text in texts.values()), key
        # The same placeholders in both languages (the Arabic one may wrap digits).
        names = {lang: set(re.findall(r"{(\w+)}", text)) for lang, text in texts.items()}
        assert names["en"] - {"phone"} <= names["ar"], key
        assert re.search("[\u0600-\u06ff]", texts["ar"]), key
        assert not re.search("[\u0600-\u06ff]", texts["en"]), key


def test_every_status_a_move_can_reach_has_its_own_text() -> None:
    for status in {move.target.value for move in TRANSITIONS}:
        assert has(f"notify.status_changed.{status}"), status


@pytest.mark.parametrize("kind", list(NoticeKind))
@pytest.mark.parametrize("language", ["ar", "en"])
def test_every_kind_renders(kind: NoticeKind, language: str) -> None:
    text = render(kind, language, {**FIELDS, "status": "in_progress"})
    assert "{" not in text and "}" not in text
    if language == "ar":
        assert f"{LRI}BR-7K3Q9PX2{PDI}" in text
    else:
        assert "BR-7K3Q9PX2" in text and LRI not in text and PDI not in text


def test_dates_are_riyadh_dates_kept_whole_in_arabic() -> None:
    opened = render("report_opened", "ar", FIELDS)
    assert f"{LRI}2026-11-29{PDI}" in opened and f"{LRI}199099{PDI}" in opened
    assert "by 2026-11-29 at the latest" in render("report_opened", "en", FIELDS)
    reminder = render("missing_data_day_one", "ar", FIELDS)
    assert f"{LRI}2026-11-25 12:00{PDI}" in reminder
    delay = render("delay_notice", "en", FIELDS)
    assert "it was due on 2026-11-29" in delay


@pytest.mark.parametrize(
    ("status", "ar_prefix", "en_prefix"),
    [
        ("missing_data", "المطلوب: ", "What is needed: "),
        ("accepted", "موعد التنفيذ: ", "Implementation date: "),
        ("rejected", "السبب: ", "Reason: "),
        ("closed", "ملاحظة: ", "Note: "),
    ],
)
def test_notes_follow_the_text(status: str, ar_prefix: str, en_prefix: str) -> None:
    fields = {**FIELDS, "status": status, "note": " the note "}
    arabic = render("status_changed", "ar", fields)
    assert arabic.endswith(f"\n{ar_prefix}{FSI}the note{PDI}")
    english = render("status_changed", "en", fields)
    assert english.endswith(f"\n{en_prefix}the note")


def test_long_notes_are_cut_and_notes_belong_to_status_changes_only() -> None:
    text = render("status_changed", "en", {**FIELDS, "status": "closed", "note": "x" * 5000})
    assert len(text) < 1800 and text.endswith("…")
    assert "Note" not in render("survey", "en", {**FIELDS, "note": "ignored"})


def test_a_status_without_its_own_text_uses_the_general_one() -> None:
    assert render("status_changed", "en", {**FIELDS, "status": "received"}) == (
        "The status of your report BR-7K3Q9PX2 is now “Received”."
    )
    assert "«تم الاستلام»" in render("status_changed", "ar", {**FIELDS, "status": "received"})


def test_unknown_kind_is_refused() -> None:
    with pytest.raises(ValueError):
        render("birthday", "ar", FIELDS)
