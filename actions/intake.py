"""Intake actions: propose the report type, start it, move on after a form, file, edit.

Thin adapters: the rules are in `bot.intake` (triage, flow, eligibility, filing); the
replies are domain responses chosen by the `language` slot.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict
from sqlalchemy.exc import SQLAlchemyError

from actions.common import (
    latest_entities,
    latest_intent,
    latest_metadata,
    latest_text,
    proposal_waiting,
    repository,
    slot_values,
)
from actions.forms import attachment_updates, said_back
from actions.reminders import offer_reminder
from actions.status import drafting
from bot.intake import corrections, filing, flow, outages, summary, triage, volunteered
from bot.intake.eligibility import Decision, Outcome, ReportType
from bot.intake.workdays import saudi_today
from bot.nlu.normalise import typed_text
from bot.runtime import settings
from bot.store.access import Principal
from bot.store.models import ReportStatus
from bot.store.verification import mobile_is_verified
from bot.texts.bidi import fsi
from bot.texts.notices import riyadh_date
from bot.texts.status_names import status_label

logger = logging.getLogger(__name__)

REPORT_TYPES = frozenset(member.value for member in ReportType)


def _cleared(keep: dict[str, Any] | None = None) -> list[EventType]:
    """Events that forget the report being prepared (personal data is kept)."""
    keep = keep or {}
    return [SlotSet(slot, keep.get(slot)) for slot in flow.REPORT_SLOTS]


def _ask(
    dispatcher: CollectingDispatcher,
    domain: DomainDict,
    report_type: str,
    *,
    platform: str | None,
    paper: bool,
) -> None:
    """The proposal's question: "is this a <type> (about <platform>)?", with yes/no buttons;
    a complaint about a paper service is offered a transformation request instead."""
    if paper and report_type == ReportType.TRANSFORMATION_REQUEST:
        dispatcher.utter_message(response="utter_propose_transformation_request_paper")
        return
    response = f"utter_propose_{report_type}"
    if platform and response + "_platform" in domain.get("responses", {}):
        dispatcher.utter_message(response=response + "_platform", platform=platform)
    else:
        dispatcher.utter_message(response=response)


def _was_redirected(tracker: Tracker, language: str) -> bool:
    """Whether the waiting proposal offered a transformation request instead of a complaint
    about a paper service: the message that led to it, read again."""
    for event in reversed(tracker.events):
        if event.get("event") != "user":
            continue
        intent = ((event.get("parse_data") or {}).get("intent") or {}).get("name") or ""
        text = typed_text(event.get("parse_data"), event.get("text"))
        proposal = triage.propose(intent, text, language)
        if proposal is not None:
            return proposal.redirected
    return False


def _tell_known_outage(
    dispatcher: CollectingDispatcher,
    sender: str,
    platform: str,
    facts: dict[str, Any],
    language: str,
) -> None:
    """A known outage of that platform (and service), said before the complaint is asked
    about (bot.intake.outages; the public notice only, bot.store.access ANNOUNCE)."""
    try:
        notices = repository().announced_outages(Principal.conversation(sender))
    except SQLAlchemyError:
        logger.exception("could not read the known outages; the complaint goes on")
        return
    notice = outages.covering_outage(notices, platform, facts.get("service_name"))
    if notice is None:
        return
    entity_ar, subject_ar = outages.notice_names(notice, "ar")
    entity_en, subject_en = outages.notice_names(notice, "en")
    dispatcher.utter_message(
        response="utter_known_outage",
        subject_ar=fsi(subject_ar, "ar"),
        subject_en=subject_en,
        entity_ar=fsi(entity_ar, "ar"),
        entity_en=entity_en,
        since=riyadh_date(notice.since),
    )


class ActionProposeReportType(Action):
    """Says which report type the user's message asks for, and asks to confirm it."""

    def name(self) -> str:
        return "action_propose_report_type"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        language = tracker.get_slot("language") or "ar"
        proposal = triage.propose(latest_intent(tracker) or "", latest_text(tracker), language)
        if proposal is None and proposal_waiting(tracker):
            # after a digression (a question, a correction…): the same proposal again, with
            # what the user may have changed meanwhile
            _ask(
                dispatcher,
                domain,
                tracker.get_slot("proposed_report_type"),
                platform=tracker.get_slot("platform"),
                paper=_was_redirected(tracker, language),
            )
            return []
        if proposal is None:
            dispatcher.utter_message(response="utter_choose_report_type")
            return []
        known: dict[str, Any] = {"proposed_report_type": proposal.report_type.value}
        if proposal.paper_service:
            known["service_is_paper"] = True
        facts = self._volunteered(tracker, proposal.report_type, known, language)
        # what was noted first, then the proposal and its buttons (the platform is in the
        # proposal's own sentence)
        shown = summary.noted_facts(
            {name: value for name, value in facts.items() if name != "platform"}, language
        )
        if shown:
            dispatcher.utter_message(response="utter_noted_facts", facts=shown)
        if proposal.platform_name and not proposal.redirected:
            known["platform"] = proposal.platform_name
            if proposal.report_type in (
                ReportType.COMPLAINT_ESCALATION,
                ReportType.DEVELOPMENT_SUGGESTION,
            ):
                known["service_is_digital"] = True  # a catalogue platform is digital
            if proposal.report_type == ReportType.COMPLAINT_ESCALATION:
                _tell_known_outage(
                    dispatcher, tracker.sender_id, proposal.platform_name, facts, language
                )
        _ask(
            dispatcher,
            domain,
            proposal.report_type.value,
            platform=known.get("platform"),
            paper=proposal.redirected,
        )
        # keep files already sent: they belong to the report about to start
        known["attachments"] = tracker.get_slot("attachments")
        report_facts = {name: value for name, value in facts.items() if name in flow.REPORT_SLOTS}
        personal = [
            SlotSet(name, value) for name, value in facts.items() if name not in report_facts
        ]
        return [*_cleared({**known, **report_facts}), *personal]

    @staticmethod
    def _volunteered(
        tracker: Tracker, report_type: str, known: dict[str, Any], language: str
    ) -> dict[str, Any]:
        """Facts the first message gives besides the type (bot.intake.volunteered)."""
        if known.get("service_is_paper"):
            return {}
        facts = volunteered.read_facts(
            latest_text(tracker), saudi_today(), report_type=report_type, language=language
        )
        personal_known = {name: tracker.get_slot(name) for name in flow.PERSONAL_SLOTS}
        return volunteered.facts_to_take(
            facts, report_type=report_type, slots={**known, **personal_known}
        )


