"""Reminders to come back to a draft: kept once, said on their day, resumed only by the
conversation that asked (bot.store.reminders), and gone with the conversation's data."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from bot.store import reminders
from bot.store.db import get_engine, session_scope
from bot.store.migrate import upgrade
from bot.store.models import DraftReminder, ReminderState

T0 = datetime(2026, 12, 7, 7, 0, tzinfo=UTC)
DAY = date(2026, 12, 11)
AT = datetime(2026, 12, 11, 6, 0, tzinfo=UTC)
DRAFT = {"slots": {"report_type": "complaint_escalation", "platform": "قوى"}, "form": None}


@pytest.fixture
def url(sqlite_url: str) -> str:
    upgrade(sqlite_url)
    return sqlite_url


def keep(url: str, sender: str = "telegram:42", **changes: object) -> reminders.Reminder:
    values = {"sender_id": sender, "channel": "telegram", "language": "ar", "remind_on": DAY,
              "remind_at": AT, "draft": DRAFT, "now": T0, **changes}  # fmt: skip
    return reminders.schedule(url, **values)


def rows(url: str) -> list[DraftReminder]:
    with session_scope(get_engine(url)) as session:
        return list(session.query(DraftReminder).order_by(DraftReminder.id))


def test_asking_twice_for_the_same_day_keeps_one_reminder_with_the_latest_draft(url: str) -> None:
    first = keep(url)
    again = keep(url, language="en", draft={"slots": {"report_type": "complaint_escalation"}})
    assert again.id == first.id and again.language == "en"
    assert len(rows(url)) == 1 and rows(url)[0].draft == {
        "slots": {"report_type": "complaint_escalation"}
    }
    other_day = keep(url, remind_on=DAY + timedelta(days=3), remind_at=AT + timedelta(days=3))
    assert other_day.id != first.id and len(rows(url)) == 2


def test_a_reminder_is_due_on_its_time_and_said_once(url: str) -> None:
    reminder = keep(url)
    assert reminders.due(url, now=AT - timedelta(minutes=1)) == []
    assert [r.id for r in reminders.due(url, now=AT)] == [reminder.id]
    assert reminders.pending_for(url, "telegram:42").id == reminder.id
    assert reminders.mark_sent(url, reminder.id, now=AT)
    assert not reminders.mark_sent(url, reminder.id, now=AT)  # said already
    assert reminders.due(url, now=AT + timedelta(days=1)) == []
    assert reminders.state_of(url, reminder.id) == ReminderState.SENT
    # said, the same day can be asked for again (a new reminder)
    assert keep(url).id != reminder.id


def test_only_the_conversation_that_asked_resumes_the_draft_and_only_once(url: str) -> None:
    reminder = keep(url)
    assert reminders.take_draft(url, "telegram:42", now=AT) is None  # not said yet
    reminders.mark_sent(url, reminder.id, now=AT)
    assert reminders.pending_for(url, "telegram:99") is None
    assert reminders.take_draft(url, "telegram:99", now=AT) is None  # a stranger finds none
    taken = reminders.take_draft(url, "telegram:42", now=AT + timedelta(hours=2))
    assert taken is not None and taken.draft == DRAFT
    assert reminders.take_draft(url, "telegram:42", now=AT + timedelta(hours=3)) is None
    assert reminders.state_of(url, reminder.id) == ReminderState.RESUMED


def test_a_reminder_said_long_ago_no_longer_resumes(url: str) -> None:
    reminder = keep(url)
    reminders.mark_sent(url, reminder.id, now=AT)
    late = AT + reminders.RESUMABLE_FOR + timedelta(minutes=1)
    assert reminders.take_draft(url, "telegram:42", now=late) is None


def test_failed_tries_give_up_after_the_last_attempt(url: str) -> None:
    reminder = keep(url)
    for attempt in range(1, reminders.MAX_ATTEMPTS):
        assert reminders.mark_failed(url, reminder, error="Rasa unreachable") == "pending"
        reminder = reminders.due(url, now=AT)[0]
        assert reminder.attempts == attempt
    assert reminders.mark_failed(url, reminder, error="Rasa unreachable") == "failed"
    assert reminders.due(url, now=AT) == []
    assert rows(url)[0].last_error == "Rasa unreachable"


def test_the_erasure_of_a_conversation_takes_its_reminders(url: str) -> None:
    keep(url)
    keep(url, sender="web:7")
    assert reminders.pending_senders(url) == {"telegram:42", "web:7"}
    with session_scope(get_engine(url), write=True) as session:
        assert reminders.forget_sender(session, ["telegram:42"]) == 1
    assert [row.sender_id for row in rows(url)] == ["web:7"]


def test_a_reminder_needs_its_conversation(url: str) -> None:
    with pytest.raises(ValueError, match="conversation"):
        keep(url, sender="")
