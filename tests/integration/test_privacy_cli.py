"""`python -m bot privacy purge|export` as people run it (a subprocess, DATABASE_URL set), and
the scheduler's hourly retention pass (bot/runtime/jobs.py)."""

from __future__ import annotations

import asyncio
import json
import os
import stat
import subprocess
import sys
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, SessionStarted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.clock import FixedClock
from bot.runtime import jobs
from bot.store.migrate import upgrade
from bot.store.reports.drafts import ReportDraft
from bot.store.repository import ReportRepository

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DOMAIN = Domain.from_dict(
    {
        "slots": {
            name: {"type": "text", "influence_conversation": False,
                   "mappings": [{"type": "custom"}]}
            for name in ("full_name", "national_id", "privacy_redacted_at")
        }
    }
)  # fmt: skip
OWNER = "1000000008"  # the reporter of conftest's drafts
STRANGER = "1000000016"  # valid, never stored


def run_cli(database_url: str, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "DATABASE_URL": database_url, "PYTHONIOENCODING": "utf-8"}
    for name in ("TRACKER_STORE_URL", "PRIVACY_RETENTION_DAYS"):
        environment.pop(name, None)
    environment.update(env)
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=PROJECT_ROOT,
        env=environment,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
    )


def _conversation(sender: str, at: datetime, text: str, national_id: str) -> list:
    t = at.timestamp()
    return [
        ActionExecuted("action_session_start", timestamp=t),
        SessionStarted(timestamp=t + 0.1),
        ActionExecuted("action_listen", timestamp=t + 0.2),
        UserUttered(text, {"name": "inform", "confidence": 0.9}, timestamp=t + 1),
        SlotSet("national_id", national_id, timestamp=t + 1.1),
        ActionExecuted("action_listen", timestamp=t + 2),
    ]


def _write(url: str, sender: str, at: datetime, text: str, national_id: str) -> None:
    store = SQLTrackerStore(DOMAIN, host=url)
    tracker = DialogueStateTracker.from_events(
        sender, _conversation(sender, at, text, national_id), DOMAIN.slots
    )
    asyncio.run(store.save(tracker))
    store.engine.dispose()


def _events_text(url: str) -> str:
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        rows = connection.execute(sa.text("SELECT data FROM events")).scalars().all()
    engine.dispose()
    return "\n".join(str(json.loads(row)) for row in rows)


@pytest.fixture
def store(sqlite_url: str, make_draft: Callable[..., ReportDraft]) -> Iterator[str]:
    """Three conversations: idle 40 days without a report, idle 40 days with an open report
    (the owner's), and one from yesterday."""
    upgrade(sqlite_url)
    now = datetime.now(UTC)
    _write(sqlite_url, "old-none", now - timedelta(days=40), "رقم هويتي 2000000006", "2000000006")
    _write(sqlite_url, "old-open", now - timedelta(days=40), f"my ID is {OWNER}", OWNER)
    _write(sqlite_url, "yesterday", now - timedelta(days=1), "ID 1000000024", "1000000024")
    ReportRepository(sqlite_url).file_report(make_draft(sender_id="old-open"), "k")
    yield sqlite_url


def test_purge_redacts_idle_conversations_and_says_how_many(store: str) -> None:
    result = run_cli(store, "privacy", "purge", "--older-than", "30", "--dry-run")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Would redact 1 conversation(s), 2 event(s)"), result.stdout
    assert "Kept 1 idle conversation(s) with an open report." in result.stdout
    assert "2000000006" in _events_text(store)

    result = run_cli(store, "privacy", "purge", "--older-than", "٣٠", "--json")
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert (document["conversations"], document["events"]) == (1, 2)
    assert (document["kept_open_report"], document["older_than_days"]) == (1, 30)
    assert document["dry_run"] is False
    text = _events_text(store)
    assert "2000000006" not in text and "رقم هويتي" not in text
    assert OWNER in text and "1000000024" in text  # open report; not idle

    # the default period comes from PRIVACY_RETENTION_DAYS
    result = run_cli(store, "privacy", "purge", "--json", PRIVACY_RETENTION_DAYS="1")
    assert json.loads(result.stdout)["older_than_days"] == 1
    result = run_cli(store, "privacy", "purge", PRIVACY_RETENTION_DAYS="a month")
    assert result.returncode == 1 and "PRIVACY_RETENTION_DAYS" in result.stderr


