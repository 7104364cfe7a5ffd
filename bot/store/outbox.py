"""The transactional outbox: notifications are rows written with the change they tell about.

* `enqueue(session, report, kind, …)` adds a message in the caller's transaction (the one
  that changes the report), so a status change and its notice are committed together or not
  at all. A `dedupe_key` that is already queued adds nothing (INSERT … ON CONFLICT DO
  NOTHING), so the same notice is never queued twice, however often a rule runs.
* `claim(…)` hands due messages to one worker under a lease: on PostgreSQL with
  `SELECT … FOR UPDATE SKIP LOCKED` (workers never wait for each other and never get the same
  row), on SQLite with one atomic `UPDATE … WHERE claimed_by IS NULL …` inside a write
  transaction (SQLite has one writer at a time). A lease that runs out (a worker that died)
  makes the message claimable again.
* `mark_sent` / `mark_held` / `mark_failed` record the outcome, only for the worker that
  still holds the lease. A failure is retried with exponential backoff; after
  `MAX_ATTEMPTS` attempts, or a permanent refusal, the message is `failed` with its
  `last_error` kept.

Delivery is at least once: a worker that stops after the channel took a message but before
`mark_sent` leaves it to be sent again when the lease runs out. The web inbox and the REST
callback (Idempotency-Key header) make that repeat harmless; Telegram has no such key.
"""

from __future__ import annotations

import logging
import os
import socket
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from bot.store.db import resolve_engine, session_scope
from bot.store.models import OutboxMessage, OutboxState, Report, utc_now
from bot.texts.notices import NoticeKind, render

__all__ = [
    "BACKOFF_BASE",
    "BACKOFF_CAP",
    "DEFAULT_LEASE",
    "MAX_ATTEMPTS",
    "Notice",
    "backoff",
    "claim",
    "enqueue",
    "list_messages",
    "mark_failed",
    "mark_held",
    "mark_sent",
    "new_worker_id",
]

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
BACKOFF_BASE = timedelta(minutes=1)
BACKOFF_CAP = timedelta(hours=1)
DEFAULT_LEASE = timedelta(minutes=5)
MAX_ERROR_LENGTH = 2000


@dataclass(frozen=True)
class Notice:
    """A claimed outbox message, as a sender sees it (detached from the database)."""

    id: int
    report_id: int
    reference: str
    kind: str
    channel: str
    recipient: str | None
    language: str
    text: str
    payload: Mapping[str, Any]
    dedupe_key: str
    attempts: int
    created_at: datetime
    claim: str


