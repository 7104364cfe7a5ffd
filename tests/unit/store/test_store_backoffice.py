"""The back-office side of the repository on SQLite and PostgreSQL: status moves with their
notice in one transaction, the reporter's own requests, ratings, list filters."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

import bot.store.reports.changes as repository_module
from bot.store.access import Principal
from bot.store.db import session_scope
from bot.store.lifecycle import TransitionNotAllowed
from bot.store.migrate import upgrade
from bot.store.models import OutboxMessage, StatusHistory
from bot.store.outbox import list_messages
from bot.store.reports.drafts import AttachmentDraft, ReportDraft
from bot.store.reports.errors import (
    AlreadyRated,
    NotReportOwner,
    RatingNotAllowed,
    ReportNotFound,
    ReportNotOpen,
)
from bot.store.repository import ReportRepository
from bot.store.serialize import report_to_dict

Draft = Callable[..., ReportDraft]
LRI, PDI = "\u2066", "\u2069"
# the conversation that filed the drafts (make_draft's sender_id), and one that did not
OWNER = Principal.conversation("telegram:5551234")
STRANGER = Principal.conversation("rest:telegram:5551234")
T0 = datetime(2024, 6, 2, 9, 30, tzinfo=UTC)


@pytest.fixture
def repo(db_url: str) -> ReportRepository:
    upgrade(db_url)
    return ReportRepository(db_url)


def _outbox(repo: ReportRepository) -> list[OutboxMessage]:
    """Every outbox message, oldest first."""
    return [row for row, _ in reversed(list_messages(repo.engine))]


def _counts(repo: ReportRepository) -> tuple[int, int]:
    with session_scope(repo.engine) as session:
        history = session.scalar(select(func.count()).select_from(StatusHistory))
        outbox = session.scalar(select(func.count()).select_from(OutboxMessage))
        return int(history or 0), int(outbox or 0)


def _closed(repo: ReportRepository, reference: str) -> None:
    for status in ("under_review", "referred", "in_progress", "closed"):
        repo.set_status(reference, status)


# -- set_status and the outbox -----------------------------------------------------------


def test_set_status_records_history_and_queues_one_notice(
    repo: ReportRepository, make_draft: Draft
) -> None:
    ref = repo.file_report(make_draft(), "k").reference
    at = T0 + timedelta(hours=2)
    report = repo.set_status(ref, "under_review", note="assigned to team 2", at=at)
    assert report.status == "under_review"
    assert report.history[-1].actor == "back_office" and report.history[-1].at == at
    [message] = _outbox(repo)
    assert message.kind == "status_changed"
    assert (message.channel, message.recipient, message.language) == (
        "telegram", "telegram:5551234", "ar",
    )  # fmt: skip
    assert message.state == "pending" and message.attempts == 0
    assert message.next_attempt_at == at and message.created_at == at
    assert message.dedupe_key == f"status_changed:{ref}:{report.history[-1].id}"
    text = message.payload["text"]
    assert f"{LRI}{ref}{PDI}" in text and "قيد المراجعة" in text
    assert "ملاحظة: \u2068assigned to team 2\u2069" in text
    assert message.payload["status"] == "under_review"
    assert message.payload["reference"] == ref


def test_each_move_queues_exactly_one_notice_in_the_reporters_language(
    repo: ReportRepository, make_draft: Draft
) -> None:
    ref = repo.file_report(
        make_draft(
            language="en", channel="web", sender_id="web-abc", type="development_suggestion"
        ),
        "k",
    ).reference
    for status in ("under_review", "referred", "in_progress"):
        repo.set_status(ref, status)
    repo.set_status(ref, "accepted", note="2025-01-31")
    messages = _outbox(repo)
    assert [m.payload["status"] for m in messages] == [
        "under_review", "referred", "in_progress", "accepted",
    ]  # fmt: skip
    assert {m.channel for m in messages} == {"web"} and {m.language for m in messages} == {"en"}
    assert messages[2].payload["text"] == (
        f"Your report {ref} is now in progress: the entity is working on it."
    )
    assert messages[3].payload["text"].endswith("Implementation date: 2025-01-31")
    assert LRI not in messages[3].payload["text"]
    assert len({m.dedupe_key for m in messages}) == 4


def test_refused_move_changes_nothing(repo: ReportRepository, make_draft: Draft) -> None:
    ref = repo.file_report(make_draft(), "k").reference
    with pytest.raises(TransitionNotAllowed, match="allowed from received: under_review"):
        repo.set_status(ref, "closed")
    repo.set_status(ref, "under_review")
    with pytest.raises(TransitionNotAllowed, match="applies to development_suggestion"):
        repo.set_status(ref, "accepted")
    assert repo.require(ref).status == "under_review"
    assert _counts(repo) == (2, 1)


def test_failure_after_the_status_change_commits_nothing(
    repo: ReportRepository, make_draft: Draft, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The status row, the history row and the queued notice go in one transaction."""
    ref = repo.file_report(make_draft(), "k").reference
    real_enqueue = repository_module.enqueue
    calls: list[str] = []

    def enqueue_then_fail(*args: object, **kwargs: object) -> bool:
        assert real_enqueue(*args, **kwargs)  # the notice is written in the transaction …
        calls.append("queued")
        raise RuntimeError("the process died right after queueing")  # … which then fails

    monkeypatch.setattr(repository_module, "enqueue", enqueue_then_fail)
    with pytest.raises(RuntimeError, match="process died"):
        repo.set_status(ref, "under_review")
    assert calls == ["queued"]
    report = repo.require(ref)
    assert report.status == "received" and len(report.history) == 1
    assert _counts(repo) == (1, 0)

    def fail_before_queueing(*args: object, **kwargs: object) -> bool:
        raise RuntimeError("the outbox is unavailable")

    monkeypatch.setattr(repository_module, "enqueue", fail_before_queueing)
    with pytest.raises(RuntimeError, match="unavailable"):
        repo.set_status(ref, "under_review")
    assert repo.require(ref).status == "received"
    assert _counts(repo) == (1, 0)
    monkeypatch.setattr(repository_module, "enqueue", real_enqueue)
    repo.set_status(ref, "under_review")
    assert _counts(repo) == (2, 1)


