"""Engines and sessions for the report store (SQLite for the embedded default, PostgreSQL
in production).

SQLite is set up so that it behaves like a real transactional database: foreign keys on, a
busy timeout instead of immediate "database is locked" errors, write-ahead logging for file
databases (Rasa's tracker store shares the file), and transactions begun explicitly by
SQLAlchemy rather than by the driver, so that DDL (migrations) is transactional too. Write
transactions begin with `BEGIN IMMEDIATE` on SQLite: taking the write lock up front avoids the
deadlock two writers get into when both read first and then try to upgrade their locks.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine, create_engine, make_url
from sqlalchemy.orm import Session, sessionmaker

from bot.runtime import settings

SQLITE_BUSY_TIMEOUT_S = 30.0
_WRITE_OPTION = "balagh_write"

_engines: dict[str, Engine] = {}
_engines_lock = threading.Lock()


def _prepare_sqlite_file(url: str) -> None:
    """Create the directory of a file database (e.g. `var/`) on a fresh checkout."""
    database = make_url(url).database
    if database and database != ":memory:" and not database.startswith("file:"):
        Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)


def _configure_sqlite(engine: Engine) -> None:
    in_memory = engine.url.database in (None, "", ":memory:")

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the sqlite3 module, decide when transactions begin.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute(f"PRAGMA busy_timeout = {int(SQLITE_BUSY_TIMEOUT_S * 1000)}")
        if not in_memory:
            cursor.execute("PRAGMA journal_mode = WAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        write = connection.get_execution_options().get(_WRITE_OPTION, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


def _create_engine(url: str) -> Engine:
    # hide_parameters: a failed statement's values (names, IDs) stay out of error messages
    kwargs: dict[str, Any] = {"future": True, "hide_parameters": True}
    if make_url(url).get_backend_name() == "sqlite":
        _prepare_sqlite_file(url)
        kwargs["connect_args"] = {"timeout": SQLITE_BUSY_TIMEOUT_S, "check_same_thread": False}
        engine = create_engine(url, **kwargs)
        _configure_sqlite(engine)
        return engine
    kwargs["pool_pre_ping"] = True
    return create_engine(url, **kwargs)


def get_engine(url: str | None = None) -> Engine:
    """The engine for `url` (default: settings.database_url()), one per URL per process."""
    url = url or settings.database_url()
    with _engines_lock:
        engine = _engines.get(url)
        if engine is None:
            engine = _engines[url] = _create_engine(url)
        return engine


def dispose_engine(url: str) -> None:
    """Close the pooled connections of `url`'s engine and forget it (e.g. before DROP DATABASE)."""
    with _engines_lock:
        engine = _engines.pop(url, None)
    if engine is not None:
        engine.dispose()


def resolve_engine(bind: Engine | str | None = None) -> Engine:
    """An engine from an engine, a URL, or None (the configured store)."""
    if isinstance(bind, Engine):
        return bind
    return get_engine(bind)


def writer(engine: Engine) -> Engine:
    """`engine` whose transactions take the write lock at BEGIN (SQLite; elsewhere the same)."""
    return engine.execution_options(**{_WRITE_OPTION: True})


@contextmanager
def session_scope(bind: Engine | str | None = None, *, write: bool = False) -> Iterator[Session]:
    """A session in one transaction: committed when the block ends, rolled back on error.

    Objects stay usable after the commit (expire_on_commit=False), detached from the session.
    `write=True` takes the write lock up front on SQLite (use it for read-then-write work).
    """
    engine = resolve_engine(bind)
    factory = sessionmaker(
        bind=writer(engine) if write else engine, future=True, expire_on_commit=False
    )
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
