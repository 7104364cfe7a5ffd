"""Questions and requests about a filed report: "what is the status of BR-…", "وين وصل
بلاغي", "my reports", and "cancel / correct / add documents to / rate my report".

Thin adapter over bot.intake.status (what may be shown to whom) and bot.intake.requests
(what the report's status allows). For a status question it answers, with buttons for what
the reporter can do now; for a request it finds the report (asking which one when several
qualify, or, from another channel, for the ID number and a one-time code sent to the mobile
on file: `identity_form`, actions/verification.py) and hands over to `after_filing_form`
(actions/after_filing.py), which asks the request's questions. Who may see what is decided
by the one authorisation check (bot.store.access), for the conversation's own id.

Guessing is slowed down (bot.store.throttle): lookups of a reference that fail count against
the conversation, the client's address and the reference.
"""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict
from sqlalchemy.exc import SQLAlchemyError

from actions.common import latest_entities, latest_intent, latest_text, repository
from actions.verification import GAVE_UP, THROTTLED, throttle_keys
from bot.intake import requests
from bot.intake.requests import RequestKind
from bot.intake.status import StatusAnswer, StatusOutcome, find_reference_texts, look_up
from bot.store import throttle
from bot.store.access import Principal
from bot.store.models import Report
from bot.store.reference import parse_reference
from bot.texts.status_names import status_label

logger = logging.getLogger(__name__)

# At most this many reports are listed for "my reports".
MAX_LISTED = 5


# Lookups that found nothing for the asker: counted by bot.store.throttle.
FAILED_LOOKUPS = frozenset({StatusOutcome.NOT_FOUND, StatusOutcome.INVALID})
# Answers about a report that is not the asker's (yet): slowed down when guessed too often.
GUESSES = FAILED_LOOKUPS | {StatusOutcome.NEED_IDENTITY}
# The intake forms: "cancel the report" said while one is being prepared stops that one.
DRAFT_STEPS = frozenset({"type_form", "personal_data", "summary"})


def _utter_report(dispatcher: CollectingDispatcher, report: Report) -> None:
    due = report.due_at.date().isoformat() if report.due_at else "—"
    dispatcher.utter_message(
        response=f"utter_status_{report.status}", reference=report.reference, due_date=due
    )


def drafting(tracker: Tracker) -> bool:
    """Whether a report is being prepared in this conversation (not yet filed)."""
    loop = tracker.active_loop.get("name") if tracker.active_loop else None
    return bool(loop and loop != "after_filing_form") or (
        tracker.get_slot("intake_step") in DRAFT_STEPS or bool(tracker.get_slot("report_type"))
    )


