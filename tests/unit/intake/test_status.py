"""bot.intake.status: a report is shown to whom bot.store.access lets read it: the
conversation that filed it, or one that proved the right to follow it with a code; typos get
"did you mean"."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from bot.intake.status import StatusOutcome, find_reference_texts, look_up
from bot.store.access import Principal
from bot.store.migrate import upgrade
from bot.store.reference import PREFIX, new_reference
from bot.store.reports.drafts import ReportDraft, ReporterDraft
from bot.store.repository import ReportRepository
from bot.store.verification import Method, Purpose, follow_subject, record_verification

OWNER = Principal.conversation("telegram:42")
OTHER_CHANNEL = Principal.conversation("web-someone")
STRANGER = Principal.conversation("rest:x")
ID, MOBILE = "1000000008", "+966501234567"


@pytest.fixture
def filed(db_url: str, make_draft: Callable[..., ReportDraft]) -> tuple[ReportRepository, str]:
    upgrade(db_url)
    repository = ReportRepository(db_url)
    reporter = ReporterDraft(full_name="نورة القحطاني", national_id=ID, mobile=MOBILE)
    report = repository.file_report(make_draft(sender_id="telegram:42", reporter=reporter), "k1")
    return repository, report.reference


def _follows(repository: ReportRepository, principal: Principal, ref: str) -> None:
    """`principal` proved the right to follow `ref` (what a right one-time code records)."""
    report = repository.require(ref)
    record_verification(
        repository.engine, sender_id=principal.sender_id or "", purpose=Purpose.FOLLOW,
        subject=follow_subject(report.reporter_id, report.contact_mobile or ""),
        method=Method.SMS,
    )


def _typo(reference: str) -> str:
    body = reference.removeprefix(PREFIX)
    swapped = body[1] + body[0] + body[2:]
    return PREFIX + (swapped if swapped != body else "Z" + body[1:])


def test_the_same_conversation_sees_the_report(filed) -> None:
    repository, ref = filed
    answer = look_up(repository, f"what is the status of {ref.lower()}?", principal=OWNER)
    assert answer.outcome == StatusOutcome.FOUND and answer.reports[0].reference == ref


def test_another_channel_must_prove_it_with_a_code(filed) -> None:
    repository, ref = filed
    asked = look_up(repository, ref, principal=OTHER_CHANNEL)
    assert asked.outcome == StatusOutcome.NEED_IDENTITY and asked.reference == ref
    # knowing the ID and the mobile proves nothing any more: only the code's verification
    _follows(repository, OTHER_CHANNEL, ref)
    proved = look_up(repository, "", principal=OTHER_CHANNEL, reference=ref)
    assert proved.outcome == StatusOutcome.FOUND
    assert [r.reference for r in look_up(repository, "", principal=OTHER_CHANNEL).reports] == [
        ref
    ]


def test_a_stranger_gets_the_answer_of_a_missing_report(filed) -> None:
    repository, ref = filed
    wrong_owner = look_up(repository, "", principal=STRANGER, reference=ref, identity_checked=True)
    missing = look_up(
        repository, "", principal=STRANGER, reference="BR-00000000", identity_checked=True
    )
    assert wrong_owner.outcome == missing.outcome == StatusOutcome.NOT_FOUND
    assert not wrong_owner.reports and not missing.reports
    # and before identity: asked for it whether or not the report exists
    assert look_up(repository, "BR-00000000", principal=STRANGER).outcome == (
        StatusOutcome.NEED_IDENTITY
    )
    assert look_up(repository, ref, principal=STRANGER).outcome == StatusOutcome.NEED_IDENTITY


def test_a_rest_client_naming_itself_as_the_owner_is_a_stranger(filed) -> None:
    repository, ref = filed
    impostor = Principal.conversation("rest:telegram:42")
    assert look_up(repository, ref, principal=impostor).outcome == StatusOutcome.NEED_IDENTITY
    assert look_up(repository, "my reports", principal=impostor).outcome == StatusOutcome.NONE


def test_a_reference_of_letters_only_is_found(filed) -> None:
    repository, _ = filed
    while not (reference := new_reference()).removeprefix(PREFIX).isalpha():
        pass
    answer = look_up(repository, f"status of {reference.lower()}", principal=OWNER)
    assert answer.outcome == StatusOutcome.NEED_IDENTITY and answer.reference == reference


def test_a_typo_is_answered_with_did_you_mean_for_the_owner_only(filed) -> None:
    repository, ref = filed
    typo = _typo(ref)
    mine = look_up(repository, f"status {typo}", principal=OWNER)
    assert mine.outcome == StatusOutcome.DID_YOU_MEAN and mine.reference == ref
    theirs = look_up(repository, f"status {typo}", principal=STRANGER)
    assert theirs.outcome == StatusOutcome.INVALID and theirs.reference not in (ref,)


def test_my_reports_and_none(filed) -> None:
    repository, ref = filed
    listed = look_up(repository, "my reports", principal=OWNER)
    assert listed.outcome == StatusOutcome.LIST and [r.reference for r in listed.reports] == [ref]
    assert look_up(repository, "my reports", principal=STRANGER).outcome == StatusOutcome.NONE


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("ما حالة البلاغ BR-7K3Q9PX2؟", ["BR-7K3Q9PX2"]),
        ("status of br 7k3q9px2 please", ["br 7k3q9px2"]),
        ("وين وصل بلاغي", []),
        ("status of BR-ABCDEFGH", ["BR-ABCDEFGH"]),  # a body of letters only
        ("status of BRABCDEFGH", ["BRABCDEFGH"]),
        ("call me on 0551234567", []),
    ],
)
def test_reference_texts(text: str, found: list[str]) -> None:
    assert find_reference_texts(text) == found
