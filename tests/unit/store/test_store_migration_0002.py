"""Revision 0002 (outbox, web inbox, ratings, missing-data clock, history actor) on SQLite and
PostgreSQL: from an empty database, from 0001 with data in it, and back down."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from alembic import command
from sqlalchemy import inspect, text

from bot.clock import FixedClock
from bot.runtime import jobs
from bot.store.db import get_engine, writer
from bot.store.migrate import alembic_config, current_revision, upgrade
from bot.store.repository import ReportRepository
from bot.store.serialize import report_to_dict

ASKED = datetime(2024, 6, 3, 8, 0, tzinfo=UTC)


def _unique(inspector, table: str) -> set[tuple[str, ...]]:  # type: ignore[no-untyped-def]
    return {tuple(c["column_names"]) for c in inspector.get_unique_constraints(table)}


def test_upgrade_from_empty_creates_the_back_office_tables(db_url: str) -> None:
    assert upgrade(db_url, revision="0002").applied == ("0001", "0002")
    inspector = inspect(get_engine(db_url))
    outbox = {column["name"] for column in inspector.get_columns("outbox")}
    assert outbox == {
        "id", "report_id", "kind", "channel", "recipient", "language", "payload",
        "dedupe_key", "state", "created_at", "attempts", "next_attempt_at", "claimed_by",
        "claimed_until", "sent_at", "last_error",
    }  # fmt: skip
    assert _unique(inspector, "outbox") == {("dedupe_key",)}
    assert _unique(inspector, "ratings") == {("report_id",)}
    assert _unique(inspector, "web_inbox") == {("outbox_id",)}
    assert {column["name"] for column in inspector.get_columns("ratings")} == {
        "id", "report_id", "solution_rating", "service_rating", "comment", "rated_at",
    }  # fmt: skip
    assert "missing_data_requested_at" in {c["name"] for c in inspector.get_columns("reports")}
    assert "actor" in {c["name"] for c in inspector.get_columns("status_history")}
    indexes = {index["name"] for index in inspector.get_indexes("outbox")}
    assert {"ix_outbox_state_next_attempt_at", "ix_outbox_report_id"} <= indexes
    foreign = {
        (table, fk["referred_table"], tuple(fk["constrained_columns"]))
        for table in ("outbox", "ratings", "web_inbox")
        for fk in inspector.get_foreign_keys(table)
    }
    assert foreign == {
        ("outbox", "reports", ("report_id",)),
        ("ratings", "reports", ("report_id",)),
        ("web_inbox", "reports", ("report_id",)),
        ("web_inbox", "outbox", ("outbox_id",)),
    }
    checks = {check["name"] for check in inspector.get_check_constraints("ratings")}
    assert checks >= {"ck_ratings_solution_rating_range", "ck_ratings_service_rating_range"}


def _seed_0001(db_url: str) -> None:
    """Two reports written by the 0001 code: one waiting for documents, one under review."""
    rows = [
        "INSERT INTO reporters (id, full_name, national_id, mobile, email, created_at, "
        "updated_at) VALUES (1, 'نورة', '1000000008', '+966501234567', NULL, :t0, :t0)",
        "INSERT INTO reports (id, reference, type, status, language, channel, created_at, "
        "due_at, sender_id, reporter_id) VALUES "
        "(1, 'BR-7K2M9QXH', 'complaint_escalation', 'missing_data', 'ar', 'telegram', :t0, "
        ":due, 'telegram:42', 1), "
        "(2, 'BR-1PZ2AXZ8', 'development_suggestion', 'under_review', 'en', 'web', :t0, "
        ":due, 'web-9', 1)",
        "INSERT INTO status_history (report_id, status, at, note) VALUES "
        "(1, 'received', :t0, NULL), (1, 'under_review', :t1, NULL), "
        "(1, 'missing_data', :t1, 'first ask'), (1, 'under_review', :t2, NULL), "
        "(1, 'missing_data', :asked, 'صورة الهوية'), "
        "(2, 'received', :t0, NULL), (2, 'under_review', :t1, NULL)",
    ]
    engine = get_engine(db_url)
    sqlite = engine.dialect.name == "sqlite"

    def stamp(moment: datetime) -> object:  # 0001 on SQLite keeps naive UTC wall time
        return moment.replace(tzinfo=None) if sqlite else moment

    t0 = ASKED - timedelta(days=1)
    values = {
        "t0": stamp(t0),
        "t1": stamp(t0 + timedelta(hours=1)),
        "t2": stamp(t0 + timedelta(hours=2)),
        "asked": stamp(ASKED),
        "due": stamp(ASKED + timedelta(days=7)),
    }
    with writer(engine).begin() as connection:
        for statement in rows:
            connection.execute(text(statement), values)


def test_upgrade_from_0001_keeps_the_data_and_starts_the_missing_data_clock(
    db_url: str,
) -> None:
    assert upgrade(db_url, revision="0001").applied == ("0001",)
    _seed_0001(db_url)
    assert upgrade(db_url, revision="0002").applied == ("0002",)
    assert current_revision(db_url) == "0002"
    upgrade(db_url)  # and on to the head, whose models the repository uses

    repo = ReportRepository(db_url)
    waiting = repo.require("BR-7K2M9QXH")
    assert waiting.missing_data_requested_at == ASKED  # the latest request, not the first
    assert [row.actor for row in waiting.history] == [None] * 5
    other = repo.require("BR-1PZ2AXZ8")
    assert other.missing_data_requested_at is None
    assert report_to_dict(other)["rating"] is None
    assert [row["status"] for row in report_to_dict(other)["history"]] == [
        "received", "under_review",
    ]  # fmt: skip

    # The old reports live on under the new rules.
    repo.set_status("BR-1PZ2AXZ8", "accepted", note="2025-03-01", at=ASKED)
    result = jobs.tick(repo, FixedClock(ASKED + timedelta(hours=48)), dispatch=False)
    assert result.rules.cancelled == ["BR-7K2M9QXH"]
    assert repo.require("BR-7K2M9QXH").history[-1].actor == "system"


def test_downgrade_to_0001_and_up_again(db_url: str) -> None:
    upgrade(db_url, revision="0001")
    _seed_0001(db_url)
    upgrade(db_url)
    config = alembic_config()
    engine = get_engine(db_url)
    with writer(engine).begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0001")
    assert current_revision(db_url) == "0001"
    inspector = inspect(engine)
    assert not {"outbox", "ratings", "web_inbox"} & set(inspector.get_table_names())
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM status_history")).scalar() == 7
        assert connection.execute(text("SELECT count(*) FROM reports")).scalar() == 2
    assert upgrade(db_url, revision="0002").applied == ("0002",)
    upgrade(db_url)
    assert ReportRepository(db_url).require("BR-7K2M9QXH").missing_data_requested_at == ASKED
