"""The dialogue spec: every form, the slots it asks in their order, and how each is asked.

One table, read by everything that needs to know a form's questions: `bot.intake.flow`
(which question comes next), `bot.intake.repair` (which questions may be skipped or answered
"I don't know"), `bot.intake.requests` (the questions of a request about a filed report),
`bot.intake.cancelled` (which forms hold a draft) and the form validations in
actions/forms.py. Two copies cannot be generated from it and are checked against it by
tests/unit/test_dialogue_spec.py instead: the `forms:` of domain.yml (Rasa reads them before
any action runs) and `bot.nlu.language.DATA_SLOTS` (the NLU may not import the intake).

A report form asks its eligibility questions first, in the order the rules of
`bot.intake.eligibility` need them (a question whose answer is already known is skipped),
then, once the report is eligible, the data it collects. The order listed here is the order
of domain.yml; which of them are still asked is `bot.intake.flow.report_form_slots`.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from bot.intake.eligibility import ReportType

__all__ = [
    "FORMS",
    "QUESTIONS",
    "Ask",
    "Form",
    "Question",
    "form_named",
    "form_of_type",
    "report_forms",
]


class Ask(StrEnum):
    """How Rasa asks a slot: `action_ask_<slot>` (explained on a second try, ways out on a
    third: actions/ask.py) or the plain response `utter_ask_<slot>`."""

    ACTION = "action"
    RESPONSE = "response"


@dataclass(frozen=True)
class Question:
    """One slot a form asks for."""

    slot: str
    ask: Ask = Ask.ACTION
    optional: bool = False  # may be skipped: holds "" once declined (a "Skip" button)
    # "I don't know" is an answer the eligibility rules explain: a name or number left empty,
    # or "no" to a yes/no question whose "no" the rules read as "not known" (no response
    # time given: five working days; no digital alternative known)
    dont_know: bool = False
    data: bool = False  # the answer is data (a name, a number): it never switches language


@dataclass(frozen=True)
class Form:
    """A form: its name, the report type it collects (None for the others) and its slots."""

    name: str
    report_type: str | None = None
    eligibility: tuple[str, ...] = ()  # the rules' questions, in the order they need them
    looked_up: tuple[str, ...] = ()  # eligibility facts the store answers, never asked
    when_lodged: tuple[str, ...] = ()  # asked of an eligible complaint lodged earlier
    collects: tuple[str, ...] = ()  # what an eligible report (or the form) collects
    per_request: dict[str, tuple[str, ...]] | None = None  # after_filing_form: by request

    @property
    def validation(self) -> str:
        """The name of its validation action (rasa-sdk's FormValidationAction)."""
        return f"validate_{self.name}"

    @property
    def slots(self) -> tuple[str, ...]:
        """Every slot it may ask, in order: domain.yml's `required_slots`."""
        requested = [slot for slots in (self.per_request or {}).values() for slot in slots]
        ordered = [*self.eligibility, *self.when_lodged, *self.collects, *requested]
        return tuple(dict.fromkeys(ordered))


_ACTION = Ask.ACTION
_RESPONSE = Ask.RESPONSE

# Every question of every form. A slot asked by several forms is asked the same way.
QUESTIONS: dict[str, Question] = {
    question.slot: question
    for question in (
        # eligibility
        Question("service_is_digital"),
        Question("prior_complaint_lodged"),
        Question("lodging_blocked_by_fault"),
        Question("has_fault_screenshot"),
        Question("complaint_closed"),
        Question("closed_complaint_kind"),
        Question("problem_persists"),
        Question("entity_gave_response_time", dont_know=True),
        Question("response_due"),
        Question("prior_complaint_date", data=True),
        Question("prior_complaint_ref", dont_know=True, data=True),
        Question("service_is_paper"),
        Question("has_digital_alternative", dont_know=True),
        Question("reporter_role"),
        Question("outage_kind"),
        # the report's data
        Question("platform", dont_know=True, data=True),
        Question("service_name", dont_know=True, data=True),
        Question("service_channel", optional=True),
        Question("entity_name", dont_know=True, data=True),
        Question("title"),
        Question("description"),
        Question("attachments_done"),
        # the reporter
        Question("full_name", data=True),
        Question("national_id", data=True),
        Question("mobile", data=True),
        Question("email", optional=True, data=True),
        # someone following a report from another channel: the code sent to its mobile
        Question("follow_code"),
        # a request about a filed report
        Question("withdraw_confirmed", ask=_RESPONSE),
        Question("correction_text", ask=_RESPONSE),
        Question("documents_done", ask=_RESPONSE),
        Question("rating_solution", ask=_RESPONSE),
        Question("rating_service", ask=_RESPONSE),
        Question("rating_comment", ask=_RESPONSE),
        Question("reopen_reason", ask=_RESPONSE),
        # a chat with a call-centre agent: what the user writes goes to the agent
        Question("handoff_over", data=True),
    )
}

FORMS: tuple[Form, ...] = (
    Form(
        "complaint_form",
        ReportType.COMPLAINT_ESCALATION,
        eligibility=(
            "service_is_digital",
            "prior_complaint_lodged",
            "lodging_blocked_by_fault",
            "has_fault_screenshot",
            "complaint_closed",
            "closed_complaint_kind",
            "problem_persists",
            "entity_gave_response_time",
            "response_due",
            "prior_complaint_date",
            "prior_complaint_ref",
        ),
        looked_up=("already_escalated_as",),
        when_lodged=("prior_complaint_ref", "prior_complaint_date"),
        collects=(
            "platform",
            "service_name",
            "service_channel",
            "title",
            "description",
            "attachments_done",
        ),
    ),
    Form(
        "transformation_form",
        ReportType.TRANSFORMATION_REQUEST,
        eligibility=("service_name", "service_is_paper", "has_digital_alternative", "entity_name"),
        looked_up=("similar_previous_request",),
        collects=("service_name", "entity_name", "description"),
    ),
    Form(
        "suggestion_form",
        ReportType.DEVELOPMENT_SUGGESTION,
        eligibility=("service_name", "service_is_digital", "platform"),
        looked_up=("same_previous_suggestion",),
        collects=("platform", "service_name", "service_channel", "description"),
    ),
    Form(
        "outage_form",
        ReportType.ENTITY_OUTAGE,
        eligibility=("reporter_role", "outage_kind"),
        collects=("entity_name", "platform", "service_name", "title", "description",
                  "attachments_done"),
    ),
    # asked once per conversation, after the first report's form, reused for later reports
    Form("personal_form", collects=("full_name", "national_id", "mobile", "email")),
    Form("identity_form", collects=("national_id", "follow_code")),
    Form(
        "after_filing_form",
        per_request={
            "withdraw": ("withdraw_confirmed",),
            "correction": ("correction_text",),
            "documents": ("documents_done",),
            "rating": ("rating_solution", "rating_service", "rating_comment"),
            "reopen": ("reopen_reason",),
        },
    ),
    Form("handoff_form", collects=("handoff_over",)),
)


def form_named(name: str) -> Form:
    """The form called `name` (KeyError for none)."""
    for form in FORMS:
        if form.name == name:
            return form
    raise KeyError(name)


def report_forms() -> tuple[Form, ...]:
    """The forms that collect a report type, in the order of the types."""
    return tuple(form for form in FORMS if form.report_type is not None)


def form_of_type(report_type: str) -> Form:
    """The form that collects `report_type` (KeyError for none)."""
    for form in report_forms():
        if form.report_type == report_type:
            return form
    raise KeyError(report_type)
