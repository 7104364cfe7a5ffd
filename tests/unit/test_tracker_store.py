"""bot.runtime.tracker_store: Rasa's SQL tracker store that keeps the trackers it saved (#18:
the cache through Rasa's tracker-store seam, not a patch of SQLTrackerStore)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest
from rasa.core.tracker_store import SQLTrackerStore, TrackerStore
from rasa.core.utils import read_endpoint_config
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, Event, SessionStarted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.runtime import serve
from bot.runtime.tracker_store import CachedSQLTrackerStore

ROOT = Path(__file__).resolve().parents[2]
DOMAIN = Domain.from_dict({
    "slots": {"language": {"type": "text", "mappings": [{"type": "custom"}]}},
})
T0 = 1_700_000_000.0


@pytest.fixture
def sql_reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The conversations whose tracker was rebuilt from SQL."""
    reads: list[str] = []
    original = SQLTrackerStore.retrieve

    async def counted(self: SQLTrackerStore, sender_id: str) -> Any:
        reads.append(sender_id)
        return await original(self, sender_id)

    monkeypatch.setattr(SQLTrackerStore, "retrieve", counted)
    return reads


def _store(path: Path, domain: Domain = DOMAIN, kept: int = 2) -> CachedSQLTrackerStore:
    return CachedSQLTrackerStore(
        domain, dialect="sqlite", db=str(path / "trackers.db"), cached_conversations=kept
    )


def _session(start: float, text: str) -> list[Event]:
    return [
        ActionExecuted("action_session_start", timestamp=start),
        SessionStarted(timestamp=start + 0.001),
        ActionExecuted("action_listen", timestamp=start + 0.002),
        UserUttered(text, timestamp=start + 0.003),
    ]


def _new_tracker(sender: str, text: str = "hello") -> DialogueStateTracker:
    return DialogueStateTracker.from_events(sender, _session(T0, text), DOMAIN.slots)


def _stored_texts(store: SQLTrackerStore, sender: str) -> list[str]:
    with store.session_scope() as session:
        rows = session.query(store.SQLEvent).filter(
            store.SQLEvent.sender_id == sender, store.SQLEvent.type_name == "user",
        ).order_by(store.SQLEvent.id).all()
        return [json.loads(row.data)["text"] for row in rows]


async def _one_turn(store: SQLTrackerStore, sender: str, *events: Event) -> Any:
    tracker = await store.retrieve(sender)
    for event in events:
        tracker.update(event)
    await store.save(tracker)
    return tracker


async def _kept_after_a_turn(store: SQLTrackerStore, sender: str) -> Any:
    """A new conversation and one more turn: the tracker the store now keeps."""
    await store.save(_new_tracker(sender))
    return await _one_turn(store, sender, UserUttered("two", timestamp=T0 + 1))


def _user_texts(tracker: Any) -> list[str]:
    return [event.text for event in tracker.events if isinstance(event, UserUttered)]


def test_a_saved_tracker_is_served_from_memory_as_a_copy(
    tmp_path: Path, sql_reads: list[str]
) -> None:
    store = _store(tmp_path)

    async def go() -> None:
        await store.save(_new_tracker("a"))  # the first turn: action_session_start first
        first = await _one_turn(store, "a", UserUttered("two", timestamp=T0 + 1),
                                SlotSet("language", "ar", timestamp=T0 + 1.1))
        reads = len(sql_reads)
        again = await store.retrieve("a")
        assert len(sql_reads) == reads  # not rebuilt from SQL
        assert again is not first
        assert list(again.events) == list(first.events)
        assert again.current_state() == first.current_state()
        # what Rasa's own store would have built
        plain = await SQLTrackerStore.retrieve(store, "a")
        assert plain.current_state() == again.current_state()
        # a caller's changes never reach the kept tracker
        again.update(SlotSet("language", "en", timestamp=T0 + 2))
        assert (await store.retrieve("a")).get_slot("language") == "ar"

    asyncio.run(go())
    assert _stored_texts(store, "a") == ["hello", "two"]


def test_what_another_server_wrote_is_read_from_sql(tmp_path: Path, sql_reads: list[str]) -> None:
    here, there = _store(tmp_path), _store(tmp_path)

    async def go() -> None:
        await _kept_after_a_turn(here, "a")
        await _one_turn(there, "a", UserUttered("three", timestamp=T0 + 2))
        sql_reads.clear()
        now = await here.retrieve("a")
        assert sql_reads == ["a"]
        assert _user_texts(now)[-1] == "three"
        await _one_turn(here, "a", UserUttered("four", timestamp=T0 + 3))

    asyncio.run(go())
    assert _stored_texts(here, "a") == ["hello", "two", "three", "four"]


