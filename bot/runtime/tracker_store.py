"""The tracker store Rasa builds from `tracker_store: type: bot.runtime.tracker_store
.CachedSQLTrackerStore` in endpoints.yml: Rasa's SQLTrackerStore that keeps the trackers it
saved in memory.

Rasa rebuilds the tracker of every turn from the SQL events: a select, a JSON decode and an
`Event` object for each stored event (19.5 ms for a 329-event conversation on SQLite, most
of a turn's tracker cost). Here, after a save, the tracker is kept with its number of
events and the id of the conversation's newest stored event; the next retrieve asks SQL
only for that id (one indexed query) and, while nothing changed, hands out a copy of the
kept tracker (Rasa's own `tracker.copy()`, a replay of the events in memory: 0.4 ms for the
same conversation), so nothing a caller does to the tracker it got reaches the kept one.
Another Rasa server that wrote to the conversation, a redaction by the retention
(bot.store.privacy adds a mark event), an event added to the saved tracker after its save
(a turn that failed before its next save), a model with another domain: each sends the
retrieve to SQL as before. A tracker is kept only when it holds exactly the events Rasa's
own retrieve would load (`holds_one_session`).

Saving, Rasa counts the conversation's stored events in SQL to know which of the tracker's
are new (a third of a save). A tracker that continues the kept one (it starts with the kept
tracker's own event objects, and SQL has no newer event) needs no count: its events after
the kept length are new, written row for row as Rasa writes them. Any other tracker is
saved by Rasa's own method.

Rasa falls back to its in-memory store, with only a warning, when the class path in
endpoints.yml is wrong; tests/unit/test_tracker_store.py builds the store the way Rasa does
from the file `bot serve` writes and checks its class.
"""

from __future__ import annotations

import itertools
import json
from collections import OrderedDict
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm
import sqlalchemy.pool
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import Event, SessionStarted
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT_NAME_KEY

__all__ = ["CACHED_CONVERSATIONS", "CachedSQLTrackerStore", "holds_one_session"]

# Conversations whose tracker a Rasa process keeps in memory (the least recently used go):
# a whole conversation's tracker (a report filed, its status asked: 177 events) takes about
# 240 KiB, so at most ~60 MiB; more than the conversations a server has going at once.
# `bot serve` writes BALAGH_TRACKER_CACHE (bot.runtime.settings) into endpoints.yml.
CACHED_CONVERSATIONS = 256


def holds_one_session(tracker: DialogueStateTracker) -> bool:
    """Whether the tracker holds exactly what SQLTrackerStore.retrieve loads: the events from
    the latest session start on (all of them when there is none).

    The tracker of the turn that starts a session still holds the old session before it;
    kept, the next save would count the stored events of the new session against it and
    write some events a second time.
    """
    events = list(tracker.events)
    starts = [i for i, event in enumerate(events) if isinstance(event, SessionStarted)]
    if not starts:
        return True
    if starts[-1] != 0:
        return False
    started = events[0].timestamp
    return all(event.timestamp >= started for event in events)


