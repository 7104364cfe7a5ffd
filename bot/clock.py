"""Where "now" comes from, so that timed rules can be driven by tests.

Everything that decides by the time of day (the 48-hour missing-data rule, the delay notice,
the outbox's retries) takes a `Clock` instead of calling `datetime.now()` itself. Production
code uses `SYSTEM_CLOCK`; tests use a `FixedClock` and move it along by hand.
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta, timezone
from typing import Protocol, runtime_checkable

__all__ = ["RIYADH", "SYSTEM_CLOCK", "Clock", "FixedClock", "OffsetClock", "SystemClock"]

# Saudi Arabia keeps UTC+3 all year (no daylight saving time).
RIYADH = timezone(timedelta(hours=3), "AST")


def _aware(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError(f"expected a timezone-aware datetime, got {moment!r}")
    return moment.astimezone(UTC)


@runtime_checkable
class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware (UTC)."""
        ...


class SystemClock:
    """The machine's clock."""

    def now(self) -> datetime:
        return datetime.now(UTC)


class FixedClock:
    """A clock that stands still until told otherwise (tests)."""

    def __init__(self, at: datetime) -> None:
        self._lock = threading.Lock()
        self._now = _aware(at)

    def now(self) -> datetime:
        with self._lock:
            return self._now

    def set(self, at: datetime) -> None:
        with self._lock:
            self._now = _aware(at)

    def advance(self, delta: timedelta | None = None, **kwargs: float) -> datetime:
        """Move on by `delta` (or timedelta(**kwargs)); returns the new time."""
        step = delta if delta is not None else timedelta(**kwargs)
        with self._lock:
            self._now += step
            return self._now


class OffsetClock:
    """A clock that starts at `at` and then runs at the real pace (`jobs --now …`)."""

    def __init__(self, at: datetime) -> None:
        self._start = _aware(at)
        self._origin = time.monotonic()

    def now(self) -> datetime:
        return self._start + timedelta(seconds=time.monotonic() - self._origin)


SYSTEM_CLOCK: Clock = SystemClock()
