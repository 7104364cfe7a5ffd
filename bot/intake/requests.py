"""What a reporter may ask about their filed report, and whether it can be done now (pure).

After filing, a reporter can ask for the status, add missing documents, ask for a
correction, cancel the report (with confirmation), once it is closed, rate it (SPEC "Life
of a report", "Satisfaction survey"), and ask to re-open a closed complaint escalation whose
problem goes on, with the reason (seed 003). The conversation finds the report and checks that the
asker is its reporter (bot.intake.status); this module says which requests the report's
status allows, and why not when it does not, so that every refusal can say what to do
instead. The store (bot.store.repository) checks the same rules again when it writes.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from enum import StrEnum

from bot.digits import to_ascii_digits
from bot.intake.dialogue_spec import form_named
from bot.store.lifecycle import HANDLED_STATUSES, is_open, reopen_pending, reopenable
from bot.store.models import Report, ReportStatus

__all__ = [
    "COMMENT_LENGTH",
    "CORRECTION_LENGTH",
    "FORM_SLOTS",
    "INTENT_OF_KIND",
    "KIND_OF_INTENT",
    "Refusal",
    "RequestKind",
    "candidates",
    "chosen_reports",
    "kind_of_intent",
    "options",
    "parse_rating",
    "refusal",
]


class RequestKind(StrEnum):
    STATUS = "status"
    WITHDRAW = "withdraw"  # the reporter cancels their report
    CORRECTION = "correction"
    DOCUMENTS = "documents"
    RATING = "rating"
    REOPEN = "reopen"  # a closed complaint escalation, with the reason


class Refusal(StrEnum):
    """Why a request cannot be done (the suffix of its `utter_request_refused_*` response)."""

    FINAL = "final"  # closed, cancelled, accepted or rejected: nothing more can change
    NOT_CLOSED = "not_closed"  # a rating before the report is handled (closed or decided)
    ALREADY_RATED = "already_rated"
    NOT_REOPENABLE = "not_reopenable"  # only a closed complaint escalation is re-opened
    REOPEN_PENDING = "reopen_pending"  # asked already: the back office has not answered


KIND_OF_INTENT: dict[str, RequestKind] = {
    "check_status": RequestKind.STATUS,
    "withdraw_report": RequestKind.WITHDRAW,
    "request_correction": RequestKind.CORRECTION,
    "add_documents": RequestKind.DOCUMENTS,
    "rate_report": RequestKind.RATING,
    "reopen_report": RequestKind.REOPEN,
}
INTENT_OF_KIND: dict[RequestKind, str] = {kind: intent for intent, kind in KIND_OF_INTENT.items()}

# The questions of `after_filing_form` for each request (the status needs none).
FORM_SLOTS: dict[RequestKind, tuple[str, ...]] = {
    RequestKind(kind): slots
    for kind, slots in (form_named("after_filing_form").per_request or {}).items()
}

CORRECTION_LENGTH = (3, 1000)
COMMENT_LENGTH = (1, 1000)  # bot.store.reports.changes.MAX_COMMENT_LENGTH is the store's limit

_ONE_TO_FIVE = re.compile(r"^\s*([1-5])(?:\s*(?:/|من|of|out of)\s*5)?\s*[.!،,]?\s*$", re.IGNORECASE)
_RATING_WORDS: dict[str, int] = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5,
    "واحد": 1, "اثنان": 2, "اثنين": 2, "ثلاثة": 3, "ثلاث": 3, "ثلاثه": 3,
    "اربعة": 4, "أربعة": 4, "اربع": 4, "أربع": 4, "اربعه": 4,
    "خمسة": 5, "خمس": 5, "خمسه": 5,
}  # fmt: skip


def kind_of_intent(intent: str | None) -> RequestKind | None:
    return KIND_OF_INTENT.get(intent or "")


def refusal(kind: RequestKind, report: Report) -> Refusal | None:
    """Why `kind` cannot be done for `report` in its current status, or None if it can."""
    if kind == RequestKind.STATUS:
        return None
    if kind == RequestKind.RATING:
        if report.status not in HANDLED_STATUSES:
            return Refusal.FINAL if not is_open(report.status) else Refusal.NOT_CLOSED
        return Refusal.ALREADY_RATED if report.rating is not None else None
    if kind == RequestKind.REOPEN:
        if not reopenable(report.type, report.status):
            return Refusal.NOT_REOPENABLE
        return Refusal.REOPEN_PENDING if reopen_pending(report) else None
    return None if is_open(report.status) else Refusal.FINAL


def options(report: Report) -> list[RequestKind]:
    """What the reporter can do with `report` now, in the order the buttons show them."""
    order = (
        RequestKind.DOCUMENTS,
        RequestKind.CORRECTION,
        RequestKind.WITHDRAW,
        RequestKind.RATING,
        RequestKind.REOPEN,
    )
    return [kind for kind in order if refusal(kind, report) is None]


def candidates(kind: RequestKind, reports: Iterable[Report]) -> list[Report]:
    """The reports `kind` can be done for; for documents, those waiting for them first."""
    allowed = [report for report in reports if refusal(kind, report) is None]
    if kind == RequestKind.DOCUMENTS:
        waiting = [r for r in allowed if r.status == ReportStatus.MISSING_DATA]
        return waiting or allowed
    return allowed


def parse_rating(text: str) -> int | None:
    """A rating from 1 to 5: "4", "٤", "4/5", "4 من 5", "four", "خمسة"; else None."""
    cleaned = to_ascii_digits(text or "").strip()
    match = _ONE_TO_FIVE.match(cleaned)
    if match:
        return int(match.group(1))
    words = cleaned.lower().strip(".!،, ").split()
    if len(words) == 1 and words[0] in _RATING_WORDS:
        return _RATING_WORDS[words[0]]
    return None


def chosen_reports(
    kind: RequestKind, reports: Sequence[Report]
) -> tuple[Report | None, list[Report]]:
    """The report `kind` is for when only one of `reports` qualifies (for documents: the one
    waiting for them), and the qualifying reports, for the user to choose from."""
    found = candidates(kind, reports)
    return (found[0] if len(found) == 1 else None), found
