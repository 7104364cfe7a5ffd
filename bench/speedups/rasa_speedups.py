"""Speed-ups for Rasa 3.6's server process, tried by bench/profile_turn.py (in-process) and,
through sitecustomize.py beside this file, by bench/serve.py (the whole assistant over REST):

    PYTHONPATH=bench/speedups BALAGH_BENCH_SPEEDUPS=validate,keepalive \\
        .venv/bin/python bench/serve.py --users 1,20 --skip-stock

`validate` and `keepalive` are bot/runtime/rasa_tuning.py's changes, which the assistant now applies
itself (BALAGH_RASA_TUNING=none turns them off there); `sqlite-wal` is still only a
measurement.

* validate:  RemoteAction._validate_action_result with jsonschema validators built once
             (one per event type).
             Rasa calls jsonschema.validate() on every action-server response, which checks
             the schema against the metaschema and builds a validator each time (~12 ms).
* keepalive: one aiohttp ClientSession per endpoint and event loop (kept-alive connections)
             instead of Rasa's new session, and TCP connection, for every action-server call.
* sqlite-wal: the SQL tracker store's SQLite connections in WAL mode, synchronous=NORMAL
             (no fsync per commit).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from bot.runtime import rasa_tuning

ALL = ("validate", "keepalive", "sqlite-wal")


# The first two are now applied to the assistant's Rasa server by
# bot/runtime/rasa_tuning.py (through
# bot/runtime/rasa_server.py); the benchmarks use the same code, e.g. on a stock `rasa run`.
fast_validate = rasa_tuning.use_one_validator
keepalive_sessions = rasa_tuning.keep_sessions_alive


def sqlite_wal_engine(engine: Any) -> None:
    import sqlalchemy as sa

    if engine.dialect.name != "sqlite":
        return

    @sa.event.listens_for(engine, "connect")
    def _pragmas(connection: Any, _record: Any) -> None:
        cursor = connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    engine.dispose()


def sqlite_wal_tracker_store() -> None:
    from rasa.core.tracker_store import SQLTrackerStore

    original = SQLTrackerStore.__init__

    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        sqlite_wal_engine(self.engine)

    SQLTrackerStore.__init__ = __init__  # type: ignore[method-assign]


PATCHES = {
    # module whose import triggers the patch, function
    "validate": ("rasa.core.actions.action", fast_validate),
    "keepalive": ("rasa.utils.endpoints", keepalive_sessions),
    "sqlite-wal": ("rasa.core.tracker_store", sqlite_wal_tracker_store),
}
