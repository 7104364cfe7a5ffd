"""bot.store.access, the one authorisation check, and the reporter methods that pass it:
owner, stranger, another channel (before and after its code), back office, scheduler."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest

from bot.store.access import Action, Principal, authorize, may
from bot.store.db import session_scope
from bot.store.migrate import upgrade
from bot.store.models import utc_now
from bot.store.reports.drafts import ReportDraft, ReporterDraft
from bot.store.reports.errors import NotReportOwner, ReportNotFound
from bot.store.repository import ReportRepository
from bot.store.verification import (
    FOLLOW_FOR,
    Method,
    Purpose,
    follow_subject,
    record_verification,
)

OWNER = Principal.conversation("telegram:42")
IMPOSTOR = Principal.conversation("rest:telegram:42")  # a REST client naming itself telegram:42
OTHER_CHANNEL = Principal.conversation("web-owner-on-the-web")
STRANGER = Principal.conversation("web-stranger")


@pytest.fixture
def repo(db_url: str) -> ReportRepository:
    upgrade(db_url)
    return ReportRepository(db_url)


@pytest.fixture
def ref(repo: ReportRepository, make_draft: Callable[..., ReportDraft]) -> str:
    return repo.file_report(make_draft(sender_id="telegram:42"), "k1").reference


def _may(repo: ReportRepository, principal: Principal, ref: str, action: Action) -> bool:
    with session_scope(repo.engine) as session:
        report = repo.require(ref)
        session.add(report)
        return may(session, principal, report, action)


def _follow(repo: ReportRepository, principal: Principal, ref: str, **kw) -> None:
    report = repo.require(ref)
    record_verification(
        repo.engine, sender_id=principal.sender_id or "", purpose=Purpose.FOLLOW,
        subject=follow_subject(report.reporter_id, report.contact_mobile or ""),
        method=Method.SMS, **kw,
    )


# MOVE_STATUS is no conversation's; ANNOUNCE (a known outage's notice) is anyone's, below
@pytest.mark.parametrize(
    "action", [a for a in Action if a not in (Action.MOVE_STATUS, Action.ANNOUNCE)]
)
def test_the_owner_may_and_strangers_may_not(repo, ref, action) -> None:
    assert _may(repo, OWNER, ref, action)
    for other in (IMPOSTOR, OTHER_CHANNEL, STRANGER):
        assert not _may(repo, other, ref, action), other


def test_no_conversation_moves_a_status(repo, ref) -> None:
    assert not _may(repo, OWNER, ref, Action.MOVE_STATUS)


def test_another_channel_follows_after_its_code_and_only_for_a_while(repo, ref) -> None:
    assert not _may(repo, OTHER_CHANNEL, ref, Action.READ)
    _follow(repo, OTHER_CHANNEL, ref)
    assert _may(repo, OTHER_CHANNEL, ref, Action.CANCEL)
    assert not _may(repo, STRANGER, ref, Action.READ)  # the right is this conversation's
    later = Principal.conversation("web-old")
    _follow(repo, later, ref, now=utc_now() - FOLLOW_FOR - timedelta(minutes=1))
    assert not _may(repo, later, ref, Action.READ)  # expired


def test_a_follow_right_covers_the_mobile_it_was_proven_with(
    repo, ref, make_draft: Callable[..., ReportDraft]
) -> None:
    """Someone filing with the victim's ID and their own mobile gets a report whose contact
    mobile is theirs; a right proven on that mobile does not reach the victim's report."""
    attacker = ReporterDraft(full_name="X", national_id="1000000008", mobile="+966559999999")
    other = repo.file_report(make_draft(sender_id="web-attacker", reporter=attacker), "k2")
    attacker_view = Principal.conversation("rest:attacker")
    _follow(repo, attacker_view, other.reference)
    assert _may(repo, attacker_view, other.reference, Action.READ)
    assert not _may(repo, attacker_view, ref, Action.READ)
    assert [r.reference for r in repo.visible_to(attacker_view)] == [other.reference]


def test_back_office_roles_and_the_scheduler(repo, ref) -> None:
    assert _may(repo, Principal.back_office(), ref, Action.MOVE_STATUS)
    assert _may(repo, Principal.back_office("viewer"), ref, Action.READ)
    assert not _may(repo, Principal.back_office("viewer"), ref, Action.CANCEL)
    assert _may(repo, Principal.system(), ref, Action.MOVE_STATUS)
    assert not _may(repo, Principal.system(), ref, Action.RATE)


def test_authorize_raises_what_callers_answer_as_not_found(repo, ref) -> None:
    report = repo.require(ref)
    with session_scope(repo.engine) as session:
        session.add(report)
        with pytest.raises(ReportNotFound):  # NotReportOwner is a ReportNotFound
            authorize(session, STRANGER, report, Action.READ)


def test_reporter_methods_pass_the_check(repo, ref) -> None:
    for call in (
        lambda p: repo.cancel_by_reporter(ref, principal=p),
        lambda p: repo.request_correction(ref, principal=p, correction="x"),
    ):
        with pytest.raises(NotReportOwner):
            call(IMPOSTOR)
    assert repo.require(ref).status == "received"
    assert repo.get_for(IMPOSTOR, ref) is None
    assert repo.get_for(OWNER, ref).reference == ref
    assert repo.cancel_by_reporter(ref, principal=OWNER).status == "cancelled"


def test_a_viewer_cannot_move_a_status_through_the_repository(repo, ref) -> None:
    with pytest.raises(NotReportOwner):
        repo.set_status(ref, "under_review", principal=Principal.back_office("viewer"))
    assert repo.set_status(ref, "under_review").status == "under_review"  # the back office


def test_a_known_outage_is_told_to_anyone_and_nothing_else_of_it(
    repo: ReportRepository, make_draft: Callable[..., ReportDraft]
) -> None:
    """Action.ANNOUNCE: an entity's outage report the Amer centre took up is told to anyone,
    as its public notice only; not while only received, nor once over, nor another type."""
    outage = repo.file_report(
        make_draft(type="entity_outage", platform="Qiwa", service_name="contract authentication",
                   entity_name="Ministry of Human Resources", sender_id="web-entity"),
        "outage",
    ).reference  # fmt: skip
    complaint = repo.file_report(make_draft(sender_id="web-someone"), "complaint").reference
    assert not _may(repo, STRANGER, outage, Action.ANNOUNCE)  # received: not taken up yet
    assert repo.announced_outages(STRANGER) == []
    repo.set_status(outage, "under_review")
    repo.set_status(complaint, "under_review")
    assert _may(repo, STRANGER, outage, Action.ANNOUNCE)
    assert not _may(repo, STRANGER, outage, Action.READ)  # the report itself stays theirs
    assert not _may(repo, STRANGER, complaint, Action.ANNOUNCE)
    (notice,) = repo.announced_outages(STRANGER)
    assert (notice.platform, notice.service_name) == ("Qiwa", "contract authentication")
    assert not hasattr(notice, "reference") and not hasattr(notice, "description")
    for status in ("referred", "in_progress"):
        repo.set_status(outage, status)
        assert len(repo.announced_outages(STRANGER)) == 1, status
    repo.set_status(outage, "closed", "restored")
    assert repo.announced_outages(STRANGER) == []