def test_a_turn_that_failed_before_its_save_leaves_nothing_behind(tmp_path: Path) -> None:
    store = _store(tmp_path)

    async def go() -> None:
        await _kept_after_a_turn(store, "a")
        turn = await store.retrieve("a")
        turn.update(UserUttered("never saved", timestamp=T0 + 2))  # then the turn failed
        now = await store.retrieve("a")
        assert "never saved" not in _user_texts(now)

    asyncio.run(go())


def test_an_event_added_to_the_saved_tracker_after_its_save_is_not_served(
    tmp_path: Path, sql_reads: list[str]
) -> None:
    """The store keeps the saved object itself: a later change to it shows in its length."""
    store = _store(tmp_path)

    async def go() -> None:
        saved = await _kept_after_a_turn(store, "a")
        saved.update(UserUttered("never saved", timestamp=T0 + 2))
        sql_reads.clear()
        now = await store.retrieve("a")
        assert sql_reads == ["a"]
        assert "never saved" not in _user_texts(now)

    asyncio.run(go())


def test_a_new_session_is_stored_once(tmp_path: Path) -> None:
    """The turn that starts a session holds the old one too: kept, its next save would
    count the new session's stored events against it and store events a second time."""
    store = _store(tmp_path)

    async def go() -> None:
        await store.save(_new_tracker("a", "first session"))
        await _one_turn(store, "a", UserUttered("still first", timestamp=T0 + 1))
        await _one_turn(store, "a", *_session(T0 + 7200, "second session"))
        await _one_turn(store, "a", UserUttered("then", timestamp=T0 + 7201))
        await _one_turn(store, "a", UserUttered("and then", timestamp=T0 + 7202))
        latest = await store.retrieve("a")
        assert _user_texts(latest) == ["second session", "then", "and then"]

    asyncio.run(go())
    assert _stored_texts(store, "a") == [
        "first session", "still first", "second session", "then", "and then"]


def test_a_new_model_domain_is_not_served_old_trackers(
    tmp_path: Path, sql_reads: list[str]
) -> None:
    store = _store(tmp_path)

    async def go() -> None:
        await _kept_after_a_turn(store, "a")
        store.domain = Domain.from_dict({"slots": {"language": {
            "type": "text", "mappings": [{"type": "custom"}]}}, "intents": ["greet"]})
        sql_reads.clear()
        await store.retrieve("a")
        assert sql_reads == ["a"]

    asyncio.run(go())


def test_only_the_most_recent_conversations_are_kept(
    tmp_path: Path, sql_reads: list[str]
) -> None:
    store = _store(tmp_path, kept=2)

    async def go() -> None:
        for sender in ("a", "b", "c"):
            await _kept_after_a_turn(store, sender)
        assert store.kept_conversations() == ["b", "c"]
        sql_reads.clear()
        await store.retrieve("a")
        await store.retrieve("c")
        assert sql_reads == ["a"]

    asyncio.run(go())


def test_rasa_builds_this_class_from_the_endpoints_file_bot_serve_writes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A wrong class path makes Rasa fall back to its in-memory store with only a warning."""
    monkeypatch.setenv("ACTIONS_SECRET", "s")
    monkeypatch.setenv("TRACKER_STORE_URL", f"sqlite:///{tmp_path / 'conversations.db'}")
    path = serve.write_endpoints(5055, tmp_path / "endpoints.yml")
    config = read_endpoint_config(str(path), "tracker_store")
    built = TrackerStore.create(config, DOMAIN)
    inner = getattr(built, "_tracker_store", built)
    assert type(inner) is CachedSQLTrackerStore
    assert str(inner.engine.url).endswith("conversations.db")
    assert inner.cached_conversations == 256
    monkeypatch.setenv("BALAGH_TRACKER_CACHE", "0")  # benchmarks compare without it
    path = serve.write_endpoints(5055, tmp_path / "endpoints.yml")
    built = TrackerStore.create(read_endpoint_config(str(path), "tracker_store"), DOMAIN)
    assert getattr(built, "_tracker_store", built).cached_conversations == 0
    monkeypatch.setenv("BALAGH_TRACKER_CACHE", "lots")
    with pytest.raises(ValueError, match="BALAGH_TRACKER_CACHE"):
        serve.write_endpoints(5055, tmp_path / "endpoints.yml")
    root = read_endpoint_config(str(ROOT / "endpoints.yml"), "tracker_store")
    assert root is not None and root.type == serve.TRACKER_STORE_CLASS


@pytest.fixture
def counts(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The saves that counted the stored events in SQL (Rasa's SQLTrackerStore.save)."""
    counted: list[str] = []
    original = SQLTrackerStore._additional_events

    def counting(self: SQLTrackerStore, session: Any, tracker: DialogueStateTracker) -> Any:
        counted.append(tracker.sender_id)
        return original(self, session, tracker)

    monkeypatch.setattr(SQLTrackerStore, "_additional_events", counting)
    return counted


