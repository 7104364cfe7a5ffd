""" "I want to talk to a person": a queue for the call-centre console, or the hours and number.

Thin adapters over bot.intake.handoff (the rules and the texts) and bot.store.handoffs (the
queue and the chat):

* `action_human_handoff` — with agents on duty, the conversation is queued with its
  transcript and answers, and `handoff_form` takes the chat; outside the hours (or on the
  call-centre console, where the caller already talks to an agent, or when the store is
  unreachable) the user gets the hours and 199099 and the form asks its question again.
* `handoff_form` — while it is active every message goes to the agent (its one slot,
  `handoff_over`, is filled only when the chat ends: the agent handed back, the user pressed
  "Back to the assistant", or nobody took it within two minutes); `action_ask_handoff_over`
  gives the agent's lines not pushed yet.
* `action_handoff_return` — says how it ended and resumes the draft where it was.
"""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict
from sqlalchemy.exc import SQLAlchemyError

from actions.common import latest_text, repository, slot_values
from bot.intake import handoff, summary
from bot.intake.identity import channel_of_sender
from bot.runtime import settings
from bot.store import handoffs

logger = logging.getLogger(__name__)

LEAVE_CONFIDENCE = 0.9

# The forms a chat with an agent can interrupt, and that resume afterwards.
RESUMABLE_FORMS = frozenset(
    {
        "complaint_form",
        "transformation_form",
        "suggestion_form",
        "outage_form",
        "personal_form",
        "identity_form",
        "after_filing_form",
    }
)


def _language(tracker: Tracker) -> str:
    return "en" if tracker.get_slot("language") == "en" else "ar"


def _say_agent_lines(
    dispatcher: CollectingDispatcher, lines: list[handoffs.Line], language: str
) -> None:
    for line in lines:
        dispatcher.utter_message(text=handoff.text("agent_line", language, text=line.text))


def _hours_and_number(dispatcher: CollectingDispatcher, tracker: Tracker) -> None:
    now = settings.clock().now()
    values = {"number": handoff.CALL_CENTRE}
    if handoff.on_duty(now):
        response = "utter_handoff_call_now"
    else:
        opening = handoff.next_opening(now)
        response = "utter_handoff_closed"
        values["opens_day_ar"] = summary.weekday_name(opening.date(), "ar")
        values["opens_day_en"] = summary.weekday_name(opening.date(), "en")
        values["opens_date"] = opening.date().isoformat()
    dispatcher.utter_message(response=response, **values)
    drafting = bool(tracker.get_slot("report_type"))
    dispatcher.utter_message(
        response="utter_handoff_draft_kept" if drafting else "utter_handoff_anything_else"
    )


def _asks_to_leave(tracker: Tracker) -> bool:
    """ "Back to the assistant" typed: only when NLU is sure, since anything else the user
    writes is for the agent."""
    intent = tracker.latest_message.get("intent") or {}
    return (
        intent.get("name") == "handoff_leave"
        and float(intent.get("confidence") or 0.0) >= LEAVE_CONFIDENCE
    )


def leave_agent_chat(sender_id: str) -> None:
    """End the conversation's chat with an agent, if it has one (the user started over):
    the agent sees that the user left, and nothing of it is said after the restart."""
    engine = repository().engine
    now = settings.clock().now()
    try:
        request = handoffs.current(engine, sender_id)
        if request is None:
            return
        if request.is_open:
            handoffs.end(engine, request.id, by="user", now=now)
        handoffs.settle(engine, request.id, now=now)
    except SQLAlchemyError as exc:
        logger.warning("Ending a chat with an agent at a restart failed: %r", exc)


