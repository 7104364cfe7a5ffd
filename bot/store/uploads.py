"""Hourly upload quotas: how many files, bytes and pixels one conversation and one client
address may upload in an hour.

A file is counted under the conversation that sent it (`sender:<id>`) and the client's
address as the server saw it (`addr:<address>`, when the channel knows one), so a client
cannot get round the limit with new conversations. The channels ask `over_quota` before a
file is written to disk and `record` after; a refused file is never written. Rows older than
the window are deleted as new ones come.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.engine import Engine

from bot.store import throttle
from bot.store.db import session_scope
from bot.store.models import UploadUsage, utc_now

__all__ = ["LIMITS", "WINDOW", "Quota", "over_quota", "record"]

WINDOW = timedelta(hours=1)


@dataclass(frozen=True)
class Quota:
    files: int
    bytes: int
    pixels: int


# A report takes at most 5 files of 10 MB; a conversation may file a few reports an hour. An
# address may stand for an office behind one NAT, so it gets more.
LIMITS = {
    "sender": Quota(files=30, bytes=100 * 1024 * 1024, pixels=300_000_000),
    "addr": Quota(files=100, bytes=300 * 1024 * 1024, pixels=1_000_000_000),
}


def keys(sender_id: str | None, client_address: str | None) -> list[str]:
    """The conversation's and the address's keys, spelt as bot.store.throttle spells them."""
    return throttle.keys(sender_id=sender_id, client_address=client_address)


def over_quota(
    engine: Engine,
    keys: Iterable[str],
    *,
    files: int = 1,
    size: int = 0,
    pixels: int = 0,
    now: datetime | None = None,
) -> bool:
    """Whether one more upload of `size` bytes and `pixels` would pass any key's quota."""
    wanted = list(keys)
    if not wanted:
        return False
    moment = now or utc_now()
    with session_scope(engine) as session:
        rows = session.execute(
            select(
                UploadUsage.key,
                func.sum(UploadUsage.files),
                func.sum(UploadUsage.bytes),
                func.sum(UploadUsage.pixels),
            )
            .where(UploadUsage.key.in_(wanted), UploadUsage.at > moment - WINDOW)
            .group_by(UploadUsage.key)
        ).all()
    used = {key: (int(f or 0), int(b or 0), int(p or 0)) for key, f, b, p in rows}
    for key in wanted:
        limit = LIMITS.get(key.split(":", 1)[0])
        if limit is None:
            continue
        used_files, used_bytes, used_pixels = used.get(key, (0, 0, 0))
        if (
            used_files + files > limit.files
            or used_bytes + size > limit.bytes
            or used_pixels + pixels > limit.pixels
        ):
            return True
    return False


def record(
    engine: Engine,
    keys: Iterable[str],
    *,
    size: int,
    pixels: int,
    now: datetime | None = None,
) -> None:
    """Count one accepted upload under each key; rows that left the window go meanwhile."""
    moment = now or utc_now()
    with session_scope(engine, write=True) as session:
        session.execute(delete(UploadUsage).where(UploadUsage.at <= moment - WINDOW))
        for key in dict.fromkeys(keys):
            session.add(
                UploadUsage(key=key[:300], at=moment, files=1, bytes=size, pixels=pixels)
            )
