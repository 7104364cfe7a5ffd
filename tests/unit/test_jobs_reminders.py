"""The scheduler says due reminders in their conversations (bot/runtime/jobs.py rule 9,
bot.notify.reminders): through Rasa's HTTP API, once, and tried again while Rasa cannot."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from bot.clock import FixedClock
from bot.notify.reminders import REMINDER_INTENT, TriggerError, rasa_say, reachable
from bot.runtime import jobs
from bot.store import reminders
from bot.store.migrate import upgrade
from bot.store.models import ReminderState
from bot.store.repository import ReportRepository

AT = datetime(2026, 12, 11, 6, 0, tzinfo=UTC)
DRAFT = {"slots": {"report_type": "complaint_escalation"}, "form": None}


@pytest.fixture
def repo(sqlite_url: str) -> ReportRepository:
    upgrade(sqlite_url)
    return ReportRepository(sqlite_url)


def keep(repo: ReportRepository, sender: str, day: date = date(2026, 12, 11)) -> int:
    at = datetime.combine(day, AT.timetz())
    return reminders.schedule(
        repo.engine, sender_id=sender, channel="telegram", language="ar", remind_on=day,
        remind_at=at, draft=DRAFT, now=AT - timedelta(days=4),
    ).id  # fmt: skip


class Conversation:
    """Stands in for action_say_reminder: says (marks sent) what the trigger asks for."""

    def __init__(self, repo: ReportRepository, fail_for: set[str] | None = None) -> None:
        self.repo, self.fail_for, self.said = repo, fail_for or set(), []

    def __call__(self, reminder: reminders.Reminder) -> None:
        if reminder.sender_id in self.fail_for:
            raise TriggerError("Rasa answered 500")
        self.said.append(reminder.sender_id)
        reminders.mark_sent(self.repo.engine, reminder.id, now=AT)


def test_due_reminders_are_said_once_and_the_others_wait(repo: ReportRepository) -> None:
    due = keep(repo, "telegram:1")
    later = keep(repo, "telegram:2", date(2026, 12, 14))
    conversation = Conversation(repo)
    result = jobs.tick(repo, FixedClock(AT), senders={}, say=conversation)
    assert result.reminders_said == [due] and conversation.said == ["telegram:1"]
    again = jobs.tick(repo, FixedClock(AT + timedelta(minutes=1)), senders={}, say=conversation)
    assert again.reminders_said == [] and conversation.said == ["telegram:1"]
    assert reminders.state_of(repo.engine, later) == ReminderState.PENDING


def test_one_conversation_failing_does_not_stop_the_others(repo: ReportRepository) -> None:
    failing, fine = keep(repo, "telegram:1"), keep(repo, "telegram:2")
    say = Conversation(repo, fail_for={"telegram:1"})
    assert jobs.run_reminders(repo, AT, say) == [fine]
    assert reminders.state_of(repo.engine, failing) == ReminderState.PENDING
    assert reminders.due(repo.engine, now=AT)[0].attempts == 1  # tried again next tick


def test_while_rasa_is_down_every_reminder_waits_without_losing_a_try(
    repo: ReportRepository,
) -> None:
    first, second = keep(repo, "telegram:1"), keep(repo, "telegram:2")
    calls: list[str] = []

    def down(reminder: reminders.Reminder) -> None:
        calls.append(reminder.sender_id)
        raise TriggerError("Rasa unreachable", reached=False)

    assert jobs.run_reminders(repo, AT, down) == []
    assert calls == ["telegram:1"]  # the others are not tried against a server that is down
    assert [r.attempts for r in reminders.due(repo.engine, now=AT)] == [0, 0]
    assert {reminders.state_of(repo.engine, i) for i in (first, second)} == {"pending"}


def test_a_trigger_that_said_nothing_counts_as_a_failed_try(repo: ReportRepository) -> None:
    reminder = keep(repo, "telegram:1")
    assert jobs.run_reminders(repo, AT, lambda _reminder: None) == []
    assert reminders.state_of(repo.engine, reminder) == ReminderState.PENDING
    assert reminders.due(repo.engine, now=AT)[0].attempts == 1


def test_without_a_rasa_server_reminders_wait(
    repo: ReportRepository, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.delenv("BALAGH_RASA_URL", raising=False)
    reminder = keep(repo, "telegram:1")
    assert jobs.tick(repo, FixedClock(AT), senders={}).reminders_said == []
    assert reminders.due(repo.engine, now=AT)[0].attempts == 0
    assert "no Rasa server" in caplog.text
    assert reminders.state_of(repo.engine, reminder) == ReminderState.PENDING


class _FakeRasa(BaseHTTPRequestHandler):
    calls: list[dict[str, Any]] = []
    status = 200

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        parts = urlsplit(self.path)
        self.calls.append({"path": parts.path, "query": parse_qs(parts.query),
                           "body": json.loads(self.rfile.read(length) or b"{}")})  # fmt: skip
        self.send_response(self.status)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def fake_rasa() -> Iterator[str]:
    _FakeRasa.calls, _FakeRasa.status = [], 200
    server = ThreadingHTTPServer(("127.0.0.1", 0), _FakeRasa)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_rasa_say_triggers_the_reminder_intent_in_that_conversation(
    repo: ReportRepository, fake_rasa: str
) -> None:
    keep(repo, "rest:client-7.a@b")
    keep(repo, "rest:a b")  # Sanic does not decode the path: this one cannot be named
    due, unreachable = sorted(reminders.due(repo.engine, now=AT), key=lambda r: r.id)
    rasa_say(fake_rasa, token="t0ken")(due)
    with pytest.raises(TriggerError, match="cannot be named"):
        rasa_say(fake_rasa, token="t0ken")(unreachable)
    (call,) = _FakeRasa.calls
    assert call["path"] == "/conversations/rest:client-7.a@b/trigger_intent"
    assert call["query"] == {"output_channel": ["latest"], "token": ["t0ken"]}
    assert call["body"] == {"name": REMINDER_INTENT}
    _FakeRasa.status = 401
    with pytest.raises(TriggerError, match="401"):
        rasa_say(fake_rasa, token="wrong")(due)
    with pytest.raises(TriggerError, match="unreachable") as down:
        rasa_say("http://127.0.0.1:9", token="t0ken", timeout=2)(due)
    assert down.value.reached is False


@pytest.mark.parametrize(
    ("sender", "expected"),
    [("telegram:5551234", True), ("web-" + "a" * 32 + "-" + "b" * 32, True),
     ("rest:7f3c-uuid", True), ("rest:a b", False), ("rest:ع", False), ("rest:a/b", False),
     ("rest:100%", False), ("", False)],
)  # fmt: skip
def test_which_conversations_a_reminder_can_reach(sender: str, expected: bool) -> None:
    assert reachable(sender) is expected
