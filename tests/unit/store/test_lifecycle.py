"""The life cycle table (bot.store.lifecycle): every allowed move, and refused ones."""

from __future__ import annotations

import itertools

import pytest

from bot.store.lifecycle import (
    FINAL_STATUSES,
    TRANSITIONS,
    Actor,
    TransitionNotAllowed,
    allowed_targets,
    check_move,
    is_final,
)
from bot.store.models import ReportStatus, ReportType

BO, REP, SYS = "back_office", "reporter", "system"
DECIDED = {"transformation_request", "development_suggestion"}
ALL_TYPES = {kind.value for kind in ReportType}

# The whole table, written out: (from, to) -> (who, which report types).
EXPECTED = {
    ("received", "under_review"): ({BO}, ALL_TYPES),
    ("received", "missing_data"): ({BO}, ALL_TYPES),
    ("received", "cancelled"): ({BO, REP}, ALL_TYPES),
    ("under_review", "referred"): ({BO}, ALL_TYPES),
    ("under_review", "missing_data"): ({BO}, ALL_TYPES),
    ("under_review", "cancelled"): ({BO, REP}, ALL_TYPES),
    ("under_review", "accepted"): ({BO}, DECIDED),
    ("under_review", "rejected"): ({BO}, DECIDED),
    ("referred", "in_progress"): ({BO}, ALL_TYPES),
    ("referred", "missing_data"): ({BO}, ALL_TYPES),
    ("referred", "cancelled"): ({BO, REP}, ALL_TYPES),
    ("referred", "accepted"): ({BO}, DECIDED),
    ("referred", "rejected"): ({BO}, DECIDED),
    ("in_progress", "closed"): ({BO}, ALL_TYPES),
    ("in_progress", "missing_data"): ({BO}, ALL_TYPES),
    ("in_progress", "cancelled"): ({BO, REP}, ALL_TYPES),
    ("in_progress", "accepted"): ({BO}, DECIDED),
    ("in_progress", "rejected"): ({BO}, DECIDED),
    ("missing_data", "under_review"): ({BO, REP}, ALL_TYPES),
    ("missing_data", "cancelled"): ({BO, REP, SYS}, ALL_TYPES),
}


def _allowed(source: str, target: str, actor: str, report_type: str) -> bool:
    row = EXPECTED.get((source, target))
    return row is not None and actor in row[0] and report_type in row[1]


def test_the_table_is_exactly_the_expected_one() -> None:
    derived = {
        (move.source.value, move.target.value): (
            {actor.value for actor in move.actors},
            ALL_TYPES if move.types is None else {kind.value for kind in move.types},
        )
        for move in TRANSITIONS
    }
    assert derived == EXPECTED


@pytest.mark.parametrize(("source", "target"), sorted(EXPECTED))
def test_every_allowed_move_passes(source: str, target: str) -> None:
    actors, types = EXPECTED[(source, target)]
    for actor, report_type in itertools.product(actors, types):
        check_move(source, target, report_type=report_type, actor=actor)


def test_every_other_combination_is_refused() -> None:
    """All statuses x statuses x actors x types: allowed exactly when the table says so."""
    statuses = [status.value for status in ReportStatus]
    refused = 0
    for source, target, actor, report_type in itertools.product(
        statuses, statuses, [a.value for a in Actor], sorted(ALL_TYPES)
    ):
        if _allowed(source, target, actor, report_type):
            check_move(source, target, report_type=report_type, actor=actor)
            continue
        refused += 1
        with pytest.raises(TransitionNotAllowed) as info:
            check_move(source, target, report_type=report_type, actor=actor)
        assert info.value.allowed == allowed_targets(source, report_type, actor)
    allowed = sum(len(actors) * len(types) for actors, types in EXPECTED.values())
    assert refused == len(statuses) ** 2 * len(Actor) * len(ALL_TYPES) - allowed


@pytest.mark.parametrize(
    ("source", "target", "report_type", "actor", "reason", "allowed"),
    [
        ("received", "closed", "complaint_escalation", BO, "the life cycle has no such move",
         "allowed from received: under_review, missing_data, cancelled"),
        ("closed", "in_progress", "complaint_escalation", BO, "closed is final",
         "no move is allowed from closed"),
        ("cancelled", "under_review", "complaint_escalation", BO, "cancelled is final",
         "no move is allowed from cancelled"),
        ("accepted", "closed", "transformation_request", BO, "accepted is final",
         "no move is allowed from accepted"),
        ("in_progress", "accepted", "complaint_escalation", BO,
         "accepted applies to development_suggestion and transformation_request reports only",
         "allowed from in_progress: missing_data, closed, cancelled"),
        ("referred", "referred", "complaint_escalation", BO, "it is already referred",
         "allowed from referred: in_progress, missing_data, cancelled"),
        ("under_review", "referred", "complaint_escalation", REP,
         "only the back_office may make this move, not the reporter",
         "allowed from under_review: cancelled"),
        ("under_review", "cancelled", "complaint_escalation", SYS,
         "only the back_office or reporter may make this move, not the system",
         "no move is allowed from under_review"),
        ("missing_data", "in_progress", "complaint_escalation", BO,
         "the life cycle has no such move",
         "allowed from missing_data: under_review, cancelled"),
        ("received", "referred", "entity_outage", BO, "the life cycle has no such move",
         "allowed from received: under_review, missing_data, cancelled"),
    ],
)  # fmt: skip
def test_refused_moves_say_why_and_what_is_allowed(
    source: str, target: str, report_type: str, actor: str, reason: str, allowed: str
) -> None:
    with pytest.raises(TransitionNotAllowed) as info:
        check_move(source, target, report_type=report_type, actor=actor, reference="BR-7K2M9QXH")
    message = str(info.value)
    assert message.startswith(f"cannot move report BR-7K2M9QXH from {source} to {target}: ")
    assert reason in message
    assert message.endswith(allowed)
    assert isinstance(info.value, ValueError)
    assert (info.value.current, info.value.target) == (source, target)


def test_allowed_targets_in_contract_order() -> None:
    assert allowed_targets("under_review", "transformation_request") == (
        "referred", "missing_data", "cancelled", "accepted", "rejected",
    )  # fmt: skip
    assert allowed_targets("under_review", "complaint_escalation") == (
        "referred", "missing_data", "cancelled",
    )  # fmt: skip
    # Type unknown: the type-restricted moves are listed too.
    assert "accepted" in allowed_targets("in_progress")
    assert allowed_targets("missing_data", actor="system") == ("cancelled",)
    assert allowed_targets("missing_data", actor="reporter") == ("under_review", "cancelled")


def test_final_statuses_have_no_way_out() -> None:
    for status in FINAL_STATUSES:
        assert is_final(status)
        for actor in Actor:
            assert allowed_targets(status, actor=actor) == ()
    assert not is_final("missing_data")


def test_unknown_values_are_value_errors() -> None:
    with pytest.raises(ValueError, match="unknown report status 'done'"):
        check_move("received", "done")
    with pytest.raises(ValueError, match="unknown actor 'robot'"):
        check_move("received", "under_review", actor="robot")
    with pytest.raises(ValueError, match="unknown report type"):
        check_move("received", "under_review", report_type="petition")