class ActionStartIntake(Action):
    """Starts the confirmed (or chosen) type; the rules then open the type's form."""

    def name(self) -> str:
        return "action_start_intake"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        chosen = latest_entities(tracker).get("report_type")
        proposed = tracker.get_slot("proposed_report_type")
        if chosen in REPORT_TYPES and chosen != proposed:
            events = _cleared({"attachments": tracker.get_slot("attachments")})
            report_type = chosen
        else:
            events = []
            report_type = proposed
        if report_type not in REPORT_TYPES:
            dispatcher.utter_message(response="utter_choose_report_type")
            return events
        dispatcher.utter_message(response="utter_start_intake")
        return [
            *events,
            SlotSet("report_type", report_type),
            SlotSet("intake_step", None),
            SlotSet("cancelled_draft", None),  # a new report: the cancelled one is not resumed
        ]


def privacy_notice(dispatcher: CollectingDispatcher, slots: dict[str, Any]) -> list[EventType]:
    """The privacy notice (PDPL), said once a conversation before its first personal question:
    what is collected, why, for how long, and how to ask for a copy or a correction."""
    if slots.get("privacy_notice_shown"):
        return []
    try:
        days = settings.privacy_retention_days()
    except ValueError:  # the scheduler reports the setting; the notice keeps the default
        days = settings.DEFAULT_PRIVACY_RETENTION_DAYS
    dispatcher.utter_message(response="utter_privacy_notice", retention_days=days)
    return [SlotSet("privacy_notice_shown", True)]