def new_worker_id() -> str:
    """A name for this worker, unique enough to tell workers apart in `claimed_by`."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


def backoff(attempt: int) -> timedelta:
    """How long to wait after the `attempt`-th failed attempt (1, 2, 4, … minutes, ≤ 1 h)."""
    if attempt < 1:
        return timedelta(0)
    return min(BACKOFF_CAP, BACKOFF_BASE * (2 ** (attempt - 1)))


def _json_value(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


def enqueue(
    session: Session,
    report: Report,
    kind: str,
    *,
    dedupe_key: str,
    at: datetime | None = None,
    fields: Mapping[str, Any] | None = None,
    not_before: datetime | None = None,
) -> bool:
    """Queue a `kind` notice about `report` in `session`'s transaction; False if `dedupe_key`
    was queued before.

    The text is rendered now, in the report's language, and kept in the payload with the
    fields it was made from; the message goes to the report's channel and conversation.
    """
    kind = NoticeKind(kind).value
    if not dedupe_key:
        raise ValueError("dedupe_key must not be empty")
    now = at or utc_now()
    values = {"reference": report.reference, **(fields or {})}
    text = render(kind, report.language, values)
    payload = {key: _json_value(value) for key, value in values.items()}
    payload["text"] = text
    row = {
        "report_id": report.id,
        "kind": kind,
        "channel": report.channel,
        "recipient": report.sender_id,
        "language": report.language,
        "payload": payload,
        "dedupe_key": dedupe_key,
        "state": OutboxState.PENDING.value,
        "created_at": now,
        "attempts": 0,
        "next_attempt_at": not_before or now,
    }
    table = OutboxMessage.__table__
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        statement = (
            postgresql.insert(table)
            .values(row)
            .on_conflict_do_nothing(index_elements=["dedupe_key"])
        )
    elif dialect == "sqlite":
        statement = (
            sqlite.insert(table).values(row).on_conflict_do_nothing(index_elements=["dedupe_key"])
        )
    else:  # pragma: no cover - the store runs on SQLite and PostgreSQL only
        exists = session.scalar(
            select(OutboxMessage.id).where(OutboxMessage.dedupe_key == dedupe_key)
        )
        if exists is not None:
            return False
        statement = table.insert().values(row)
    result = session.execute(statement)
    return bool(result.rowcount)


def _due(now: datetime) -> Any:
    return and_(
        OutboxMessage.state == OutboxState.PENDING.value,
        OutboxMessage.next_attempt_at <= now,
        or_(OutboxMessage.claimed_by.is_(None), OutboxMessage.claimed_until <= now),
    )


def _notice(row: OutboxMessage, reference: str, claim_token: str) -> Notice:
    payload = dict(row.payload or {})
    return Notice(
        id=row.id,
        report_id=row.report_id,
        reference=reference,
        kind=row.kind,
        channel=row.channel,
        recipient=row.recipient,
        language=row.language,
        text=str(payload.get("text", "")),
        payload=payload,
        dedupe_key=row.dedupe_key,
        attempts=row.attempts,
        created_at=row.created_at,
        claim=claim_token,
    )


def claim(
    bind: Engine | str | None,
    *,
    worker: str,
    now: datetime,
    limit: int = 20,
    lease: timedelta = DEFAULT_LEASE,
) -> list[Notice]:
    """Lease up to `limit` due messages to `worker` until `now + lease`, oldest first."""
    engine = resolve_engine(bind)
    token = f"{worker}/{uuid.uuid4().hex[:8]}"[:80]
    until = now + lease
    order = (OutboxMessage.next_attempt_at, OutboxMessage.id)
    with session_scope(engine, write=True) as session:
        candidates = select(OutboxMessage.id).where(_due(now)).order_by(*order).limit(limit)
        if engine.dialect.name == "postgresql":
            ids = list(session.scalars(candidates.with_for_update(skip_locked=True)))
            if not ids:
                return []
            session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id.in_(ids))
                .values(claimed_by=token, claimed_until=until),
                execution_options={"synchronize_session": False},
            )
        else:
            # One statement: the rows it picks are the rows it claims, and the WHERE is
            # checked again for each row it writes.
            session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id.in_(candidates.scalar_subquery()))
                .where(_due(now))
                .values(claimed_by=token, claimed_until=until),
                execution_options={"synchronize_session": False},
            )
        rows = session.execute(
            select(OutboxMessage, Report.reference)
            .join(Report, Report.id == OutboxMessage.report_id)
            .where(OutboxMessage.claimed_by == token)
            .order_by(*order)
        ).all()
        return [_notice(row, reference, token) for row, reference in rows]


def _finish(bind: Engine | str | None, notice: Notice, values: Mapping[str, Any]) -> bool:
    engine = resolve_engine(bind)
    with session_scope(engine, write=True) as session:
        result = session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == notice.id, OutboxMessage.claimed_by == notice.claim)
            .values(claimed_by=None, claimed_until=None, **values),
            execution_options={"synchronize_session": False},
        )
        done = bool(result.rowcount)
    if not done:
        logger.warning(
            "Outbox message %s: the lease of %s ran out before the outcome was recorded.",
            notice.id,
            notice.claim,
        )
    return done


def mark_sent(
    bind: Engine | str | None, notice: Notice, *, now: datetime, detail: str | None = None
) -> bool:
    """The channel took the message. False when the lease was lost meanwhile."""
    values: dict[str, Any] = {
        "state": OutboxState.SENT.value,
        "sent_at": now,
        "attempts": OutboxMessage.attempts + 1,
    }
    return _finish(bind, notice, values)


def mark_held(bind: Engine | str | None, notice: Notice, *, now: datetime, reason: str) -> bool:
    """No way to deliver the message (kept, readable with `python -m bot outbox list`)."""
    values: dict[str, Any] = {
        "state": OutboxState.HELD.value,
        "attempts": OutboxMessage.attempts + 1,
        "last_error": reason[:MAX_ERROR_LENGTH],
    }
    return _finish(bind, notice, values)


def mark_failed(
    bind: Engine | str | None,
    notice: Notice,
    *,
    now: datetime,
    error: str,
    permanent: bool = False,
    retry_after: timedelta | None = None,
    max_attempts: int = MAX_ATTEMPTS,
) -> str:
    """Record a failed attempt: retried later (`pending`) or given up (`failed`).

    Returns the state the message is now in (or "lost" when the lease ran out meanwhile)."""
    attempts = notice.attempts + 1
    give_up = permanent or attempts >= max_attempts
    wait = backoff(attempts)
    if retry_after is not None and retry_after > wait:
        wait = retry_after
    values: dict[str, Any] = {
        "attempts": attempts,
        "last_error": error[:MAX_ERROR_LENGTH],
        "state": OutboxState.FAILED.value if give_up else OutboxState.PENDING.value,
    }
    if not give_up:
        values["next_attempt_at"] = now + wait
    if not _finish(bind, notice, values):
        return "lost"
    return values["state"]


def list_messages(
    bind: Engine | str | None = None,
    *,
    pending: bool = False,
    state: str | None = None,
    reference: str | None = None,
    limit: int | None = None,
) -> list[tuple[OutboxMessage, str]]:
    """Outbox messages with their report's reference, newest first.

    `pending`: only those not delivered yet (pending or held)."""
    statement = (
        select(OutboxMessage, Report.reference)
        .join(Report, Report.id == OutboxMessage.report_id)
        .order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc())
    )
    if pending:
        statement = statement.where(
            OutboxMessage.state.in_((OutboxState.PENDING.value, OutboxState.HELD.value))
        )
    if state is not None:
        statement = statement.where(OutboxMessage.state == OutboxState(state).value)
    if reference is not None:
        statement = statement.where(Report.reference == reference)
    if limit is not None:
        statement = statement.limit(limit)
    with session_scope(bind) as session:
        return [(row, ref) for row, ref in session.execute(statement).all()]
