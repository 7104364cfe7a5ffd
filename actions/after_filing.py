"""The reporter's requests about their filed report: the form that asks for what a request
needs, and the action that carries it out in the store.

action_check_status (actions/status.py) finds the report, checks that the asker is its
reporter and that the report's status allows the request, then opens `after_filing_form`:

    withdraw    "Cancel report BR-…?" yes/no (nothing is cancelled without a yes)
    correction  what should be corrected (a note on the report's history for the back office)
    documents   files, then "done" (a report in missing_data goes back to under_review)
    rating      the solution 1–5, the service 1–5, an optional comment
    reopen      why a closed complaint escalation should be re-opened (the back office
                answers: `reports reopen REF accept|refuse`)

action_complete_request then calls bot.store.repository, which passes the one authorisation
check (bot.store.access) and the status rules again inside its transaction, and says what was
done, or why not.
"""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import FormValidationAction
from rasa_sdk.types import DomainDict
from sqlalchemy.exc import SQLAlchemyError

from actions.common import latest_entities, latest_intent, latest_text, repository
from actions.forms import attachment_updates, is_interruption
from bot.intake import answers, requests
from bot.intake.filing import attachment_drafts
from bot.intake.requests import RequestKind
from bot.intake.status import StatusOutcome, look_up
from bot.intake.text import MAX_ANSWER_LENGTH, clean_free_text
from bot.store.access import Principal
from bot.store.lifecycle import TransitionNotAllowed
from bot.store.models import Report
from bot.store.reports.errors import (
    AlreadyRated,
    RatingNotAllowed,
    ReopenNotAllowed,
    ReportNotFound,
    ReportNotOpen,
)
from bot.texts.status_names import status_label

logger = logging.getLogger(__name__)

# Everything a request keeps while it is asked; all forgotten when it ends.
REQUEST_SLOTS = (
    "report_request",
    "status_reference",
    "withdraw_confirmed",
    "correction_text",
    "documents_done",
    "rating_solution",
    "rating_service",
    "rating_comment",
    "reopen_reason",
)
RATING_SLOTS = frozenset({"rating_solution", "rating_service"})


def request_kind(tracker: Tracker) -> RequestKind | None:
    try:
        return RequestKind(tracker.get_slot("report_request"))
    except ValueError:
        return None


def ended(tracker: Tracker) -> list[EventType]:
    """Events that forget the request (and the files sent for it)."""
    events: list[EventType] = [SlotSet(slot, None) for slot in REQUEST_SLOTS]
    if request_kind(tracker) == RequestKind.DOCUMENTS:
        events.append(SlotSet("attachments", None))
    return [*events, SlotSet("status_step", None)]


