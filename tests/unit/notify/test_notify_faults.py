"""A notification sender failing, then recovering: retried from the outbox, never delivered
twice in effect. What test_notify_senders / test_notify_outbox do not cover already: the REST
callback through the real HTTP stand-in while it is unreachable, refusing, too slow to
answer, and while the store goes down right after the receiver took the message.

Delivery is at least once (bot/store/outbox.py): when the outcome of a delivery cannot be
known or recorded, the message is sent again, with the same `Idempotency-Key`, so the
receiver takes it once. These tests check that key on every repeat, and that a message
delivered and recorded is never sent again.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

import pytest
from http_standin import Answer, HttpStandIn, Request
from postgres_server import PostgresServer, own_cluster
from sqlalchemy.exc import OperationalError

from bot.clock import FixedClock
from bot.notify.dispatcher import dispatch_once
from bot.notify.senders import RestCallbackSender
from bot.store.db import dispose_engine
from bot.store.migrate import upgrade
from bot.store.outbox import DEFAULT_LEASE, list_messages
from bot.store.reports.drafts import ReportDraft
from bot.store.repository import ReportRepository

Draft = Callable[..., ReportDraft]
T = datetime(2024, 6, 2, 12, 0, tzinfo=UTC)
PATH = "/balagh/notify"


def _rest_report_under_review(repo: ReportRepository, make_draft: Draft) -> str:
    """A report filed over REST and moved on: one `status_changed` notice is queued."""
    draft = make_draft(channel="rest", sender_id="crm-7", language="en")
    ref = repo.file_report(draft, "faults").reference
    repo.set_status(ref, "under_review", at=T)
    return ref


def _callbacks(standin: HttpStandIn) -> list[Request]:
    return [request for request in standin.requests if request.path == PATH]


def _one_key(requests: list[Request], message_id: int) -> None:
    """Every attempt carried the same key: the receiver keeps the first, drops the rest."""
    assert {r.headers["Idempotency-Key"] for r in requests} == {f"balagh-outbox-{message_id}"}


def test_unreachable_then_refusing_then_delivered_once(
    repo: ReportRepository,
    make_draft: Draft,
    standin: HttpStandIn,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ref = _rest_report_under_review(repo, make_draft)
    closed = HttpStandIn().start()
    nobody = closed.url
    closed.stop()
    clock = FixedClock(T)

    monkeypatch.setenv("REST_CALLBACK_URL", nobody + PATH)  # the receiver is down
    assert dispatch_once(repo.engine, clock=clock).as_dict()["retried"] == 1
    [(row, _)] = list_messages(repo.engine)
    assert (row.state, row.attempts) == ("pending", 1)
    assert "REST callback unreachable" in row.last_error

    monkeypatch.setenv("REST_CALLBACK_URL", standin.url + PATH)  # back, but overloaded
    standin.answer_next(Answer(503, {"error": "busy"}))
    assert dispatch_once(repo.engine, clock=clock).total == 0  # backing off: not due yet
    clock.advance(minutes=1)
    assert dispatch_once(repo.engine, clock=clock).as_dict()["retried"] == 1
    [(row, _)] = list_messages(repo.engine)
    assert (row.state, row.attempts) == ("pending", 2) and "HTTP 503" in row.last_error

    clock.advance(minutes=2)
    assert dispatch_once(repo.engine, clock=clock).sent == 1
    for _ in range(3):  # delivered and recorded: never again
        clock.advance(hours=2)
        assert dispatch_once(repo.engine, clock=clock).total == 0
    [(row, reference)] = list_messages(repo.engine)
    assert (row.state, row.attempts, reference) == ("sent", 3, ref)
    assert row.sent_at == T + timedelta(minutes=3) and row.claimed_by is None
    calls = _callbacks(standin)
    assert len(calls) == 2  # the 503 and the delivery; the unreachable try reached no one
    _one_key(calls, row.id)
    assert calls[-1].json["reference"] == ref and calls[-1].json["recipient"] == "crm-7"


def test_a_receiver_too_slow_to_answer_gets_the_repeat_with_the_same_key(
    repo: ReportRepository, make_draft: Draft, standin: HttpStandIn
) -> None:
    """The receiver took the message but answered after the sender gave up: the sender cannot
    know, so it sends again later; the key lets the receiver see it is the same message."""
    _rest_report_under_review(repo, make_draft)

    def slow(request: Request) -> dict[str, bool]:
        time.sleep(1.0)
        return {"ok": True}

    standin.answer_next(Answer(200, slow))
    senders = {"rest": RestCallbackSender(standin.url + PATH, timeout=0.3)}
    clock = FixedClock(T)
    first = dispatch_once(repo.engine, senders=senders, clock=clock)
    assert first.as_dict()["retried"] == 1
    [(row, _)] = list_messages(repo.engine)
    assert "Timeout" in row.last_error

    clock.advance(minutes=1)
    assert dispatch_once(repo.engine, senders=senders, clock=clock).sent == 1
    clock.advance(hours=1)
    assert dispatch_once(repo.engine, senders=senders, clock=clock).total == 0
    calls = _callbacks(standin)
    assert len(calls) == 2
    _one_key(calls, row.id)
    assert calls[0].raw == calls[1].raw  # the very same message


# -- the store going down between delivering and recording ---------------------------------


@pytest.fixture(scope="module")
def pausable_postgres() -> Iterator[PostgresServer]:
    """A cluster of this module's own (the shared one must not be stopped)."""
    yield from own_cluster()


@pytest.mark.postgres
def test_store_down_after_delivery_resends_once_with_the_same_key(
    pausable_postgres: PostgresServer,
    make_draft: Draft,
    standin: HttpStandIn,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    url = pausable_postgres.create_database()
    upgrade(url)
    repo = ReportRepository(url)
    try:
        ref = _rest_report_under_review(repo, make_draft)

        def take_it_and_lose_the_store(request: Request) -> dict[str, bool]:
            pausable_postgres.pause()  # after the receiver has the message, before mark_sent
            return {"ok": True}

        standin.answer_next(Answer(200, take_it_and_lose_the_store))
        monkeypatch.setenv("REST_CALLBACK_URL", standin.url + PATH)
        clock = FixedClock(T)
        try:
            with pytest.raises(OperationalError):
                dispatch_once(repo.engine, clock=clock)  # `bot jobs` logs it and goes on
        finally:
            pausable_postgres.resume()

        [(row, _)] = list_messages(repo.engine)
        assert row.state == "pending" and row.claimed_by is not None  # still leased
        assert dispatch_once(repo.engine, clock=clock).total == 0  # the lease holds
        clock.advance(DEFAULT_LEASE + timedelta(seconds=1))
        assert dispatch_once(repo.engine, clock=clock).sent == 1
        clock.advance(hours=1)
        assert dispatch_once(repo.engine, clock=clock).total == 0
        [(row, reference)] = list_messages(repo.engine)
        assert (row.state, row.attempts, reference) == ("sent", 1, ref)
        calls = _callbacks(standin)
        assert len(calls) == 2
        _one_key(calls, row.id)
    finally:
        dispose_engine(url)
        pausable_postgres.drop_database(url)