def _decision_values(decision: Decision, slots: dict[str, Any]) -> dict[str, Any]:
    values: dict[str, Any] = {
        "existing_reference": decision.existing_reference or "",
        "prior_complaint_date": slots.get("prior_complaint_date") or "",
    }
    if decision.eligible_from is not None:
        values["eligible_from"] = decision.eligible_from.isoformat()
        values["eligible_weekday_ar"] = summary.weekday_name(decision.eligible_from, "ar")
        values["eligible_weekday_en"] = summary.weekday_name(decision.eligible_from, "en")
    return values


def mobile_proven(tracker: Tracker) -> bool:
    """Whether this conversation has proven the mobile it gave (bot.store.verification)."""
    mobile = tracker.get_slot("mobile")
    return bool(mobile) and mobile_is_verified(
        repository().engine, sender_id=tracker.sender_id, mobile=mobile
    )


def _may_see(sender: str, reference: str) -> bool:
    """Whether this conversation may see that report (the one authorisation check)."""
    try:
        return repository().get_for(Principal.conversation(sender), reference) is not None
    except SQLAlchemyError:
        logger.exception("could not check who may see an existing report")
        return False


def _open_repeat(slots: dict[str, Any]) -> str | None:
    """The same person's open report about the same subject (bot.intake.filing), if the
    store can tell."""
    try:
        return filing.open_report_on_same_subject(repository(), slots)
    except SQLAlchemyError:
        logger.exception("the check for an open report on the same subject could not run")
        return None


def _point_out_repeat(dispatcher: CollectingDispatcher, slots: dict[str, Any], sender: str) -> None:
    """Before the summary of a complaint escalation or an outage report: the reporter's open
    report about the same service, if this conversation may see it (its number, status and
    date). Not a refusal: a new complaint number may be another problem."""
    reference = _open_repeat(slots)
    if reference is None:
        return
    try:
        report = repository().get_for(Principal.conversation(sender), reference)
    except SQLAlchemyError:
        logger.exception("could not read the open report on the same subject")
        return
    if report is None:  # another conversation's: only the back office's note tells of it
        return
    language = slots.get("language") or "ar"
    dispatcher.utter_message(
        response="utter_possible_repeat",
        reference=report.reference,
        status=status_label(report.status, language),
        filed_on=riyadh_date(report.created_at),
    )