class ActionCheckStatus(Action):
    """Looks a report up for its reporter; asks for ID and mobile from another channel."""

    in_form = False

    def name(self) -> str:
        return "action_check_status"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        try:
            return self._run(dispatcher, tracker)
        except SQLAlchemyError:  # the store is down: say so, never a crash or a half answer
            logger.exception("a status lookup could not read the store")
            dispatcher.messages.clear()
            dispatcher.utter_message(response="utter_status_unavailable")
            return answered(tracker)

    def _run(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
        asked = requests.kind_of_intent(latest_intent(tracker))
        after_identity = tracker.get_slot("status_step") == "need_identity" and asked is None
        kind = asked or RequestKind(tracker.get_slot("report_request") or RequestKind.STATUS)
        reference = latest_entities(tracker).get("reference")
        if after_identity:
            reference = tracker.get_slot("status_reference")
        text = latest_text(tracker) if not reference else ""
        withdraw_unnamed = (kind == RequestKind.WITHDRAW and not reference
                            and not find_reference_texts(text))
        if withdraw_unnamed and drafting(tracker):  # "cancel the report" while preparing one
            return [FollowupAction("action_cancel_report")]
        guessable = bool(reference or after_identity or find_reference_texts(text))
        typed = reference or next(
            (found for found in map(parse_reference, find_reference_texts(text)) if found), None
        )
        keys = throttle_keys(tracker, reference=typed)
        if after_identity and tracker.get_slot("follow_code") == THROTTLED:
            return answered(tracker)  # "paused, try again in N minutes" was said with the code
        if after_identity and tracker.get_slot("follow_code") == GAVE_UP:
            dispatcher.utter_message(response="utter_status_not_found", reference=reference)
            return answered(tracker)
        answer = look_up(
            repository(),
            text,
            principal=Principal.conversation(tracker.sender_id),
            reference=reference,
            identity_checked=after_identity,
        )
        # a reference that is not (yet) the asker's is a guess: limited per key. The reporter
        # reading their own reports is never slowed down, whatever strangers tried.
        if guessable and answer.outcome in GUESSES and not after_identity:
            wait = throttle.minutes_to_wait(repository().engine, keys)
            if wait:
                dispatcher.utter_message(response="utter_status_rate_limited", minutes=wait)
                return answered(tracker)
        if guessable and answer.outcome in FAILED_LOOKUPS:
            throttle.record_failure(repository().engine, keys)
        if answer.outcome == StatusOutcome.NEED_IDENTITY and self.in_form:
            # proving who asks is a form of its own: not while a report is being prepared
            dispatcher.utter_message(
                response="utter_status_need_identity_in_form", reference=answer.reference
            )
            return answered(tracker)
        if answer.outcome == StatusOutcome.NEED_IDENTITY and not after_identity:
            dispatcher.utter_message(response="utter_status_need_identity")
            return [
                SlotSet("status_reference", answer.reference),
                SlotSet("status_step", "need_identity"),
                SlotSet("report_request", kind.value),
                *code_step_cleared(tracker),
            ]
        if kind != RequestKind.STATUS:
            events = self._request(dispatcher, tracker, kind, answer)
            if events is not None:
                return events
        else:
            self._answer(dispatcher, answer)
        return answered(tracker)

    def _request(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        kind: RequestKind,
        answer: StatusAnswer,
    ) -> list[EventType] | None:
        """Start `kind` for the report found, or say why not; None: answered as a status
        question would be (no such report, a typo, an invalid number)."""
        if answer.outcome == StatusOutcome.FOUND:
            report = answer.reports[0]
        elif answer.outcome == StatusOutcome.LIST:
            report, found = requests.chosen_reports(kind, answer.reports)
            if report is None:
                self._choose(dispatcher, kind, found)
                return answered(tracker)
        else:
            self._answer(dispatcher, answer)
            return None
        why = requests.refusal(kind, report)
        if why is not None:
            dispatcher.utter_message(
                response=f"utter_request_refused_{why}",
                reference=report.reference,
                status_label=status_label(report.status, tracker.get_slot("language")),
            )
            return answered(tracker)
        return [
            SlotSet("status_reference", report.reference),
            SlotSet("report_request", kind.value),
            SlotSet("status_step", "request"),
            *code_step_cleared(tracker),
        ]

    @staticmethod
    def _choose(dispatcher: CollectingDispatcher, kind: RequestKind, found: list[Report]) -> None:
        if not found:
            dispatcher.utter_message(response=f"utter_request_nothing_{kind}")
            return
        intent = requests.INTENT_OF_KIND[kind]
        buttons = [
            {
                "title": report.reference,
                "payload": f'/{intent}{{"reference": "{report.reference}"}}',
            }
            for report in found[:MAX_LISTED]
        ]
        dispatcher.utter_message(response="utter_request_choose_report", buttons=buttons)

    def _answer(self, dispatcher: CollectingDispatcher, answer: Any) -> None:
        outcome = answer.outcome
        if outcome == StatusOutcome.FOUND:
            report = answer.reports[0]
            _utter_report(dispatcher, report)
            # mid-form, the form's question comes next, not what to do with that report
            can = () if self.in_form else requests.options(report)
            if RequestKind.WITHDRAW in can:
                dispatcher.utter_message(
                    response="utter_status_options_open", reference=report.reference
                )
            elif RequestKind.RATING in can or RequestKind.REOPEN in can:
                # rate it, ask to re-open it (a closed complaint escalation), or both
                response = {
                    (True, False): "utter_status_options_closed",
                    (False, True): "utter_status_options_reopen",
                    (True, True): "utter_status_options_closed_complaint",
                }[(RequestKind.RATING in can, RequestKind.REOPEN in can)]
                dispatcher.utter_message(response=response, reference=report.reference)
        elif outcome == StatusOutcome.LIST:
            dispatcher.utter_message(response="utter_status_list_intro")
            for report in answer.reports[:MAX_LISTED]:
                _utter_report(dispatcher, report)
        elif outcome == StatusOutcome.DID_YOU_MEAN:
            dispatcher.utter_message(
                response="utter_status_did_you_mean", reference=answer.reference
            )
        elif outcome == StatusOutcome.INVALID:
            dispatcher.utter_message(response="utter_status_invalid", reference=answer.reference)
        elif outcome == StatusOutcome.NONE:
            dispatcher.utter_message(response="utter_status_none")
        else:  # NOT_FOUND, and NEED_IDENTITY after a failed identity check: the same words
            dispatcher.utter_message(response="utter_status_not_found", reference=answer.reference)


class ActionStatusInForm(ActionCheckStatus):
    """A status question while a report is being prepared: answered for the reporter, and
    the form asks its question again (stories/status.yml). A report of another channel is
    not looked up here: proving who asks would replace the form, so the answer says how."""

    in_form = True

    def name(self) -> str:
        return "action_status_in_form"


def answered(tracker: Tracker) -> list[EventType]:
    """The question is answered: nothing about it is carried into the next turn."""
    return [
        SlotSet("status_reference", None),
        SlotSet("report_request", None),
        SlotSet("status_step", "answered"),
        *code_step_cleared(tracker),
    ]


def code_step_cleared(tracker: Tracker) -> list[EventType]:
    """The one-time code of a follow-up step is done with (proven or not). A code sent for a
    new mobile (a personal form that this question interrupted) stays what it was."""
    events: list[EventType] = [SlotSet("follow_code", None), SlotSet("follow_code_tries", None)]
    sent_for = tracker.get_slot("otp_sent_for")
    if sent_for and str(sent_for).startswith("follow:"):
        events.append(SlotSet("otp_sent_for", None))
    return events
