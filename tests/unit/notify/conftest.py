"""Fixtures of the notification tests: a migrated store, HTTP stand-ins, a fixed clock."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from http_standin import HttpStandIn

from bot.clock import FixedClock
from bot.store.migrate import upgrade
from bot.store.repository import ReportRepository


@pytest.fixture
def repo(db_url: str) -> ReportRepository:
    upgrade(db_url)
    return ReportRepository(db_url)


@pytest.fixture
def standin() -> Iterator[HttpStandIn]:
    server = HttpStandIn().start()
    yield server
    server.stop()


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(datetime(2024, 6, 2, 12, 0, tzinfo=UTC))
