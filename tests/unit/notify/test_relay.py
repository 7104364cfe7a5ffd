"""Pushing an agent's line to a Telegram chat at once (bot.notify.relay), against the local
stand-in of the Bot API, and the console's desk using it end to end."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from functools import partial

import pytest

from bot.agent.desk import Desk
from bot.clock import FixedClock
from bot.notify import relay
from bot.notify.senders import TelegramSender
from bot.store import handoffs
from bot.store.migrate import upgrade
from tests.telegram_stub import TelegramStub

TOKEN = "123456:relay-test"
T0 = datetime(2026, 12, 6, 7, 0, tzinfo=UTC)


@pytest.fixture
def stub() -> Iterator[TelegramStub]:
    server = TelegramStub(TOKEN).start()
    try:
        yield server
    finally:
        server.stop()


def sent(stub: TelegramStub) -> list[tuple[int, str]]:
    return [(int(c.params["chat_id"]), c.params["text"]) for c in stub.calls
            if c.method == "sendMessage" and c.status == 200]  # fmt: skip


def test_a_line_is_pushed_to_the_telegram_chat(stub: TelegramStub) -> None:
    sender = TelegramSender(TOKEN, stub.url)
    assert relay.push("telegram", "telegram:42", "Agent: hello", telegram=sender)
    assert sent(stub) == [(42, "Agent: hello")]


def test_nothing_to_push_to_or_a_refusal_is_false(stub: TelegramStub) -> None:
    sender = TelegramSender(TOKEN, stub.url)
    assert not relay.push("rest", "rest:abc", "Agent: hello", telegram=sender)
    assert not relay.push("web", "web-abc", "Agent: hello", telegram=sender)
    stub.block(43)
    assert not relay.push("telegram", "telegram:43", "Agent: hello", telegram=sender)
    assert not relay.push("telegram", "telegram:x", "Agent: hello", telegram=sender)
    assert sent(stub) == []


def test_the_desk_pushes_the_agents_lines_and_the_hand_back(
    stub: TelegramStub, sqlite_url: str
) -> None:
    upgrade(sqlite_url)
    push = partial(relay.push, telegram=TelegramSender(TOKEN, stub.url))
    desk = Desk("A17", sqlite_url, clock=FixedClock(T0), push=push)
    request, _ = handoffs.open_request(
        sqlite_url, sender_id="telegram:42", channel="telegram", language="ar",
        report_type=None, answers={}, transcript=[], now=T0,
    )  # fmt: skip
    desk.take(request.id)
    desk.say("مرحبا، معك نورة")
    desk.hand_back()
    texts = [text for chat, text in sent(stub) if chat == 42]
    assert len(texts) == 3, texts
    assert "\u2068A17\u2069" in texts[0]  # joined
    assert texts[1] == "الموظف: \u2068مرحبا، معك نورة\u2069"
    assert "أعادها إليّ" in texts[2]
    assert handoffs.take_undelivered(sqlite_url, request.id, now=T0) == []  # all pushed
    assert handoffs.get(sqlite_url, request.id).told_at is not None