class ActionHumanHandoff(Action):
    def name(self) -> str:
        return "action_human_handoff"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        now = settings.clock().now()
        channel = channel_of_sender(tracker.sender_id)
        if channel in (None, "call_centre") or not handoff.on_duty(now):
            _hours_and_number(dispatcher, tracker)
            return []
        language = _language(tracker)
        slots = slot_values(tracker)
        try:
            handoffs.open_request(
                repository().engine,
                sender_id=tracker.sender_id,
                channel=channel,
                language=language,
                report_type=slots.get("report_type"),
                answers=handoff.answers_of(slots),
                transcript=handoff.transcript_of(tracker.events),
                now=now,
            )
        except SQLAlchemyError as exc:  # no queue: the number and the hours still help
            logger.warning("Queueing a conversation for an agent failed: %r", exc)
            _hours_and_number(dispatcher, tracker)
            return []
        dispatcher.utter_message(
            text=handoff.text("queued", language), buttons=[handoff.leave_button(language)]
        )
        loop = tracker.active_loop.get("name") if tracker.active_loop else None
        return [
            SlotSet("handoff_return", loop if loop in RESUMABLE_FORMS else None),
            SlotSet("requested_slot", None),
            FollowupAction("handoff_form"),
        ]


class ValidateHandoffForm(FormValidationAction):
    """Relays the user's messages to the agent until the chat ends."""

    def name(self) -> str:
        return "validate_handoff_form"

    async def validate_handoff_over(
        self,
        slot_value: Any,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> dict[str, Any]:
        engine = repository().engine
        now = settings.clock().now()
        sender = tracker.sender_id
        try:
            handoffs.expire_unanswered(engine, now=now, wait=handoff.PICKUP_WAIT, sender_id=sender)
            request = handoffs.current(engine, sender)
            if request is None or not request.is_open:
                return {"handoff_over": True}
            said = latest_text(tracker).strip()
            if said == handoff.LEAVE_PAYLOAD or _asks_to_leave(tracker):
                handoffs.end(engine, request.id, by="user", now=now)
                return {"handoff_over": True}
            if said:
                handoffs.add_line(engine, request.id, author="user", text=said, now=now)
        except SQLAlchemyError as exc:  # the chat cannot go on: the assistant takes it back
            logger.warning("The chat with an agent failed: %r", exc)
            return {"handoff_over": True}
        if request.state == "waiting":
            dispatcher.utter_message(
                text=handoff.text("still_waiting", _language(tracker)),
                buttons=[handoff.leave_button(_language(tracker))],
            )
        return {"handoff_over": None}


class ActionAskHandoffOver(Action):
    """The agent's lines that were not pushed to the user yet (REST, the widget)."""

    def name(self) -> str:
        return "action_ask_handoff_over"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        engine = repository().engine
        language = _language(tracker)
        try:
            request = handoffs.current(engine, tracker.sender_id)
            if request is None or not request.is_open:
                return []
            lines = handoffs.take_undelivered(engine, request.id, now=settings.clock().now())
        except SQLAlchemyError as exc:
            logger.warning("Reading an agent's lines failed: %r", exc)
            return []
        _say_agent_lines(dispatcher, lines, language)
        return []


class ActionHandoffReturn(Action):
    """The chat with an agent ended: say how, and go on where the user was."""

    def name(self) -> str:
        return "action_handoff_return"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        engine = repository().engine
        language = _language(tracker)
        now = settings.clock().now()
        try:
            request = handoffs.current(engine, tracker.sender_id)
            if request is not None and not request.is_open:
                lines = handoffs.take_undelivered(engine, request.id, now=now)
                _say_agent_lines(dispatcher, lines, language)
                if request.told_at is None:
                    key = {"timeout": "nobody", "agent": "handed_back"}.get(
                        request.ended_by or "", "left"
                    )
                    dispatcher.utter_message(text=handoff.text(key, language))
                handoffs.settle(engine, request.id, now=now)
        except SQLAlchemyError as exc:
            logger.warning("Closing the chat with an agent failed: %r", exc)
        events: list[EventType] = [
            SlotSet("handoff_over", None),
            SlotSet("handoff_return", None),
            SlotSet("requested_slot", None),
        ]
        form = tracker.get_slot("handoff_return")
        if form in RESUMABLE_FORMS:
            return [*events, SlotSet("asked_again", None), FollowupAction(form)]
        dispatcher.utter_message(response="utter_handoff_anything_else")
        return events