class ValidateAfterFilingForm(FormValidationAction):
    """Reads the answer to each question of `after_filing_form` (custom slot mappings)."""

    def name(self) -> str:
        return "validate_after_filing_form"

    async def required_slots(
        self,
        domain_slots: list[str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[str]:
        kind = request_kind(tracker)
        return list(requests.FORM_SLOTS.get(kind, ())) if kind else []

    async def get_validation_events(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """The SDK keeps only the form's slots: the files sent for the request stay too."""
        events = await super().get_validation_events(dispatcher, tracker, domain)
        files = tracker.slots_to_validate().get("attachments")
        return [*events, SlotSet("attachments", files)] if files is not None else events

    async def get_extraction_events(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        requested = tracker.get_slot("requested_slot")
        if not requested:
            return []
        if requested == "documents_done":
            updates = self._documents(dispatcher, tracker)
        else:
            updates = self._answer(requested, dispatcher, tracker)
        return [SlotSet(slot, value) for slot, value in updates.items()]

    @staticmethod
    def _documents(dispatcher: CollectingDispatcher, tracker: Tracker) -> dict[str, Any]:
        updates: dict[str, Any] = attachment_updates(dispatcher, tracker)
        intent, text = latest_intent(tracker), latest_text(tracker)
        if updates or intent == "send_attachment" or not text.strip():
            return {**updates, "documents_done": None}  # files came: more, or "done"
        if is_interruption("documents_done", intent, text):
            return {}
        said = answers.parse_yes_no(text, intent)
        if said is None and not answers.is_skip(text, intent):
            dispatcher.utter_message(response="utter_invalid_documents_expected")
            return {"documents_done": None}
        if not tracker.get_slot("attachments"):
            dispatcher.utter_message(response="utter_invalid_documents_none")
            return {"documents_done": None}
        return {"documents_done": True}

    @staticmethod
    def _answer(slot: str, dispatcher: CollectingDispatcher, tracker: Tracker) -> dict[str, Any]:
        intent, text = latest_intent(tracker), latest_text(tracker)
        if slot in RATING_SLOTS:  # a button sends /choose{"choice": "4"}
            rating = requests.parse_rating(str(latest_entities(tracker).get("choice") or text))
            if rating is not None:
                return {slot: rating}
        if slot == "withdraw_confirmed" and intent == "withdraw_report":
            return {slot: True}  # "yes, cancel the report"
        if is_interruption(slot, intent, text):
            return {}
        if slot == "withdraw_confirmed":
            said = answers.parse_yes_no(text, intent)
            if said is None:
                dispatcher.utter_message(response="utter_invalid_yes_no_expected")
            return {slot: said}
        if slot in RATING_SLOTS:
            dispatcher.utter_message(response="utter_invalid_rating")
            return {slot: None}
        if slot == "rating_comment" and answers.is_skip(text, intent):
            return {slot: ""}
        limits = (
            requests.CORRECTION_LENGTH
            if slot in ("correction_text", "reopen_reason")
            else requests.COMMENT_LENGTH
        )
        cleaned = clean_free_text(text, multiline=True, max_length=MAX_ANSWER_LENGTH)
        if text.startswith("/") or not limits[0] <= len(cleaned) <= limits[1]:
            dispatcher.utter_message(response=f"utter_invalid_{slot}")
            return {slot: None}
        return {slot: cleaned}


class ActionCompleteRequest(Action):
    """Carries out the request once `after_filing_form` has its answers."""

    def name(self) -> str:
        return "action_complete_request"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        kind = request_kind(tracker)
        reference = tracker.get_slot("status_reference")
        if kind is None or not reference:
            return ended(tracker)
        # the asker is checked again: the store's rules are enforced at the moment of writing
        principal = Principal.conversation(tracker.sender_id)
        answer = look_up(
            repository(), "", principal=principal, reference=reference, identity_checked=True
        )
        if answer.outcome != StatusOutcome.FOUND:
            dispatcher.utter_message(response="utter_status_not_found", reference=reference)
            return ended(tracker)
        report = answer.reports[0]
        try:
            self._carry_out(dispatcher, tracker, kind, report, principal)
        except (TransitionNotAllowed, ReportNotOpen):
            self._refused(dispatcher, tracker, reference, "final")
        except RatingNotAllowed:
            self._refused(dispatcher, tracker, reference, "not_closed")
        except AlreadyRated:
            self._refused(dispatcher, tracker, reference, "already_rated")
        except ReopenNotAllowed:
            self._refused(dispatcher, tracker, reference, "not_reopenable")
        except ReportNotFound:
            dispatcher.utter_message(response="utter_status_not_found", reference=reference)
        except SQLAlchemyError:
            logger.exception("the store failed while carrying out a %s request", kind)
            dispatcher.utter_message(
                response="utter_request_failed",
                reference=reference,
                intent=requests.INTENT_OF_KIND[kind],
            )
        return ended(tracker)

    @staticmethod
    def _refused(
        dispatcher: CollectingDispatcher, tracker: Tracker, reference: str, why: str
    ) -> None:
        report = repository().get_for(Principal.conversation(tracker.sender_id), reference)
        status = report.status if report is not None else ""
        dispatcher.utter_message(
            response=f"utter_request_refused_{why}",
            reference=reference,
            status_label=status_label(status, tracker.get_slot("language")),
        )

    @staticmethod
    def _carry_out(
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        kind: RequestKind,
        report: Report,
        principal: Principal,
    ) -> None:
        """Each request passes the one authorisation check again, in the store's own
        transaction (bot.store.access), for this conversation."""
        store = repository()
        reference = report.reference
        if kind == RequestKind.WITHDRAW:
            if tracker.get_slot("withdraw_confirmed") is not True:
                dispatcher.utter_message(response="utter_withdraw_kept", reference=reference)
                return
            store.cancel_by_reporter(reference, principal=principal)
            dispatcher.utter_message(response="utter_withdrawn", reference=reference)
        elif kind == RequestKind.CORRECTION:
            store.request_correction(
                reference, principal=principal, correction=tracker.get_slot("correction_text")
            )
            dispatcher.utter_message(response="utter_correction_recorded", reference=reference)
        elif kind == RequestKind.DOCUMENTS:
            before, waiting = len(report.attachments), report.status == "missing_data"
            drafts = attachment_drafts(tracker.get_slot("attachments"))
            if not drafts:
                return
            updated = store.add_documents(reference, drafts, principal=principal)
            added = len(updated.attachments) - before
            if not added:
                dispatcher.utter_message(response="utter_documents_already_there")
                return
            dispatcher.utter_message(
                response="utter_documents_added", reference=reference, count=added
            )
            if waiting and updated.status == "under_review":
                dispatcher.utter_message(response="utter_documents_back_to_review")
        elif kind == RequestKind.REOPEN:
            store.request_reopen(
                reference, principal=principal, reason=tracker.get_slot("reopen_reason")
            )
            dispatcher.utter_message(response="utter_reopen_requested", reference=reference)
        elif kind == RequestKind.RATING:
            store.rate(
                reference,
                solution=tracker.get_slot("rating_solution"),
                service=tracker.get_slot("rating_service"),
                comment=tracker.get_slot("rating_comment") or None,
                principal=principal,
            )
            dispatcher.utter_message(response="utter_rating_stored", reference=reference)
