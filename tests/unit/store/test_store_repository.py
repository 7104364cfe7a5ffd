"""ReportRepository on SQLite and PostgreSQL: filing, idempotency, atomicity, lookups, statuses."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

import bot.store.reports.filing as repository_module
from bot.store.db import session_scope
from bot.store.migrate import upgrade
from bot.store.models import Attachment, Report, Reporter, StatusHistory
from bot.store.reference import is_valid_reference
from bot.store.reports.drafts import AttachmentDraft, ReportDraft, ReporterDraft
from bot.store.reports.errors import ReportNotFound
from bot.store.repository import ReportRepository
from bot.store.serialize import report_to_dict

Draft = Callable[..., ReportDraft]

CONTRACT_KEYS = {
    "reference", "type", "status", "language", "channel", "created_at", "due_at", "reporter",
    "platform", "service_name", "service_channel", "entity_name", "prior_complaint_ref",
    "prior_complaint_date", "title", "description", "attachments", "history",
}  # fmt: skip


@pytest.fixture
def repo(db_url: str) -> ReportRepository:
    upgrade(db_url)
    return ReportRepository(db_url)


def _counts(repo: ReportRepository) -> dict[str, int]:
    with session_scope(repo.engine) as session:
        return {
            model.__tablename__: session.scalar(select(func.count()).select_from(model)) or 0
            for model in (Reporter, Report, Attachment, StatusHistory)
        }


def _fixed_references(monkeypatch: pytest.MonkeyPatch, *references: str) -> None:
    queue: Iterator[str] = iter(references)
    monkeypatch.setattr(repository_module, "new_reference", lambda: next(queue))


def test_file_report_stores_everything(repo: ReportRepository, make_draft: Draft) -> None:
    draft = make_draft()
    filed = repo.file_report(draft, idempotency_key="conv-1:filing-1")
    assert filed.created
    assert is_valid_reference(filed.reference)
    assert filed.status == "received"
    assert filed.created_at == draft.created_at
    assert filed.due_at == draft.due_at

    report = repo.get(filed.reference)
    assert report is not None
    assert report.sender_id == "telegram:5551234"
    assert report.idempotency_key == "conv-1:filing-1"
    assert report.attachments[0].stored_path == "aa/" + "a" * 64 + ".png"

    data = report_to_dict(report)
    # CONTRACT's keys in its order, then the satisfaction survey (null until rated).
    assert set(data) == CONTRACT_KEYS | {"rating", "contact_mismatch"}
    assert list(data) == [
        "reference", "type", "status", "language", "channel", "created_at", "due_at",
        "reporter", "platform", "service_name", "service_channel", "entity_name",
        "prior_complaint_ref", "prior_complaint_date", "title", "description", "attachments",
        "history", "rating", "contact_mismatch",
    ]  # fmt: skip
    assert data.pop("contact_mismatch") == []
    assert data == {
        "reference": filed.reference,
        "type": "complaint_escalation",
        "status": "received",
        "language": "ar",
        "channel": "telegram",
        "created_at": "2024-06-02T09:30:00+00:00",
        "due_at": "2024-06-09T09:30:00+00:00",
        "reporter": {
            "full_name": "نورة عبدالله القحطاني",
            "national_id": "1000000008",
            "mobile": "+966501234567",
            "email": "noura@example.com",
        },
        "platform": "أبشر",
        "service_name": "تجديد الهوية",
        "service_channel": "web",
        "entity_name": "وزارة الداخلية",
        "prior_complaint_ref": "CMP-2024-778",
        "prior_complaint_date": "2024-05-20",
        "title": "تعذر إكمال تجديد الهوية",
        "description": "تظهر رسالة خطأ عند الدفع ولم يتم الرد على الشكوى.",
        "attachments": [
            {"filename": "خطأ.png", "content_type": "image/png", "size": 2048, "sha256": "a" * 64}
        ],
        "history": [{"status": "received", "at": "2024-06-02T09:30:00+00:00", "note": None}],
        "rating": None,
    }
    assert json.loads(json.dumps(data, ensure_ascii=False)) == data
    assert datetime.fromisoformat(data["due_at"]) == draft.due_at


def test_minimal_draft_and_default_creation_time(repo: ReportRepository, make_draft: Draft) -> None:
    before = datetime.now(UTC)
    draft = ReportDraft(
        type="development_suggestion",
        language="en",
        channel="web",
        reporter=ReporterDraft(full_name="Sam Lee", national_id="2000000006", mobile="0551234567"),
        due_at=None,
        description="Add dark mode",
    )
    filed = repo.file_report(draft, "k")
    data = report_to_dict(repo.require(filed.reference))
    assert data["due_at"] is None and data["prior_complaint_date"] is None
    assert data["attachments"] == [] and data["reporter"]["email"] is None
    created = datetime.fromisoformat(data["created_at"])
    assert before <= created <= datetime.now(UTC)
    assert created.utcoffset() == timedelta(0)


def test_a_drafts_note_is_the_first_history_rows(repo: ReportRepository, make_draft: Draft) -> None:
    filed = repo.file_report(make_draft(note="possible repeat of BR-00000000"), "noted")
    plain = repo.file_report(make_draft(), "plain")
    (received,) = report_to_dict(repo.require(filed.reference))["history"]
    assert received["status"] == "received" and received["note"] == "possible repeat of BR-00000000"
    assert report_to_dict(repo.require(plain.reference))["history"][0]["note"] is None


def test_times_in_other_zones_are_stored_as_the_same_instant(
    repo: ReportRepository, make_draft: Draft
) -> None:
    riyadh = timezone(timedelta(hours=3))
    filed = repo.file_report(
        make_draft(
            created_at=datetime(2024, 6, 2, 12, 30, tzinfo=riyadh),
            due_at=datetime(2024, 6, 11, 23, 59, 59, tzinfo=riyadh),
        ),
        "k",
    )
    data = report_to_dict(repo.require(filed.reference))
    assert data["created_at"] == "2024-06-02T09:30:00+00:00"
    assert data["due_at"] == "2024-06-11T20:59:59+00:00"


def test_same_idempotency_key_gives_one_report(repo: ReportRepository, make_draft: Draft) -> None:
    first = repo.file_report(make_draft(), "conv-7:1")
    second = repo.file_report(make_draft(title="changed on retry"), "conv-7:1")
    assert second.reference == first.reference
    assert first.created and not second.created
    assert _counts(repo) == {"reporters": 1, "reports": 1, "attachments": 1, "status_history": 1}
    assert repo.require(first.reference).title == "تعذر إكمال تجديد الهوية"


def _file_concurrently(
    repo: ReportRepository, drafts_and_keys: list[tuple[ReportDraft, str]]
) -> list[object]:
    barrier = threading.Barrier(len(drafts_and_keys))
    outcomes: list[object] = [None] * len(drafts_and_keys)

    def run(index: int, draft: ReportDraft, key: str) -> None:
        barrier.wait()
        try:
            outcomes[index] = repo.file_report(draft, key)
        except BaseException as exc:  # noqa: BLE001 - a thread's failure, whatever it is, fails the test
            outcomes[index] = exc

    threads = [
        threading.Thread(target=run, args=(index, draft, key))
        for index, (draft, key) in enumerate(drafts_and_keys)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


def test_same_idempotency_key_from_threads_at_once(
    repo: ReportRepository, make_draft: Draft
) -> None:
    for round_number in range(3):
        key = f"race-{round_number}"
        outcomes = _file_concurrently(repo, [(make_draft(), key) for _ in range(4)])
        errors = [outcome for outcome in outcomes if isinstance(outcome, BaseException)]
        assert errors == []
        references = {outcome.reference for outcome in outcomes}  # type: ignore[attr-defined]
        assert len(references) == 1
        assert sum(outcome.created for outcome in outcomes) == 1  # type: ignore[attr-defined]
    assert _counts(repo)["reports"] == 3
    assert _counts(repo)["reporters"] == 1


def test_new_reporter_filing_twice_at_once_gets_one_reporter(
    repo: ReportRepository, make_draft: Draft
) -> None:
    """Different keys, same new national ID: the loser of the reporter race tries again."""
    outcomes = _file_concurrently(repo, [(make_draft(), f"key-{n}") for n in range(4)])
    assert [outcome for outcome in outcomes if isinstance(outcome, BaseException)] == []
    assert len({outcome.reference for outcome in outcomes}) == 4  # type: ignore[attr-defined]
    assert _counts(repo)["reporters"] == 1
    assert len(repo.reports_of("1000000008")) == 4


def test_failure_in_the_middle_leaves_nothing_behind(
    repo: ReportRepository, make_draft: Draft
) -> None:
    broken = AttachmentDraft(
        filename="x.png",
        content_type="image/png",
        size=1,
        sha256=None,
        stored_path="x",  # type: ignore[arg-type]
    )
    with pytest.raises(IntegrityError):
        repo.file_report(make_draft(attachments=[broken]), "k-broken")
    assert _counts(repo) == {"reporters": 0, "reports": 0, "attachments": 0, "status_history": 0}

    negative = AttachmentDraft("y.png", "image/png", -5, "b" * 64, "y")
    with pytest.raises(IntegrityError):
        repo.file_report(make_draft(attachments=[negative]), "k-negative")
    assert _counts(repo)["reports"] == 0

    # An existing reporter's details are not changed by a filing that failed.
    repo.file_report(make_draft(), "k-ok")
    changed = replace(make_draft().reporter, mobile="+966509999999")
    with pytest.raises(IntegrityError):
        repo.file_report(make_draft(reporter=changed, attachments=[broken]), "k-broken-2")
    assert _counts(repo) == {"reporters": 1, "reports": 1, "attachments": 1, "status_history": 1}
    assert repo.reports_of("1000000008")[0].reporter.mobile == "+966501234567"
    # The failed key is free: a corrected retry files normally.
    assert repo.file_report(make_draft(attachments=[]), "k-broken").created


def test_reporter_is_reused_and_never_overwritten(
    repo: ReportRepository, make_draft: Draft
) -> None:
    """Anyone can type someone else's ID: a later filing keeps its own contact details on
    its report and flags the difference, the reporter on file stays as it was."""
    first = repo.file_report(make_draft(), "k1")
    newer = ReporterDraft(
        full_name="نورة القحطاني",
        national_id="١٠٠٠٠٠٠٠٠٨",  # the same ID typed with Arabic-Indic digits
        mobile="+966557654321",
    )
    second = repo.file_report(make_draft(reporter=newer, title="second"), "k2")
    assert first.reference != second.reference
    assert _counts(repo)["reporters"] == 1
    reports = repo.reports_of("1000000008")
    assert [report.reference for report in reports] == [first.reference, second.reference]
    reporter = reports[1].reporter
    assert reporter.full_name == "نورة عبدالله القحطاني"  # as first given
    assert reporter.mobile == "+966501234567"
    assert reporter.email == "noura@example.com"
    first_json, second_json = (report_to_dict(report) for report in reports)
    assert first_json["reporter"]["mobile"] == "+966501234567"
    assert first_json["contact_mismatch"] == []
    assert second_json["reporter"] == {
        "full_name": "نورة القحطاني", "national_id": "1000000008",
        "mobile": "+966557654321", "email": None,
    }  # fmt: skip
    assert second_json["contact_mismatch"] == ["full_name", "mobile"]
    assert repo.reports_of("1999999999") == []


def test_set_status_records_history(repo: ReportRepository, make_draft: Draft) -> None:
    filed = repo.file_report(make_draft(), "k")
    updated = repo.set_status(filed.reference, "under_review")
    assert updated.status == "under_review"
    repo.set_status(filed.reference.lower(), "missing_data", note="أرفق لقطة الشاشة")
    repo.set_status(filed.reference, "under_review", note=None)
    repo.set_status(filed.reference, "referred")
    repo.set_status(filed.reference, "in_progress")
    final = repo.set_status(filed.reference, "closed", note="resolved")
    assert [row["status"] for row in report_to_dict(final)["history"]] == [
        "received", "under_review", "missing_data", "under_review", "referred", "in_progress",
        "closed",
    ]  # fmt: skip
    data = report_to_dict(repo.require(filed.reference))
    assert data["status"] == "closed"
    history = data["history"]
    assert [row["status"] for row in history] == [
        "received", "under_review", "missing_data", "under_review", "referred", "in_progress",
        "closed",
    ]  # fmt: skip
    assert history[2]["note"] == "أرفق لقطة الشاشة" and history[6]["note"] == "resolved"
    times = [datetime.fromisoformat(row["at"]) for row in history]
    assert times == sorted(times)


def test_set_status_errors(repo: ReportRepository, make_draft: Draft) -> None:
    filed = repo.file_report(make_draft(), "k")
    with pytest.raises(ValueError, match="unknown report status 'done'"):
        repo.set_status(filed.reference, "done")
    with pytest.raises(ReportNotFound, match="BR-00000000"):
        repo.set_status("BR-00000000", "closed")
    with pytest.raises(ReportNotFound):
        repo.set_status("not a reference", "closed")
    assert repo.require(filed.reference).status == "received"
    assert len(repo.require(filed.reference).history) == 1


def test_list_reports_filters_by_status(repo: ReportRepository, make_draft: Draft) -> None:
    start = datetime(2024, 6, 2, 9, 0, tzinfo=UTC)
    refs = [
        repo.file_report(make_draft(created_at=start + timedelta(hours=n)), f"k{n}").reference
        for n in range(3)
    ]
    repo.set_status(refs[1], "cancelled")
    repo.set_status(refs[2], "under_review")
    assert [report.reference for report in repo.list_reports()] == refs[::-1]
    assert [report.reference for report in repo.list_reports(status="cancelled")] == [refs[1]]
    assert [report.reference for report in repo.list_reports(status="received")] == [refs[0]]
    assert repo.list_reports(status="rejected") == []
    assert len(repo.list_reports(limit=2)) == 2
    with pytest.raises(ValueError):
        repo.list_reports(status="open")


def test_lookup_by_readback_forms(
    repo: ReportRepository, make_draft: Draft, monkeypatch: pytest.MonkeyPatch
) -> None:
    _fixed_references(monkeypatch, "BR-00000000", "BR-7K2M9QXH")
    assert repo.file_report(make_draft(), "k1").reference == "BR-00000000"
    assert repo.file_report(make_draft(), "k2").reference == "BR-7K2M9QXH"
    for typed in ("br-oooooooo", "BR-OOOO OOOO", "٠٠٠٠٠٠٠٠", "\u200fBR-00000000\u200e"):
        found = repo.get(typed)
        assert found is not None and found.reference == "BR-00000000", typed
    for typed in ("br-7k2m9qxh", "7K2M 9QXH", "br 7k2m-9qxh"):
        found = repo.get(typed)
        assert found is not None and found.reference == "BR-7K2M9QXH", typed
    assert repo.get("BR-7K2M9QXJ") is None  # check character wrong
    assert repo.get("BR-0000000X") is None
    assert repo.get("") is None
    with pytest.raises(ReportNotFound):
        repo.require("BR-7K2M9QXJ")


def test_reference_collision_draws_again(
    repo: ReportRepository, make_draft: Draft, monkeypatch: pytest.MonkeyPatch
) -> None:
    _fixed_references(monkeypatch, "BR-00000000", "BR-00000000", "BR-7K2M9QXH")
    assert repo.file_report(make_draft(), "k1").reference == "BR-00000000"
    assert repo.file_report(make_draft(), "k2").reference == "BR-7K2M9QXH"


def test_find_report_by_prior_complaint_ref(repo: ReportRepository, make_draft: Draft) -> None:
    assert repo.find_report_by_prior_complaint_ref("CMP-2024-778") is None
    first = repo.file_report(make_draft(prior_complaint_ref="  cmp-٢٠٢٤-٧٧٨ "), "k1")
    assert repo.require(first.reference).prior_complaint_ref == "cmp-2024-778"
    found = repo.find_report_by_prior_complaint_ref("CMP-2024-778")
    assert found is not None and found.reference == first.reference
    assert repo.find_report_by_prior_complaint_ref("CMP-2024-779") is None
    assert repo.find_report_by_prior_complaint_ref("  ") is None
    repo.set_status(first.reference, "cancelled")
    assert repo.find_report_by_prior_complaint_ref("CMP-2024-778") is None
    second = repo.file_report(make_draft(), "k2")
    found = repo.find_report_by_prior_complaint_ref("cmp-2024-778")
    assert found is not None and found.reference == second.reference


def test_draft_validation(make_draft: Draft) -> None:
    with pytest.raises(ValueError, match="report type"):
        make_draft(type="complaint")
    with pytest.raises(ValueError, match="language"):
        make_draft(language="fr")
    with pytest.raises(ValueError, match="timezone-aware"):
        make_draft(due_at=datetime(2024, 6, 9, 9, 30))
    with pytest.raises(ValueError, match="channel"):
        make_draft(channel="")
    assert make_draft(prior_complaint_date="٢٠٢٤-٠٥-٢٠").prior_complaint_date == date(2024, 5, 20)


def test_empty_idempotency_key_is_refused(repo: ReportRepository, make_draft: Draft) -> None:
    with pytest.raises(ValueError):
        repo.file_report(make_draft(), "")