class ActionIntakeNext(Action):
    """After a form: explain a refusal, ask the personal data, or show the summary."""

    def name(self) -> str:
        return "action_intake_next"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        slots = slot_values(tracker)
        report_type = slots.get("report_type")
        if report_type not in REPORT_TYPES:
            return [SlotSet("intake_step", "ended")]
        decision = flow.decision_for(report_type, slots, saudi_today())
        if decision is None:  # the form stopped early (it should not): start the type again
            dispatcher.utter_message(response="utter_choose_report_type")
            return [*_cleared(), SlotSet("intake_step", "ended")]
        if decision.is_eligible and not flow.missing_personal_slots(slots):
            try:
                duplicate = filing.previous_duplicate(repository(), slots)
            except SQLAlchemyError:
                # The store is down. Rather than end the conversation, go on to the summary:
                # "send" needs the store too and tells the user to retry while it is down. A
                # repeat that gets through this way is left to the back office.
                logger.exception("the duplicate check could not read the store")
                duplicate = None
            if duplicate is not None:
                slot = (
                    "similar_previous_request"
                    if report_type == ReportType.TRANSFORMATION_REQUEST
                    else "same_previous_suggestion"
                )
                slots[slot] = duplicate
                decision = flow.decision_for(report_type, slots, saudi_today()) or decision
        if not decision.is_eligible:
            return self._not_eligible(dispatcher, decision, slots, tracker)
        if flow.missing_personal_slots(slots) or not mobile_proven(tracker):
            return [*privacy_notice(dispatcher, slots), SlotSet("intake_step", "personal_data")]
        _point_out_repeat(dispatcher, slots, tracker.sender_id)
        return self._summary(dispatcher, slots)

    @staticmethod
    def _not_eligible(
        dispatcher: CollectingDispatcher,
        decision: Decision,
        slots: dict[str, Any],
        tracker: Tracker,
    ) -> list[EventType]:
        response = f"utter_decision_{decision.reason}"
        if decision.existing_reference and not _may_see(
            tracker.sender_id, decision.existing_reference
        ):
            response += "_hidden"  # "a similar report exists": its number only to its owner
        dispatcher.utter_message(response=response, **_decision_values(decision, slots))
        keep: dict[str, Any] = {}
        if decision.outcome == Outcome.REDIRECT and decision.redirect_to in REPORT_TYPES:
            keep["proposed_report_type"] = decision.redirect_to
        # "not yet": a reminder on the day it becomes possible (actions/reminders.py)
        offered = offer_reminder(dispatcher, decision, slots, tracker)
        step = "reminder_offer" if offered else "ended"
        return [*_cleared(keep), *offered, SlotSet("intake_step", step)]

    @staticmethod
    def _summary(dispatcher: CollectingDispatcher, slots: dict[str, Any]) -> list[EventType]:
        language = slots.get("language") or "ar"
        values = summary.summary_values(slots, language)
        dispatcher.utter_message(response="utter_summary", **values)
        key = slots.get("filing_key") or uuid.uuid4().hex
        return [SlotSet("filing_key", key), SlotSet("intake_step", "summary")]


class ActionFileReport(Action):
    """Files the confirmed report exactly once (the idempotency key is set at the summary)."""

    def name(self) -> str:
        return "action_file_report"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        slots = slot_values(tracker)
        if slots.get("intake_step") != "summary" or not slots.get("filing_key"):
            if slots.get("report_ref"):
                dispatcher.utter_message(
                    response="utter_report_already_filed", report_ref=slots["report_ref"]
                )
            else:
                dispatcher.utter_message(response="utter_nothing_to_confirm")
            return []
        try:
            proven = mobile_proven(tracker)
        except SQLAlchemyError:
            logger.exception("could not check the mobile's proof; the report stays here")
            dispatcher.utter_message(response="utter_filing_failed")
            return []
        if not proven:  # never filed with a mobile nobody proved
            dispatcher.utter_message(response="utter_mobile_needs_code")
            return [SlotSet("mobile_code", None), FollowupAction("action_intake_next")]
        channel = filing.channel_of(tracker.get_latest_input_channel(), latest_metadata(tracker))
        try:
            repeat = _open_repeat(slots)
            filed = filing.file_report(
                repository(),
                slots,
                channel=channel,
                sender_id=tracker.sender_id,
                idempotency_key=f"{tracker.sender_id}:{slots['filing_key']}",
                note=filing.repeat_note(repeat) if repeat else None,
            )
        except SQLAlchemyError:
            logger.exception("filing failed; the report stays in the conversation")
            dispatcher.utter_message(response="utter_filing_failed")
            return []
        due = filed.due_at.date().isoformat() if filed.due_at else ""
        dispatcher.utter_message(
            response="utter_report_filed", report_ref=filed.reference, due_date=due
        )
        ended = [SlotSet("report_ref", filed.reference), SlotSet("intake_step", "ended")]
        return [*_cleared(), *ended]


