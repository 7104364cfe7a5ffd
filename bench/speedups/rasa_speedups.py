"""Speed-ups for Rasa 3.6's server process, tried by bench/profile_turn.py (in-process) and,
through sitecustomize.py beside this file, by bench/serve.py (the whole assistant over REST):

    PYTHONPATH=bench/speedups BALAGH_BENCH_SPEEDUPS=validate,keepalive \\
        .venv/bin/python bench/serve.py --users 1,20 --skip-stock

Nothing here is used by the assistant itself; these are measurements of candidate changes.

* validate:  RemoteAction._validate_action_result with a jsonschema validator built once.
             Rasa calls jsonschema.validate() on every action-server response, which checks
             the schema against the metaschema and builds a validator each time (~12 ms).
* keepalive: one aiohttp ClientSession per endpoint and event loop (kept-alive connections)
             instead of Rasa's new session, and TCP connection, for every action-server call.
* sqlite-wal: the SQL tracker store's SQLite connections in WAL mode, synchronous=NORMAL
             (no fsync per commit).
"""

from __future__ import annotations

import asyncio
from typing import Any

ALL = ("validate", "keepalive", "sqlite-wal")


def fast_validate() -> None:
    import jsonschema
    from rasa.core.actions.action import RemoteAction
    from rasa.shared.constants import DOCS_BASE_URL

    schema = RemoteAction.action_response_format_spec()
    validator = jsonschema.validators.validator_for(schema)(schema)

    def _validate_action_result(self: Any, result: dict[str, Any]) -> bool:
        try:
            validator.validate(result)
            return True
        except jsonschema.ValidationError as e:
            e.message += (
                f". Failed to validate Action server response from API, "
                f"make sure your response from the Action endpoint is valid. "
                f"For more information about the format visit {DOCS_BASE_URL}/custom-actions"
            )
            raise e

    RemoteAction._validate_action_result = _validate_action_result  # type: ignore[method-assign]


def keepalive_sessions() -> None:
    from rasa.utils.endpoints import EndpointConfig

    original = EndpointConfig.session
    sessions: dict[tuple[int, int], Any] = {}

    class Shared:
        def __init__(self, session: Any) -> None:
            self.session = session

        async def __aenter__(self) -> Any:
            return self.session

        async def __aexit__(self, *exc: Any) -> bool:
            return False

    def session(self: EndpointConfig) -> Any:
        key = (id(self), id(asyncio.get_running_loop()))
        shared = sessions.get(key)
        if shared is None or shared.closed:
            shared = sessions[key] = original(self)
        return Shared(shared)

    EndpointConfig.session = session  # type: ignore[method-assign]


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