def test_missing_data_starts_and_stops_the_48_hour_clock(
    repo: ReportRepository, make_draft: Draft
) -> None:
    ref = repo.file_report(make_draft(), "k").reference
    asked = T0 + timedelta(hours=1)
    report = repo.set_status(ref, "missing_data", note="صورة الهوية", at=asked)
    assert report.missing_data_requested_at == asked
    notice = _outbox(repo)[-1]
    assert notice.payload["deadline"] == (asked + timedelta(hours=48)).isoformat()
    # 2024-06-04 10:30 UTC is 13:30 in Riyadh.
    assert f"{LRI}2024-06-04 13:30{PDI}" in notice.payload["text"]
    assert notice.payload["text"].endswith("المطلوب: \u2068صورة الهوية\u2069")
    report = repo.set_status(ref, "under_review", at=asked + timedelta(hours=3))
    assert report.missing_data_requested_at is None


def test_concurrent_moves_of_one_report_let_one_win(
    repo: ReportRepository, make_draft: Draft
) -> None:
    """Two clerks move the same report at once: the row lock makes the second see the first
    move, so exactly one succeeds and one notice is queued."""
    ref = repo.file_report(make_draft(), "k").reference
    repo.set_status(ref, "under_review")
    barrier = threading.Barrier(4)
    outcomes: list[str] = []

    def move() -> None:
        barrier.wait()
        try:
            repo.set_status(ref, "referred")
            outcomes.append("moved")
        except TransitionNotAllowed as exc:
            assert "it is already referred" in str(exc)
            outcomes.append("refused")

    threads = [threading.Thread(target=move) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes) == ["moved", "refused", "refused", "refused"]
    assert [m.payload["status"] for m in _outbox(repo)] == ["under_review", "referred"]


def test_file_report_can_queue_the_opened_notice_once(
    repo: ReportRepository, make_draft: Draft
) -> None:
    draft = make_draft(language="en")
    first = repo.file_report(draft, "k", notify_opened=True)
    again = repo.file_report(draft, "k", notify_opened=True)
    assert again.reference == first.reference and not again.created
    [message] = _outbox(repo)
    assert message.kind == "report_opened"
    assert message.dedupe_key == f"report_opened:{first.reference}"
    assert f"Your report {first.reference} has been received" in message.payload["text"]
    assert "by 2024-06-09 at the latest" in message.payload["text"]
    repo.file_report(make_draft(), "other")
    assert len(_outbox(repo)) == 1


# -- the reporter's own requests ---------------------------------------------------------


def _document(name: str = "هوية.pdf", digit: str = "b") -> AttachmentDraft:
    return AttachmentDraft(
        filename=name,
        content_type="application/pdf",
        size=10,
        sha256=digit * 64,
        stored_path=digit * 2 + "/" + digit * 64 + ".pdf",
    )


