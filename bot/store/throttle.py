"""Slowing down guessing: failed lookups and wrong one-time codes, counted per key.

A stranger can choose the conversation id they talk under on REST, and get a new web-widget
session at will, so counting failures per conversation alone does not stop them. Each failure
is counted under every key it concerns:

- `ref:<reference>` — the report asked about (a reference guessed from many conversations);
- `id:<digest>` — the national ID or iqama number given (bot.store.digest; never in clear);
- `addr:<address>` — the client's address as the server saw it (bot.channels.rest), where
  the channel knows one;
- `sender:<conversation id>` — the channel identity.

After `LIMITS[kind]` failures within `WINDOW` under any one key, tries that concern that key
are refused until the oldest failure leaves the window; the answer says when to try again
and offers the call centre. Only failures count, so a reporter on their own channel, who
needs no lookup to see their reports, is never slowed down by a stranger's tries: the
conversation that filed a report is let in by bot.store.access before any throttle is asked.
The rows live in the store, so the limits hold across action servers and restarts.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.engine import Engine

from bot.store.db import session_scope
from bot.store.digest import digest
from bot.store.models import ThrottleFailure, utc_now

__all__ = ["LIMITS", "WINDOW", "keys", "minutes_to_wait", "record_failure"]

WINDOW = timedelta(minutes=15)
# Failures allowed per key kind within WINDOW. An address may stand for many people (an
# office behind one NAT, a mobile carrier), so it gets more.
LIMITS = {"ref": 5, "id": 5, "addr": 20, "sender": 5}


def keys(
    *,
    sender_id: str | None = None,
    reference: str | None = None,
    id_number: str | None = None,
    client_address: str | None = None,
) -> list[str]:
    """The keys a try concerns (those known)."""
    found = []
    if reference:
        found.append(f"ref:{reference.upper()}")
    if id_number:
        found.append(f"id:{digest('id', id_number)}")
    if client_address:
        found.append(f"addr:{client_address}")
    if sender_id:
        found.append(f"sender:{sender_id}")
    return found


def _limit(key: str) -> int:
    return LIMITS.get(key.split(":", 1)[0], min(LIMITS.values()))


def minutes_to_wait(engine: Engine, keys: Iterable[str], *, now: datetime | None = None) -> int:
    """0 when a try concerning `keys` may go ahead now, else the whole minutes to wait."""
    moment = now or utc_now()
    wanted = list(keys)
    if not wanted:
        return 0
    with session_scope(engine) as session:
        rows = session.execute(
            select(ThrottleFailure.key, ThrottleFailure.at)
            .where(ThrottleFailure.key.in_(wanted), ThrottleFailure.at > moment - WINDOW)
            .order_by(ThrottleFailure.at.desc())
        ).all()
    by_key: dict[str, list[datetime]] = {}
    for key, at in rows:
        by_key.setdefault(key, []).append(at)
    wait = 0.0
    for key, times in by_key.items():
        limit = _limit(key)
        if len(times) >= limit:
            # the try is allowed again when enough failures left the window
            frees_at = times[limit - 1] + WINDOW
            wait = max(wait, (frees_at - moment).total_seconds())
    return max(1, math.ceil(wait / 60)) if wait > 0 else 0


def record_failure(engine: Engine, keys: Iterable[str], *, now: datetime | None = None) -> None:
    """Count one failed try under each of `keys`; rows that left the window go meanwhile."""
    moment = now or utc_now()
    with session_scope(engine, write=True) as session:
        session.execute(delete(ThrottleFailure).where(ThrottleFailure.at <= moment - WINDOW))
        for key in dict.fromkeys(keys):
            session.add(ThrottleFailure(key=key[:300], at=moment))


def failures(engine: Engine, key: str, *, now: datetime | None = None) -> int:
    """How many failures `key` has within the window (for tests and the back office)."""
    moment = now or utc_now()
    with session_scope(engine) as session:
        return int(
            session.scalar(
                select(func.count(ThrottleFailure.id)).where(
                    ThrottleFailure.key == key, ThrottleFailure.at > moment - WINDOW
                )
            )
        )
