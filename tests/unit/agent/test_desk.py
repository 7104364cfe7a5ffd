"""The agent's side of a chat handed over by the assistant (bot.agent.desk, the console's
/queue, /take and /back), against a real SQLite store; pushes are recorded."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import pytest

from bot.agent.console import Console, Screen
from bot.agent.desk import Desk, age_text, request_lines
from bot.clock import FixedClock
from bot.store import handoffs
from bot.store.migrate import upgrade
from bot.store.repository import ReportRepository
from tests.unit.agent.test_console_commands import FakeAssistant

T0 = datetime(2026, 12, 6, 7, 0, tzinfo=UTC)


class Pushes:
    """Records what would be pushed; Telegram takes it, other channels do not."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str, str]] = []

    def __call__(self, channel: str, recipient: str, text: str) -> bool:
        self.sent.append((channel, recipient, text))
        return channel == "telegram"


@pytest.fixture
def url(sqlite_url: str) -> str:
    upgrade(sqlite_url)
    return sqlite_url


def ask(url: str, sender: str, channel: str, language: str = "en") -> handoffs.Request:
    request, _ = handoffs.open_request(
        url, sender_id=sender, channel=channel, language=language,
        report_type="complaint_escalation",
        answers={"report_type": "complaint_escalation", "platform": "Absher"},
        transcript=[{"who": "user", "text": "I want to escalate a complaint about Absher"},
                    {"who": "bot", "text": "Did you lodge a complaint?"},
                    {"who": "user", "text": "I want to talk to a person"}],
        now=T0,
    )  # fmt: skip
    return request


def test_the_queue_take_chat_and_hand_back(url: str) -> None:
    clock, pushes = FixedClock(T0 + timedelta(seconds=40)), Pushes()
    desk = Desk("A17", url, clock=clock, push=pushes)
    request = ask(url, "telegram:42", "telegram")
    assert desk.queue_lines()[0].startswith(f"#{request.id}  waiting 40 s  telegram/en")
    taken = desk.take(request.id)
    assert taken is not None and taken.agent_id == "A17"
    assert "A17" in pushes.sent[-1][2]  # "an agent (A17) has joined", pushed to Telegram
    lines = request_lines(taken)
    assert "  platform: Absher" in lines and "  user › I want to talk to a person" in lines
    assert desk.say("Hello, this is Noura. How can I help?")
    assert pushes.sent[-1] == (
        "telegram",
        "telegram:42",
        "Agent: Hello, this is Noura. How can I help?",
    )
    assert handoffs.take_undelivered(url, request.id, now=T0) == []  # it was pushed
    handoffs.add_line(url, request.id, author="user", text="my renewal fails", now=T0)
    got, still_open = desk.incoming()
    assert [x.text for x in got] == ["my renewal fails"] and still_open
    assert desk.incoming() == ([], True)  # shown once
    ended = desk.hand_back()
    assert ended is not None and ended.state == "closed" and desk.chat is None
    assert "handed the chat back" in pushes.sent[-1][2]
    assert handoffs.get(url, request.id).told_at is not None  # the user was told by the push


def test_a_line_that_cannot_be_pushed_waits_for_the_users_next_turn(url: str) -> None:
    desk = Desk("A17", url, clock=FixedClock(T0), push=Pushes())
    request = ask(url, "rest:abc", "rest", "ar")
    desk.take(request.id)
    assert desk.say("مرحبا، معك نورة")
    [line] = handoffs.take_undelivered(url, request.id, now=T0)
    assert line.text == "مرحبا، معك نورة"
    ended = desk.hand_back()
    assert ended is not None and handoffs.get(url, request.id).told_at is None  # not told yet


def test_a_request_taken_by_another_agent_or_left_by_the_user(url: str) -> None:
    first, second = (Desk(a, url, clock=FixedClock(T0), push=Pushes()) for a in ("A1", "A2"))
    request = ask(url, "telegram:42", "telegram")
    assert first.take(request.id) is not None
    assert second.take(request.id) is None
    assert second.waiting() == []
    handoffs.end(url, request.id, by="user", now=T0)
    assert not first.say("are you there?")  # the user went back to the assistant
    assert first.chat is None


def test_the_queue_ends_requests_that_waited_too_long(url: str) -> None:
    desk = Desk("A17", url, clock=FixedClock(T0 + timedelta(minutes=3)), push=Pushes())
    request = ask(url, "telegram:42", "telegram")
    assert desk.queue_lines() == ["Nobody is waiting."]
    assert handoffs.get(url, request.id).state == "expired"


def test_age_text() -> None:
    assert age_text(T0, T0 + timedelta(seconds=59)) == "59 s"
    assert age_text(T0, T0 + timedelta(minutes=5, seconds=3)) == "5 min"


def test_the_console_commands(url: str) -> None:
    out = io.StringIO()
    assistant = FakeAssistant()
    pushes = Pushes()
    desk = Desk("A17", url, clock=FixedClock(T0), push=pushes)
    console = Console(
        assistant, Screen("raw", out=out, columns=lambda: 120), "A17",
        repository=ReportRepository(url), desk=desk,
    )  # fmt: skip
    console.new_call()
    console.handle("/queue")
    assert "Nobody is waiting." in out.getvalue()
    request = ask(url, "telegram:42", "telegram")
    console.handle("/queue")
    assert f"#{request.id}  waiting" in out.getvalue()
    console.handle("/take x")
    assert "/take N" in out.getvalue()
    console.handle(f"/take {request.id}")
    assert "I want to talk to a person" in out.getvalue()
    before = len(assistant.sent)
    console.handle("How can I help?")
    console.handle("=2")  # as typed, to the user
    assert len(assistant.sent) == before  # the chat's lines do not go to the assistant
    assert [t for _c, _r, t in pushes.sent[-2:]] == ["Agent: How can I help?", "Agent: 2"]
    handoffs.add_line(url, request.id, author="user", text="thanks, my renewal fails", now=T0)
    console.show_incoming()
    assert "thanks, my renewal fails" in out.getvalue()
    console.handle("/back")
    assert "handed back to the assistant" in out.getvalue()
    console.handle("/back")
    assert "No chat taken." in out.getvalue()
    console.handle("hello")  # a caller's line again
    assert assistant.sent[-1][1] == "hello"