class CachedSQLTrackerStore(SQLTrackerStore):
    """SQLTrackerStore that serves copies of the trackers it saved while SQL has no newer
    event for the conversation."""

    def __init__(
        self,
        domain: Domain | None = None,
        *args: Any,
        cached_conversations: int = CACHED_CONVERSATIONS,
        **kwargs: Any,
    ) -> None:
        super().__init__(domain, *args, **kwargs)
        self._pool_sqlite_connections()
        self.cached_conversations = int(cached_conversations)
        # sender id -> (the saved tracker, its number of events then, the domain it was
        # made with, the newest stored event id); the most recently used last
        self._kept: OrderedDict[str, tuple[DialogueStateTracker, int, Domain, int]] = (
            OrderedDict()
        )

    def _pool_sqlite_connections(self) -> None:
        """Keep SQLite connections open between uses, as for PostgreSQL.

        SQLAlchemy 1.4 gives a SQLite file no pool: every query of a turn (the newest-event
        check, the save) opened the file and read its schema again. Rasa's store runs in
        the server's one event-loop thread; `check_same_thread` is off only so that the
        pool may close connections from another thread."""
        url = self.engine.url
        if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
            return
        self.engine.dispose()
        self.engine = sa.create_engine(
            url, poolclass=sa.pool.QueuePool, pool_size=2,
            connect_args={"check_same_thread": False},
        )
        self.sessionmaker = sa.orm.session.sessionmaker(bind=self.engine)

    def _newest_event_id(self, sender_id: str) -> int:
        table = self.SQLEvent.__table__
        query = sa.select(sa.func.max(table.c.id)).where(table.c.sender_id == sender_id)
        with self.engine.connect() as connection:
            return connection.execute(query).scalar() or 0

    async def retrieve(self, sender_id: str) -> DialogueStateTracker | None:
        entry = self._kept.pop(sender_id, None)
        if entry is not None:
            tracker, length, domain, newest = entry
            if (domain is self.domain and len(tracker.events) == length
                    and self._newest_event_id(sender_id) == newest):
                self._kept[sender_id] = entry
                return tracker.copy()
        return await super().retrieve(sender_id)

    def _stored_prefix(
        self, tracker: DialogueStateTracker, entry: tuple[Any, ...] | None
    ) -> tuple[int, int] | None:
        """(events stored, newest stored id) when `tracker` (one session) continues `entry`,
        the kept tracker of its conversation, and SQL holds nothing newer: its first events
        are the stored ones."""
        if entry is None:
            return None
        kept, length, domain, newest = entry
        events = tracker.events
        if not (
            domain is self.domain
            and len(kept.events) == length <= len(events)
            # a copy of the kept tracker shares its event objects (a replay)
            and (length == 0 or events[length - 1] is kept.events[length - 1])
            and self._newest_event_id(tracker.sender_id) == newest
        ):
            return None
        return length, newest

    def _append(self, tracker: DialogueStateTracker, stored: int, newest: int) -> int:
        """Write the events after the first `stored` (as SQLTrackerStore.save writes each);
        the newest stored event id after it."""
        with self.session_scope() as session:
            rows = [self.event_row(tracker.sender_id, event)
                    for event in itertools.islice(tracker.events, stored, None)]
            session.add_all(rows)
            session.flush()  # the rows' ids
            newest = max((row.id for row in rows), default=newest)
            session.commit()
        return newest

    def event_row(self, sender_id: str, event: Event) -> Any:
        """The `events` row of one event, with the same columns SQLTrackerStore.save fills."""
        data = event.as_dict()
        return self.SQLEvent(
            sender_id=sender_id,
            type_name=event.type_name,
            timestamp=data.get("timestamp"),
            intent_name=data.get("parse_data", {}).get("intent", {}).get(INTENT_NAME_KEY),
            action_name=data.get("name"),
            data=json.dumps(data),
        )

    async def save(self, tracker: DialogueStateTracker) -> None:
        entry = self._kept.pop(tracker.sender_id, None)
        one_session = holds_one_session(tracker)
        stored = (
            self._stored_prefix(tracker, entry)
            if one_session and self.event_broker is None else None
        )
        if stored is None:
            await super().save(tracker)
            newest = None
        else:  # no count of the stored events (Rasa's way, a third of a save): we know it
            newest = self._append(tracker, *stored)
        if self.cached_conversations <= 0 or not one_session:
            return
        if newest is None:
            newest = self._newest_event_id(tracker.sender_id)
        # the saved object itself, not a copy (the caller is done with it: Rasa saves at the
        # end of a turn); an event added to it after the save shows in its length
        self._kept[tracker.sender_id] = (tracker, len(tracker.events), self.domain, newest)
        while len(self._kept) > self.cached_conversations:
            self._kept.popitem(last=False)

    def kept_conversations(self) -> list[str]:
        """The conversations kept in memory, least recently used first (for tests)."""
        return list(self._kept)
