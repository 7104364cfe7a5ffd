"""The scheduler's timed rules (bot/runtime/jobs.py) driven by a fixed clock, on SQLite and
PostgreSQL: 48-hour cancellation, day-one reminder, delay notice across a weekend, survey,
dispatch."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from bot.clock import FixedClock
from bot.intake.filing import due_at as reply_due_at
from bot.intake.workdays import RIYADH
from bot.notify.senders import Delivered
from bot.runtime import jobs
from bot.store.access import Principal
from bot.store.migrate import upgrade
from bot.store.outbox import Notice, list_messages
from bot.store.reports.drafts import AttachmentDraft, ReportDraft
from bot.store.repository import ReportRepository

Draft = Callable[..., ReportDraft]
# the conversation that filed the drafts (make_draft's sender_id), and one that did not
OWNER = Principal.conversation("telegram:5551234")
STRANGER = Principal.conversation("rest:telegram:5551234")
LRI, PDI = "\u2066", "\u2069"
# Monday 2026-11-23, 10:00 in Riyadh.
MONDAY = datetime(2026, 11, 23, 10, 0, tzinfo=RIYADH)


class Recorder:
    def __init__(self) -> None:
        self.sent: list[Notice] = []

    def send(self, notice: Notice) -> Delivered:
        self.sent.append(notice)
        return Delivered()


@pytest.fixture
def repo(db_url: str) -> ReportRepository:
    upgrade(db_url)
    return ReportRepository(db_url)


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


def _tick(repo: ReportRepository, clock: FixedClock, recorder: Recorder) -> jobs.RuleStats:
    senders = dict.fromkeys(("telegram", "web", "rest", "call_centre"), recorder)
    return jobs.tick(repo, clock, senders=senders).rules


def _kinds(repo: ReportRepository, reference: str) -> list[str]:
    rows = list_messages(repo.engine, reference=reference)
    return [row.kind for row, _ in reversed(rows)]


def _filed(repo: ReportRepository, make_draft: Draft, created: datetime, key: str, **kw) -> str:
    draft = make_draft(created_at=created, due_at=reply_due_at(created), **kw)
    return repo.file_report(draft, key).reference


def _document() -> AttachmentDraft:
    return AttachmentDraft("id.pdf", "application/pdf", 10, "c" * 64, "cc/" + "c" * 64)


def test_missing_data_is_cancelled_48_hours_after_the_request(
    repo: ReportRepository, make_draft: Draft, recorder: Recorder
) -> None:
    ref = _filed(repo, make_draft, MONDAY - timedelta(hours=1), "k")
    repo.set_status(ref, "under_review", at=MONDAY - timedelta(minutes=30))
    repo.set_status(ref, "missing_data", note="صورة الهوية", at=MONDAY)
    clock = FixedClock(MONDAY + timedelta(hours=23, minutes=59))
    assert _tick(repo, clock, recorder).as_dict() == {
        "cancelled": [], "reminded": [], "delayed": [], "surveyed": [],
    }  # fmt: skip
    assert [n.kind for n in recorder.sent] == ["status_changed", "status_changed"]

    clock.set(MONDAY + timedelta(hours=24))
    assert _tick(repo, clock, recorder).reminded == [ref]
    reminder = recorder.sent[-1]
    assert reminder.kind == "missing_data_day_one"
    # The deadline is 48 h after the request: Wednesday 10:00 in Riyadh.
    assert f"قبل {LRI}2026-11-25 10:00{PDI} بتوقيت الرياض" in reminder.text
    clock.set(MONDAY + timedelta(hours=25))
    assert _tick(repo, clock, recorder).reminded == []

    clock.set(MONDAY + timedelta(hours=47, minutes=59, seconds=59))
    assert _tick(repo, clock, recorder).cancelled == []
    assert repo.require(ref).status == "missing_data"

    clock.set(MONDAY + timedelta(hours=48))
    assert _tick(repo, clock, recorder).cancelled == [ref]
    report = repo.require(ref)
    assert report.status == "cancelled"
    last = report.history[-1]
    assert (last.actor, last.note, last.at) == ("system", jobs.AUTO_CANCEL_NOTE, clock.now())
    assert report.missing_data_requested_at is None
    # One notice for the cancellation: the dedicated text, not the plain status change.
    assert _kinds(repo, ref) == [
        "status_changed", "status_changed", "missing_data_day_one", "missing_data_cancelled",
    ]  # fmt: skip
    assert "أُلغي بلاغك" in recorder.sent[-1].text and "48" in recorder.sent[-1].text
    assert len(recorder.sent) == 4

    clock.advance(hours=1)
    assert not any(_tick(repo, clock, recorder).as_dict().values())
    assert len(recorder.sent) == 4


def test_documents_added_in_time_stop_the_clock_and_a_new_request_restarts_it(
    repo: ReportRepository, make_draft: Draft, recorder: Recorder
) -> None:
    ref = _filed(repo, make_draft, MONDAY - timedelta(hours=1), "k")
    repo.set_status(ref, "missing_data", at=MONDAY)
    repo.add_documents(ref, [_document()], principal=OWNER, at=MONDAY + timedelta(hours=20))
    clock = FixedClock(MONDAY + timedelta(hours=48))
    assert not any(_tick(repo, clock, recorder).as_dict().values())
    assert repo.require(ref).status == "under_review"

    asked_again = MONDAY + timedelta(hours=50)
    repo.set_status(ref, "missing_data", note="the other page", at=asked_again)
    clock.set(asked_again + timedelta(hours=24))
    assert _tick(repo, clock, recorder).reminded == [ref]
    clock.set(asked_again + timedelta(hours=48))
    assert _tick(repo, clock, recorder).cancelled == [ref]
    assert _kinds(repo, ref) == [
        "status_changed", "status_changed", "missing_data_day_one", "missing_data_cancelled",
    ]  # fmt: skip


def test_a_late_scheduler_cancels_without_reminding_first(
    repo: ReportRepository, make_draft: Draft, recorder: Recorder
) -> None:
    """Down for three days: the report is cancelled; a reminder would come too late."""
    ref = _filed(repo, make_draft, MONDAY - timedelta(hours=1), "k")
    repo.set_status(ref, "missing_data", at=MONDAY)
    stats = _tick(repo, FixedClock(MONDAY + timedelta(days=3)), recorder)
    assert (stats.cancelled, stats.reminded) == ([ref], [])


def test_delay_notice_once_after_five_working_days_across_a_weekend(
    repo: ReportRepository, make_draft: Draft, recorder: Recorder
) -> None:
    # Filed Wednesday 2026-11-18: Thu 19, (Fri 20, Sat 21 weekend), Sun 22, Mon 23, Tue 24,
    # Wed 25 are the 5 working days: due at the end of Wednesday 2026-11-25 in Riyadh.
    filed = datetime(2026, 11, 18, 10, 0, tzinfo=RIYADH)
    late = _filed(repo, make_draft, filed, "late")
    assert repo.require(late).due_at == datetime(2026, 11, 25, 23, 59, tzinfo=RIYADH)
    no_due = repo.file_report(make_draft(created_at=filed, due_at=None), "no-due").reference
    closed_in_time = _filed(repo, make_draft, filed, "closed", language="en")
    for status in ("under_review", "referred", "in_progress", "closed"):
        repo.set_status(closed_in_time, status, at=filed + timedelta(days=2))
    waiting = _filed(repo, make_draft, filed, "waiting")
    repo.set_status(waiting, "under_review", at=filed)

    clock = FixedClock(datetime(2026, 11, 23, 12, 0, tzinfo=RIYADH))  # 5 calendar days on
    assert _tick(repo, clock, recorder).delayed == []
    clock.set(datetime(2026, 11, 25, 23, 59, tzinfo=RIYADH))
    assert _tick(repo, clock, recorder).delayed == []
    # The reporter was asked for documents just before the deadline: no apology while
    # the report waits for them.
    repo.set_status(waiting, "missing_data", at=datetime(2026, 11, 25, 23, 0, tzinfo=RIYADH))

    clock.set(datetime(2026, 11, 26, 0, 0, tzinfo=RIYADH))
    assert sorted(_tick(repo, clock, recorder).delayed) == sorted([late, no_due])
    notice = next(n for n in recorder.sent if n.kind == "delay_notice")
    assert f"كان موعده {LRI}2026-11-25{PDI}" in notice.text

    clock.advance(hours=1)
    assert _tick(repo, clock, recorder).delayed == []
    repo.add_documents(waiting, [_document()], principal=OWNER, at=clock.now())
    clock.advance(minutes=1)
    assert _tick(repo, clock, recorder).delayed == [waiting]
    clock.set(datetime(2026, 11, 29, 9, 0, tzinfo=RIYADH))  # Sunday: nothing more
    assert _tick(repo, clock, recorder).delayed == []
    assert [n.kind for n in recorder.sent].count("delay_notice") == 3
    assert "delay_notice" not in _kinds(repo, closed_in_time)


def test_survey_after_closing_once_unless_rated(
    repo: ReportRepository, make_draft: Draft, recorder: Recorder
) -> None:
    closed_at = MONDAY + timedelta(hours=5)
    refs = [_filed(repo, make_draft, MONDAY, f"k{n}", language="en") for n in range(3)]
    for ref in refs:
        for status in ("under_review", "referred", "in_progress", "closed"):
            repo.set_status(ref, status, at=closed_at)
    repo.rate(refs[1], solution=5, service=4)
    old = _filed(repo, make_draft, MONDAY - timedelta(days=40), "old")
    for status in ("under_review", "referred", "in_progress", "closed"):
        repo.set_status(old, status, at=MONDAY - timedelta(days=30))

    clock = FixedClock(closed_at + timedelta(minutes=59))
    assert _tick(repo, clock, recorder).surveyed == []
    clock.set(closed_at + timedelta(hours=1))
    assert sorted(_tick(repo, clock, recorder).surveyed) == sorted([refs[0], refs[2]])
    survey = [n for n in recorder.sent if n.kind == "survey"]
    assert {n.reference for n in survey} == {refs[0], refs[2]}
    assert "rate the solution" in survey[0].text and "from 1 to 5" in survey[0].text
    clock.advance(days=1)
    assert _tick(repo, clock, recorder).surveyed == []
    assert "survey" not in _kinds(repo, refs[1]) and "survey" not in _kinds(repo, old)


def test_a_decided_suggestion_is_surveyed_a_cancelled_report_is_not(
    repo: ReportRepository, make_draft: Draft, recorder: Recorder
) -> None:
    """Seed 003 rates every type when it is handled: a Development suggestion accepted or
    rejected gets the survey as a closed complaint does; a cancelled report gets none."""
    decided_at = MONDAY + timedelta(hours=5)
    kinds = {"type": "development_suggestion", "prior_complaint_ref": None,
             "prior_complaint_date": None}
    accepted = _filed(repo, make_draft, MONDAY, "a", language="en", **kinds)
    rejected = _filed(repo, make_draft, MONDAY, "r", **kinds)
    cancelled = _filed(repo, make_draft, MONDAY, "c")
    repo.set_status(accepted, "under_review", at=decided_at)
    repo.set_status(accepted, "accepted", note="2027-02-01", at=decided_at)
    repo.set_status(rejected, "under_review", at=decided_at)
    repo.set_status(rejected, "rejected", note="…", at=decided_at)
    repo.set_status(cancelled, "cancelled", at=decided_at)

    clock = FixedClock(decided_at + timedelta(hours=1))
    assert sorted(_tick(repo, clock, recorder).surveyed) == sorted([accepted, rejected])
    assert "survey" not in _kinds(repo, cancelled)
    clock.advance(days=1)
    assert _tick(repo, clock, recorder).surveyed == []


def test_two_schedulers_at_once_do_everything_once(
    repo: ReportRepository, make_draft: Draft
) -> None:
    refs = [_filed(repo, make_draft, MONDAY - timedelta(hours=1), f"k{n}") for n in range(5)]
    for ref in refs:
        repo.set_status(ref, "missing_data", at=MONDAY)
    clock = FixedClock(MONDAY + timedelta(hours=48))
    recorder = Recorder()
    barrier = threading.Barrier(3)
    results: list[jobs.TickResult] = []
    errors: list[BaseException] = []

    def run() -> None:
        barrier.wait()
        try:
            results.append(jobs.tick(repo, clock, senders={"telegram": recorder}, worker=None))
        except BaseException as exc:  # noqa: BLE001 - a thread's failure, whatever it is, fails the test
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    assert sorted(ref for result in results for ref in result.rules.cancelled) == sorted(refs)
    cancelled_notices = [n for n in recorder.sent if n.kind == "missing_data_cancelled"]
    assert sorted(n.reference for n in cancelled_notices) == sorted(refs)
    assert all(repo.require(ref).status == "cancelled" for ref in refs)
    assert all(len(repo.require(ref).history) == 3 for ref in refs)


def test_effective_due_without_a_stored_due_time(make_draft: Draft) -> None:
    class Stub:
        due_at = None
        created_at = datetime(2026, 11, 18, 7, 0, tzinfo=UTC)

    assert jobs.effective_due(Stub()) == datetime(2026, 11, 25, 23, 59, tzinfo=RIYADH)  # type: ignore[arg-type]


# -- requests for a person nobody took (bot.store.handoffs) ---------------------------------


def test_a_request_for_a_person_nobody_takes_ends_and_the_telegram_user_is_told(
    repo: ReportRepository,
) -> None:
    from bot.store import handoffs

    start = datetime(2026, 12, 6, 7, 0, tzinfo=UTC)
    pushed: list[tuple[str, str, str]] = []

    def push(channel: str, recipient: str, text: str) -> bool:
        pushed.append((channel, recipient, text))
        return channel == "telegram"

    opened = {
        sender: handoffs.open_request(
            repo.engine, sender_id=sender, channel=channel, language="ar", report_type=None,
            answers={}, transcript=[], now=start,
        )[0]
        for sender, channel in (("telegram:42", "telegram"), ("rest:abc", "rest"))
    }  # fmt: skip
    clock = FixedClock(start + timedelta(seconds=119))
    assert jobs.tick(repo, clock, senders={}, push=push).handoffs_ended == []
    clock.advance(seconds=1)
    ended = jobs.tick(repo, clock, senders={}, push=push).handoffs_ended
    assert sorted(ended) == sorted(r.id for r in opened.values())
    assert [(c, r) for c, r, _t in pushed] == [("telegram", "telegram:42"), ("rest", "rest:abc")]
    assert all("\u2066199099\u2069" in text for _c, _r, text in pushed)
    assert handoffs.get(repo.engine, opened["telegram:42"].id).told_at is not None
    assert handoffs.get(repo.engine, opened["rest:abc"].id).told_at is None  # told next turn
    assert jobs.tick(repo, clock, senders={}, push=push).handoffs_ended == []  # once
