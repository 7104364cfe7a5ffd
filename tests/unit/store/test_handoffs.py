"""The queue of conversations waiting for a person, and their chats (bot.store.handoffs)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest

from bot.store import handoffs
from bot.store.db import get_engine, session_scope
from bot.store.migrate import upgrade

T0 = datetime(2026, 12, 6, 7, 0, tzinfo=UTC)  # Sunday 10:00 in Riyadh
WAIT = timedelta(minutes=2)


@pytest.fixture
def url(sqlite_url: str) -> str:
    upgrade(sqlite_url)
    return sqlite_url


def ask(url: str, sender: str = "telegram:42", at: datetime = T0) -> handoffs.Request:
    request, _new = handoffs.open_request(
        url,
        sender_id=sender,
        channel="telegram",
        language="ar",
        report_type="complaint_escalation",
        answers={"platform": "أبشر"},
        transcript=[{"who": "user", "text": "ابي اكلم موظف"}],
        now=at,
    )
    return request


def test_a_conversation_has_one_open_request_however_often_it_asks(url: str) -> None:
    first = ask(url)
    again, new = handoffs.open_request(
        url, sender_id="telegram:42", channel="telegram", language="ar", report_type=None,
        answers={}, transcript=[], now=T0 + timedelta(seconds=30),
    )  # fmt: skip
    assert not new and again.id == first.id and again.answers == {"platform": "أبشر"}
    assert [r.id for r in handoffs.queue(url)] == [first.id]
    other = ask(url, "telegram:43", T0 + timedelta(seconds=5))
    assert [r.id for r in handoffs.queue(url)] == [first.id, other.id]  # oldest first


def test_two_agents_taking_the_same_request_one_gets_it(url: str) -> None:
    request = ask(url)
    with ThreadPoolExecutor(4) as pool:
        results = list(
            pool.map(
                lambda agent: handoffs.take(url, request.id, agent_id=agent, now=T0),
                ["A1", "A2", "A3", "A4"],
            )
        )
    taken = [r for r in results if r is not None]
    assert len(taken) == 1 and taken[0].state == "taken"
    assert handoffs.get(url, request.id).agent_id == taken[0].agent_id


def test_only_the_agent_who_took_it_writes_and_only_while_it_is_open(url: str) -> None:
    request = ask(url)
    assert (
        handoffs.add_line(url, request.id, author="agent", text="hi", now=T0, agent_id="A1") is None
    )
    handoffs.take(url, request.id, agent_id="A1", now=T0)
    assert (
        handoffs.add_line(url, request.id, author="agent", text="hi", now=T0, agent_id="A2") is None
    )
    line = handoffs.add_line(url, request.id, author="agent", text=" hi ", now=T0, agent_id="A1")
    assert line is not None and line.text == "hi"
    assert handoffs.add_line(url, request.id, author="user", text="hello", now=T0) is not None
    ended = handoffs.end(url, request.id, by="agent", now=T0, agent_id="A2")
    assert ended is None  # not theirs to end
    ended = handoffs.end(url, request.id, by="agent", now=T0, agent_id="A1")
    assert ended is not None and ended.state == "closed" and ended.ended_by == "agent"
    assert handoffs.add_line(url, request.id, author="user", text="more", now=T0) is None
    assert [(x.author, x.text) for x in handoffs.lines(url, request.id)] == [
        ("agent", "hi"), ("user", "hello"),
    ]  # fmt: skip
    with pytest.raises(ValueError):
        handoffs.add_line(url, request.id, author="bot", text="x", now=T0)


def test_an_agents_lines_are_handed_out_once(url: str) -> None:
    request = ask(url)
    handoffs.take(url, request.id, agent_id="A1", now=T0)
    one = handoffs.add_line(url, request.id, author="agent", text="one", now=T0, agent_id="A1")
    handoffs.add_line(url, request.id, author="agent", text="two", now=T0, agent_id="A1")
    assert handoffs.mark_delivered(url, one.id, now=T0)  # pushed
    assert not handoffs.mark_delivered(url, one.id, now=T0)
    assert [x.text for x in handoffs.take_undelivered(url, request.id, now=T0)] == ["two"]
    assert handoffs.take_undelivered(url, request.id, now=T0) == []


def test_a_request_nobody_takes_ends_after_the_wait_and_frees_the_conversation(url: str) -> None:
    request = ask(url)
    assert handoffs.expire_unanswered(url, now=T0 + WAIT - timedelta(seconds=1), wait=WAIT) == []
    ended = handoffs.expire_unanswered(url, now=T0 + WAIT, wait=WAIT)
    assert [(r.id, r.state, r.ended_by) for r in ended] == [(request.id, "expired", "timeout")]
    assert handoffs.expire_unanswered(url, now=T0 + 2 * WAIT, wait=WAIT) == []  # once
    assert handoffs.queue(url) == []
    # not yet settled: the assistant still has to tell the user
    current = handoffs.current(url, "telegram:42")
    assert current is not None and current.id == request.id and current.told_at is None
    assert handoffs.mark_told(url, request.id, now=T0 + WAIT)
    assert handoffs.settle(url, request.id, now=T0 + WAIT)
    assert handoffs.current(url, "telegram:42") is None
    assert ask(url, at=T0 + 3 * WAIT).id != request.id  # a new request may be opened


def test_a_taken_request_does_not_expire(url: str) -> None:
    request = ask(url)
    handoffs.take(url, request.id, agent_id="A1", now=T0 + timedelta(seconds=90))
    assert handoffs.expire_unanswered(url, now=T0 + 10 * WAIT, wait=WAIT) == []
    assert handoffs.take(url, request.id, agent_id="A2", now=T0) is None


def test_the_user_leaving_ends_the_request(url: str) -> None:
    request = ask(url)
    ended = handoffs.end(url, request.id, by="user", now=T0)
    assert ended is not None and ended.ended_by == "user"
    assert handoffs.take(url, request.id, agent_id="A1", now=T0) is None
    assert handoffs.end(url, request.id, by="user", now=T0) is None


def test_forgetting_a_conversation_deletes_its_requests_and_chats(url: str) -> None:
    request = ask(url)
    handoffs.take(url, request.id, agent_id="A1", now=T0)
    handoffs.add_line(url, request.id, author="user", text="رقمي 0551234567", now=T0)
    keep = ask(url, "telegram:43")
    with session_scope(url, write=True) as session:
        assert handoffs.forget_sender(session, ["telegram:42"]) == 1
    assert handoffs.get(url, request.id) is None and handoffs.lines(url, request.id) == []
    assert handoffs.get(url, keep.id) is not None
    with get_engine(url).connect() as connection:
        count = connection.exec_driver_sql("SELECT count(*) FROM handoff_lines").scalar()
    assert count == 0


def test_each_line_remembers_how_it_reached_the_user(url: str) -> None:
    request = ask(url, sender="web-1")
    handoffs.take(url, request.id, agent_id="A1", now=T0)
    pushed = handoffs.add_line(url, request.id, author="agent", text="p", now=T0, agent_id="A1")
    assert handoffs.mark_delivered(url, pushed.id, now=T0)
    handoffs.add_line(url, request.id, author="agent", text="i", now=T0, agent_id="A1")
    [polled] = handoffs.take_undelivered(url, request.id, now=T0 + WAIT, via=handoffs.VIA_INBOX)
    handoffs.add_line(url, request.id, author="agent", text="r", now=T0, agent_id="A1")
    [replied] = handoffs.take_undelivered(url, request.id, now=T0 + WAIT)
    handoffs.add_line(url, request.id, author="user", text="u", now=T0)
    assert [(line.text, line.delivered_via) for line in handoffs.lines(url, request.id)] == [
        ("p", "push"), ("i", "inbox"), ("r", "reply"), ("u", None)]
    assert polled.delivered_via == "inbox" and replied.delivered_via == "reply"
    # only the inbox's lines, of this conversation, with their chat's language
    ask(url, sender="web-2")
    assert [(line.text, language) for line, language in handoffs.taken_by_inbox(
        url, "web-1", limit=10)] == [("i", "ar")]
    assert handoffs.taken_by_inbox(url, "web-2", limit=10) == []
