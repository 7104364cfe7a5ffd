"""The life cycle of a report (SPEC "Life of a report"): which status may follow which (pure).

    received → under_review → referred → in_progress → closed          (the main line)
    missing_data   from received*, under_review, referred, in_progress;
                   back to under_review when the documents are added
    cancelled      by the reporter (or the back office on their behalf) from any open
                   status; by the system from missing_data after 48 hours
    accepted, rejected   transformation requests and development suggestions only, from
                   under_review, referred or in_progress
    closed, cancelled, accepted, rejected are final.

(*) received → missing_data is allowed as well: a reviewer may see at once that a document
is missing, and SPEC wants the missing-data notice within the report's first day.

The table below is the whole rule: one row per move, with who may make it (the back office,
the reporter through the assistant, or the system's timed rules) and, where it matters, the
report types it applies to. `check_move` raises `TransitionNotAllowed`, whose message names
the moves that are allowed from the current status.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from bot.store.models import ReportStatus, ReportType, check_report_type, check_status

__all__ = [
    "DECISION_TYPES",
    "FINAL_STATUSES",
    "HANDLED_STATUSES",
    "MISSING_DATA_DEADLINE",
    "OPEN_STATUSES",
    "REOPEN_ACCEPTED",
    "REOPEN_REFUSED",
    "REOPEN_REQUESTED",
    "TRANSITIONS",
    "Actor",
    "DecisionNoteMissing",
    "Move",
    "TransitionNotAllowed",
    "allowed_targets",
    "check_actor",
    "check_move",
    "decision_note",
    "is_final",
    "is_open",
    "reopen_pending",
    "reopenable",
]


class Actor(enum.StrEnum):
    """Who moves a report."""

    BACK_OFFICE = "back_office"  # staff of the Amer centre (`reports set-status`)
    REPORTER = "reporter"  # the reporter, through the assistant or the call centre
    SYSTEM = "system"  # the timed rules of `python -m bot jobs`


# The reporter has this long to add missing documents; then the report is cancelled.
MISSING_DATA_DEADLINE = timedelta(hours=48)

S = ReportStatus
FINAL_STATUSES = frozenset({S.CLOSED, S.CANCELLED, S.ACCEPTED, S.REJECTED})
OPEN_STATUSES = frozenset(status for status in S if status not in FINAL_STATUSES)
# Handled: the entity's answer is in (closed, or a decision). The reporter rates these
# (seed 003: the surveys come "عند معالجة البلاغ"); a cancelled report is not rated.
HANDLED_STATUSES = frozenset({S.CLOSED, S.ACCEPTED, S.REJECTED})
# Reports that end in a decision (accepted with the implementation date, or rejected).
DECISION_TYPES = frozenset({ReportType.TRANSFORMATION_REQUEST, ReportType.DEVELOPMENT_SUGGESTION})
_WORKED_ON = (S.UNDER_REVIEW, S.REFERRED, S.IN_PROGRESS)
_STAFF = frozenset({Actor.BACK_OFFICE})
_STAFF_OR_REPORTER = frozenset({Actor.BACK_OFFICE, Actor.REPORTER})


@dataclass(frozen=True)
class Move:
    source: ReportStatus
    target: ReportStatus
    actors: frozenset[Actor]
    # None: every report type.
    types: frozenset[ReportType] | None = None

    def applies_to(self, report_type: str | None) -> bool:
        return self.types is None or report_type is None or report_type in self.types


def _moves() -> tuple[Move, ...]:
    moves = [
        Move(S.RECEIVED, S.UNDER_REVIEW, _STAFF),
        Move(S.UNDER_REVIEW, S.REFERRED, _STAFF),
        Move(S.REFERRED, S.IN_PROGRESS, _STAFF),
        Move(S.IN_PROGRESS, S.CLOSED, _STAFF),
        Move(S.RECEIVED, S.MISSING_DATA, _STAFF),
        *(Move(source, S.MISSING_DATA, _STAFF) for source in _WORKED_ON),
        # The documents were added (by the reporter, or received by the back office).
        Move(S.MISSING_DATA, S.UNDER_REVIEW, _STAFF_OR_REPORTER),
    ]
    for source in (S.RECEIVED, *_WORKED_ON):
        moves.append(Move(source, S.CANCELLED, _STAFF_OR_REPORTER))
    moves.append(Move(S.MISSING_DATA, S.CANCELLED, frozenset({*_STAFF_OR_REPORTER, Actor.SYSTEM})))
    for source in _WORKED_ON:
        moves.append(Move(source, S.ACCEPTED, _STAFF, DECISION_TYPES))
        moves.append(Move(source, S.REJECTED, _STAFF, DECISION_TYPES))
    return tuple(moves)


TRANSITIONS: tuple[Move, ...] = _moves()
_BY_PAIR: dict[tuple[str, str], Move] = {(move.source, move.target): move for move in TRANSITIONS}
assert len(_BY_PAIR) == len(TRANSITIONS), "one row per (source, target)"
_ORDER = {status.value: index for index, status in enumerate(S)}


def check_actor(value: object) -> Actor:
    try:
        return Actor(value)
    except ValueError:
        allowed = ", ".join(actor.value for actor in Actor)
        raise ValueError(f"unknown actor {value!r}; expected one of: {allowed}") from None


def is_final(status: str) -> bool:
    return check_status(status) in FINAL_STATUSES


def is_open(status: str) -> bool:
    return not is_final(status)


def allowed_targets(
    status: str, report_type: str | None = None, actor: str = Actor.BACK_OFFICE
) -> tuple[str, ...]:
    """The statuses `actor` may move a `report_type` report in `status` to, in CONTRACT order.

    `report_type=None` means any type (the type-restricted moves are included)."""
    status = check_status(status)
    actor = check_actor(actor)
    if report_type is not None:
        report_type = check_report_type(report_type)
    targets = [
        move.target.value
        for move in TRANSITIONS
        if move.source == status and actor in move.actors and move.applies_to(report_type)
    ]
    return tuple(sorted(targets, key=_ORDER.__getitem__))


def _names(values: Iterable[str]) -> str:
    return ", ".join(values)


class TransitionNotAllowed(ValueError):
    """A move the life cycle does not allow; `allowed` holds the moves that it does."""

    def __init__(
        self,
        current: str,
        target: str,
        *,
        allowed: tuple[str, ...],
        reason: str,
        reference: str | None = None,
    ) -> None:
        self.current = current
        self.target = target
        self.allowed = allowed
        self.reference = reference
        what = f"report {reference}" if reference else "a report"
        moves = (
            f"allowed from {current}: {_names(allowed)}"
            if allowed
            else f"no move is allowed from {current}"
        )
        super().__init__(f"cannot move {what} from {current} to {target}: {reason}; {moves}")


def _reason(current: str, target: str, report_type: str | None, actor: Actor) -> str:
    if current == target:
        return f"it is already {current}"
    if current in FINAL_STATUSES:
        return f"{current} is final"
    move = _BY_PAIR.get((current, target))
    if move is None:
        return "the life cycle has no such move"
    if not move.applies_to(report_type):
        kinds = " and ".join(sorted(move.types or ()))
        return f"{target} applies to {kinds} reports only, not {report_type}"
    who = " or ".join(sorted(a.value for a in move.actors))
    return f"only the {who} may make this move, not the {actor.value}"


def check_move(
    current: str,
    target: str,
    *,
    report_type: str | None = None,
    actor: str = Actor.BACK_OFFICE,
    reference: str | None = None,
) -> None:
    """Nothing when `actor` may move the report from `current` to `target`; else
    TransitionNotAllowed naming the allowed moves (ValueError for unknown values)."""
    current = check_status(current)
    target = check_status(target)
    actor = check_actor(actor)
    if report_type is not None:
        report_type = check_report_type(report_type)
    move = _BY_PAIR.get((current, target))
    if move is not None and actor in move.actors and move.applies_to(report_type):
        return
    raise TransitionNotAllowed(
        current,
        target,
        allowed=allowed_targets(current, report_type, actor),
        reason=_reason(current, target, report_type, actor),
        reference=reference,
    )


class DecisionNoteMissing(ValueError):
    """A decision without what seed 003 says the reporter is told with it."""


def decision_note(target: str, note: str | None) -> str | None:
    """The note a move to `target` records, checked: seed 003 says an accepted Transformation
    request or Development suggestion is told "with the implementation time set by the
    entity" (the note: a date, YYYY-MM-DD, Arabic-Indic digits accepted) and a rejected one
    "with the reasons" (the note: the reason). Other moves take any note or none.
    Raises DecisionNoteMissing with what to give."""
    from datetime import date

    from bot.digits import to_ascii_digits

    text = (note or "").strip() or None
    if target == S.ACCEPTED:
        try:
            day = date.fromisoformat(to_ascii_digits(text or "").strip())
        except ValueError:
            raise DecisionNoteMissing(
                "an accepted request or suggestion needs the entity's implementation date as "
                "its note (YYYY-MM-DD, e.g. --note 2027-03-01): the reporter is told it"
            ) from None
        return day.isoformat()
    if target == S.REJECTED and text is None:
        raise DecisionNoteMissing(
            "a rejected request or suggestion needs the reason as its note (--note \"…\"): "
            "the reporter is told it"
        )
    return text


# -- re-opening a closed complaint (seed 003) ----------------------------------------------
# The reporter of a closed complaint escalation may ask to re-open it, with a reason: the
# request is a history entry in `closed` whose note starts with REOPEN_REQUESTED. The back
# office accepts it (closed -> under_review, the one move out of a final status, and only
# through ReportChanges.decide_reopen) or refuses it with a reason (an entry in `closed`).
REOPEN_REQUESTED = "re-open requested: "
REOPEN_ACCEPTED = "re-opened at the reporter's request"
REOPEN_REFUSED = "re-open refused: "


def reopenable(report_type: str | None, status: str | None) -> bool:
    """Whether a report of this type in this status may be asked to re-open."""
    return report_type == ReportType.COMPLAINT_ESCALATION and status == S.CLOSED


def reopen_pending(report: Any) -> bool:
    """Whether the report's latest history entry is a re-open request nobody decided yet."""
    if not reopenable(report.type, report.status) or not report.history:
        return False
    latest = report.history[-1]
    return (latest.note or "").startswith(REOPEN_REQUESTED)
