"""The attacker's view: one running assistant (`python -m bot serve`) for the whole package.

Every module in tests/security/ attacks the same servers, so the package costs one start-up
(about 40 s). Each test uses its own senders, references and national IDs, so they do not
depend on each other's order.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.store.repository import ReportRepository
from tests.live import LiveAssistant, running_assistant


@pytest.fixture(scope="session")
def assistant(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveAssistant]:
    yield from running_assistant(tmp_path_factory)


@pytest.fixture(scope="session")
def store(assistant: LiveAssistant) -> ReportRepository:
    return ReportRepository(assistant.env["DATABASE_URL"])
