"""tests/integration/: the trained model and one running assistant, shared by the session.

`assistant` is tests/conftest.py's `shared_assistant` (started once, on first use); `store`
is its report store.
"""

from __future__ import annotations

import pytest

from bot.runtime.process import AssistantProcess
from bot.store.repository import ReportRepository


@pytest.fixture(scope="session")
def assistant(shared_assistant: AssistantProcess) -> AssistantProcess:
    return shared_assistant


@pytest.fixture(scope="session")
def store(shared_assistant: AssistantProcess) -> ReportRepository:
    return ReportRepository(shared_assistant.env["DATABASE_URL"])
