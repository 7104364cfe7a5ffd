"""Re-opening a closed complaint at its reporter's request (seed 003; issue #19): the request
by the owner only, once; the back office's answer, told to the reporter; history shows it
(bot.store.reports.changes request_reopen / decide_reopen)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from bot.store.access import Principal
from bot.store.lifecycle import DecisionNoteMissing
from bot.store.migrate import upgrade
from bot.store.outbox import list_messages
from bot.store.reports.drafts import ReportDraft
from bot.store.reports.errors import NoReopenRequest, NotReportOwner, ReopenNotAllowed
from bot.store.repository import ReportRepository
from bot.store.serialize import report_to_dict

OWNER = Principal.conversation("telegram:42")
STRANGER = Principal.conversation("web-stranger")
CLOSED_PATH = ("under_review", "referred", "in_progress", "closed")


@pytest.fixture
def repo(db_url: str) -> ReportRepository:
    upgrade(db_url)
    return ReportRepository(db_url)


def closed(repo: ReportRepository, make_draft: Callable[..., ReportDraft], **kw) -> str:
    ref = repo.file_report(make_draft(sender_id="telegram:42", **kw), kw.get("key", "k")).reference
    for status in CLOSED_PATH:
        repo.set_status(ref, status, note="resolved" if status == "closed" else None)
    return ref


def notices(repo: ReportRepository, ref: str) -> list[tuple[str, str]]:
    return [(row.payload["status"], row.payload.get("note") or "")
            for row, _ in reversed(list_messages(repo.engine, reference=ref))]  # fmt: skip


def test_the_owner_asks_once_and_the_back_office_accepts(repo, make_draft) -> None:
    ref = closed(repo, make_draft)
    repo.request_reopen(ref, principal=OWNER, reason="the  app   still fails at payment")
    repo.request_reopen(ref, principal=OWNER, reason="asked again")  # the first one stands
    history = report_to_dict(repo.require(ref))["history"]
    assert [h["note"] for h in history[-2:]] == [
        "resolved", "re-open requested: the app still fails at payment"]
    assert history[-1]["status"] == "closed"
    before = len(notices(repo, ref))
    report = repo.decide_reopen(ref, accept=True, note="the entity is looking again")
    assert report.status == "under_review"
    assert report_to_dict(repo.require(ref))["history"][-1]["note"] == (
        "re-opened at the reporter's request: the entity is looking again")
    told = notices(repo, ref)
    assert len(told) == before + 1 and told[-1][0] == "under_review"
    with pytest.raises(NoReopenRequest):  # decided: nothing waits any more
        repo.decide_reopen(ref, accept=True)


def test_a_refusal_needs_its_reason_and_is_told(repo, make_draft) -> None:
    ref = closed(repo, make_draft)
    repo.request_reopen(ref, principal=OWNER, reason="not solved")
    with pytest.raises(DecisionNoteMissing):
        repo.decide_reopen(ref, accept=False)
    report = repo.decide_reopen(ref, accept=False, note="the entity fixed it on 2026-12-01")
    assert report.status == "closed"
    refused = ("closed", "re-open refused: the entity fixed it on 2026-12-01")
    assert notices(repo, ref)[-1] == refused
    # refused, the reporter may ask again with a new reason
    repo.request_reopen(ref, principal=OWNER, reason="it fails again today")
    assert repo.require(ref).history[-1].note == "re-open requested: it fails again today"


def test_only_the_owner_and_only_a_closed_complaint(repo, make_draft) -> None:
    ref = closed(repo, make_draft)
    with pytest.raises(NotReportOwner):
        repo.request_reopen(ref, principal=STRANGER, reason="let me in")
    with pytest.raises(NotReportOwner):  # a viewer decides nothing
        repo.decide_reopen(ref, accept=True, principal=Principal.back_office("viewer"))
    open_one = repo.file_report(make_draft(sender_id="telegram:42"), "open").reference
    with pytest.raises(ReopenNotAllowed):
        repo.request_reopen(open_one, principal=OWNER, reason="still open")
    with pytest.raises(NoReopenRequest):
        repo.decide_reopen(ref, accept=True)  # nobody asked
    with pytest.raises(ValueError, match="reason"):
        repo.request_reopen(ref, principal=OWNER, reason="   ")
