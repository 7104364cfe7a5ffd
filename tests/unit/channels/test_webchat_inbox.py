"""The web widget's notifications: `GET /webhooks/webchat/inbox` and the history's notices.

The channel runs in-process as in test_webchat.py (its fake agent and app). Notices are put in
the web inbox the way the back office does it: a report filed from a web conversation, a
status change (which queues an outbox message) and one dispatcher run (WebSender stores it).
The channel reads the store named by DATABASE_URL, here a fresh database on SQLite and on
PostgreSQL.
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from rasa.shared.core.events import BotUttered, UserUttered
from test_webchat import WEBHOOK, FakeAgent, make_app

from bot.channels import webchat
from bot.channels.webchat import WebchatInput
from bot.notify.dispatcher import dispatch_once
from bot.store import handoffs, inbox
from bot.store.db import dispose_engine
from bot.store.migrate import upgrade
from bot.store.reports.drafts import ReportDraft
from bot.store.repository import ReportRepository

INBOX = "/webhooks/webchat/inbox"
HISTORY = "/webhooks/webchat/history"
LRI, PDI = "\u2066", "\u2069"
Draft = Callable[..., ReportDraft]


@pytest.fixture
def repo(db_url: str, monkeypatch: pytest.MonkeyPatch) -> ReportRepository:
    """The report store, migrated, and the one the channel reads (DATABASE_URL)."""
    upgrade(db_url)
    monkeypatch.setenv("DATABASE_URL", db_url)
    return ReportRepository(db_url)


@pytest.fixture
async def client(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[httpx.AsyncClient]:
    monkeypatch.setenv("ATTACHMENTS_DIR", str(tmp_path / "attachments"))
    app = make_app(FakeAgent(), WebchatInput())
    await app._startup()
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://bot.test") as http:
        yield http


def notify(repo: ReportRepository, draft: ReportDraft, *statuses: str) -> str:
    """File `draft`, move it through `statuses` and deliver the notices; its reference."""
    reference = repo.file_report(draft, f"key-{draft.sender_id}-{draft.title}").reference
    for status in statuses:
        repo.set_status(reference, status)
    stats = dispatch_once(repo.engine)
    assert stats.sent >= len(statuses), stats
    return reference


async def test_unread_notices_come_once_and_only_to_their_conversation(
    repo: ReportRepository, make_draft: Draft, client: httpx.AsyncClient
) -> None:
    mine, other = webchat.new_sender_id(), webchat.new_sender_id()
    ref = notify(
        repo,
        make_draft(channel="web", sender_id=mine, language="ar"),
        "under_review",
        "referred",
    )
    other_ref = notify(
        repo, make_draft(channel="web", sender_id=other, language="en"), "under_review"
    )

    answer = await client.get(INBOX, params={"sender": mine})
    assert answer.status_code == 200, answer.text
    assert answer.headers["cache-control"] == "no-store"
    body = answer.json()
    assert body["sender"] == mine
    first, second = body["messages"]
    assert set(first) == {"id", "reference", "language", "text", "created_at"}
    assert [m["reference"] for m in body["messages"]] == [ref, ref]
    assert [m["language"] for m in body["messages"]] == ["ar", "ar"]
    assert first["text"] == f"بلاغك رقم {LRI}{ref}{PDI} قيد المراجعة الآن لدى مركز آمر."
    assert "أُحيل بلاغك" in second["text"]
    assert first["id"] < second["id"]
    assert datetime.fromisoformat(first["created_at"]).tzinfo is not None
    assert other_ref not in answer.text

    # taken: gone from the inbox, the other conversation's notice untouched
    again = await client.get(INBOX, params={"sender": mine})
    assert again.json() == {"sender": mine, "messages": []}
    assert inbox.unread(mine, repo.engine) == []
    assert [item.reference for item in inbox.unread(other, repo.engine)] == [other_ref]

    theirs = (await client.get(INBOX, params={"sender": other})).json()
    assert [(m["reference"], m["language"]) for m in theirs["messages"]] == [(other_ref, "en")]
    assert ref not in str(theirs)
    assert (await client.get(INBOX, params={"sender": other})).json()["messages"] == []


@pytest.mark.parametrize(
    "sender",
    ["", "web-s1", "telegram:5551234", "web-" + "0" * 31, "WEB-" + "a" * 32, "web-" + "g" * 32],
)
async def test_inbox_takes_only_web_session_ids(
    repo: ReportRepository, make_draft: Draft, client: httpx.AsyncClient, sender: str
) -> None:
    if sender:  # a notice stored under that id stays unread
        notify(repo, make_draft(channel="web", sender_id=sender), "under_review")
    answer = await client.get(INBOX, params={"sender": sender})
    history = await client.get(HISTORY, params={"sender": sender})
    assert answer.status_code == history.status_code == 400
    assert answer.json() == history.json()
    assert answer.json()["error"] == "bad_request"
    if sender:
        assert len(inbox.unread(sender, repo.engine)) == 1
    assert (await client.get(INBOX)).status_code == 400  # no sender at all


async def test_history_keeps_the_notices_shown_where_they_were_shown(
    repo: ReportRepository, make_draft: Draft, client: httpx.AsyncClient
) -> None:
    first = await client.post(WEBHOOK, json={"message": "السلام عليكم"})
    sender = first.json()["sender"]
    ref = notify(repo, make_draft(channel="web", sender_id=sender), "under_review")
    # not taken yet: the history leaves it to the inbox call
    history = (await client.get(HISTORY, params={"sender": sender})).json()
    assert [m["from"] for m in history["messages"]] == ["user", "bot"]
    [taken] = (await client.get(INBOX, params={"sender": sender})).json()["messages"]
    await client.post(WEBHOOK, json={"sender": sender, "message": "شكرا"})

    history = (await client.get(HISTORY, params={"sender": sender})).json()
    assert [m["from"] for m in history["messages"]] == ["user", "bot", "notice", "user", "bot"]
    notice = history["messages"][2]
    assert notice == {"from": "notice", **taken}
    assert notice["reference"] == ref
    # and the inbox does not hand it out again
    assert (await client.get(INBOX, params={"sender": sender})).json()["messages"] == []


async def test_an_unreadable_store_is_a_json_503_and_the_history_still_works(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    client: httpx.AsyncClient,
    caplog: pytest.LogCaptureFixture,
    request: pytest.FixtureRequest,
) -> None:
    # a database without the tables (never migrated)
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    request.addfinalizer(lambda: dispose_engine(url))
    sender = (await client.post(WEBHOOK, json={"message": "السلام عليكم"})).json()["sender"]
    with caplog.at_level(logging.WARNING, logger="bot.channels.webchat"):
        answer = await client.get(INBOX, params={"sender": sender})
        history = await client.get(HISTORY, params={"sender": sender})
    assert answer.status_code == 503
    assert answer.json() == {"error": "inbox_unavailable"}
    assert answer.headers["retry-after"] == str(webchat.INBOX_RETRY_AFTER_S)
    assert "Traceback" not in answer.text
    assert history.status_code == 200
    assert [m["from"] for m in history.json()["messages"]] == ["user", "bot"]
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    # the inbox, the notices and the agent's lines of the history: each says what failed
    assert len(warnings) == 3 and all("web" in r.getMessage() for r in warnings)


def test_history_merges_notices_by_the_time_they_were_taken() -> None:
    def at(second: int) -> datetime:
        return datetime(2024, 6, 2, 12, 0, second, tzinfo=UTC)

    events = [UserUttered("hi", timestamp=at(1).timestamp()),
              BotUttered("hello", timestamp=at(2).timestamp()),
              UserUttered("thanks", timestamp=at(5).timestamp())]  # fmt: skip
    notice = inbox.InboxItem(7, "BR-7K3Q9PX2", "en", "Your report…", at(0), read_at=at(3))
    shown = webchat.history_messages(events, [notice])
    assert [m["from"] for m in shown] == ["user", "bot", "notice", "user"]
    assert shown[2] == {"from": "notice", **notice.as_dict()}
    assert webchat.history_messages(events) == [m for m in shown if m["from"] != "notice"]


async def test_an_agents_lines_the_inbox_took_are_in_the_history_after_a_reload(
    repo: ReportRepository, client: httpx.AsyncClient
) -> None:
    """A chat with a call-centre agent: the lines the widget's poll took are not in the
    conversation's events, so a reloaded page gets them from the store; a line given with
    the user's next message (the assistant's reply) is the conversation's own and is not
    added again."""
    first = await client.post(WEBHOOK, json={"message": "ابي اكلم موظف"})
    sender = first.json()["sender"]
    now = datetime.now(UTC)
    request, _ = handoffs.open_request(
        repo.engine, sender_id=sender, channel="web", language="ar", report_type=None,
        answers={}, transcript=[], now=now,
    )
    handoffs.take(repo.engine, request.id, agent_id="A1", now=now)
    handoffs.add_line(repo.engine, request.id, author="agent", text="معك سارة من مركز آمر",
                      now=now, agent_id="A1")
    [polled] = (await client.get(INBOX, params={"sender": sender})).json()["messages"]
    assert polled["kind"] == "agent"
    await client.post(WEBHOOK, json={"sender": sender, "message": "شكرا"})
    handoffs.add_line(repo.engine, request.id, author="agent", text="given with a reply",
                      now=datetime.now(UTC), agent_id="A1")
    handoffs.take_undelivered(repo.engine, request.id, now=datetime.now(UTC))  # via reply

    history = (await client.get(HISTORY, params={"sender": sender})).json()
    assert [m["from"] for m in history["messages"]] == ["user", "bot", "notice", "user", "bot"]
    assert history["messages"][2] == {"from": "notice", **polled}
    assert "given with a reply" not in json.dumps(history, ensure_ascii=False)
    # another conversation sees none of it
    other = (await client.post(WEBHOOK, json={"message": "hello"})).json()["sender"]
    history = (await client.get(HISTORY, params={"sender": other})).json()
    assert all(m["from"] != "notice" for m in history["messages"])