@pytest.mark.parametrize("days", ["0", "-3", "thirty", "1.5"])
def test_purge_refuses_a_period_that_is_not_whole_days(tmp_path: Path, days: str) -> None:
    result = run_cli(f"sqlite:///{tmp_path / 'x.db'}", "privacy", "purge", "--older-than", days)
    assert result.returncode == 2 and "number of days" in result.stderr, result.stderr


def test_export_gives_a_person_their_data(store: str, tmp_path: Path) -> None:
    result = run_cli(store, "privacy", "export", "١٠٠٠٠٠٠٠٠٨")
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["reporter"]["national_id"] == OWNER
    assert [report["reporter"]["national_id"] for report in document["reports"]] == [OWNER]
    (conversation,) = document["conversations"]
    assert conversation["sender_id"] == "old-open"
    assert f"my ID is {OWNER}" in [event.get("text") for event in conversation["events"]]
    assert "2000000006" not in result.stdout and "1000000024" not in result.stdout

    target = tmp_path / "export.json"
    result = run_cli(store, "privacy", "export", OWNER, "--json", "--output", str(target))
    assert result.returncode == 0 and result.stdout == "", result.stderr
    written = json.loads(target.read_text(encoding="utf-8"))
    assert {**written, "exported_at": None} == {**document, "exported_at": None}
    assert stat.S_IMODE(target.stat().st_mode) == 0o600


def test_export_of_an_unknown_person_is_empty(store: str) -> None:
    result = run_cli(store, "privacy", "export", STRANGER, "--json")
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["reporter"] is None and document["reports"] == []
    assert document["conversations"] == []
    assert f"Nothing is stored about ID number {STRANGER}" in result.stderr


@pytest.mark.parametrize(
    ("typed", "reason"),
    [("12345", "10 digits"), ("1000000009", "check digit"), ("3000000003", "neither 1"),
     ("abc", "no ID number")],
)  # fmt: skip
def test_export_refuses_what_is_not_an_id_number(tmp_path: Path, typed: str, reason: str) -> None:
    result = run_cli(f"sqlite:///{tmp_path / 'x.db'}", "privacy", "export", typed)
    assert result.returncode == 1 and result.stdout == ""
    assert "is not a national ID or iqama number" in result.stderr and reason in result.stderr


@pytest.mark.parametrize("command", [["privacy"], ["privacy", "purge"], ["privacy", "export"]])
def test_help(tmp_path: Path, command: list[str]) -> None:
    result = run_cli(f"sqlite:///{tmp_path / 'unused.db'}", *command, "--help")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("usage: ")
    assert not (tmp_path / "unused.db").exists()


# -- the scheduler ------------------------------------------------------------------------


def test_the_scheduler_runs_the_retention_at_most_once_an_hour(store: str) -> None:
    repo = ReportRepository(store)
    clock = FixedClock(datetime.now(UTC))
    first = jobs.tick(repo, clock, dispatch=False)
    assert first.privacy is not None and first.privacy.conversations == 1
    assert first.as_dict()["privacy"]["conversations"] == 1
    clock.advance(minutes=59)
    assert jobs.tick(repo, clock, dispatch=False).privacy is None
    clock.advance(minutes=1)
    again = jobs.tick(repo, clock, dispatch=False).privacy
    assert again is not None and again.conversations == 0  # done already
    clock.advance(days=30)  # yesterday's conversation is now idle for 31 days
    rules = jobs.Rules(privacy_retention=timedelta(days=30))
    assert jobs.tick(repo, clock, rules=rules, dispatch=False).privacy.conversations == 1
    assert "1000000024" not in _events_text(store)
