"""bot/store/privacy.py: the retention of personal data in Rasa's conversations and a
person's export, on SQLite and PostgreSQL, with events written by Rasa's own SQLTrackerStore.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    BotUttered,
    Event,
    SessionStarted,
    SlotSet,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker

from bot.runtime.tracker_store import CachedSQLTrackerStore
from bot.store import privacy
from bot.store.migrate import upgrade
from bot.store.reports.drafts import ReportDraft, ReporterDraft
from bot.store.repository import ReportRepository
from tests.yaml_files import domain_yaml

ROOT = Path(__file__).resolve().parents[3]
NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
OLD = NOW - timedelta(days=40)
RECENT = NOW - timedelta(days=2)
RETENTION = timedelta(days=30)

NOURA = ("نورة عبدالله القحطاني", "1000000008", "+966501234567", "noura@example.com")
SALEH = ("Saleh Al Harbi", "2000000006", "+966551112233", "saleh@example.com")
FAHAD = ("فهد سعد الدوسري", "1000000016", "+966559998877", "fahad@example.com")


@pytest.fixture
def repo(db_url: str) -> ReportRepository:
    upgrade(db_url)
    return ReportRepository(db_url)


@pytest.fixture
def trackers(db_url: str, domain: Domain) -> Iterator[SQLTrackerStore]:
    """Rasa's own SQL tracker store on the same database (CONTRACT's default)."""
    store = SQLTrackerStore(domain, host=db_url)
    yield store
    store.engine.dispose()


def _user(text: str, at: float, *, entity: str | None = None, **metadata: Any) -> UserUttered:
    entities = [{"entity": "name", "value": entity, "start": 0, "end": 3}] if entity else []
    parse_data = {
        "intent": {"name": "inform", "confidence": 0.93},
        "entities": entities,
        "text": text.lower(),
        "original_text": text,
        "metadata": metadata,
    }
    return UserUttered(text, parse_data=parse_data, timestamp=at, input_channel="rest",
                       metadata=metadata)  # fmt: skip


def _conversation(start: datetime, person: tuple[str, str, str, str]) -> list[Event]:
    """A conversation that asked for everything personal and said it back in a summary."""
    name, national_id, mobile, email = person
    t = start.timestamp()
    return [
        ActionExecuted("action_session_start", timestamp=t),
        SessionStarted(timestamp=t + 0.1),
        ActionExecuted("action_listen", timestamp=t + 0.2),
        SlotSet("privacy_notice_shown", True, timestamp=t + 0.3),
        _user(f"اسمي {name}", t + 1, entity=name,
              attachments=[{"filename": f"هوية {name}.png", "data": "aGVsbG8="}]),
        SlotSet("full_name", name, timestamp=t + 1.1),
        SlotSet("pending_name", name, timestamp=t + 1.2),
        BotUttered(f"هل اسمك {name}؟", {"buttons": [{"title": f"نعم، {name}",
                                                      "payload": "/affirm"}]},
                   {"utter_action": "utter_confirm_name"}, timestamp=t + 1.3),
        _user(national_id, t + 2),
        SlotSet("national_id", national_id, timestamp=t + 2.1),
        _user(f"جوالي {mobile} وبريدي {email}", t + 3),
        SlotSet("mobile", mobile, timestamp=t + 3.1),
        SlotSet("email", email, timestamp=t + 3.2),
        SlotSet("description", f"my ID {national_id} does not work", timestamp=t + 3.3),
        SlotSet("language", "en", timestamp=t + 3.4),
        SlotSet("filing_key", "5f0c2a9e", timestamp=t + 3.5),
        BotUttered(f"Summary: {name}, {national_id}, {mobile}, {email}",
                   metadata={"utter_action": "utter_summary"}, timestamp=t + 4),
        ActionExecuted("action_listen", timestamp=t + 5),
    ]  # fmt: skip


def _save(store: SQLTrackerStore, sender: str, events: list[Event]) -> None:
    tracker = DialogueStateTracker.from_events(sender, events, store.domain.slots)
    asyncio.run(store.save(tracker))


def _rows(store: SQLTrackerStore, sender: str) -> list[tuple[int, str, str]]:
    with store.engine.connect() as connection:
        return [
            tuple(row)
            for row in connection.execute(
                sa.text("SELECT id, type_name, data FROM events WHERE sender_id = :s ORDER BY id"),
                {"s": sender},
            )
        ]


def _raw_table(store: SQLTrackerStore) -> str:
    """Every stored event row as text, decoded (json.dumps escapes Arabic)."""
    with store.engine.connect() as connection:
        rows = connection.execute(sa.text("SELECT sender_id, data FROM events")).all()
    return "\n".join(f"{sender} {json.loads(data)}" for sender, data in rows)


def _personal_strings(person: tuple[str, str, str, str]) -> list[str]:
    name, national_id, mobile, email = person
    return [name, national_id, mobile, mobile[-9:], email, "هوية", "جوالي", "اسمي"]


def _file(
    repo: ReportRepository,
    make_draft: Callable[..., ReportDraft],
    sender: str,
    person: tuple[str, str, str, str],
    key: str,
) -> str:
    name, national_id, mobile, email = person
    reporter = ReporterDraft(full_name=name, national_id=national_id, mobile=mobile, email=email)
    draft = make_draft(sender_id=sender, reporter=reporter, created_at=OLD)
    return repo.file_report(draft, key).reference  # fmt: skip


@pytest.fixture
def four_conversations(
    repo: ReportRepository, trackers: SQLTrackerStore, make_draft: Callable[..., ReportDraft]
) -> dict[str, str]:
    """idle without a report (Noura), idle with an open report (Saleh), idle with a final
    report (Noura), recent without a report (Fahad). Returns the references filed."""
    _save(trackers, "idle-none", _conversation(OLD, NOURA))
    _save(trackers, "idle-open", _conversation(OLD, SALEH))
    _save(trackers, "idle-final", _conversation(OLD, NOURA))
    _save(trackers, "recent", _conversation(RECENT, FAHAD))
    refs = {
        "open": _file(repo, make_draft, "idle-open", SALEH, "k1"),
        "final": _file(repo, make_draft, "idle-final", NOURA, "k2"),
    }
    repo.set_status(refs["final"], "cancelled", note="withdrawn", at=OLD + timedelta(hours=1))
    return refs


def test_idle_conversations_lose_their_personal_data_and_keep_their_reports(
    repo: ReportRepository, trackers: SQLTrackerStore, four_conversations: dict[str, str]
) -> None:
    before = {sender: _rows(trackers, sender) for sender in ("idle-open", "recent")}
    result = privacy.purge(repo.engine, older_than=RETENTION, now=NOW)
    assert (result.conversations, result.kept_open) == (2, 1)
    assert sorted(result.senders) == ["idle-final", "idle-none"]
    # 3 user texts, 2 bot texts, 6 personal slots, the notice's and the filing key in each
    assert result.events == 2 * 13

    # nothing personal left in the redacted conversations' rows, by searching the raw table
    for sender in ("idle-none", "idle-final"):
        rows = _rows(trackers, sender)
        text = "\n".join(str(json.loads(data)) for _, _, data in rows)
        for value in _personal_strings(NOURA):
            assert value not in text, (sender, value)
        assert json.dumps(NOURA[1]) not in "\n".join(data for _, _, data in rows)
        assert rows[-1][1] == "slot" and json.loads(rows[-1][2])["name"] == privacy.MARK_SLOT
        assert len(rows) == len(_conversation(OLD, NOURA)) + 1
    table = _raw_table(trackers)
    assert NOURA[1] not in table and NOURA[0] not in table
    # the open report's transcript and the recent conversation are untouched
    assert {sender: _rows(trackers, sender) for sender in before} == before
    for value in (SALEH[1], FAHAD[1], SALEH[0], FAHAD[0]):
        assert value in table
    # the reports stay as filed
    final = repo.require(four_conversations["final"])
    assert (final.status, final.reporter.national_id, final.reporter.full_name) == (
        "cancelled", NOURA[1], NOURA[0])  # fmt: skip
    assert repo.require(four_conversations["open"]).reporter.mobile == SALEH[2]


def test_a_redacted_tracker_still_loads_in_rasa(
    repo: ReportRepository, trackers: SQLTrackerStore, four_conversations: dict[str, str]
) -> None:
    privacy.purge(repo.engine, older_than=RETENTION, now=NOW)
    tracker = asyncio.run(trackers.retrieve("idle-none"))
    assert tracker is not None
    for slot in ("full_name", "national_id", "mobile", "email", "pending_name", "description"):
        assert tracker.get_slot(slot) is None, slot
    assert tracker.get_slot("language") == "en"  # not personal: kept
    assert tracker.get_slot("privacy_notice_shown") is None  # said again before new questions
    assert tracker.get_slot("filing_key") is None  # the draft is not filed without its data
    assert tracker.get_slot(privacy.MARK_SLOT) == NOW.isoformat()
    users = [event for event in tracker.events if isinstance(event, UserUttered)]
    assert [event.text for event in users] == [privacy.REDACTED] * 3
    assert users[0].intent_name == "inform"  # what the model made of it stays
    assert users[0].parse_data["entities"][0]["entity"] == "name"
    assert users[0].parse_data["entities"][0]["value"] == privacy.REDACTED
    assert users[0].metadata == {"attachments": [{"filename": privacy.REDACTED,
                                                  "data": privacy.REDACTED}]}  # fmt: skip
    bots = [event for event in tracker.events if isinstance(event, BotUttered)]
    assert [event.text for event in bots] == [privacy.REDACTED] * 2
    assert bots[0].metadata["utter_action"] == "utter_confirm_name"
    assert bots[0].data["buttons"][0]["title"] == privacy.REDACTED
    # the conversation goes on after it: Rasa appends the next turn after the mark
    tracker.update(_user("hello again", (NOW + timedelta(minutes=1)).timestamp()))
    asyncio.run(trackers.save(tracker))
    texts = [json.loads(data).get("text") for _, kind, data in _rows(trackers, "idle-none")
             if kind == "user"]  # fmt: skip
    assert texts == [privacy.REDACTED] * 3 + ["hello again"]


def test_purging_again_does_nothing_until_the_conversation_is_idle_again(
    repo: ReportRepository, trackers: SQLTrackerStore, four_conversations: dict[str, str]
) -> None:
    privacy.purge(repo.engine, older_than=RETENTION, now=NOW)
    rows = _rows(trackers, "idle-none")
    again = privacy.purge(repo.engine, older_than=RETENTION, now=NOW + timedelta(days=45))
    assert again.senders == ["recent"]  # only the conversation that has since become idle
    assert _rows(trackers, "idle-none") == rows  # no second mark: nothing new to redact

    # the user comes back: the new turn is kept until it is idle for the whole period
    later = NOW + timedelta(days=50)
    tracker = asyncio.run(trackers.retrieve("idle-none"))
    tracker.update(_user(NOURA[1], later.timestamp()))
    asyncio.run(trackers.save(tracker))
    soon = privacy.purge(repo.engine, older_than=RETENTION, now=later + timedelta(days=29))
    assert soon.senders == []
    last = privacy.purge(repo.engine, older_than=RETENTION, now=later + timedelta(days=31))
    assert last.senders == ["idle-none"] and last.events == 1
    assert NOURA[1] not in _raw_table(trackers)


def test_a_dry_run_counts_and_changes_nothing(
    repo: ReportRepository, trackers: SQLTrackerStore, four_conversations: dict[str, str]
) -> None:
    table = _raw_table(trackers)
    result = privacy.purge(repo.engine, older_than=RETENTION, now=NOW, dry_run=True)
    assert result.as_dict() == {
        "cutoff": (NOW - RETENTION).isoformat(), "dry_run": True, "conversations": 2,
        "events": 26, "kept_open_report": 1,
    }  # fmt: skip
    assert _raw_table(trackers) == table


def test_nothing_to_do_without_conversations(repo: ReportRepository) -> None:
    result = privacy.purge(repo.engine, older_than=RETENTION, now=NOW)
    assert (result.conversations, result.events) == (0, 0)
    with pytest.raises(ValueError, match="positive"):
        privacy.purge(repo.engine, older_than=timedelta(0), now=NOW)


def test_a_kept_tracker_is_not_served_after_redaction(
    repo: ReportRepository, db_url: str, domain: Domain
) -> None:
    """The servers' tracker store (bot.runtime.tracker_store) keeps trackers while the newest
    event id is unchanged: the redaction's mark changes it, so the kept copy with the
    personal data is not served again."""
    cached = CachedSQLTrackerStore(domain, host=db_url)
    try:
        _save(cached, "cached", _conversation(OLD, NOURA))
        turn = asyncio.run(cached.retrieve("cached"))  # one more turn: this tracker is kept
        turn.update(_user("one more thing", OLD.timestamp() + 60))
        asyncio.run(cached.save(turn))
        assert cached.kept_conversations() == ["cached"]
        assert asyncio.run(cached.retrieve("cached")).get_slot("national_id") == NOURA[1]

        assert privacy.purge(repo.engine, older_than=RETENTION, now=NOW).senders == ["cached"]
        now = asyncio.run(cached.retrieve("cached"))
        assert now.get_slot("national_id") is None
        assert NOURA[1] not in json.dumps(now.current_state(), ensure_ascii=False)
    finally:
        cached.engine.dispose()


def test_the_tracker_store_is_the_configured_one_only_for_the_configured_reports(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    reports, conversations = (f"sqlite:///{tmp_path / name}" for name in ("r.db", "t.db"))
    monkeypatch.delenv("TRACKER_STORE_URL", raising=False)
    monkeypatch.setenv("DATABASE_URL", reports)
    assert str(privacy.tracker_store(reports).url) == reports  # the same database
    monkeypatch.setenv("TRACKER_STORE_URL", conversations)
    assert str(privacy.tracker_store(reports).url) == conversations
    # a test's or a copy's reports: their own database, never the configured conversations
    other = f"sqlite:///{tmp_path / 'copy.db'}"
    assert str(privacy.tracker_store(other).url) == other


def test_every_free_slot_of_the_domain_is_either_redacted_or_kept() -> None:
    slots = domain_yaml()["slots"]
    free = {name for name, slot in slots.items() if slot["type"] in ("text", "any", "list")}
    undecided = free - privacy.REDACTED_SLOTS - privacy.KEPT_SLOTS
    assert not undecided, f"decide whether these slots hold personal data: {undecided}"
    assert privacy.MARK_SLOT in slots
    assert slots[privacy.MARK_SLOT]["influence_conversation"] is False
    assert not privacy.REDACTED_SLOTS & privacy.KEPT_SLOTS


def test_redacting_an_event_twice_changes_nothing_more() -> None:
    event = _user("my ID 1000000008", NOW.timestamp(), entity="x", name="Noura").as_dict()
    once = privacy.redact_event(event)
    assert privacy.redact_event(once) == once
    assert once["parse_data"]["intent"] == event["parse_data"]["intent"]
    assert "1000000008" not in json.dumps(once) and "Noura" not in json.dumps(once)


# -- export -------------------------------------------------------------------------------


def test_the_export_holds_the_persons_data_and_nobody_elses(
    repo: ReportRepository, trackers: SQLTrackerStore, make_draft: Callable[..., ReportDraft]
) -> None:
    _save(trackers, "noura-chat", _conversation(OLD, NOURA))
    _save(trackers, "saleh-chat", _conversation(OLD, SALEH))
    _save(trackers, "family-chat", _conversation(OLD, SALEH))
    mine = _file(repo, make_draft, "noura-chat", NOURA, "n1")
    shared = _file(repo, make_draft, "family-chat", NOURA, "n2")
    _file(repo, make_draft, "saleh-chat", SALEH, "s1")
    _file(repo, make_draft, "family-chat", SALEH, "s2")
    repo.set_status(mine, "under_review", note="seen", at=OLD + timedelta(hours=2))

    document = privacy.export_person("١٠٠٠٠٠٠٠٠٨", repo.engine, now=NOW)
    assert document["reporter"]["national_id"] == NOURA[1]
    assert document["reporter"]["mobile"] == NOURA[2]
    assert [report["reference"] for report in document["reports"]] == [mine, shared]
    first = document["reports"][0]
    assert [row["status"] for row in first["history"]] == ["received", "under_review"]
    assert first["attachments"][0]["filename"] == "خطأ.png"
    assert [n["kind"] for n in first["notifications"]][-1] == "status_changed"
    assert all(NOURA[0] not in n["text"] and n["text"] for n in first["notifications"])
    conversations = {c["sender_id"]: c for c in document["conversations"]}
    assert set(conversations) == {"noura-chat", "family-chat"}
    assert conversations["family-chat"]["events"] is None  # Saleh's report is there too
    assert conversations["noura-chat"]["events"][4]["text"] == f"اسمي {NOURA[0]}"
    text = json.dumps(document, ensure_ascii=False)
    for value in (SALEH[0], SALEH[1], SALEH[2], "saleh-chat"):
        assert value not in text, value


def test_an_unknown_person_gets_an_empty_export(repo: ReportRepository) -> None:
    document = privacy.export_person("1000000008", repo.engine, now=NOW)
    assert document == {
        "national_id": "1000000008", "exported_at": NOW.isoformat(), "reporter": None,
        "reports": [], "conversations": [],
    }  # fmt: skip
