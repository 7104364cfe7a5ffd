"""The web widget's inbox (table `web_inbox`): notifications waiting for a widget conversation.

bot.notify.senders.WebSender stores each web notification here (`put`). The widget's channel
(bot.channels.webchat) hands them to the widget when it loads and while it is open (its
`inbox` endpoint, polled), and shows the ones already taken again in the conversation's
history, so that a reloaded page still has them:

    from bot.store import inbox
    items = inbox.take_unread(sender_id)   # and mark them read, in one transaction
    shown = inbox.taken(sender_id)         # the ones taken before, oldest first

A message is taken once: two tabs of one conversation asking at the same moment do not both
get it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.sql import Select

from bot.store.db import session_scope
from bot.store.models import Report, WebInboxMessage, utc_now

__all__ = ["InboxItem", "put", "take_unread", "taken", "unread"]


@dataclass(frozen=True)
class InboxItem:
    id: int
    reference: str
    language: str
    text: str
    created_at: datetime
    read_at: datetime | None

    def as_dict(self) -> dict[str, object]:
        return {
            "id": self.id,
            "reference": self.reference,
            "language": self.language,
            "text": self.text,
            "created_at": self.created_at.isoformat(),
        }


def _query(sender_id: str) -> Select:
    return (
        select(WebInboxMessage, Report.reference)
        .join(Report, Report.id == WebInboxMessage.report_id)
        .where(WebInboxMessage.sender_id == sender_id, WebInboxMessage.read_at.is_(None))
        .order_by(WebInboxMessage.created_at, WebInboxMessage.id)
    )


def _item(row: WebInboxMessage, reference: str) -> InboxItem:
    return InboxItem(row.id, reference, row.language, row.text, row.created_at, row.read_at)


def unread(sender_id: str, bind: Engine | str | None = None) -> list[InboxItem]:
    """The conversation's unread notifications, oldest first (nothing is marked)."""
    with session_scope(bind) as session:
        return [_item(row, ref) for row, ref in session.execute(_query(sender_id)).all()]


def taken(
    sender_id: str, bind: Engine | str | None = None, *, limit: int | None = None
) -> list[InboxItem]:
    """The conversation's notifications already taken, in the order they were taken (at most
    the last `limit`; nothing is marked)."""
    query = (
        select(WebInboxMessage, Report.reference)
        .join(Report, Report.id == WebInboxMessage.report_id)
        .where(WebInboxMessage.sender_id == sender_id, WebInboxMessage.read_at.is_not(None))
        .order_by(WebInboxMessage.read_at.desc(), WebInboxMessage.id.desc())
    )
    if limit is not None:
        query = query.limit(limit)
    with session_scope(bind) as session:
        rows = session.execute(query).all()
    return [_item(row, ref) for row, ref in reversed(rows)]


def take_unread(
    sender_id: str, bind: Engine | str | None = None, *, now: datetime | None = None
) -> list[InboxItem]:
    """The conversation's unread notifications, oldest first, marked read."""
    moment = now or utc_now()
    with session_scope(bind, write=True) as session:
        # FOR UPDATE (PostgreSQL): a second reader waits, then finds them read. SQLite's
        # write transaction has the same effect.
        rows = session.execute(_query(sender_id).with_for_update(of=WebInboxMessage)).all()
        if not rows:
            return []
        session.execute(
            update(WebInboxMessage)
            .where(WebInboxMessage.id.in_([row.id for row, _ref in rows]))
            .values(read_at=moment),
            execution_options={"synchronize_session": False},
        )
        return [
            InboxItem(row.id, ref, row.language, row.text, row.created_at, moment)
            for row, ref in rows
        ]


def put(
    bind: Engine | str | None,
    *,
    outbox_id: int,
    report_id: int,
    sender_id: str,
    language: str,
    text: str,
) -> int | None:
    """Store a notification for the widget conversation `sender_id`: its id, or None when
    that outbox message is already there (`outbox_id` is unique: stored once)."""
    try:
        with session_scope(bind, write=True) as session:
            item = WebInboxMessage(
                outbox_id=outbox_id, report_id=report_id, sender_id=sender_id,
                language=language, text=text, created_at=utc_now(),
            )
            session.add(item)
            session.flush()
            return int(item.id)
    except IntegrityError:
        return None