def test_add_documents_returns_a_missing_data_report_to_review(
    repo: ReportRepository, make_draft: Draft
) -> None:
    ref = repo.file_report(make_draft(), "k").reference
    repo.set_status(ref, "under_review")
    repo.set_status(ref, "missing_data", note="صورة الهوية")
    report = repo.add_documents(ref.lower(), [_document()], principal=OWNER)
    assert report.status == "under_review"
    assert report.missing_data_requested_at is None
    assert [a.filename for a in report.attachments] == ["خطأ.png", "هوية.pdf"]
    assert report.history[-1].actor == "reporter"
    assert report.history[-1].note == "1 document(s) added by the reporter"
    # The conversation confirms it itself: no notice for the reporter's own move.
    assert len(_outbox(repo)) == 2
    # Adding to an open report in another status only adds the file.
    report = repo.add_documents(ref, [_document("ملحق.pdf", "c")], principal=OWNER)
    assert report.status == "under_review" and len(report.attachments) == 3
    # A retried request adds nothing twice and moves nothing.
    repo.set_status(ref, "missing_data", note="صورة الهوية")
    report = repo.add_documents(ref, [_document("ملحق.pdf", "c")], principal=OWNER)
    assert report.status == "missing_data" and len(report.attachments) == 3


def test_reporter_requests_check_the_owner(repo: ReportRepository, make_draft: Draft) -> None:
    ref = repo.file_report(make_draft(), "k").reference
    with pytest.raises(NotReportOwner):
        repo.add_documents(ref, [_document()], principal=STRANGER)
    with pytest.raises(ReportNotFound):  # NotReportOwner looks like "not found" to callers
        repo.cancel_by_reporter(ref, principal=STRANGER)
    with pytest.raises(ReportNotFound):
        repo.request_correction(ref, principal=STRANGER, correction="x")
    with pytest.raises(ReportNotFound):
        repo.add_documents("BR-00000000", [_document()], principal=OWNER)
    assert repo.require(ref).status == "received"


def test_cancel_by_reporter(repo: ReportRepository, make_draft: Draft) -> None:
    ref = repo.file_report(make_draft(), "k").reference
    report = repo.cancel_by_reporter(ref, principal=OWNER, reason="حُلت المشكلة")
    assert report.status == "cancelled"
    assert report.history[-1].note == "cancelled by the reporter: حُلت المشكلة"
    assert report.history[-1].actor == "reporter"
    again = repo.cancel_by_reporter(ref, principal=OWNER)  # a retried request
    assert again.status == "cancelled" and len(again.history) == 2
    assert _outbox(repo) == []

    other = repo.file_report(make_draft(), "k2").reference
    _closed(repo, other)
    with pytest.raises(TransitionNotAllowed, match="closed is final"):
        repo.cancel_by_reporter(other, principal=OWNER)


def test_request_correction_is_recorded_for_the_back_office(
    repo: ReportRepository, make_draft: Draft
) -> None:
    ref = repo.file_report(make_draft(), "k").reference
    report = repo.request_correction(
        ref, principal=OWNER, correction="  رقم الشكوى الصحيح\nCMP-2024-779 "
    )
    assert report.status == "received"
    assert report.history[-1].status == "received"
    assert report.history[-1].note == "correction requested: رقم الشكوى الصحيح CMP-2024-779"
    assert report.history[-1].actor == "reporter"
    with pytest.raises(ValueError, match="must not be empty"):
        repo.request_correction(ref, principal=OWNER, correction="   ")
    repo.cancel_by_reporter(ref, principal=OWNER)
    with pytest.raises(ReportNotOpen, match="is cancelled"):
        repo.request_correction(ref, principal=OWNER, correction="late")
    with pytest.raises(ReportNotOpen):
        repo.add_documents(ref, [_document()], principal=OWNER)


# -- rating ------------------------------------------------------------------------------


def test_rate_a_closed_report(repo: ReportRepository, make_draft: Draft) -> None:
    ref = repo.file_report(make_draft(), "k").reference
    with pytest.raises(RatingNotAllowed, match=r"only a handled report \(closed, accepted"):
        repo.rate(ref, solution=5, service=5)
    _closed(repo, ref)
    at = T0 + timedelta(days=3)
    report = repo.rate(
        ref, solution="٤", service=5, comment=" سريع ومفيد ", principal=OWNER, at=at
    )
    assert report.rating.solution_rating == 4 and report.rating.service_rating == 5
    data = report_to_dict(repo.require(ref))
    assert data["rating"] == {
        "solution_rating": 4,
        "service_rating": 5,
        "comment": "سريع ومفيد",
        "rated_at": at.isoformat(),
    }
    # The same rating again (a retried request) is fine; a different one is refused.
    repo.rate(ref, solution=4, service=5, comment="سريع ومفيد")
    with pytest.raises(AlreadyRated):
        repo.rate(ref, solution=1, service=1)
    assert report_to_dict(repo.require(ref))["rating"]["solution_rating"] == 4