def _rows(store: SQLTrackerStore, sender: str) -> list[tuple[Any, ...]]:
    with store.session_scope() as session:
        rows = session.query(store.SQLEvent).filter(store.SQLEvent.sender_id == sender).order_by(
            store.SQLEvent.id).all()
        return [(r.type_name, r.timestamp, r.intent_name, r.action_name, r.data) for r in rows]


def test_a_turn_on_a_kept_tracker_is_saved_without_counting_and_as_rasa_writes_it(
    tmp_path: Path, counts: list[str]
) -> None:
    store = _store(tmp_path)
    plain = SQLTrackerStore(DOMAIN, dialect="sqlite", db=str(tmp_path / "plain.db"))
    turn = [
        UserUttered("yes", {"name": "affirm", "confidence": 1.0}, timestamp=T0 + 1.5),
        ActionExecuted("utter_ok", timestamp=T0 + 1.6),
        SlotSet("language", "ar", timestamp=T0 + 1.7),
    ]

    async def go() -> None:
        # a new conversation, then a turn read back from SQL: Rasa's saves, which count
        await _kept_after_a_turn(store, "a")
        assert counts == ["a", "a"]
        tracker = await _one_turn(store, "a", *turn)
        assert counts == ["a", "a"]  # the kept tracker's continuation: no count
        counts.clear()
        await plain.save(tracker)
        assert counts == ["a"]
        # the next turn is served from memory again and goes on the same way
        again = await _one_turn(store, "a", UserUttered("three", timestamp=T0 + 2))
        assert counts == ["a"]
        assert _user_texts(again) == ["hello", "two", "yes", "three"]

    asyncio.run(go())
    # the turn's rows, column by column, as Rasa's own save wrote them
    assert _rows(store, "a")[-4:-1] == _rows(plain, "a")[-3:]
    assert _stored_texts(store, "a") == ["hello", "two", "yes", "three"]


def test_a_tracker_that_does_not_continue_the_kept_one_is_counted(
    tmp_path: Path, counts: list[str]
) -> None:
    """Equal events that are not the kept tracker's (a tracker built elsewhere): Rasa's count
    decides what is new, so nothing is written twice."""
    store = _store(tmp_path)

    async def go() -> None:
        kept = await _kept_after_a_turn(store, "a")
        counts.clear()
        rebuilt = DialogueStateTracker.from_dict("a", [e.as_dict() for e in kept.events],
                                                 DOMAIN.slots)
        rebuilt.update(UserUttered("three", timestamp=T0 + 2))
        await store.save(rebuilt)
        assert counts == ["a"]

    asyncio.run(go())
    assert _stored_texts(store, "a") == ["hello", "two", "three"]


def test_a_write_by_another_server_between_load_and_save_is_counted(
    tmp_path: Path, counts: list[str]
) -> None:
    here, there = _store(tmp_path), _store(tmp_path)

    async def go() -> None:
        await _kept_after_a_turn(here, "a")
        mine = await here.retrieve("a")  # served from memory
        await _one_turn(there, "a", UserUttered("elsewhere", timestamp=T0 + 2))
        counts.clear()
        mine.update(UserUttered("mine", timestamp=T0 + 3))
        await here.save(mine)
        assert counts == ["a"]  # not appended blindly after the kept length

    asyncio.run(go())
    # Rasa's own count: the other server's event stands where this tracker's first new one
    # would have gone, so this server's save stores what follows it (as stock Rasa does)
    assert _stored_texts(here, "a")[:3] == ["hello", "two", "elsewhere"]


def test_sqlite_connections_are_pooled(tmp_path: Path) -> None:
    store = _store(tmp_path)
    with store.engine.connect() as first:
        raw = first.connection.dbapi_connection
    with store.engine.connect() as second:
        assert second.connection.dbapi_connection is raw  # the file is not opened again
    asyncio.run(_kept_after_a_turn(store, "a"))
    assert _stored_texts(store, "a") == ["hello", "two"]
