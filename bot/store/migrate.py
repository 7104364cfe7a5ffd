"""Schema migrations of the report store, run programmatically (no alembic.ini needed).

`upgrade()` is idempotent and cheap when the schema is current, so every process that uses
the store may call it on start. It only ever creates and alters the store's own tables (listed
in bot.store.models); Rasa's tracker tables in the same database (`events`) are left alone,
and the revision is kept in its own table, `balagh_alembic_version`.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Engine

from bot.store.db import resolve_engine, writer

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
VERSION_TABLE = "balagh_alembic_version"
# Key of the PostgreSQL advisory lock that serialises concurrent upgrades (any constant works).
ADVISORY_LOCK_KEY = 0x62616C61
# alembic's `context` is process-global, so one upgrade at a time per process; the database
# lock above takes care of other processes.
_process_lock = threading.Lock()


@dataclass(frozen=True)
class UpgradeResult:
    """What upgrade() did: the revisions applied (oldest first) and the revision now current."""

    applied: tuple[str, ...]
    revision: str | None
    url: str = field(repr=False, default="")


def include_object(
    obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any
) -> bool:
    """For autogenerate: compare only the store's tables, never Rasa's (`events`, ...)."""
    return not (type_ == "table" and reflected and compare_to is None)


def alembic_config() -> Config:
    """An alembic Config pointing at the package's migrations."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


def head_revision() -> str | None:
    """The newest revision shipped with the code."""
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def current_revision(bind: Engine | str | None = None) -> str | None:
    """The revision the database is at (None for a database the store never touched)."""
    engine = resolve_engine(bind)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"version_table": VERSION_TABLE})
        return context.get_current_revision()


def upgrade(url: str | Engine | None = None, revision: str = "head") -> UpgradeResult:
    """Run `alembic upgrade head` on the store (default: settings.database_url()).

    Runs in one transaction holding the write lock (SQLite) or an advisory lock (PostgreSQL),
    so two processes starting at once do not both try to create the tables.
    """
    engine = resolve_engine(url)
    applied: list[str] = []

    def record(*, step: Any, **_kwargs: Any) -> None:
        if step.is_upgrade:
            applied.extend(step.up_revision_ids)

    config = alembic_config()
    config.attributes["on_version_apply"] = [record]
    with _process_lock, writer(engine).begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)
    return UpgradeResult(
        applied=tuple(applied),
        revision=current_revision(engine),
        url=engine.url.render_as_string(hide_password=True),
    )


def create_postgres_database(server_url: str, name: str) -> bool:
    """Create the PostgreSQL database `name` on the server of `server_url` (a URL to any of
    its databases) unless it exists; True when it was created. For a fresh cluster's
    server (bot/runtime/cluster.py), before `upgrade`."""
    from sqlalchemy import create_engine, text

    engine = create_engine(server_url.rsplit("/", 1)[0] + "/postgres",
                           isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            exists = connection.execute(
                text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}
            ).first()
            if exists:
                return False
            quoted = name.replace('"', '""')
            connection.execute(text(f'CREATE DATABASE "{quoted}"'))
            return True
    finally:
        engine.dispose()