def test_a_decided_suggestion_is_rated_and_a_cancelled_report_is_not(
    repo: ReportRepository, make_draft: Draft
) -> None:
    """Seed 003 surveys a Transformation request or a Development suggestion "when it is
    handled": accepted or rejected, as a complaint when it is closed."""
    for decision in ("accepted", "rejected"):
        ref = repo.file_report(
            make_draft(type="development_suggestion", prior_complaint_ref=None,
                       prior_complaint_date=None), f"k-{decision}").reference
        repo.set_status(ref, "under_review")
        repo.set_status(ref, decision, note="2027-01-15" if decision == "accepted" else "…")
        rated = repo.rate(ref, solution=3, service=4, principal=OWNER)
        assert rated.rating.solution_rating == 3
    ref = repo.file_report(make_draft(), "k-cancelled").reference
    repo.set_status(ref, "cancelled")
    with pytest.raises(RatingNotAllowed, match="is cancelled"):
        repo.rate(ref, solution=5, service=5)


@pytest.mark.parametrize("bad", [0, 6, "five", "", None, 3.5, True])
def test_rating_values_are_one_to_five(
    repo: ReportRepository, make_draft: Draft, bad: object
) -> None:
    ref = repo.file_report(make_draft(), "k").reference
    _closed(repo, ref)
    with pytest.raises(ValueError, match="whole number from 1 to 5"):
        repo.rate(ref, solution=bad, service=3)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="service rating"):
        repo.rate(ref, solution=3, service=bad)  # type: ignore[arg-type]
    assert repo.require(ref).rating is None


def test_rating_checks_the_principal(repo: ReportRepository, make_draft: Draft) -> None:
    ref = repo.file_report(make_draft(), "k").reference
    _closed(repo, ref)
    with pytest.raises(NotReportOwner):
        repo.rate(ref, solution=3, service=3, principal=STRANGER)
    repo.rate(ref, solution=3, service=3)  # the back office records a survey taken by phone


# -- list filters ------------------------------------------------------------------------


def test_list_reports_filters(repo: ReportRepository, make_draft: Draft) -> None:
    # 2024-06-02 22:30 UTC is 2024-06-03 01:30 in Riyadh: filed on the 3rd there.
    a = repo.file_report(make_draft(created_at=datetime(2024, 6, 2, 20, 0, tzinfo=UTC)), "a")
    b = repo.file_report(
        make_draft(created_at=datetime(2024, 6, 2, 22, 30, tzinfo=UTC), channel="web"), "b"
    )
    c = repo.file_report(
        make_draft(
            created_at=datetime(2024, 6, 5, 9, 0, tzinfo=UTC),
            type="transformation_request",
            channel="rest",
        ),
        "c",
    )
    repo.set_status(c.reference, "under_review")

    def refs(**filters: object) -> list[str]:
        return [report.reference for report in repo.list_reports(**filters)]  # type: ignore[arg-type]

    assert refs() == [c.reference, b.reference, a.reference]
    assert refs(report_type="transformation_request") == [c.reference]
    assert refs(channel="web") == [b.reference]
    assert refs(channel="call_centre") == []
    assert refs(since=date(2024, 6, 3)) == [c.reference, b.reference]
    assert refs(until=date(2024, 6, 2)) == [a.reference]
    assert refs(since=date(2024, 6, 3), until=date(2024, 6, 3)) == [b.reference]
    assert refs(since=datetime(2024, 6, 2, 22, 30, tzinfo=UTC)) == [c.reference, b.reference]
    assert refs(status="under_review", report_type="transformation_request") == [c.reference]
    assert refs(status="received", channel="rest") == []
    with pytest.raises(ValueError, match="unknown report type"):
        refs(report_type="petition")


def test_a_decision_carries_what_the_reporter_is_told(
    repo: ReportRepository, make_draft: Draft
) -> None:
    """Seed 003: an accepted request is told with the implementation time, a rejected one
    with the reasons. Without them the move is refused and nothing changes."""
    from bot.store.lifecycle import DecisionNoteMissing

    suggestion = {"type": "development_suggestion", "prior_complaint_ref": None,
                  "prior_complaint_date": None, "language": "en", "sender_id": "web-d"}
    ref = repo.file_report(make_draft(**suggestion), "k-decide").reference
    repo.set_status(ref, "under_review")
    for note in (None, "", "soon", "2027-13-01"):
        with pytest.raises(DecisionNoteMissing, match="implementation date"):
            repo.set_status(ref, "accepted", note=note)
    with pytest.raises(DecisionNoteMissing, match="the reason"):
        repo.set_status(ref, "rejected", note="  ")
    assert repo.require(ref).status == "under_review"
    assert len(_outbox(repo)) == 1  # under review: no notice of a refused move
    report = repo.set_status(ref, "accepted", note="٢٠٢٧-٠٣-٠١")
    assert report.status == "accepted" and report.history[-1].note == "2027-03-01"
    assert _outbox(repo)[-1].payload["text"].endswith("Implementation date: 2027-03-01")
