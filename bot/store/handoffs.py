"""Requests to talk to a person: the call-centre console's queue and the chat with an agent.

The life of one request (a row of `handoffs`, its messages in `handoff_lines`):

    open_request()            waiting   the user asked for a person (agents on duty)
    take()                    taken     one agent took it (atomic: two agents never both do)
    add_line()                          user and agent write; the agent's lines are delivered
                                        (pushed, or with the user's next turn)
    end(by="agent"|"user")    closed    handed back to the assistant
    expire_unanswered()       expired   nobody took it within the wait (2 minutes)
    settle()                            the assistant has told the user and has the chat back

A conversation has one open request at most (`open_key` is unique), however often it asks.
Every function runs in its own transaction and returns detached, frozen views.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.store.db import resolve_engine, session_scope
from bot.store.models import Handoff, HandoffLine, HandoffState

__all__ = [
    "LINE_MAX_CHARS",
    "Line",
    "Request",
    "add_line",
    "current",
    "end",
    "expire_unanswered",
    "forget_sender",
    "get",
    "lines",
    "mark_delivered",
    "mark_told",
    "open_request",
    "queue",
    "settle",
    "take",
    "take_undelivered",
    "taken_by_inbox",
]

LINE_MAX_CHARS = 4000
OPEN_STATES = (HandoffState.WAITING.value, HandoffState.TAKEN.value)
# how an agent's line reached the user (HandoffLine.delivered_via)
VIA_REPLY, VIA_INBOX, VIA_PUSH = "reply", "inbox", "push"


@dataclass(frozen=True)
class Line:
    id: int
    author: str  # user | agent
    text: str
    created_at: datetime
    delivered_at: datetime | None
    delivered_via: str | None = None  # reply | inbox | push (bot.store.models.HandoffLine)


@dataclass(frozen=True)
class Request:
    id: int
    sender_id: str
    channel: str
    language: str
    state: str
    report_type: str | None
    answers: Mapping[str, Any]
    transcript: Sequence[Mapping[str, str]]
    requested_at: datetime
    agent_id: str | None
    taken_at: datetime | None
    ended_at: datetime | None
    ended_by: str | None
    told_at: datetime | None
    settled_at: datetime | None

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES


def _request(row: Handoff) -> Request:
    return Request(
        id=row.id,
        sender_id=row.sender_id,
        channel=row.channel,
        language=row.language,
        state=row.state,
        report_type=row.report_type,
        answers=dict(row.answers or {}),
        transcript=list(row.transcript or []),
        requested_at=row.requested_at,
        agent_id=row.agent_id,
        taken_at=row.taken_at,
        ended_at=row.ended_at,
        ended_by=row.ended_by,
        told_at=row.told_at,
        settled_at=row.settled_at,
    )


def _line(row: HandoffLine) -> Line:
    return Line(row.id, row.author, row.text, row.created_at, row.delivered_at,
                row.delivered_via)


def open_request(
    bind: Engine | str | None,
    *,
    sender_id: str,
    channel: str,
    language: str,
    report_type: str | None,
    answers: Mapping[str, Any],
    transcript: Sequence[Mapping[str, str]],
    now: datetime,
) -> tuple[Request, bool]:
    """Queue `sender_id` for an agent; (the request, True) — or (the one already open,
    False) when it asked before and is still waiting or talking to an agent."""
    engine = resolve_engine(bind)
    try:
        with session_scope(engine, write=True) as session:
            existing = session.scalar(select(Handoff).where(Handoff.open_key == sender_id))
            if existing is not None:
                return _request(existing), False
            row = Handoff(
                sender_id=sender_id,
                open_key=sender_id,
                channel=channel,
                language=language,
                state=HandoffState.WAITING.value,
                report_type=report_type,
                answers=dict(answers),
                transcript=list(transcript),
                requested_at=now,
            )
            session.add(row)
            session.flush()
            return _request(row), True
    except IntegrityError:  # another process opened it between our read and our insert
        with session_scope(engine) as session:
            row = session.scalar(select(Handoff).where(Handoff.open_key == sender_id))
            if row is None:
                raise
            return _request(row), False


def _move(
    bind: Engine | str | None, handoff_id: int, condition: list[Any], values: dict[str, Any]
) -> Request | None:
    """One UPDATE of the request where `condition` still holds; None when it no longer
    did (another agent, another process got there first)."""
    with session_scope(bind, write=True) as session:
        result = session.execute(
            update(Handoff).where(Handoff.id == handoff_id, *condition).values(values),
            execution_options={"synchronize_session": False},
        )
        if not result.rowcount:
            return None
        row = session.get(Handoff, handoff_id)
        session.refresh(row)
        return _request(row)


def get(bind: Engine | str | None, handoff_id: int) -> Request | None:
    with session_scope(bind) as session:
        row = session.get(Handoff, handoff_id)
        return _request(row) if row is not None else None


def current(bind: Engine | str | None, sender_id: str) -> Request | None:
    """The conversation's open request, or else its last one that ended and that the
    assistant has not yet settled (told the user and taken the chat back)."""
    with session_scope(bind) as session:
        row = session.scalar(
            select(Handoff)
            .where(Handoff.sender_id == sender_id, Handoff.settled_at.is_(None))
            .order_by(Handoff.id.desc())
            .limit(1)
        )
        return _request(row) if row is not None else None


def queue(bind: Engine | str | None, *, states: Iterable[str] = OPEN_STATES) -> list[Request]:
    """Open requests (waiting first, then taken), oldest first."""
    wanted = [HandoffState(state).value for state in states]
    with session_scope(bind) as session:
        rows = session.scalars(
            select(Handoff).where(Handoff.state.in_(wanted)).order_by(Handoff.requested_at)
        ).all()
        order = {state: index for index, state in enumerate(OPEN_STATES)}
        return sorted((_request(row) for row in rows), key=lambda r: order.get(r.state, 9))


def take(
    bind: Engine | str | None, handoff_id: int, *, agent_id: str, now: datetime
) -> Request | None:
    """`agent_id` takes a waiting request; None when it is no longer waiting (taken by
    someone else, ended, or expired): one UPDATE, so two agents never both get it."""
    if not agent_id:
        raise ValueError("an agent id is needed")
    return _move(
        bind,
        handoff_id,
        [Handoff.state == HandoffState.WAITING.value],
        {"state": HandoffState.TAKEN.value, "agent_id": agent_id, "taken_at": now},
    )


def add_line(
    bind: Engine | str | None,
    handoff_id: int,
    *,
    author: str,
    text: str,
    now: datetime,
    agent_id: str | None = None,
) -> Line | None:
    """Store one message of the chat; None when the request is not open any more (or, for
    an agent's line, when `agent_id` is not the agent who took it)."""
    if author not in ("user", "agent"):
        raise ValueError(f"unknown author {author!r}")
    text = text.strip()[:LINE_MAX_CHARS]
    if not text:
        raise ValueError("an empty message")
    with session_scope(bind, write=True) as session:
        row = session.get(Handoff, handoff_id)
        if row is None or row.state not in OPEN_STATES:
            return None
        taken_by_agent = row.state == HandoffState.TAKEN.value and row.agent_id == agent_id
        if author == "agent" and not taken_by_agent:
            return None
        line = HandoffLine(handoff_id=handoff_id, author=author, text=text, created_at=now)
        session.add(line)
        session.flush()
        return _line(line)


def lines(bind: Engine | str | None, handoff_id: int, *, after: int = 0) -> list[Line]:
    """The chat's messages with an id above `after`, oldest first."""
    with session_scope(bind) as session:
        rows = session.scalars(
            select(HandoffLine)
            .where(HandoffLine.handoff_id == handoff_id, HandoffLine.id > after)
            .order_by(HandoffLine.id)
        ).all()
        return [_line(row) for row in rows]


def take_undelivered(
    bind: Engine | str | None, handoff_id: int, *, now: datetime, via: str = VIA_REPLY
) -> list[Line]:
    """The agent's lines not yet delivered, marked delivered (`via`: the user's next turn
    gives them, or the web widget's inbox poll) in the same transaction: each is handed out
    once."""
    with session_scope(bind, write=True) as session:
        rows = session.scalars(
            select(HandoffLine)
            .where(
                HandoffLine.handoff_id == handoff_id,
                HandoffLine.author == "agent",
                HandoffLine.delivered_at.is_(None),
            )
            .order_by(HandoffLine.id)
        ).all()
        for row in rows:
            row.delivered_at = now
            row.delivered_via = via
        return [_line(row) for row in rows]


def mark_delivered(bind: Engine | str | None, line_id: int, *, now: datetime) -> bool:
    """A pushed line reached the user; False when it had been delivered already."""
    with session_scope(bind, write=True) as session:
        result = session.execute(
            update(HandoffLine)
            .where(HandoffLine.id == line_id, HandoffLine.delivered_at.is_(None))
            .values(delivered_at=now, delivered_via=VIA_PUSH),
            execution_options={"synchronize_session": False},
        )
        return bool(result.rowcount)



def taken_by_inbox(
    bind: Engine | str | None, sender_id: str, *, limit: int
) -> list[tuple[Line, str]]:
    """The agent's lines the web widget's inbox took for this conversation, with the
    language of their chat, oldest first (the newest `limit`): the conversation's own
    events do not hold them, so its history adds them."""
    with session_scope(bind) as session:
        rows = session.execute(
            select(HandoffLine, Handoff.language)
            .join(Handoff, Handoff.id == HandoffLine.handoff_id)
            .where(
                Handoff.sender_id == sender_id,
                HandoffLine.author == "agent",
                HandoffLine.delivered_via == VIA_INBOX,
            )
            .order_by(HandoffLine.delivered_at.desc(), HandoffLine.id.desc())
            .limit(limit)
        ).all()
        return [(_line(line), str(language)) for line, language in reversed(rows)]

def end(
    bind: Engine | str | None,
    handoff_id: int,
    *,
    by: str,
    now: datetime,
    agent_id: str | None = None,
) -> Request | None:
    """Close an open request (`by` the agent who took it, or the user); None when it was
    not open (or the agent is not the one who took it)."""
    if by not in ("agent", "user"):
        raise ValueError(f"ended by {by!r}?")
    condition = [Handoff.state.in_(OPEN_STATES)]
    if by == "agent":
        condition += [Handoff.state == HandoffState.TAKEN.value, Handoff.agent_id == agent_id]
    values = {"state": HandoffState.CLOSED.value, "ended_at": now, "ended_by": by, "open_key": None}
    return _move(bind, handoff_id, condition, values)


def expire_unanswered(
    bind: Engine | str | None, *, now: datetime, wait: timedelta, sender_id: str | None = None
) -> list[Request]:
    """End every request still waiting after `wait` (only `sender_id`'s when given): nobody
    took it. Returns the ones this call ended."""
    with session_scope(bind, write=True) as session:
        query = select(Handoff.id).where(
            Handoff.state == HandoffState.WAITING.value, Handoff.requested_at <= now - wait
        )
        if sender_id is not None:
            query = query.where(Handoff.sender_id == sender_id)
        ids = list(session.scalars(query))
        if not ids:
            return []
        session.execute(
            update(Handoff)
            .where(Handoff.id.in_(ids), Handoff.state == HandoffState.WAITING.value)
            .values(
                state=HandoffState.EXPIRED.value,
                ended_at=now,
                ended_by="timeout",
                open_key=None,
            ),
            execution_options={"synchronize_session": False},
        )
        rows = session.scalars(select(Handoff).where(Handoff.id.in_(ids))).all()
        for row in rows:
            session.refresh(row)
        return [_request(row) for row in rows if row.state == HandoffState.EXPIRED.value]


def _stamp_ended(bind: Engine | str | None, handoff_id: int, column: str, now: datetime) -> bool:
    """Set `column` (told_at, settled_at) of an ended request once; False if set before."""
    stamp = getattr(Handoff, column)
    with session_scope(bind, write=True) as session:
        result = session.execute(
            update(Handoff)
            .where(Handoff.id == handoff_id, Handoff.state.notin_(OPEN_STATES), stamp.is_(None))
            .values({column: now}),
            execution_options={"synchronize_session": False},
        )
        return bool(result.rowcount)


def mark_told(bind: Engine | str | None, handoff_id: int, *, now: datetime) -> bool:
    """The user was told how the request ended (a pushed message): the assistant need not
    say it all again when the user next writes."""
    return _stamp_ended(bind, handoff_id, "told_at", now)


def settle(bind: Engine | str | None, handoff_id: int, *, now: datetime) -> bool:
    """The assistant has the chat back (it told the user how the request ended)."""
    return _stamp_ended(bind, handoff_id, "settled_at", now)


def forget_sender(session: Session, sender_ids: Iterable[str]) -> int:
    """Delete the requests (and chats) of these conversations, in the caller's transaction
    (the privacy erasure); returns how many requests went."""
    ids = list(sender_ids)
    if not ids:
        return 0
    handoff_ids = list(session.scalars(select(Handoff.id).where(Handoff.sender_id.in_(ids))))
    if not handoff_ids:
        return 0
    session.execute(delete(HandoffLine).where(HandoffLine.handoff_id.in_(handoff_ids)))
    session.execute(delete(Handoff).where(Handoff.id.in_(handoff_ids)))
    return len(handoff_ids)
