"""Reminders to come back to a draft: "not yet eligible, come back on DATE — remind me".

The life of one reminder (a row of `draft_reminders`):

    schedule()        pending   the user said "yes, remind me" (once per conversation and day)
    due() + mark_sent()  sent   on its day the scheduler said it in the conversation
    take_draft()      resumed   the user pressed "resume": the draft's answers come back

Every read and change names the conversation (`sender_id`) it is for: a reminder is said
in, and resumed from, only the conversation that asked for it; a conversation that names
another's reminder finds nothing. Every function runs in its own transaction and returns
detached, frozen views.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from bot.store.db import resolve_engine, session_scope
from bot.store.models import DraftReminder, ReminderState

__all__ = [
    "MAX_ATTEMPTS",
    "RESUMABLE_FOR",
    "Reminder",
    "due",
    "forget_sender",
    "latest_sent",
    "mark_failed",
    "mark_sent",
    "pending_for",
    "pending_senders",
    "schedule",
    "state_of",
    "take_draft",
]

# Tries to say a reminder (one a scheduler tick) before it is given up as failed.
MAX_ATTEMPTS = 10
# How long after its day a reminder's "resume" button still brings the draft back.
RESUMABLE_FOR = timedelta(days=30)
MAX_ERROR_LENGTH = 500


@dataclass(frozen=True)
class Reminder:
    id: int
    sender_id: str
    channel: str
    language: str
    remind_on: date
    remind_at: datetime
    draft: Mapping[str, Any]
    state: str
    attempts: int


def _view(row: DraftReminder) -> Reminder:
    return Reminder(
        id=row.id,
        sender_id=row.sender_id,
        channel=row.channel,
        language=row.language,
        remind_on=row.remind_on,
        remind_at=row.remind_at,
        draft=dict(row.draft or {}),
        state=row.state,
        attempts=row.attempts,
    )


def _open_key(sender_id: str, remind_on: date) -> str:
    return f"{sender_id}|{remind_on.isoformat()}"


def schedule(
    bind: Engine | str | None,
    *,
    sender_id: str,
    channel: str,
    language: str,
    remind_on: date,
    remind_at: datetime,
    draft: Mapping[str, Any],
    now: datetime,
) -> Reminder:
    """The conversation's pending reminder for `remind_on`, new or (asked again) updated with
    the latest draft and language: one reminder a conversation and day, however often asked."""
    if not sender_id:
        raise ValueError("a reminder needs the conversation it is for")
    key = _open_key(sender_id, remind_on)
    with session_scope(resolve_engine(bind), write=True) as session:
        row = session.scalar(select(DraftReminder).where(DraftReminder.open_key == key))
        if row is None:
            row = DraftReminder(
                sender_id=sender_id,
                open_key=key,
                channel=channel,
                language=language,
                remind_on=remind_on,
                remind_at=remind_at,
                draft=dict(draft),
                state=ReminderState.PENDING.value,
                attempts=0,
                created_at=now,
            )
            session.add(row)
        else:
            row.channel, row.language, row.draft = channel, language, dict(draft)
        session.flush()
        return _view(row)


def due(bind: Engine | str | None, *, now: datetime, limit: int = 50) -> list[Reminder]:
    """Pending reminders whose time has come, oldest first."""
    with session_scope(resolve_engine(bind)) as session:
        rows = session.scalars(
            select(DraftReminder)
            .where(DraftReminder.state == ReminderState.PENDING.value)
            .where(DraftReminder.remind_at <= now)
            .order_by(DraftReminder.remind_at, DraftReminder.id)
            .limit(limit)
        )
        return [_view(row) for row in rows]


def pending_for(bind: Engine | str | None, sender_id: str) -> Reminder | None:
    """This conversation's pending reminder, the earliest first. The scheduler decides when
    one is due (`due`); the conversation says whichever it was triggered for."""
    with session_scope(resolve_engine(bind)) as session:
        row = session.scalar(
            select(DraftReminder)
            .where(DraftReminder.sender_id == sender_id)
            .where(DraftReminder.state == ReminderState.PENDING.value)
            .order_by(DraftReminder.remind_at, DraftReminder.id)
            .limit(1)
        )
        return _view(row) if row is not None else None


def _move(session: Session, reminder_id: int, from_state: str, **values: Any) -> bool:
    result = session.execute(
        update(DraftReminder)
        .where(DraftReminder.id == reminder_id, DraftReminder.state == from_state)
        .values(**values),
        execution_options={"synchronize_session": False},
    )
    return bool(result.rowcount)


def mark_sent(bind: Engine | str | None, reminder_id: int, *, now: datetime) -> bool:
    """The reminder was said in its conversation; False if it was not pending any more."""
    with session_scope(resolve_engine(bind), write=True) as session:
        return _move(
            session,
            reminder_id,
            ReminderState.PENDING.value,
            state=ReminderState.SENT.value,
            sent_at=now,
            open_key=None,
        )


def mark_failed(bind: Engine | str | None, reminder: Reminder, *, error: str) -> str:
    """One more failed try; after MAX_ATTEMPTS the reminder is `failed`. Returns its state."""
    attempts = reminder.attempts + 1
    state = ReminderState.FAILED if attempts >= MAX_ATTEMPTS else ReminderState.PENDING
    values: dict[str, Any] = {
        "attempts": attempts,
        "last_error": error[:MAX_ERROR_LENGTH],
        "state": state.value,
    }
    if state is ReminderState.FAILED:
        values["open_key"] = None
    with session_scope(resolve_engine(bind), write=True) as session:
        _move(session, reminder.id, ReminderState.PENDING.value, **values)
    return state.value


def latest_sent(bind: Engine | str | None, sender_id: str, *, now: datetime) -> Reminder | None:
    """This conversation's latest reminder already said and still resumable, if any."""
    with session_scope(resolve_engine(bind)) as session:
        row = session.scalar(
            select(DraftReminder)
            .where(DraftReminder.sender_id == sender_id)
            .where(DraftReminder.state == ReminderState.SENT.value)
            .where(DraftReminder.remind_at > now - RESUMABLE_FOR)
            .order_by(DraftReminder.remind_at.desc(), DraftReminder.id.desc())
            .limit(1)
        )
        return _view(row) if row is not None else None


