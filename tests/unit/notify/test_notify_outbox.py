"""The outbox on SQLite and PostgreSQL: dedupe, leases, retries with backoff, giving up, and
no message sent twice by racing dispatchers."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from bot.clock import FixedClock
from bot.notify.dispatcher import dispatch_once
from bot.notify.senders import Delivered, Held
from bot.store import outbox
from bot.store.outbox import Notice, backoff, claim, list_messages, mark_failed, mark_sent
from bot.store.reports.drafts import ReportDraft
from bot.store.repository import ReportRepository

Draft = Callable[..., ReportDraft]
T = datetime(2024, 6, 2, 12, 0, tzinfo=UTC)


def _queue(repo: ReportRepository, make_draft: Draft, count: int, at: datetime = T) -> list[str]:
    """`count` reports moved to under_review at `at` (one notice each, oldest first)."""
    references = []
    for number in range(count):
        ref = repo.file_report(make_draft(), f"key-{number}").reference
        repo.set_status(ref, "under_review", at=at + timedelta(seconds=number))
        references.append(ref)
    return references


def _state(repo: ReportRepository) -> dict[int, tuple[str, int]]:
    return {row.id: (row.state, row.attempts) for row, _ in list_messages(repo.engine)}


def test_backoff_doubles_up_to_an_hour() -> None:
    assert [backoff(n).total_seconds() / 60 for n in range(1, 9)] == [1, 2, 4, 8, 16, 32, 60, 60]
    assert backoff(0) == timedelta(0)


def test_the_same_notice_is_queued_once(repo: ReportRepository, make_draft: Draft) -> None:
    ref = repo.file_report(make_draft(), "k").reference
    assert repo.notify(ref, "delay_notice", dedupe_key=f"delay_notice:{ref}", at=T)
    assert not repo.notify(ref, "delay_notice", dedupe_key=f"delay_notice:{ref}", at=T)
    assert not repo.notify(
        ref, "delay_notice", dedupe_key=f"delay_notice:{ref}", at=T + timedelta(days=1)
    )
    rows = list_messages(repo.engine)
    assert len(rows) == 1 and rows[0][0].kind == "delay_notice" and rows[0][1] == ref


def test_claim_leases_due_messages_oldest_first(repo: ReportRepository, make_draft: Draft) -> None:
    refs = _queue(repo, make_draft, 3)
    later = repo.file_report(make_draft(), "later").reference
    repo.set_status(later, "under_review", at=T + timedelta(hours=1))  # not due yet at T

    lease = timedelta(hours=2)
    first = claim(repo.engine, worker="a", now=T + timedelta(seconds=5), limit=2, lease=lease)
    assert [n.reference for n in first] == refs[:2]
    assert all(n.claim.startswith("a/") and n.attempts == 0 for n in first)
    assert first[0].text.startswith("بلاغك رقم") and first[0].recipient == "telegram:5551234"
    second = claim(repo.engine, worker="b", now=T + timedelta(seconds=5), limit=5, lease=lease)
    assert [n.reference for n in second] == refs[2:]
    assert claim(repo.engine, worker="c", now=T + timedelta(seconds=5)) == []
    assert [n.reference for n in claim(repo.engine, worker="c", now=T + timedelta(hours=1))] == [
        later
    ]


def test_an_expired_lease_is_claimed_again_and_the_late_worker_loses(
    repo: ReportRepository, make_draft: Draft
) -> None:
    _queue(repo, make_draft, 1)
    lease = timedelta(minutes=5)
    [held_by_a] = claim(repo.engine, worker="a", now=T, lease=lease)
    assert claim(repo.engine, worker="b", now=T + timedelta(minutes=4), lease=lease) == []
    [held_by_b] = claim(repo.engine, worker="b", now=T + lease, lease=lease)  # a died?
    assert held_by_b.id == held_by_a.id and held_by_b.claim != held_by_a.claim
    assert not mark_sent(repo.engine, held_by_a, now=T + lease)  # a's lease is gone
    assert mark_failed(repo.engine, held_by_a, now=T + lease, error="late") == "lost"
    assert mark_sent(repo.engine, held_by_b, now=T + lease)
    [(row, _)] = list_messages(repo.engine)
    assert (row.state, row.attempts, row.sent_at) == ("sent", 1, T + lease)
    assert row.claimed_by is None and row.claimed_until is None and row.last_error is None


def test_failures_back_off_then_give_up_keeping_the_error(
    repo: ReportRepository, make_draft: Draft
) -> None:
    _queue(repo, make_draft, 1)
    now = T
    for attempt in range(1, 4):
        [notice] = claim(repo.engine, worker="w", now=now)
        assert notice.attempts == attempt - 1
        state = mark_failed(
            repo.engine, notice, now=now, error=f"HTTP 502 #{attempt}", max_attempts=4
        )
        assert state == "pending"
        wait = backoff(attempt)
        assert claim(repo.engine, worker="w", now=now + wait - timedelta(seconds=1)) == []
        [(row, _)] = list_messages(repo.engine)
        assert (row.state, row.attempts, row.next_attempt_at) == ("pending", attempt, now + wait)
        assert row.last_error == f"HTTP 502 #{attempt}" and row.claimed_by is None
        now += wait
    [notice] = claim(repo.engine, worker="w", now=now)
    assert mark_failed(repo.engine, notice, now=now, error="HTTP 502 #4", max_attempts=4) == (
        "failed"
    )
    assert claim(repo.engine, worker="w", now=now + timedelta(days=30)) == []
    [(row, _)] = list_messages(repo.engine)
    assert (row.state, row.attempts, row.last_error) == ("failed", 4, "HTTP 502 #4")
    assert list_messages(repo.engine, pending=True) == []
    assert len(list_messages(repo.engine, state="failed")) == 1


def test_permanent_failure_and_retry_after(repo: ReportRepository, make_draft: Draft) -> None:
    _queue(repo, make_draft, 2)
    first, second = claim(repo.engine, worker="w", now=T + timedelta(seconds=5))
    assert mark_failed(repo.engine, first, now=T, error="403 blocked", permanent=True) == "failed"
    assert (
        mark_failed(repo.engine, second, now=T, error="429", retry_after=timedelta(minutes=10))
        == "pending"
    )
    assert claim(repo.engine, worker="w", now=T + timedelta(minutes=9)) == []
    assert len(claim(repo.engine, worker="w", now=T + timedelta(minutes=10))) == 1
    assert sorted(state for state, _ in _state(repo).values()) == ["failed", "pending"]


class RecordingSender:
    """Delivers by writing down the message id (slowly, to widen the race)."""

    def __init__(self) -> None:
        self.sent: list[int] = []
        self._lock = threading.Lock()

    def send(self, notice: Notice) -> Delivered | Held:
        time.sleep(0.005)
        with self._lock:
            self.sent.append(notice.id)
        return Delivered()


def test_racing_dispatchers_send_each_message_once(
    repo: ReportRepository, make_draft: Draft
) -> None:
    _queue(repo, make_draft, 30)
    sender = RecordingSender()
    clock = FixedClock(T + timedelta(minutes=1))
    barrier = threading.Barrier(4)
    results = []
    errors: list[BaseException] = []

    def worker(number: int) -> None:
        barrier.wait()
        try:
            results.append(
                dispatch_once(
                    repo.engine,
                    senders={"telegram": sender},
                    clock=clock,
                    worker=f"worker-{number}",
                    batch_size=3,
                )
            )
        except BaseException as exc:  # noqa: BLE001 - a thread's failure, whatever it is, fails the test
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    counts = Counter(sender.sent)
    assert len(counts) == 30 and set(counts.values()) == {1}
    assert sum(result.sent for result in results) == 30
    assert {state for state, _ in _state(repo).values()} == {"sent"}
    # More than one worker got a share (the lock is per message, not per run).
    assert sum(1 for result in results if result.sent) >= 2


def test_held_messages_stay_listed_as_pending(repo: ReportRepository, make_draft: Draft) -> None:
    ref = repo.file_report(
        make_draft(channel="call_centre", sender_id="agent:7:call-1"), "k"
    ).reference
    repo.set_status(ref, "under_review", at=T)
    stats = dispatch_once(repo.engine, clock=FixedClock(T))
    assert (stats.held, stats.sent) == (1, 0)
    [(row, _)] = list_messages(repo.engine, pending=True)
    assert row.state == "held" and row.attempts == 1
    assert "call-centre report" in row.last_error
    assert dispatch_once(repo.engine, clock=FixedClock(T + timedelta(days=1))).total == 0


def test_a_crashing_sender_is_retried_not_fatal(repo: ReportRepository, make_draft: Draft) -> None:
    _queue(repo, make_draft, 1)

    class Broken:
        def send(self, notice: Notice) -> Delivered:
            raise KeyError("bug")

    stats = dispatch_once(repo.engine, senders={"telegram": Broken()}, clock=FixedClock(T))
    assert stats.retried == 1
    [(row, _)] = list_messages(repo.engine)
    assert row.state == "pending" and row.last_error == "KeyError('bug')"


@pytest.mark.parametrize("attempts", [outbox.MAX_ATTEMPTS])
def test_default_give_up_after_max_attempts(
    repo: ReportRepository, make_draft: Draft, attempts: int
) -> None:
    _queue(repo, make_draft, 1)

    class Down:
        def send(self, notice: Notice) -> Delivered:
            from bot.notify.senders import SendError

            raise SendError("HTTP 503")

    clock = FixedClock(T)
    for _ in range(attempts + 2):
        dispatch_once(repo.engine, senders={"telegram": Down()}, clock=clock)
        clock.advance(hours=2)
    [(row, _)] = list_messages(repo.engine)
    assert (row.state, row.attempts, row.last_error) == ("failed", attempts, "HTTP 503")
