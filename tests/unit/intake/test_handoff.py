"""bot.intake.handoff: when the call centre's agents are on duty; the queue's rules and texts."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest

from bot.intake import handoff
from bot.intake.handoff import next_opening, on_duty
from bot.intake.workdays import RIYADH, is_holiday
from bot.texts import catalogue, keys

NATIONAL_DAY = date(2026, 9, 23)  # a Wednesday


def riyadh(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=RIYADH)


def test_the_holiday_used_here_is_one() -> None:
    assert is_holiday(NATIONAL_DAY)
    assert NATIONAL_DAY.weekday() == 2


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (riyadh(2026, 12, 6, 8), True),  # Sunday, opening
        (riyadh(2026, 12, 7, 12), True),  # Monday noon
        (riyadh(2026, 12, 10, 16, 59), True),  # Thursday, a minute before closing
        (datetime(2026, 12, 7, 5, 0, tzinfo=UTC), True),  # 8:00 in Riyadh
        (riyadh(2026, 12, 7, 7, 59), False),  # before 8
        (riyadh(2026, 12, 7, 17), False),  # at 17:00
        (riyadh(2026, 12, 7, 22), False),
        (datetime(2026, 12, 7, 14, 0, tzinfo=UTC), False),  # 17:00 in Riyadh
        (datetime(2026, 12, 7, 4, 59, tzinfo=UTC), False),  # 7:59 in Riyadh
        (datetime(2026, 12, 6, 22, 0, tzinfo=UTC), False),  # 1:00 Monday in Riyadh
        (riyadh(2026, 12, 11, 10), False),  # Friday
        (riyadh(2026, 12, 12, 10), False),  # Saturday
        (riyadh(2026, 9, 23, 10), False),  # National Day
    ],
)
def test_on_duty(now: datetime, expected: bool) -> None:
    assert on_duty(now) is expected


@pytest.mark.parametrize(
    ("now", "opening"),
    [
        (riyadh(2026, 12, 7, 12), riyadh(2026, 12, 7, 12)),  # on duty: now
        (riyadh(2026, 12, 7, 6, 30), riyadh(2026, 12, 7, 8)),  # same morning
        (riyadh(2026, 12, 7, 17), riyadh(2026, 12, 8, 8)),  # next day
        (riyadh(2026, 12, 10, 17, 30), riyadh(2026, 12, 13, 8)),  # Thursday -> Sunday
        (riyadh(2026, 12, 11, 9), riyadh(2026, 12, 13, 8)),  # Friday -> Sunday
        (riyadh(2026, 12, 12, 23), riyadh(2026, 12, 13, 8)),  # Saturday -> Sunday
        (riyadh(2026, 9, 22, 18), riyadh(2026, 9, 24, 8)),  # skips National Day
        (riyadh(2026, 9, 23, 7), riyadh(2026, 9, 24, 8)),  # early on the holiday
        (datetime(2026, 12, 10, 21, 30, tzinfo=UTC), riyadh(2026, 12, 13, 8)),  # Fri 0:30
    ],
)
def test_next_opening(now: datetime, opening: datetime) -> None:
    found = next_opening(now)
    assert found == opening
    assert found.utcoffset() == RIYADH.utcoffset(None)
    assert on_duty(found)


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError):
        on_duty(datetime(2026, 12, 7, 12))
    with pytest.raises(ValueError):
        next_opening(datetime(2026, 12, 7, 12))


# -- the queue's rules and texts --------------------------------------------------------------


def test_the_transcript_keeps_the_last_messages_of_user_and_bot() -> None:
    events = [
        {"event": "action", "name": "action_listen"},
        {"event": "user", "text": "  I want to escalate  "},
        {"event": "bot", "text": "Did you lodge a complaint?"},
        {"event": "bot", "text": None, "data": {"buttons": []}},
        {"event": "slot", "name": "x", "value": 1},
        *({"event": "user", "text": f"m{i}"} for i in range(100)),
    ]
    lines = handoff.transcript_of(events[:4])
    assert lines == [
        {"who": "user", "text": "I want to escalate"},
        {"who": "bot", "text": "Did you lodge a complaint?"},
    ]
    assert len(handoff.transcript_of(events)) == handoff.TRANSCRIPT_LINES
    assert handoff.transcript_of(events)[-1] == {"who": "user", "text": "m99"}


def test_the_answers_are_the_questions_and_the_report_type_only() -> None:
    slots = {
        "report_type": "complaint_escalation", "platform": "Absher", "full_name": "Sara",
        "language": "en", "asked_again": {"x": 2}, "title": None, "filing_key": "k",
    }  # fmt: skip
    assert handoff.answers_of(slots) == {
        "report_type": "complaint_escalation", "platform": "Absher", "full_name": "Sara",
    }  # fmt: skip


@pytest.mark.parametrize("key", keys("handoff."))
def test_every_text_has_both_languages_and_the_same_placeholders(key: str) -> None:
    texts = catalogue()[key]
    assert set(texts) == {"ar", "en"}
    names = [set(re.findall(r"{(\w+)}", texts[lang])) for lang in ("ar", "en")]
    assert names[0] == names[1]


def test_in_arabic_the_number_and_other_direction_values_are_isolated() -> None:
    assert "\u2066199099\u2069" in handoff.text("nobody", "ar")
    assert "199099" in handoff.text("nobody", "en")
    assert handoff.text("agent_line", "ar", text="hello") == "الموظف: \u2068hello\u2069"
    assert handoff.text("agent_line", "en", text="hello") == "Agent: hello"
    assert handoff.text("queued", None) == catalogue()["handoff.queued"]["ar"]
    assert handoff.leave_button("en") == {
        "title": "Back to the assistant", "payload": "/handoff_leave",
    }  # fmt: skip
