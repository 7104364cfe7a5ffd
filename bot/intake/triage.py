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

__all__ = [
    "INTENT_REPORT_TYPES",
    "Proposal",
    "mentions_paper_service",
    "propose",
    "switch_target",
    "types_named",
]

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
    """The proposal for a report intent, or None when the intent is not a report type.

    A switch of type before any report started ("a suggestion, not a complaint") proposes
    the type it names as wanted."""
    report_type = INTENT_REPORT_TYPES.get(intent)
    if report_type is None and intent == "switch_report_type":
        report_type = switch_target(text, None)
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


# Words that name a report type ("a suggestion", «طلب تحول»), normalised and lower case.
_TYPE_WORDS: dict[ReportType, re.Pattern[str]] = {
    ReportType.COMPLAINT_ESCALATION: re.compile(
        r"complain|escalat|شكوي|شكوه|اصعد|تصعيد|اشتكي"
    ),
    ReportType.TRANSFORMATION_REQUEST: re.compile(
        r"transformation|digiti[sz]|تحول|تحويل الخدمه|رقمنه"
    ),
    ReportType.DEVELOPMENT_SUGGESTION: re.compile(r"suggest|improvement|اقتراح|اقترح|تطوير"),
    ReportType.ENTITY_OUTAGE: re.compile(r"outage|تعطل|انقطاع"),
}


# Words just before a type that say it is the one *not* wanted: "not a suggestion",
# "instead of a complaint", «بدل الاقتراح», «مو شكوى».
_NOT_WANTED = re.compile(
    r"(?:\bnot|\binstead of|\brather than|\bforget|(?:^|\s)(?:مو|مب|بدل|بدال|بدلا من|وليس|ليس|"
    r"عوضا عن|مابي|ما ابي|لا اريد))\s+(?:\w+\s+)?(?:ال)?$"
)


def types_named(text: str, *, wanted_only: bool = False) -> list[ReportType]:
    """The report types a message names, in the order they are named; `wanted_only` leaves
    out those named as the one not wanted ("not a suggestion")."""
    folded = normalise_text(text or "").lower()
    found = [
        (match.start(), report_type)
        for report_type, pattern in _TYPE_WORDS.items()
        if (match := pattern.search(folded))
        and not (wanted_only and _NOT_WANTED.search(folded[: match.start()]))
    ]
    return [report_type for _, report_type in sorted(found)]


def switch_target(
    text: str, current: str | None, ranking: list[tuple[str, float]] | None = None
) -> ReportType | None:
    """The type to switch to from `current`: the first one the message names as wanted,
    else NLU's best report intent."""
    named = [
        report_type
        for report_type in types_named(text, wanted_only=True)
        if report_type != current
    ]
    if named:
        return named[0]
    for intent, _confidence in ranking or ():
        report_type = INTENT_REPORT_TYPES.get(intent)
        if report_type is not None and report_type != current:
            return report_type
    return None
