"""Alembic environment of the report store.

Normally driven by bot.store.migrate.upgrade(), which hands over a connection in an open
transaction; `alembic -c bot/store/alembic.ini …` works too (DATABASE_URL, or
`-x url=…`). Autogenerate compares only the store's own tables, never Rasa's.
"""

from __future__ import annotations

from typing import Any

from alembic import context
from sqlalchemy import text
from sqlalchemy.engine import Connection

from bot.runtime import settings
from bot.store.db import get_engine, writer
from bot.store.migrate import ADVISORY_LOCK_KEY, VERSION_TABLE, include_object
from bot.store.models import Base

config = context.config
target_metadata = Base.metadata


def _url() -> str:
    return (
        context.get_x_argument(as_dictionary=True).get("url")
        or config.get_main_option("sqlalchemy.url")
        or settings.database_url()
    )


def _options() -> dict[str, Any]:
    return {
        "target_metadata": target_metadata,
        "version_table": VERSION_TABLE,
        "include_object": include_object,
        "on_version_apply": config.attributes.get("on_version_apply", ()),
    }


def _migrate(connection: Connection) -> None:
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": ADVISORY_LOCK_KEY})
    context.configure(connection=connection, **_options())
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_offline() -> None:
    context.configure(url=_url(), literal_binds=True, **_options())
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _migrate(connection)
        return
    with writer(get_engine(_url())).begin() as own_connection:
        _migrate(own_connection)


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
