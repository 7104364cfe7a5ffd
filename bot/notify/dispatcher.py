"""Deliver the due outbox messages once: claim a batch, hand each to its channel's sender,
record the outcome; again until nothing is due. Run by `python -m bot jobs` after the timed
rules (and by tests directly)."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy.engine import Engine

from bot.clock import SYSTEM_CLOCK, Clock
from bot.notify.senders import Delivered, NoSender, Sender, SendError, default_senders
from bot.store import outbox
from bot.store.db import resolve_engine

__all__ = ["DispatchStats", "dispatch_once"]

logger = logging.getLogger(__name__)

BATCH_SIZE = 20
MAX_BATCHES = 50


@dataclass
class DispatchStats:
    sent: int = 0
    held: int = 0
    retried: int = 0
    failed: int = 0
    lost: int = 0
    ids: dict[str, list[int]] = field(default_factory=dict)

    def _count(self, outcome: str, message_id: int) -> None:
        setattr(self, outcome, getattr(self, outcome) + 1)
        self.ids.setdefault(outcome, []).append(message_id)

    @property
    def total(self) -> int:
        return self.sent + self.held + self.retried + self.failed + self.lost

    def as_dict(self) -> dict[str, int]:
        return {
            "sent": self.sent,
            "held": self.held,
            "retried": self.retried,
            "failed": self.failed,
            "lost": self.lost,
        }


def _deliver(
    engine: Engine,
    notice: outbox.Notice,
    sender: Sender,
    clock: Clock,
    max_attempts: int,
    stats: DispatchStats,
) -> None:
    try:
        result = sender.send(notice)
    except SendError as exc:
        state = outbox.mark_failed(
            engine,
            notice,
            now=clock.now(),
            error=str(exc),
            permanent=exc.permanent,
            retry_after=exc.retry_after,
            max_attempts=max_attempts,
        )
        _failure(notice, state, str(exc), stats)
        return
    except Exception as exc:  # a bug or an unexpected library error: retried, not fatal
        logger.exception("Outbox message %s: the %s sender crashed", notice.id, notice.channel)
        state = outbox.mark_failed(
            engine, notice, now=clock.now(), error=repr(exc), max_attempts=max_attempts
        )
        _failure(notice, state, repr(exc), stats)
        return
    if isinstance(result, Delivered):
        done = outbox.mark_sent(engine, notice, now=clock.now(), detail=result.detail)
        stats._count("sent" if done else "lost", notice.id)
    else:
        done = outbox.mark_held(engine, notice, now=clock.now(), reason=result.reason)
        stats._count("held" if done else "lost", notice.id)


def _failure(notice: outbox.Notice, state: str, error: str, stats: DispatchStats) -> None:
    if state == "failed":
        logger.warning("Outbox message %s (%s) given up: %s", notice.id, notice.kind, error)
        stats._count("failed", notice.id)
    elif state == "pending":
        logger.info("Outbox message %s (%s) will be retried: %s", notice.id, notice.kind, error)
        stats._count("retried", notice.id)
    else:
        stats._count("lost", notice.id)


def dispatch_once(
    bind: Engine | str | None = None,
    *,
    senders: Mapping[str, Sender] | None = None,
    clock: Clock = SYSTEM_CLOCK,
    worker: str | None = None,
    batch_size: int = BATCH_SIZE,
    lease: timedelta = outbox.DEFAULT_LEASE,
    max_attempts: int = outbox.MAX_ATTEMPTS,
    max_batches: int = MAX_BATCHES,
) -> DispatchStats:
    """Deliver every message due now (at most `max_batches` batches); returns the counts."""
    engine = resolve_engine(bind)
    senders = senders if senders is not None else default_senders(engine)
    worker = worker or outbox.new_worker_id()
    stats = DispatchStats()
    for _ in range(max_batches):
        notices = outbox.claim(
            engine, worker=worker, now=clock.now(), limit=batch_size, lease=lease
        )
        if not notices:
            break
        for notice in notices:
            sender = senders.get(notice.channel) or NoSender(notice.channel)
            _deliver(engine, notice, sender, clock, max_attempts, stats)
    return stats
