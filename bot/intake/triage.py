"""Which report type a first message asks for, and what it already tells (plain Python).

NLU gives the intent (complaint, transformation, suggestion, outage); the text adds what
the intent alone misses: a complaint about a *paper* service is really a transformation
request (SPEC, FAQ), and a platform named in passing ("the Absher site kept failing")
need not be asked again.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.intake.catalogue import find_platform_in_text
from bot.intake.eligibility import ReportType
from bot.nlu.normalise import normalise_text

__all__ = ["INTENT_REPORT_TYPES", "Proposal", "mentions_paper_service", "propose"]

INTENT_REPORT_TYPES: dict[str, ReportType] = {
    "report_complaint": ReportType.COMPLAINT_ESCALATION,
    "request_transformation": ReportType.TRANSFORMATION_REQUEST,
    "suggest_development": ReportType.DEVELOPMENT_SUGGESTION,
    "report_outage": ReportType.ENTITY_OUTAGE,
}

# Words that say a service is done on paper or in person (normalised forms, lower case).
_PAPER_PATTERNS = [
    r"\bورقي[هة]?\b",
    r"\bورق\b",
    r"\bاوراق\b",
    r"\bبنفسي\b",
    r"\bحضوري[هة]?\b",
    r"\bالحضور\b",
    r"\bمراجعه الفرع\b",
    r"\bاروح (?:لهم|لها|له|للفرع)\b",
    r"\bpaper\b",
    r"\bpaper-based\b",
    r"\bin person\b",
    r"\bpaperwork\b",
    r"\bforms? by hand\b",
    r"\bvisit the (?:office|branch)\b",
]
_PAPER = re.compile("|".join(_PAPER_PATTERNS))


@dataclass(frozen=True)
class Proposal:
    """The type to propose, and facts the first message already gives."""

    report_type: ReportType
    platform_id: str | None = None
    platform_name: str | None = None
    paper_service: bool = False  # the message says the service is on paper
    redirected: bool = False  # asked for a complaint/suggestion about paper: a transformation


def mentions_paper_service(text: str) -> bool:
    """Whether `text` says the service is on paper or needs a visit in person."""
    return bool(_PAPER.search(normalise_text(text or "").lower()))


def propose(intent: str, text: str, language: str) -> Proposal | None:
    """The proposal for a report intent, or None when the intent is not a report type."""
    report_type = INTENT_REPORT_TYPES.get(intent)
    if report_type is None:
        return None
    paper = mentions_paper_service(text)
    if paper and report_type in (
        ReportType.COMPLAINT_ESCALATION,
        ReportType.DEVELOPMENT_SUGGESTION,
    ):
        return Proposal(ReportType.TRANSFORMATION_REQUEST, paper_service=True, redirected=True)
    if paper and report_type == ReportType.TRANSFORMATION_REQUEST:
        return Proposal(report_type, paper_service=True)
    match = find_platform_in_text(text)
    if match is None:
        return Proposal(report_type)
    platform = match.platform
    return Proposal(report_type, platform.id, platform.name(language))
