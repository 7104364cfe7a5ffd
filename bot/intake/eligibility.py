"""Eligibility of each report type, decided from the facts collected so far (SPEC, seed 003).

Every decision is a `Decision`: an `Outcome` (eligible / not_yet / redirect / refused), a
stable `Reason` code, and what goes with it (the date from which a complaint can be
escalated, where to redirect, the existing report's number, the grounds that made it
eligible). Codes only: the Rasa domain turns them into Arabic and English replies.

Facts are frozen dataclasses; a field left at None has not been asked yet. A name field
(service, entity, platform, prior complaint number) set to a blank string means "asked, and
the user does not know it" (`NOT_KNOWN`).

Asking only what matters: the rules are walked in the order a conversation asks them, and a
decision is made as soon as the facts allow it. When a fact the walk needs is None, the
`decide_*` functions raise `MissingFactError` naming it, and `next_question` returns that
name instead (None when a decision is possible). So a caller loops:

    while (fact := next_question(report_type, facts, today)) is not None:
        ask for `fact`, then facts = dataclasses.replace(facts, **{fact: answer})
    decision = decide(report_type, facts, today)

Fact names that are also tracker slots (CONTRACT: `service_name`, `entity_name`,
`platform`, `prior_complaint_ref`, `prior_complaint_date`) have the slot's name, and
`facts_from_slots` builds facts from a slot mapping.

Look-ups in the store are the caller's job, done when the fact they depend on is recorded:
`already_escalated_as` (the report that already escalated `prior_complaint_ref`, from
`find_report_by_prior_complaint_ref`) and `similar_previous_request` /
`same_previous_suggestion` (from `bot.intake.duplicates`). For them None means "none found".
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from typing import Any, Literal

from bot.digits import to_ascii_digits
from bot.intake.workdays import escalation_opens_on, saudi_today

__all__ = [
    "NOT_KNOWN",
    "ClosedComplaintKind",
    "ComplaintFacts",
    "Decision",
    "Facts",
    "Ground",
    "MissingFactError",
    "OutageFacts",
    "OutageKind",
    "Outcome",
    "Reason",
    "RedirectTarget",
    "ReportType",
    "ReporterRole",
    "SuggestionFacts",
    "TransformationFacts",
    "decide",
    "decide_complaint",
    "decide_outage",
    "decide_suggestion",
    "decide_transformation",
    "facts_from_slots",
    "next_question",
]

NOT_KNOWN = ""  # a name the user was asked for and does not know


class ReportType(StrEnum):
    """The report types; the same values as `bot.store.models.ReportType` (CONTRACT)."""

    COMPLAINT_ESCALATION = "complaint_escalation"
    TRANSFORMATION_REQUEST = "transformation_request"
    DEVELOPMENT_SUGGESTION = "development_suggestion"
    ENTITY_OUTAGE = "entity_outage"


class Outcome(StrEnum):
    ELIGIBLE = "eligible"  # file it
    NOT_YET = "not_yet"  # a matter of time: `eligible_from` says from when
    REDIRECT = "redirect"  # the wrong path: `redirect_to` says which one
    REFUSED = "refused"  # cannot be filed (`existing_reference` for a repeat escalation)


class Reason(StrEnum):
    """Why a decision came out as it did (stable codes, keys of the domain's replies)."""

    CONDITIONS_MET = "conditions_met"  # eligible; `grounds` says on which ground(s)
    # complaint escalation
    PAPER_SERVICE = "paper_service"
    NO_PRIOR_COMPLAINT = "no_prior_complaint"
    MISSING_FAULT_SCREENSHOT = "missing_fault_screenshot"
    MISSING_PRIOR_REFERENCE = "missing_prior_reference"
    ALREADY_ESCALATED = "already_escalated"
    PROCEDURAL_COMPLAINT_CLOSED = "procedural_complaint_closed"
    PROBLEM_RESOLVED = "problem_resolved"
    WAITING_FOR_SLA = "waiting_for_sla"
    WAITING_FOR_FIVE_WORKING_DAYS = "waiting_for_five_working_days"
    # transformation request and development suggestion
    SERVICE_NAME_UNKNOWN = "service_name_unknown"
    ENTITY_UNKNOWN = "entity_unknown"
    PLATFORM_UNKNOWN = "platform_unknown"
    SERVICE_ALREADY_DIGITAL = "service_already_digital"
    DIGITAL_ALTERNATIVE_EXISTS = "digital_alternative_exists"
    DUPLICATE_REQUEST = "duplicate_request"
    DUPLICATE_SUGGESTION = "duplicate_suggestion"
    # entity outage
    NOT_A_GOVERNMENT_ENTITY = "not_a_government_entity"
    NOT_A_CRISIS_TEAM_MEMBER = "not_a_crisis_team_member"


class Ground(StrEnum):
    """The SPEC grounds on which a complaint can be escalated (at least one must hold)."""

    SLA_PASSED = "sla_passed"
    FIVE_WORKING_DAYS_PASSED = "five_working_days_passed"
    CLOSED_UNRESOLVED_TECHNICAL = "closed_unresolved_technical"
    LODGING_BLOCKED_BY_FAULT = "lodging_blocked_by_fault"


class RedirectTarget(StrEnum):
    """Where a redirect sends the user: another report type, or a step outside Amer."""

    COMPLAINT_ESCALATION = ReportType.COMPLAINT_ESCALATION.value
    TRANSFORMATION_REQUEST = ReportType.TRANSFORMATION_REQUEST.value
    DEVELOPMENT_SUGGESTION = ReportType.DEVELOPMENT_SUGGESTION.value
    LODGE_WITH_ENTITY = "lodge_with_entity"  # lodge a complaint with the entity first
    CONTACT_ENTITY = "contact_entity"  # the entity itself deals with it


class ClosedComplaintKind(StrEnum):
    TECHNICAL = "technical"  # about the digital service not working
    PROCEDURAL = "procedural"  # about the entity's own procedures


class ReporterRole(StrEnum):
    """Who files an outage report. Only the first two may (seeds 000, 001)."""

    CRISIS_MANAGER = "crisis_manager"  # manager of the entity's registered crisis team
    DEPUTY = "deputy"  # the manager's registered deputy (البديل)
    ENTITY_STAFF = "entity_staff"  # someone else at a government entity
    INDIVIDUAL = "individual"  # a person or business, not a government entity


class OutageKind(StrEnum):
    OWN_SERVICE = "own_service"  # an outage of one of the entity's digital services
    SCHEDULED_MAINTENANCE = "scheduled_maintenance"  # an update/maintenance causing one
    OTHER_ENTITY_SERVICE = "other_entity_service"  # another entity's service it relies on


CRISIS_TEAM_ROLES = frozenset({ReporterRole.CRISIS_MANAGER, ReporterRole.DEPUTY})


class MissingFactError(LookupError):
    """A decision needs `fact`, which has not been asked yet."""

    def __init__(self, fact: str) -> None:
        super().__init__(f"the decision needs the fact {fact!r}")
        self.fact = fact


@dataclass(frozen=True)
class Decision:
    outcome: Outcome
    reason: Reason
    eligible_from: date | None = None  # not_yet: the first day it becomes possible
    redirect_to: RedirectTarget | None = None  # redirect: where to
    existing_reference: str | None = None  # refused already_escalated: the existing report
    grounds: tuple[Ground, ...] = ()  # eligible complaint: the ground(s) that hold

    def __post_init__(self) -> None:
        if (self.outcome is Outcome.NOT_YET) != (self.eligible_from is not None):
            raise ValueError("eligible_from goes with a not_yet outcome, and only with it")
        if (self.outcome is Outcome.REDIRECT) != (self.redirect_to is not None):
            raise ValueError("redirect_to goes with a redirect outcome, and only with it")

    @property
    def is_eligible(self) -> bool:
        return self.outcome is Outcome.ELIGIBLE


def _eligible(*grounds: Ground) -> Decision:
    return Decision(Outcome.ELIGIBLE, Reason.CONDITIONS_MET, grounds=grounds)


def _not_yet(reason: Reason, eligible_from: date) -> Decision:
    return Decision(Outcome.NOT_YET, reason, eligible_from=eligible_from)


def _redirect(reason: Reason, target: RedirectTarget) -> Decision:
    return Decision(Outcome.REDIRECT, reason, redirect_to=target)


def _refused(reason: Reason, existing_reference: str | None = None) -> Decision:
    return Decision(Outcome.REFUSED, reason, existing_reference=existing_reference)


# -- facts ------------------------------------------------------------------------------


def _check_choice(value: str | None, choices: type[StrEnum], field: str) -> None:
    if value is not None and value not in {member.value for member in choices}:
        allowed = ", ".join(member.value for member in choices)
        raise ValueError(f"{field} must be one of {allowed}, got {value!r}")


@dataclass(frozen=True)
class ComplaintFacts:
    service_is_digital: bool | None = None
    prior_complaint_lodged: bool | None = None  # lodged with the government entity first?
    lodging_blocked_by_fault: bool | None = None  # asked when not lodged: was the system down?
    has_fault_screenshot: bool | None = None
    prior_complaint_ref: str | None = None  # the entity's complaint number
    already_escalated_as: str | None = None  # store look-up of prior_complaint_ref
    complaint_closed: bool | None = None
    closed_complaint_kind: Literal["technical", "procedural"] | None = None
    problem_persists: bool | None = None  # a closed technical complaint: still a problem?
    entity_gave_response_time: bool | None = None
    response_due: date | None = None  # the end of the entity's response time
    prior_complaint_date: date | None = None  # when the complaint was created

    def __post_init__(self) -> None:
        _check_choice(self.closed_complaint_kind, ClosedComplaintKind, "closed_complaint_kind")


@dataclass(frozen=True)
class TransformationFacts:
    service_name: str | None = None
    service_is_paper: bool | None = None
    has_digital_alternative: bool | None = None
    entity_name: str | None = None
    similar_previous_request: str | None = None  # reference of a similar earlier request


@dataclass(frozen=True)
class SuggestionFacts:
    service_name: str | None = None
    service_is_digital: bool | None = None
    platform: str | None = None
    same_previous_suggestion: str | None = None  # reference of the same earlier suggestion


@dataclass(frozen=True)
class OutageFacts:
    reporter_role: str | None = None  # a ReporterRole value; any other value is not one
    outage_kind: Literal["own_service", "scheduled_maintenance", "other_entity_service"] | None = (
        None
    )

    def __post_init__(self) -> None:
        _check_choice(self.outage_kind, OutageKind, "outage_kind")


Facts = ComplaintFacts | TransformationFacts | SuggestionFacts | OutageFacts


def _need(value: Any, fact: str) -> Any:
    """`value`, or MissingFactError when it has not been asked yet."""
    if value is None:
        raise MissingFactError(fact)
    return value


def _known_name(value: str | None, fact: str) -> bool:
    """Whether the user knows the name asked for as `fact` (MissingFactError if not asked)."""
    return bool(_need(value, fact).strip())


# -- complaint escalation ---------------------------------------------------------------


def decide_complaint(facts: ComplaintFacts, today: date) -> Decision:
    """Whether an earlier complaint can be escalated to Amer on `today` (SPEC type 1).

    Order: a repeat escalation; a paper service (-> transformation request); never lodged
    (-> lodge with the entity, unless a fault blocked it: then a screenshot is a must); a
    closed complaint (procedural -> contact the entity; technical -> only if it persists);
    an open one (the entity's response time, else 5 working days). The prior complaint's
    number is asked last, only when everything else allows the escalation.
    A fault without a screenshot is refused with `missing_fault_screenshot`: the user can
    come back (or go on) with one.
    """
    if facts.already_escalated_as:
        return _refused(Reason.ALREADY_ESCALATED, existing_reference=facts.already_escalated_as)
    if not _need(facts.service_is_digital, "service_is_digital"):
        return _redirect(Reason.PAPER_SERVICE, RedirectTarget.TRANSFORMATION_REQUEST)
    if not _need(facts.prior_complaint_lodged, "prior_complaint_lodged"):
        return _decide_unlodged(facts)
    if _need(facts.complaint_closed, "complaint_closed"):
        decision = _decide_closed(facts)
    else:
        decision = _decide_open(facts, today)
    if decision.is_eligible and not _known_name(facts.prior_complaint_ref, "prior_complaint_ref"):
        return _refused(Reason.MISSING_PRIOR_REFERENCE)
    return decision


def _decide_unlodged(facts: ComplaintFacts) -> Decision:
    if not _need(facts.lodging_blocked_by_fault, "lodging_blocked_by_fault"):
        return _redirect(Reason.NO_PRIOR_COMPLAINT, RedirectTarget.LODGE_WITH_ENTITY)
    if not _need(facts.has_fault_screenshot, "has_fault_screenshot"):
        return _refused(Reason.MISSING_FAULT_SCREENSHOT)
    return _eligible(Ground.LODGING_BLOCKED_BY_FAULT)


def _decide_closed(facts: ComplaintFacts) -> Decision:
    kind = _need(facts.closed_complaint_kind, "closed_complaint_kind")
    if kind == ClosedComplaintKind.PROCEDURAL:
        return _redirect(Reason.PROCEDURAL_COMPLAINT_CLOSED, RedirectTarget.CONTACT_ENTITY)
    if not _need(facts.problem_persists, "problem_persists"):
        return _refused(Reason.PROBLEM_RESOLVED)
    return _eligible(Ground.CLOSED_UNRESOLVED_TECHNICAL)


def _decide_open(facts: ComplaintFacts, today: date) -> Decision:
    if _need(facts.entity_gave_response_time, "entity_gave_response_time"):
        response_due: date = _need(facts.response_due, "response_due")
        if today > response_due:
            return _eligible(Ground.SLA_PASSED)
        return _not_yet(Reason.WAITING_FOR_SLA, response_due + timedelta(days=1))
    created: date = _need(facts.prior_complaint_date, "prior_complaint_date")
    opens_on = escalation_opens_on(created)
    if today >= opens_on:
        return _eligible(Ground.FIVE_WORKING_DAYS_PASSED)
    return _not_yet(Reason.WAITING_FOR_FIVE_WORKING_DAYS, opens_on)


# -- transformation request, development suggestion, entity outage ----------------------


def decide_transformation(facts: TransformationFacts) -> Decision:
    """Whether a paper service can be the subject of a transformation request (SPEC type 2).

    A service that is already digital is redirected to a development suggestion; a paper
    service with a digital alternative is refused (use the alternative).
    """
    if not _known_name(facts.service_name, "service_name"):
        return _refused(Reason.SERVICE_NAME_UNKNOWN)
    if not _need(facts.service_is_paper, "service_is_paper"):
        return _redirect(Reason.SERVICE_ALREADY_DIGITAL, RedirectTarget.DEVELOPMENT_SUGGESTION)
    if _need(facts.has_digital_alternative, "has_digital_alternative"):
        return _refused(Reason.DIGITAL_ALTERNATIVE_EXISTS)
    if not _known_name(facts.entity_name, "entity_name"):
        return _refused(Reason.ENTITY_UNKNOWN)
    if facts.similar_previous_request:
        return _refused(Reason.DUPLICATE_REQUEST, facts.similar_previous_request)
    return _eligible()


def decide_suggestion(facts: SuggestionFacts) -> Decision:
    """Whether a development suggestion can be made (SPEC type 3).

    A suggestion about a paper service is redirected to a transformation request (FAQ).
    """
    if not _known_name(facts.service_name, "service_name"):
        return _refused(Reason.SERVICE_NAME_UNKNOWN)
    if not _need(facts.service_is_digital, "service_is_digital"):
        return _redirect(Reason.PAPER_SERVICE, RedirectTarget.TRANSFORMATION_REQUEST)
    if not _known_name(facts.platform, "platform"):
        return _refused(Reason.PLATFORM_UNKNOWN)
    if facts.same_previous_suggestion:
        return _refused(Reason.DUPLICATE_SUGGESTION, facts.same_previous_suggestion)
    return _eligible()


def decide_outage(facts: OutageFacts) -> Decision:
    """Whether an outage report can be filed (SPEC type 4, seeds 000 and 001).

    Only the crisis-team manager of a government entity or the manager's deputy files one.
    Someone who is not at a government entity is redirected to the complaint path (lodge a
    complaint with the entity; a fault that blocks lodging is escalated with a screenshot);
    anyone else at an entity is refused. Any of the three outage kinds is then eligible.
    """
    role = _need(facts.reporter_role, "reporter_role")
    if role == ReporterRole.INDIVIDUAL:
        return _redirect(Reason.NOT_A_GOVERNMENT_ENTITY, RedirectTarget.COMPLAINT_ESCALATION)
    if role not in CRISIS_TEAM_ROLES:
        return _refused(Reason.NOT_A_CRISIS_TEAM_MEMBER)
    _need(facts.outage_kind, "outage_kind")
    return _eligible()


# -- dispatch ---------------------------------------------------------------------------

_FACT_TYPES: dict[ReportType, type[Facts]] = {
    ReportType.COMPLAINT_ESCALATION: ComplaintFacts,
    ReportType.TRANSFORMATION_REQUEST: TransformationFacts,
    ReportType.DEVELOPMENT_SUGGESTION: SuggestionFacts,
    ReportType.ENTITY_OUTAGE: OutageFacts,
}
_DATE_FIELDS = frozenset({"prior_complaint_date", "response_due"})


def _report_type(report_type: str) -> ReportType:
    try:
        return ReportType(report_type)
    except ValueError:
        allowed = ", ".join(member.value for member in ReportType)
        message = f"unknown report type {report_type!r}; expected one of: {allowed}"
        raise ValueError(message) from None


def decide(report_type: str, facts: Facts, today: date | None = None) -> Decision:
    """The decision for `facts` of `report_type` on `today` (default: today in Riyadh).

    Raises MissingFactError when a needed fact has not been asked (see next_question),
    TypeError when `facts` is not the facts class of `report_type`.
    """
    kind = _report_type(report_type)
    expected = _FACT_TYPES[kind]
    if not isinstance(facts, expected):
        raise TypeError(f"{kind.value} needs {expected.__name__}, got {type(facts).__name__}")
    if isinstance(facts, ComplaintFacts):
        return decide_complaint(facts, today if today is not None else saudi_today())
    if isinstance(facts, TransformationFacts):
        return decide_transformation(facts)
    if isinstance(facts, SuggestionFacts):
        return decide_suggestion(facts)
    return decide_outage(facts)


def next_question(report_type: str, facts: Facts, today: date | None = None) -> str | None:
    """The name of the next fact to ask before a decision is possible, or None when `decide`
    can decide. Whether a complaint's number is still needed depends on `today` (a
    complaint that cannot be escalated yet needs no number)."""
    try:
        decide(report_type, facts, today)
    except MissingFactError as missing:
        return missing.fact
    return None


def facts_from_slots(report_type: str, slots: Mapping[str, Any]) -> Facts:
    """The facts of `report_type` found in `slots` (tracker slots or any mapping).

    Keys that are not fields of the facts class are ignored; dates may be ISO strings.
    """
    facts_type = _FACT_TYPES[_report_type(report_type)]
    values: dict[str, Any] = {}
    for field in dataclasses.fields(facts_type):
        value = slots.get(field.name)
        if field.name in _DATE_FIELDS and isinstance(value, str):
            text = to_ascii_digits(value).strip()
            value = date.fromisoformat(text) if text else None
        values[field.name] = value
    return facts_type(**values)
