"""The table of SMS and e-mail messages to a number or an address (`contact_messages`): what
bot.notify.contact queues, claims, and records as sent or failed.

A message is claimed for one try at a time (another worker skips it for the retry delay),
and its text (a one-time code) is cleared once it is sent, expired or given up. Each
function is one transaction.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.engine import Engine

from bot.store.db import session_scope
from bot.store.models import ContactMessage, OutboxState, utc_now

__all__ = ["claim", "due", "give_up_expired", "queue", "record_failure", "record_sent"]


def queue(
    engine: Engine,
    *,
    kind: str,
    recipient: str,
    purpose: str,
    text: str,
    moment: datetime,
    expires_in: timedelta,
) -> int:
    """A new pending message, due now; its id."""
    with session_scope(engine, write=True) as session:
        row = ContactMessage(
            kind=kind, recipient=recipient, purpose=purpose, text=text,
            state=OutboxState.PENDING.value, created_at=moment,
            expires_at=moment + expires_in, attempts=0, next_attempt_at=moment,
        )
        session.add(row)
        session.flush()
        return int(row.id)


def claim(engine: Engine, message_id: int, moment: datetime, hold: timedelta) -> bool:
    """Take the message for one try (another worker skips it for `hold`)."""
    with session_scope(engine, write=True) as session:
        taken = session.execute(
            update(ContactMessage)
            .where(
                ContactMessage.id == message_id,
                ContactMessage.state == OutboxState.PENDING.value,
                or_(ContactMessage.claimed_until.is_(None),
                    ContactMessage.claimed_until <= moment),
            )
            .values(claimed_until=moment + hold, attempts=ContactMessage.attempts + 1)
        )
        return taken.rowcount == 1


def record_failure(engine: Engine, message_id: int, retry_at: datetime, error: str) -> None:
    """The try failed: the message waits until `retry_at`."""
    with session_scope(engine, write=True) as session:
        session.execute(
            update(ContactMessage)
            .where(ContactMessage.id == message_id)
            .values(next_attempt_at=retry_at, last_error=error)
        )


def record_sent(engine: Engine, message_id: int) -> None:
    """Sent: its text is cleared."""
    with session_scope(engine, write=True) as session:
        session.execute(
            update(ContactMessage)
            .where(ContactMessage.id == message_id)
            .values(state=OutboxState.SENT.value, sent_at=utc_now(), text=None)
        )


def give_up_expired(engine: Engine, moment: datetime, max_attempts: int) -> None:
    """Pending messages past their expiry or their tries fail, their text cleared."""
    with session_scope(engine, write=True) as session:
        session.execute(
            update(ContactMessage)
            .where(
                ContactMessage.state == OutboxState.PENDING.value,
                or_(ContactMessage.expires_at <= moment,
                    ContactMessage.attempts >= max_attempts),
            )
            .values(state=OutboxState.FAILED.value, text=None)
        )


def due(engine: Engine, moment: datetime, limit: int = 100) -> list[tuple[int, str, str, str]]:
    """(id, kind, recipient, text) of the pending messages due by `moment`, oldest first."""
    with session_scope(engine) as session:
        rows = session.execute(
            select(ContactMessage.id, ContactMessage.kind, ContactMessage.recipient,
                   ContactMessage.text)
            .where(
                ContactMessage.state == OutboxState.PENDING.value,
                ContactMessage.next_attempt_at <= moment,
            )
            .order_by(ContactMessage.id)
            .limit(limit)
        ).all()
        return [(int(r[0]), str(r[1]), str(r[2]), r[3] or "") for r in rows]
