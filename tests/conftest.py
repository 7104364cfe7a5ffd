"""Shared fixtures: the running assistant and a PostgreSQL server for the session, and a
fresh database per test.

`shared_assistant` is one `python -m bot serve` (trained model, action server, SQL tracker
store, its own report store) for every test that needs nothing special of it: the whole of
tests/integration/ and the browser tests. It runs on a Sunday morning (`ON_DUTY`), so a
person asked for is queued for the call-centre console. Tests use their own senders,
references and national IDs, so they do not depend on each other's order.

`db_url` runs a test twice: on SQLite in tmp_path and on a real PostgreSQL (a throwaway
cluster started once per session, or TEST_POSTGRES_URL). Missing PostgreSQL binaries make the
PostgreSQL runs fail with what to install; only BALAGH_SKIP_POSTGRES=1 skips them, and the
summary at the end says so.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from postgres_server import PostgresServer, PostgresUnavailable

from bot.runtime.process import AssistantProcess
from bot.store.db import dispose_engine
from bot.store.reports.drafts import AttachmentDraft, ReportDraft, ReporterDraft

SKIP_POSTGRES_ENV = "BALAGH_SKIP_POSTGRES"
POSTGRES_URL_ENV = "TEST_POSTGRES_URL"
_skipped_postgres: list[str] = []


@pytest.fixture(scope="session")
def shared_assistant(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AssistantProcess]:
    from tests.live import ON_DUTY, running_assistant

    # a new catalogue is looked for every second (tests/integration/test_live_catalogue.py)
    yield from running_assistant(
        tmp_path_factory, {"BALAGH_NOW": ON_DUTY, "BALAGH_CATALOGUE_REFRESH_S": "1"})


def _postgres_skip_reason() -> str | None:
    if os.environ.get(SKIP_POSTGRES_ENV, "").strip() in ("1", "true", "yes"):
        return f"PostgreSQL tests skipped because {SKIP_POSTGRES_ENV}=1"
    return None


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """A PostgreSQL server for the whole session (see tests/postgres_server.py)."""
    reason = _postgres_skip_reason()
    if reason:
        _skipped_postgres.append(reason)
        pytest.skip(reason)
    external = os.environ.get(POSTGRES_URL_ENV)
    problem = ""
    try:
        server = PostgresServer.external(external) if external else PostgresServer.start()
    except PostgresUnavailable as exc:
        problem = str(exc)
    if problem:
        pytest.fail(problem, pytrace=False)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of a new, empty database (no tables), on SQLite or on PostgreSQL."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'reports.db'}"
        yield url
        dispose_engine(url)
        return
    server: PostgresServer = request.getfixturevalue("postgres_server")
    url = server.create_database()
    try:
        yield url
    finally:
        dispose_engine(url)
        server.drop_database(url)


@pytest.fixture
def sqlite_url(tmp_path: Path) -> Iterator[str]:
    """A new SQLite file database in tmp_path."""
    url = f"sqlite:///{tmp_path / 'reports.db'}"
    yield url
    dispose_engine(url)


def build_draft(**overrides: Any) -> ReportDraft:
    """A complete complaint-escalation draft; keyword arguments replace fields."""
    reporter = overrides.pop("reporter", None) or ReporterDraft(
        full_name="نورة عبدالله القحطاني",
        national_id="1000000008",
        mobile="+966501234567",
        email="noura@example.com",
    )
    created_at = datetime(2024, 6, 2, 9, 30, tzinfo=UTC)
    values: dict[str, Any] = {
        "type": "complaint_escalation",
        "language": "ar",
        "channel": "telegram",
        "reporter": reporter,
        "due_at": created_at + timedelta(days=7),
        "platform": "أبشر",
        "service_name": "تجديد الهوية",
        "service_channel": "web",
        "entity_name": "وزارة الداخلية",
        "prior_complaint_ref": "CMP-2024-778",
        "prior_complaint_date": date(2024, 5, 20),
        "title": "تعذر إكمال تجديد الهوية",
        "description": "تظهر رسالة خطأ عند الدفع ولم يتم الرد على الشكوى.",
        "sender_id": "telegram:5551234",
        "attachments": (
            AttachmentDraft(
                filename="خطأ.png",
                content_type="image/png",
                size=2048,
                sha256="a" * 64,
                stored_path="aa/" + "a" * 64 + ".png",
            ),
        ),
        "created_at": created_at,
    }
    values.update(overrides)
    return ReportDraft(**values)


@pytest.fixture
def make_draft() -> Callable[..., ReportDraft]:
    """build_draft as a fixture."""
    return build_draft


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if _skipped_postgres:
        terminalreporter.write_line(_skipped_postgres[0], yellow=True)
