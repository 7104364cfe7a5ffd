"""Answering "what is the status of my report": find it, and show it only to its reporter.

A report is shown to whom the one authorisation check (bot.store.access) lets read it: the
conversation that filed it, or one that proved the right to follow it with a one-time code
sent to the mobile on file (the actions ask for the ID number and the code when a reference
is not the asker's: NEED_IDENTITY). Everyone else gets exactly the answer a reference that
does not exist gets, so references cannot be probed. A reference whose check character fails
is answered with "did you mean" among the asker's own reports.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from rapidfuzz.distance import Levenshtein

from bot.digits import to_ascii_digits
from bot.store.access import Principal
from bot.store.models import Report
from bot.store.reference import BODY_LENGTH, PREFIX, parse_reference
from bot.store.reports.reads import ReportReads

__all__ = ["StatusAnswer", "StatusOutcome", "find_reference_texts", "look_up"]


# Something typed as a reference: "BR-7K3Q9PX2", "br 7k3q9px2", or 8 letters/digits with a digit.
# With the BR prefix the body may be all letters (about 1 reference in 20 is).
_REFERENCE_LIKE = re.compile(
    r"(?<![0-9A-Za-z])(?:BR[\s\-]?[0-9A-Za-z]{8}|(?=[0-9A-Za-z]*[0-9])[0-9A-Za-z]{8})"
    r"(?![0-9A-Za-z])",
    re.IGNORECASE,
)
# How far a mistyped reference may be from one of the asker's own to be suggested.
DID_YOU_MEAN_DISTANCE = 2


class StatusOutcome(StrEnum):
    FOUND = "found"  # the asker's report
    NEED_IDENTITY = "need_identity"  # a well-formed reference from another channel: prove it
    NOT_FOUND = "not_found"  # no such report, or not the asker's (the same answer)
    DID_YOU_MEAN = "did_you_mean"  # a typo: one of the asker's own reports is close
    INVALID = "invalid"  # looks like a reference but its check character fails
    LIST = "list"  # no reference given: the asker's reports
    NONE = "none"  # no reference given and no reports known for the asker


@dataclass(frozen=True)
class StatusAnswer:
    outcome: StatusOutcome
    reports: Sequence[Report] = field(default_factory=tuple)
    reference: str | None = None  # the (canonical) reference asked about, or suggested


def find_reference_texts(text: str) -> list[str]:
    """The parts of `text` typed as references (valid or not), in order."""
    return [match.group(0) for match in _REFERENCE_LIKE.finditer(to_ascii_digits(text or ""))]


def _body(text: str) -> str:
    cleaned = re.sub(r"[\s\-]", "", text).upper()
    return cleaned[2:] if len(cleaned) == BODY_LENGTH + 2 and cleaned.startswith("BR") else cleaned


def look_up(
    repository: ReportReads,
    text: str,
    *,
    principal: Principal,
    reference: str | None = None,
    identity_checked: bool = False,
) -> StatusAnswer:
    """The answer to a status question `text` (or about `reference`, when already known).

    `identity_checked`: the asker went through the ID-and-code step for this reference, so
    a report they still may not read is NOT_FOUND rather than NEED_IDENTITY.
    """
    typed = [reference] if reference else find_reference_texts(text)
    if not typed:
        own = repository.visible_to(principal)
        return StatusAnswer(StatusOutcome.LIST if own else StatusOutcome.NONE, tuple(own))
    canonical = parse_reference(typed[0])
    if canonical is None:
        own = repository.visible_to(principal)
        body = _body(typed[0])
        close = [
            report
            for report in own
            if Levenshtein.distance(body, report.reference.removeprefix(PREFIX))
            <= DID_YOU_MEAN_DISTANCE
        ]
        if close:
            return StatusAnswer(StatusOutcome.DID_YOU_MEAN, (close[0],), close[0].reference)
        return StatusAnswer(StatusOutcome.INVALID, reference=typed[0])
    report = repository.get_for(principal, canonical)
    if report is not None:
        return StatusAnswer(StatusOutcome.FOUND, (report,), canonical)
    if identity_checked:
        return StatusAnswer(StatusOutcome.NOT_FOUND, reference=canonical)
    return StatusAnswer(StatusOutcome.NEED_IDENTITY, reference=canonical)
