"""Eligibility rules of SPEC "The report types" (and seed 003's conditions and FAQ).

Dates are worked out by hand: a complaint created on Wed 2026-11-18 with no response time can
be escalated from Thu 2026-11-26 (Thu 19, Sun 22, Mon 23, Tue 24, Wed 25 are its 5 working
days); one created on Mon 2026-03-16 from Mon 2026-03-30 (Eid al-Fitr Thu 19 .. Tue 24 March:
Tue 17, Wed 18, Wed 25, Thu 26, Sun 29).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date
from typing import Any

import pytest

from bot.intake.eligibility import (
    NOT_KNOWN,
    ComplaintFacts,
    Decision,
    Facts,
    Ground,
    MissingFactError,
    OutageFacts,
    Outcome,
    Reason,
    RedirectTarget,
    ReportType,
    SuggestionFacts,
    TransformationFacts,
    decide,
    decide_complaint,
    decide_outage,
    decide_suggestion,
    decide_transformation,
    facts_from_slots,
    next_question,
)

D = date.fromisoformat
TODAY = D("2026-12-10")
EXISTING = "BR-7K3Q9PX2"

ELIGIBLE = Outcome.ELIGIBLE
NOT_YET = Outcome.NOT_YET
REDIRECT = Outcome.REDIRECT
REFUSED = Outcome.REFUSED


def eligible(*grounds: Ground) -> Decision:
    return Decision(ELIGIBLE, Reason.CONDITIONS_MET, grounds=grounds)


def not_yet(reason: Reason, day: str) -> Decision:
    return Decision(NOT_YET, reason, eligible_from=D(day))


def redirect(reason: Reason, target: RedirectTarget) -> Decision:
    return Decision(REDIRECT, reason, redirect_to=target)


def refused(reason: Reason, existing: str | None = None) -> Decision:
    return Decision(REFUSED, reason, existing_reference=existing)


# An open complaint about a digital service, lodged with the entity, with its number.
OPEN = ComplaintFacts(
    service_is_digital=True,
    prior_complaint_lodged=True,
    prior_complaint_ref="Q-77410",
    complaint_closed=False,
)
NO_SLA = replace(OPEN, entity_gave_response_time=False)
SLA = replace(OPEN, entity_gave_response_time=True)
CLOSED = replace(OPEN, complaint_closed=True)
TECHNICAL = replace(CLOSED, closed_complaint_kind="technical")
NOT_LODGED = ComplaintFacts(service_is_digital=True, prior_complaint_lodged=False)
BLOCKED = replace(NOT_LODGED, lodging_blocked_by_fault=True)


@pytest.mark.parametrize(
    ("facts", "today", "expected"),
    [
        # the service must be digital (FAQ: offer a transformation request)
        pytest.param(
            replace(NO_SLA, service_is_digital=False, prior_complaint_date=D("2026-11-01")),
            TODAY,
            redirect(Reason.PAPER_SERVICE, RedirectTarget.TRANSFORMATION_REQUEST),
            id="paper-service",
        ),
        pytest.param(
            replace(BLOCKED, service_is_digital=False, has_fault_screenshot=True),
            TODAY,
            redirect(Reason.PAPER_SERVICE, RedirectTarget.TRANSFORMATION_REQUEST),
            id="paper-service-even-with-a-fault",
        ),
        # an earlier complaint with the entity, except when a fault prevented lodging it
        pytest.param(
            replace(NOT_LODGED, lodging_blocked_by_fault=False),
            TODAY,
            redirect(Reason.NO_PRIOR_COMPLAINT, RedirectTarget.LODGE_WITH_ENTITY),
            id="never-lodged",
        ),
        pytest.param(
            replace(BLOCKED, has_fault_screenshot=False),
            TODAY,
            refused(Reason.MISSING_FAULT_SCREENSHOT),
            id="fault-without-screenshot",
        ),
        pytest.param(
            replace(BLOCKED, has_fault_screenshot=True),
            TODAY,
            eligible(Ground.LODGING_BLOCKED_BY_FAULT),
            id="fault-with-screenshot",
        ),
        pytest.param(
            replace(NO_SLA, prior_complaint_date=D("2026-11-01"), prior_complaint_ref=NOT_KNOWN),
            TODAY,
            refused(Reason.MISSING_PRIOR_REFERENCE),
            id="lodged-but-number-unknown",
        ),
        # not already escalated: a repeat gets the existing report's number
        pytest.param(
            replace(NO_SLA, prior_complaint_date=D("2026-11-01"), already_escalated_as=EXISTING),
            TODAY,
            refused(Reason.ALREADY_ESCALATED, EXISTING),
            id="already-escalated",
        ),
        pytest.param(
            replace(NO_SLA, prior_complaint_date=D("2026-11-18"), already_escalated_as=EXISTING),
            D("2026-11-20"),
            refused(Reason.ALREADY_ESCALATED, EXISTING),
            id="already-escalated-before-its-time",
        ),
        pytest.param(
            ComplaintFacts(prior_complaint_ref="Q-1", already_escalated_as=EXISTING),
            TODAY,
            refused(Reason.ALREADY_ESCALATED, EXISTING),
            id="already-escalated-asks-nothing-else",
        ),
        # closed without a satisfactory resolution
        pytest.param(
            replace(CLOSED, closed_complaint_kind="procedural"),
            TODAY,
            redirect(Reason.PROCEDURAL_COMPLAINT_CLOSED, RedirectTarget.CONTACT_ENTITY),
            id="closed-procedural",
        ),
        pytest.param(
            replace(CLOSED, closed_complaint_kind="procedural", prior_complaint_ref=None),
            TODAY,
            redirect(Reason.PROCEDURAL_COMPLAINT_CLOSED, RedirectTarget.CONTACT_ENTITY),
            id="closed-procedural-needs-no-number",
        ),
        pytest.param(
            replace(TECHNICAL, problem_persists=True),
            TODAY,
            eligible(Ground.CLOSED_UNRESOLVED_TECHNICAL),
            id="closed-technical-persists",
        ),
        pytest.param(
            replace(TECHNICAL, problem_persists=False),
            TODAY,
            refused(Reason.PROBLEM_RESOLVED),
            id="closed-technical-solved",
        ),
        # the entity's response time (SLA)
        pytest.param(
            replace(SLA, response_due=D("2026-11-20")),
            D("2026-11-21"),
            eligible(Ground.SLA_PASSED),
            id="sla-passed",
        ),
        pytest.param(
            replace(SLA, response_due=D("2026-11-20")),
            D("2026-11-20"),
            not_yet(Reason.WAITING_FOR_SLA, "2026-11-21"),
            id="sla-last-day",
        ),
        pytest.param(
            replace(SLA, response_due=D("2026-12-15"), prior_complaint_date=D("2026-11-01")),
            D("2026-11-25"),
            not_yet(Reason.WAITING_FOR_SLA, "2026-12-16"),
            id="sla-governs-not-the-five-days",
        ),
        pytest.param(
            replace(SLA, response_due=D("2026-11-19"), prior_complaint_date=D("2026-11-18")),
            D("2026-11-20"),
            eligible(Ground.SLA_PASSED),
            id="short-sla-passed-before-five-days",
        ),
        # no response time: 5 working days after the complaint was created
        pytest.param(
            replace(NO_SLA, prior_complaint_date=D("2026-11-18")),
            D("2026-11-25"),
            not_yet(Reason.WAITING_FOR_FIVE_WORKING_DAYS, "2026-11-26"),
            id="five-days-conversation-2",
        ),
        pytest.param(
            replace(NO_SLA, prior_complaint_date=D("2026-11-18")),
            D("2026-11-26"),
            eligible(Ground.FIVE_WORKING_DAYS_PASSED),
            id="five-days-first-day",
        ),
        pytest.param(
            replace(NO_SLA, prior_complaint_date=D("2026-11-18")),
            D("2026-11-18"),
            not_yet(Reason.WAITING_FOR_FIVE_WORKING_DAYS, "2026-11-26"),
            id="five-days-created-today",
        ),
        pytest.param(
            replace(NO_SLA, prior_complaint_date=D("2026-03-16")),
            D("2026-03-29"),
            not_yet(Reason.WAITING_FOR_FIVE_WORKING_DAYS, "2026-03-30"),
            id="five-days-across-eid",
        ),
        pytest.param(
            replace(NO_SLA, prior_complaint_date=D("2026-03-16")),
            D("2026-03-30"),
            eligible(Ground.FIVE_WORKING_DAYS_PASSED),
            id="five-days-across-eid-passed",
        ),
        pytest.param(
            replace(NO_SLA, prior_complaint_date=D("2026-11-18"), prior_complaint_ref=None),
            D("2026-11-20"),
            not_yet(Reason.WAITING_FOR_FIVE_WORKING_DAYS, "2026-11-26"),
            id="not-yet-needs-no-number",
        ),
    ],
)
def test_decide_complaint(facts: ComplaintFacts, today: date, expected: Decision) -> None:
    assert decide_complaint(facts, today) == expected
    assert decide(ReportType.COMPLAINT_ESCALATION, facts, today) == expected


@pytest.mark.parametrize(
    ("facts", "today", "expected"),
    [
        (ComplaintFacts(), TODAY, "service_is_digital"),
        (ComplaintFacts(service_is_digital=True), TODAY, "prior_complaint_lodged"),
        (ComplaintFacts(service_is_digital=False), TODAY, None),
        (NOT_LODGED, TODAY, "lodging_blocked_by_fault"),
        (replace(NOT_LODGED, lodging_blocked_by_fault=False), TODAY, None),  # no date question
        (BLOCKED, TODAY, "has_fault_screenshot"),
        (replace(BLOCKED, has_fault_screenshot=True), TODAY, None),  # no number: it was down
        (replace(OPEN, complaint_closed=None), TODAY, "complaint_closed"),
        (CLOSED, TODAY, "closed_complaint_kind"),
        (replace(CLOSED, closed_complaint_kind="procedural"), TODAY, None),
        (TECHNICAL, TODAY, "problem_persists"),
        (replace(TECHNICAL, problem_persists=False), TODAY, None),
        (
            replace(TECHNICAL, problem_persists=True, prior_complaint_ref=None),
            TODAY,
            "prior_complaint_ref",
        ),
        (OPEN, TODAY, "entity_gave_response_time"),
        (SLA, TODAY, "response_due"),
        (NO_SLA, TODAY, "prior_complaint_date"),
        (
            replace(NO_SLA, prior_complaint_date=D("2026-11-18"), prior_complaint_ref=None),
            D("2026-11-26"),
            "prior_complaint_ref",
        ),
        (
            replace(NO_SLA, prior_complaint_date=D("2026-11-18"), prior_complaint_ref=None),
            D("2026-11-25"),
            None,
        ),  # not yet: the number is asked when it can be escalated
        (replace(NO_SLA, prior_complaint_date=D("2026-11-18")), D("2026-11-26"), None),
    ],
)
def test_next_question_complaint(facts: ComplaintFacts, today: date, expected: str | None) -> None:
    assert next_question(ReportType.COMPLAINT_ESCALATION, facts, today) == expected


def test_decide_names_the_missing_fact() -> None:
    with pytest.raises(MissingFactError) as raised:
        decide_complaint(NO_SLA, TODAY)
    assert raised.value.fact == "prior_complaint_date"


TRANSFORMATION = TransformationFacts(
    service_name="تصديق عقد الإيجار الورقي",
    service_is_paper=True,
    has_digital_alternative=False,
    entity_name="وزارة العدل",
)


@pytest.mark.parametrize(
    ("facts", "expected"),
    [
        (TRANSFORMATION, eligible()),
        (replace(TRANSFORMATION, service_name=NOT_KNOWN), refused(Reason.SERVICE_NAME_UNKNOWN)),
        (replace(TRANSFORMATION, service_name="   "), refused(Reason.SERVICE_NAME_UNKNOWN)),
        (
            replace(TRANSFORMATION, service_is_paper=False),
            redirect(Reason.SERVICE_ALREADY_DIGITAL, RedirectTarget.DEVELOPMENT_SUGGESTION),
        ),
        (
            replace(TRANSFORMATION, has_digital_alternative=True),
            refused(Reason.DIGITAL_ALTERNATIVE_EXISTS),
        ),
        (replace(TRANSFORMATION, entity_name=NOT_KNOWN), refused(Reason.ENTITY_UNKNOWN)),
        (
            replace(TRANSFORMATION, similar_previous_request=EXISTING),
            refused(Reason.DUPLICATE_REQUEST, EXISTING),
        ),
    ],
)
def test_decide_transformation(facts: TransformationFacts, expected: Decision) -> None:
    assert decide_transformation(facts) == expected
    assert decide(ReportType.TRANSFORMATION_REQUEST, facts) == expected


@pytest.mark.parametrize(
    ("facts", "expected"),
    [
        (TransformationFacts(), "service_name"),
        (TransformationFacts(service_name=NOT_KNOWN), None),
        (TransformationFacts(service_name="x"), "service_is_paper"),
        (TransformationFacts(service_name="x", service_is_paper=False), None),
        (TransformationFacts(service_name="x", service_is_paper=True), "has_digital_alternative"),
        (replace(TRANSFORMATION, entity_name=None), "entity_name"),
        (TRANSFORMATION, None),
    ],
)
def test_next_question_transformation(facts: TransformationFacts, expected: str | None) -> None:
    assert next_question(ReportType.TRANSFORMATION_REQUEST, facts) == expected


SUGGESTION = SuggestionFacts(service_name="تجديد الهوية", service_is_digital=True, platform="أبشر")


@pytest.mark.parametrize(
    ("facts", "expected"),
    [
        (SUGGESTION, eligible()),
        (replace(SUGGESTION, service_name=NOT_KNOWN), refused(Reason.SERVICE_NAME_UNKNOWN)),
        (
            replace(SUGGESTION, service_is_digital=False),
            redirect(Reason.PAPER_SERVICE, RedirectTarget.TRANSFORMATION_REQUEST),
        ),
        (replace(SUGGESTION, platform=NOT_KNOWN), refused(Reason.PLATFORM_UNKNOWN)),
        (
            replace(SUGGESTION, same_previous_suggestion=EXISTING),
            refused(Reason.DUPLICATE_SUGGESTION, EXISTING),
        ),
    ],
)
def test_decide_suggestion(facts: SuggestionFacts, expected: Decision) -> None:
    assert decide_suggestion(facts) == expected
    assert decide(ReportType.DEVELOPMENT_SUGGESTION, facts) == expected


@pytest.mark.parametrize(
    ("facts", "expected"),
    [
        (SuggestionFacts(), "service_name"),
        (SuggestionFacts(service_name="x"), "service_is_digital"),
        (SuggestionFacts(service_name="x", service_is_digital=False), None),
        (SuggestionFacts(service_name="x", service_is_digital=True), "platform"),
        (SUGGESTION, None),
    ],
)
def test_next_question_suggestion(facts: SuggestionFacts, expected: str | None) -> None:
    assert next_question(ReportType.DEVELOPMENT_SUGGESTION, facts) == expected


@pytest.mark.parametrize(
    ("facts", "expected"),
    [
        (OutageFacts("crisis_manager", "own_service"), eligible()),
        (OutageFacts("crisis_manager", "scheduled_maintenance"), eligible()),
        (OutageFacts("crisis_manager", "other_entity_service"), eligible()),
        (OutageFacts("deputy", "own_service"), eligible()),
        (OutageFacts("deputy", "scheduled_maintenance"), eligible()),
        (OutageFacts("deputy", "other_entity_service"), eligible()),
        (OutageFacts("entity_staff", "own_service"), refused(Reason.NOT_A_CRISIS_TEAM_MEMBER)),
        (OutageFacts("it_director", "own_service"), refused(Reason.NOT_A_CRISIS_TEAM_MEMBER)),
        (OutageFacts("entity_staff"), refused(Reason.NOT_A_CRISIS_TEAM_MEMBER)),
        (
            OutageFacts("individual", "other_entity_service"),
            redirect(Reason.NOT_A_GOVERNMENT_ENTITY, RedirectTarget.COMPLAINT_ESCALATION),
        ),
    ],
)
def test_decide_outage(facts: OutageFacts, expected: Decision) -> None:
    assert decide_outage(facts) == expected
    assert decide(ReportType.ENTITY_OUTAGE, facts) == expected


@pytest.mark.parametrize(
    ("facts", "expected"),
    [
        (OutageFacts(), "reporter_role"),
        (OutageFacts("crisis_manager"), "outage_kind"),
        (OutageFacts("deputy"), "outage_kind"),
        (OutageFacts("individual"), None),
        (OutageFacts("deputy", "scheduled_maintenance"), None),
    ],
)
def test_next_question_outage(facts: OutageFacts, expected: str | None) -> None:
    assert next_question(ReportType.ENTITY_OUTAGE, facts) == expected


@pytest.mark.parametrize(
    ("make", "field"),
    [
        (lambda: ComplaintFacts(closed_complaint_kind="administrative"), "closed_complaint_kind"),
        (lambda: OutageFacts(outage_kind="fire"), "outage_kind"),
    ],
)
def test_facts_refuse_unknown_choices(make: Callable[[], object], field: str) -> None:
    with pytest.raises(ValueError, match=field):
        make()


@pytest.mark.parametrize(
    ("outcome", "extra"),
    [
        (NOT_YET, {}),  # no date
        (REDIRECT, {}),  # nowhere to go
        (ELIGIBLE, {"eligible_from": D("2026-11-26")}),
        (REFUSED, {"redirect_to": RedirectTarget.CONTACT_ENTITY}),
    ],
)
def test_decision_invariants(outcome: Outcome, extra: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        Decision(outcome, Reason.CONDITIONS_MET, **extra)


def test_decide_dispatch_errors() -> None:
    with pytest.raises(ValueError, match="unknown report type"):
        decide("complaint", ComplaintFacts(), TODAY)
    with pytest.raises(TypeError, match="TransformationFacts"):
        decide("transformation_request", SUGGESTION)


def test_decide_accepts_plain_strings_and_defaults_today() -> None:
    facts: Facts = ComplaintFacts(service_is_digital=False)
    decision = decide("complaint_escalation", facts)
    assert decision.outcome == "redirect" and decision.reason == "paper_service"
    assert decision.redirect_to == "transformation_request"


def test_report_types_match_the_store() -> None:
    from bot.store.models import ReportType as StoredReportType

    assert {member.value for member in ReportType} == {m.value for m in StoredReportType}


@pytest.mark.parametrize(
    ("report_type", "slots", "expected"),
    [
        (
            "complaint_escalation",
            {
                "language": "ar",
                "service_is_digital": True,
                "prior_complaint_ref": "Q-77410",
                "prior_complaint_date": "٢٠٢٦-١١-١٨",
                "response_due": "",
            },
            ComplaintFacts(
                service_is_digital=True,
                prior_complaint_ref="Q-77410",
                prior_complaint_date=D("2026-11-18"),
            ),
        ),
        (
            "transformation_request",
            {"service_name": "x", "entity_name": "y", "full_name": "z"},
            TransformationFacts(service_name="x", entity_name="y"),
        ),
        ("development_suggestion", {}, SuggestionFacts()),
        ("entity_outage", {"reporter_role": "deputy"}, OutageFacts(reporter_role="deputy")),
    ],
)
def test_facts_from_slots(report_type: str, slots: dict[str, object], expected: Facts) -> None:
    assert facts_from_slots(report_type, slots) == expected


def test_walking_next_question_reaches_a_decision() -> None:
    """The loop of the module docstring, with CONVERSATIONS example 2's answers."""
    answers: dict[str, object] = {
        "service_is_digital": True,
        "prior_complaint_lodged": True,
        "complaint_closed": False,
        "entity_gave_response_time": False,
        "prior_complaint_date": D("2026-11-18"),
    }
    facts = ComplaintFacts()
    asked: list[str] = []
    while (fact := next_question("complaint_escalation", facts, D("2026-11-20"))) is not None:
        asked.append(fact)
        facts = replace(facts, **{fact: answers[fact]})
    assert asked == list(answers)
    assert decide("complaint_escalation", facts, D("2026-11-20")) == not_yet(
        Reason.WAITING_FOR_FIVE_WORKING_DAYS, "2026-11-26"
    )
