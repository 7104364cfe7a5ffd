"""Schema migrations on SQLite and PostgreSQL: create, idempotency, Rasa's tables untouched."""

from __future__ import annotations

import subprocess
import sys
import threading
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, select, text
from sqlalchemy.engine import Engine

from bot.store.db import get_engine, session_scope
from bot.store.migrate import (
    VERSION_TABLE,
    current_revision,
    head_revision,
    include_object,
    upgrade,
)
from bot.store.models import Base, Reporter

PROJECT_ROOT = Path(__file__).resolve().parents[3]
STORE_TABLES = {
    "reporters", "reports", "attachments", "status_history", "ratings", "outbox", "web_inbox",
    "throttle_failures", "one_time_codes", "verifications", "contact_messages", "upload_usage",
    "handoffs", "handoff_lines", "catalogue_versions", "draft_reminders",
}  # fmt: skip
ALL_REVISIONS = ("0001", "0002", "0003", "0004", "0005", "0006", "0007", "0008", "0009")


def _create_rasa_events(engine: Engine) -> None:
    """A table shaped like the one Rasa's SQLTrackerStore creates, with a row in it."""
    with engine.begin() as connection:
        connection.execute(
            text(
                "CREATE TABLE events (id INTEGER PRIMARY KEY, sender_id VARCHAR(255) NOT NULL, "
                "type_name VARCHAR(255) NOT NULL, timestamp FLOAT, intent_name VARCHAR(255), "
                "action_name VARCHAR(255), data TEXT)"
            )
        )
        connection.execute(
            text(
                "INSERT INTO events (id, sender_id, type_name, timestamp, data) "
                "VALUES (1, 'user-1', 'user', 1717320000.5, '{\"text\": \"مرحبا\"}')"
            )
        )


def _events(engine: Engine) -> list[tuple[object, ...]]:
    with engine.connect() as connection:
        return [tuple(row) for row in connection.execute(text("SELECT * FROM events"))]


def test_upgrade_from_empty_creates_the_tables(db_url: str) -> None:
    engine = get_engine(db_url)
    assert current_revision(engine) is None
    result = upgrade(db_url)
    assert result.applied == ALL_REVISIONS
    assert result.revision == head_revision() == ALL_REVISIONS[-1]
    inspector = inspect(engine)
    assert set(inspector.get_table_names()) == STORE_TABLES | {VERSION_TABLE}
    columns = {column["name"] for column in inspector.get_columns("reports")}
    assert columns >= {
        "reference", "type", "status", "language", "channel", "created_at", "due_at",
        "platform", "service_name", "service_channel", "entity_name", "prior_complaint_ref",
        "prior_complaint_date", "title", "description", "sender_id", "idempotency_key",
        "reporter_id",
    }  # fmt: skip
    unique = {
        tuple(constraint["column_names"])
        for constraint in inspector.get_unique_constraints("reports")
    }
    assert {("reference",), ("idempotency_key",)} <= unique
    assert {("national_id",)} <= {
        tuple(constraint["column_names"])
        for constraint in inspector.get_unique_constraints("reporters")
    }
    foreign = {
        (fk["referred_table"], tuple(fk["constrained_columns"]))
        for table in ("reports", "attachments", "status_history")
        for fk in inspector.get_foreign_keys(table)
    }
    assert foreign == {
        ("reporters", ("reporter_id",)),
        ("reports", ("report_id",)),
    }


def test_upgrade_twice_is_a_no_op(db_url: str) -> None:
    engine = get_engine(db_url)
    upgrade(db_url)
    tables_before = sorted(inspect(engine).get_table_names())
    again = upgrade(db_url)
    assert again.applied == ()
    assert again.revision == ALL_REVISIONS[-1]
    assert sorted(inspect(get_engine(db_url)).get_table_names()) == tables_before
    with engine.connect() as connection:
        versions = connection.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).all()
    assert [row[0] for row in versions] == [ALL_REVISIONS[-1]]


def test_rasa_events_table_is_left_alone(db_url: str) -> None:
    engine = get_engine(db_url)
    _create_rasa_events(engine)
    before = _events(engine)
    columns_before = inspect(engine).get_columns("events")
    upgrade(db_url)
    upgrade(db_url)
    assert _events(engine) == before
    after = inspect(get_engine(db_url))
    assert [column["name"] for column in after.get_columns("events")] == [
        column["name"] for column in columns_before
    ]
    assert set(after.get_table_names()) == STORE_TABLES | {VERSION_TABLE, "events"}


def test_models_match_the_migrations(db_url: str) -> None:
    """Autogenerate finds nothing to do after `upgrade`: models and migrations agree (and it would
    never propose dropping Rasa's `events`)."""
    engine = get_engine(db_url)
    _create_rasa_events(engine)
    upgrade(db_url)
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection,
            opts={
                "version_table": VERSION_TABLE,
                "include_object": include_object,
                "target_metadata": Base.metadata,
                "compare_type": True,
            },
        )
        assert compare_metadata(context, Base.metadata) == []


def test_concurrent_upgrades_apply_once(db_url: str) -> None:
    barrier = threading.Barrier(3)
    results = []
    errors: list[BaseException] = []

    def run() -> None:
        barrier.wait()
        try:
            results.append(upgrade(db_url))
        except BaseException as exc:  # noqa: BLE001 - a thread's failure, whatever it is, fails the test
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert sorted(result.applied for result in results) == [(), (), ALL_REVISIONS]
    assert current_revision(db_url) == ALL_REVISIONS[-1]


def test_timestamps_round_trip_as_utc(db_url: str) -> None:
    upgrade(db_url)
    riyadh = timezone(timedelta(hours=3))
    moment = datetime(2024, 6, 2, 12, 30, 15, 123456, tzinfo=riyadh)
    with session_scope(db_url) as session:
        session.add(
            Reporter(
                full_name="x", national_id="1", mobile="1", created_at=moment, updated_at=moment
            )
        )
    with session_scope(db_url) as session:
        reporter = session.scalars(select(Reporter)).one()
        assert reporter.created_at == moment
        assert reporter.created_at.utcoffset() == timedelta(0)
        assert reporter.created_at == datetime(2024, 6, 2, 9, 30, 15, 123456, tzinfo=UTC)


def test_concurrent_upgrades_from_separate_processes(db_url: str) -> None:
    """Several processes (Rasa's action server, the CLI, …) starting at once on a new store."""
    script = (
        "import sys; from bot.store.migrate import upgrade; "
        "print(','.join(upgrade(sys.argv[1]).applied))"
    )
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", script, db_url],
            cwd=PROJECT_ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(3)
    ]
    outputs = [process.communicate(timeout=120) for process in processes]
    assert [process.returncode for process in processes] == [0, 0, 0], outputs
    assert sorted(stdout.strip() for stdout, _ in outputs) == ["", "", ",".join(ALL_REVISIONS)]
    assert current_revision(db_url) == ALL_REVISIONS[-1]