class ActionEditField(Action):
    """Clears the field the user wants to change; the rules reopen the form that asks it."""

    def name(self) -> str:
        return "action_edit_field"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        report_type = tracker.get_slot("report_type")
        editable = flow.EDITABLE_FIELDS.get(report_type, ())
        field = latest_entities(tracker).get("field") or flow.field_named(
            latest_text(tracker), editable
        )
        at_summary = tracker.get_slot("intake_step") == "summary"
        if proposal_waiting(tracker):
            return self._before_the_form(dispatcher, tracker)
        if not at_summary or report_type not in REPORT_TYPES:
            dispatcher.utter_message(response="utter_nothing_to_confirm")
            return [SlotSet("intake_step", "ended")]
        correction = corrections.read_correction(
            latest_text(tracker),
            slot_values(tracker),
            editable,
            saudi_today(),
            language=tracker.get_slot("language"),
            needs_marker=False,
        )
        if correction is not None:  # the new value is in the message: no question needed
            return self._changed(correction, dispatcher, tracker)
        if field not in editable:
            dispatcher.utter_message(response="utter_edit_field_unknown")
            dispatcher.utter_message(response="utter_ask_edit_field")
            return [SlotSet("intake_step", "summary")]
        events: list[EventType] = [SlotSet(field, None)]
        if field == "prior_complaint_ref":
            events.append(SlotSet("already_escalated_as", None))
        step = "personal_data" if field in flow.PERSONAL_SLOTS else "type_form"
        return [*events, SlotSet("intake_step", step)]


    @staticmethod
    def _before_the_form(
        dispatcher: CollectingDispatcher, tracker: Tracker
    ) -> list[EventType]:
        """A correction while "is this a <type>?" waits (the platform the first message
        named, say): the fact changes; the rules ask the proposal again."""
        proposed = tracker.get_slot("proposed_report_type")
        correction = corrections.read_correction(
            latest_text(tracker),
            slot_values(tracker),
            flow.EDITABLE_FIELDS.get(proposed, ()),
            saudi_today(),
            language=tracker.get_slot("language"),
            needs_marker=False,
        )
        if correction is None:
            dispatcher.utter_message(response="utter_correction_unclear_at_proposal")
            return [SlotSet("intake_step", None)]
        updates = said_back(correction, dispatcher, tracker.get_slot("language"))
        return [*(SlotSet(name, value) for name, value in updates.items()),
                SlotSet("intake_step", None)]

    @staticmethod
    def _changed(
        correction: corrections.Correction, dispatcher: CollectingDispatcher, tracker: Tracker
    ) -> list[EventType]:
        """Sets the corrected field and shows the summary again (the mobile's code first)."""
        updates = said_back(correction, dispatcher, tracker.get_slot("language"))
        if correction.field == "prior_complaint_ref":  # no form validates it here
            updates["already_escalated_as"] = filing.prior_complaint_escalated_as(
                repository(), correction.value
            )
        events = [SlotSet(name, value) for name, value in updates.items()]
        return [*events, SlotSet("intake_step", "summary"), FollowupAction("action_intake_next")]


class ActionReceiveAttachment(Action):
    """Files sent outside a form: kept for the report, with a word on what happens next."""

    def name(self) -> str:
        return "action_receive_attachment"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        updates = attachment_updates(dispatcher, tracker)
        if updates:
            waiting = None if drafting(tracker) else _waiting_for_documents(tracker.sender_id)
            if waiting:  # the back office asked for documents: offer to add the files there
                dispatcher.utter_message(response="utter_attachment_for_report", reference=waiting)
            else:
                dispatcher.utter_message(response="utter_attachment_not_expected")
        return [SlotSet(slot, value) for slot, value in updates.items()]


def _waiting_for_documents(sender_id: str) -> str | None:
    """The reference of this conversation's latest report waiting for documents, if any."""
    try:
        reports = repository().visible_to(Principal.conversation(sender_id))
    except SQLAlchemyError:
        logger.exception("could not read the reports of a conversation")
        return None
    waiting = [report for report in reports if report.status == ReportStatus.MISSING_DATA]
    return max(waiting, key=lambda report: report.created_at).reference if waiting else None
