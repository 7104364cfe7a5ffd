"""What a reporter may ask about a filed report, by its status (bot.intake.requests)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.intake.requests import (
    Refusal,
    RequestKind,
    candidates,
    chosen_reports,
    kind_of_intent,
    options,
    parse_rating,
    refusal,
)
from bot.store.models import Rating, Report, StatusHistory

OPEN = ("received", "under_review", "referred", "in_progress", "missing_data")
FINAL = ("closed", "cancelled", "accepted", "rejected")


def report(
    status: str, *, rated: bool = False, reference: str = "BR-7K3Q9PX2",
    type_: str = "development_suggestion",
) -> Report:
    made = Report(reference=reference, status=status, created_at=datetime.now(UTC), type=type_)
    if rated:
        made.rating = Rating(solution_rating=4, service_rating=5)
    return made


@pytest.mark.parametrize("status", OPEN)
def test_an_open_report_can_be_withdrawn_corrected_and_completed(status: str) -> None:
    for kind in (RequestKind.WITHDRAW, RequestKind.CORRECTION, RequestKind.DOCUMENTS):
        assert refusal(kind, report(status)) is None
    assert refusal(RequestKind.RATING, report(status)) == Refusal.NOT_CLOSED
    assert options(report(status)) == [
        RequestKind.DOCUMENTS,
        RequestKind.CORRECTION,
        RequestKind.WITHDRAW,
    ]


@pytest.mark.parametrize("status", FINAL)
def test_a_final_report_changes_no_more(status: str) -> None:
    for kind in (RequestKind.WITHDRAW, RequestKind.CORRECTION, RequestKind.DOCUMENTS):
        assert refusal(kind, report(status)) == Refusal.FINAL
    assert refusal(RequestKind.STATUS, report(status)) is None


def test_only_a_handled_report_not_yet_rated_is_rated() -> None:
    """Closed, accepted or rejected (seed 003: every type is rated when handled)."""
    for status in ("closed", "accepted", "rejected"):
        assert refusal(RequestKind.RATING, report(status)) is None
        assert options(report(status)) == [RequestKind.RATING]
        assert refusal(RequestKind.RATING, report(status, rated=True)) == Refusal.ALREADY_RATED
        assert options(report(status, rated=True)) == []
    assert refusal(RequestKind.RATING, report("cancelled")) == Refusal.FINAL
    assert refusal(RequestKind.RATING, report("in_progress")) == Refusal.NOT_CLOSED


def test_documents_go_to_the_report_waiting_for_them() -> None:
    waiting = report("missing_data", reference="BR-4M2N8QT1")
    reports = [report("under_review"), waiting, report("closed", reference="BR-9X2K4PZ7")]
    assert candidates(RequestKind.DOCUMENTS, reports) == [waiting]
    assert chosen_reports(RequestKind.DOCUMENTS, reports) == (waiting, [waiting])
    chosen, found = chosen_reports(RequestKind.WITHDRAW, reports)
    assert chosen is None and len(found) == 2  # two open reports: the user chooses
    chosen, found = chosen_reports(RequestKind.RATING, reports)
    assert chosen is reports[2] and found == [reports[2]]
    assert chosen_reports(RequestKind.RATING, reports[:2]) == (None, [])


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("4", 4),
        (" ٥ ", 5),
        ("1/5", 1),
        ("3 من 5", 3),
        ("2 out of 5", 2),
        ("five", 5),
        ("خمسة", 5),
        ("ثلاث", 3),
        ("4.", 4),
    ],
)
def test_ratings_are_read_in_both_languages(text: str, value: int) -> None:
    assert parse_rating(text) == value


@pytest.mark.parametrize("text", ["0", "6", "10", "45", "", "good", "4 stars and 5", "-3", "3.5"])
def test_anything_else_is_not_a_rating(text: str) -> None:
    assert parse_rating(text) is None


def test_intents_name_the_requests() -> None:
    assert kind_of_intent("withdraw_report") == RequestKind.WITHDRAW
    assert kind_of_intent("rate_report") == RequestKind.RATING
    assert kind_of_intent("check_status") == RequestKind.STATUS
    assert kind_of_intent("cancel") is None and kind_of_intent(None) is None


def test_only_a_closed_complaint_escalation_is_asked_to_re_open_once() -> None:
    complaint = report("closed", type_="complaint_escalation")
    assert refusal(RequestKind.REOPEN, complaint) is None
    assert options(complaint) == [RequestKind.RATING, RequestKind.REOPEN]
    for other in (report("closed"), report("in_progress", type_="complaint_escalation"),
                  report("cancelled", type_="complaint_escalation")):  # fmt: skip
        assert refusal(RequestKind.REOPEN, other) == Refusal.NOT_REOPENABLE
        assert RequestKind.REOPEN not in options(other)
    complaint.history.append(
        StatusHistory(status="closed", at=datetime.now(UTC), note="re-open requested: x")
    )
    assert refusal(RequestKind.REOPEN, complaint) == Refusal.REOPEN_PENDING
    assert kind_of_intent("reopen_report") == RequestKind.REOPEN
