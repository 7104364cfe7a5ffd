"""bot.intake.status: a report is shown to its reporter only; typos get "did you mean"."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from bot.intake.reference import PREFIX, new_reference
from bot.intake.status import StatusOutcome, find_reference_texts, look_up
from bot.store.migrate import upgrade
from bot.store.repository import ReportDraft, ReporterDraft, ReportRepository

OWNER = "telegram:42"
ID, MOBILE = "1000000008", "+966501234567"


@pytest.fixture
def filed(db_url: str, make_draft: Callable[..., ReportDraft]) -> tuple[ReportRepository, str]:
    upgrade(db_url)
    repository = ReportRepository(db_url)
    reporter = ReporterDraft(full_name="نورة القحطاني", national_id=ID, mobile=MOBILE)
    report = repository.file_report(make_draft(sender_id=OWNER, reporter=reporter), "k1")
    return repository, report.reference


def _typo(reference: str) -> str:
    body = reference.removeprefix(PREFIX)
    swapped = body[1] + body[0] + body[2:]
    return PREFIX + (swapped if swapped != body else "Z" + body[1:])


def test_the_same_sender_sees_the_report(filed) -> None:
    repository, ref = filed
    answer = look_up(repository, f"what is the status of {ref.lower()}?", sender_id=OWNER)
    assert answer.outcome == StatusOutcome.FOUND and answer.reports[0].reference == ref


def test_another_channel_must_prove_identity(filed) -> None:
    repository, ref = filed
    asked = look_up(repository, ref, sender_id="web:someone")
    assert asked.outcome == StatusOutcome.NEED_IDENTITY and asked.reference == ref
    proved = look_up(
        repository, "", sender_id="web:x", national_id=ID, mobile=MOBILE, reference=ref
    )
    assert proved.outcome == StatusOutcome.FOUND


def test_a_stranger_gets_the_answer_of_a_missing_report(filed) -> None:
    repository, ref = filed
    stranger = {"sender_id": "web:x", "national_id": "2000000006", "mobile": MOBILE}
    wrong_owner = look_up(repository, "", reference=ref, **stranger)
    missing = look_up(repository, "", reference="BR-00000000", **stranger)
    assert wrong_owner.outcome == missing.outcome == StatusOutcome.NOT_FOUND
    assert not wrong_owner.reports and not missing.reports
    # and before identity: asked for it whether or not the report exists
    assert look_up(repository, "BR-00000000", sender_id="web:x").outcome == (
        StatusOutcome.NEED_IDENTITY
    )


def test_a_reference_of_letters_only_is_found(filed) -> None:
    repository, _ = filed
    while not (reference := new_reference()).removeprefix(PREFIX).isalpha():
        pass
    answer = look_up(repository, f"status of {reference.lower()}", sender_id=OWNER)
    assert answer.outcome == StatusOutcome.NEED_IDENTITY and answer.reference == reference


def test_a_typo_is_answered_with_did_you_mean_for_the_owner_only(filed) -> None:
    repository, ref = filed
    typo = _typo(ref)
    mine = look_up(repository, f"status {typo}", sender_id=OWNER)
    assert mine.outcome == StatusOutcome.DID_YOU_MEAN and mine.reference == ref
    theirs = look_up(repository, f"status {typo}", sender_id="web:x")
    assert theirs.outcome == StatusOutcome.INVALID and theirs.reference not in (ref,)


def test_my_reports_and_none(filed) -> None:
    repository, ref = filed
    listed = look_up(repository, "my reports", sender_id=OWNER)
    assert listed.outcome == StatusOutcome.LIST and [r.reference for r in listed.reports] == [ref]
    assert look_up(repository, "my reports", sender_id="web:x").outcome == StatusOutcome.NONE


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