def take_draft(bind: Engine | str | None, sender_id: str, *, now: datetime) -> Reminder | None:
    """This conversation's latest said reminder, now `resumed` (its draft is being taken up
    again); None when the conversation has none to resume. A second press finds none."""
    reminder = latest_sent(bind, sender_id, now=now)
    if reminder is None:
        return None
    with session_scope(resolve_engine(bind), write=True) as session:
        taken = _move(
            session,
            reminder.id,
            ReminderState.SENT.value,
            state=ReminderState.RESUMED.value,
            resumed_at=now,
        )
    return reminder if taken else None


def state_of(bind: Engine | str | None, reminder_id: int) -> str | None:
    """The reminder's state, or None when it is gone."""
    with session_scope(resolve_engine(bind)) as session:
        return session.scalar(select(DraftReminder.state).where(DraftReminder.id == reminder_id))


def pending_senders(bind: Engine | str | None) -> set[str]:
    """Conversations waiting for a reminder (the privacy purge keeps them until it is said)."""
    with session_scope(resolve_engine(bind)) as session:
        return set(
            session.scalars(
                select(DraftReminder.sender_id).where(
                    DraftReminder.state == ReminderState.PENDING.value
                )
            )
        )


def forget_sender(session: Session, sender_ids: Iterable[str]) -> int:
    """Delete these conversations' reminders, in the caller's transaction (the privacy
    erasure); returns how many went."""
    ids = list(sender_ids)
    if not ids:
        return 0
    result = session.execute(delete(DraftReminder).where(DraftReminder.sender_id.in_(ids)))
    return int(result.rowcount or 0)
