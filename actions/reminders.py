""" "Not yet — shall I remind you on DATE?": the offer, the reminder, and the draft resumed.

Thin adapters: what to offer and keep is bot.intake.reminders; the reminders themselves are
bot.store.reminders, said on their day by the scheduler (bot/runtime/jobs.py), which triggers
`EXTERNAL_draft_reminder` in the conversation that asked. Every lookup names this
conversation: a reminder is said in, and resumed from, only the conversation that asked.
"""

from __future__ import annotations

import logging
from datetime import date
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict
from sqlalchemy.exc import SQLAlchemyError

from actions.common import latest_metadata, latest_text, repository
from actions.conversation import resumed_events
from bot.intake import cancelled, filing, summary
from bot.intake.eligibility import Decision
from bot.intake.reminders import ReminderOffer, offer, remind_at
from bot.nlu.language import EXTERNAL_TEXT_PREFIX
from bot.notify.reminders import reachable
from bot.runtime import settings
from bot.store import reminders
from bot.texts.bidi import fsi

logger = logging.getLogger(__name__)

OFFER_SLOT = "reminder_offer"
# What a reminder names the complaint by, first found first (the draft's answers).
_SUBJECT_SLOTS = ("service_name", "platform", "entity_name")


def _day_values(day: date) -> dict[str, str]:
    return {
        "remind_on": day.isoformat(),
        "weekday_ar": summary.weekday_name(day, "ar"),
        "weekday_en": summary.weekday_name(day, "en"),
    }


def offer_reminder(
    dispatcher: CollectingDispatcher, decision: Decision, slots: dict[str, Any], tracker: Tracker
) -> list[EventType]:
    """After a "not yet" decision: offer a reminder on its day (no events when none is
    offered: another outcome, a channel that cannot be written to later, or a conversation
    id Rasa's HTTP API cannot name)."""
    channel = filing.channel_of(tracker.get_latest_input_channel(), latest_metadata(tracker))
    offered = offer(decision, slots, channel)
    if offered is None or not reachable(tracker.sender_id):
        return []
    dispatcher.utter_message(response="utter_offer_reminder")
    return [SlotSet(OFFER_SLOT, offered.as_slot())]


def _pending(sender_id: str) -> reminders.Reminder | None:
    """The conversation's reminder still to be said, if the store can tell."""
    try:
        return reminders.pending_for(repository().engine, sender_id)
    except SQLAlchemyError:
        logger.exception("could not read the conversation's reminders")
        return None


class ActionScheduleReminder(Action):
    """ "Yes, remind me": keeps the draft and the day in the store."""

    def name(self) -> str:
        return "action_schedule_reminder"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        offered = ReminderOffer.from_slot(tracker.get_slot(OFFER_SLOT))
        if offered is None:  # pressed again, or with nothing offered
            kept = _pending(tracker.sender_id)
            if kept is not None:
                dispatcher.utter_message(
                    response="utter_reminder_scheduled", **_day_values(kept.remind_on)
                )
            else:
                dispatcher.utter_message(response="utter_no_reminder_offer")
            return [SlotSet("intake_step", "ended")]
        values = _day_values(offered.remind_on)
        try:
            reminders.schedule(
                repository().engine,
                sender_id=tracker.sender_id,
                channel=filing.channel_of(
                    tracker.get_latest_input_channel(), latest_metadata(tracker)
                ),
                language=tracker.get_slot("language") or "ar",
                remind_on=offered.remind_on,
                remind_at=remind_at(offered.remind_on),
                draft=offered.draft,
                now=settings.clock().now(),
            )
        except SQLAlchemyError:
            logger.exception("could not keep a reminder")
            # the offer stays: pressing "remind me" again tries again
            dispatcher.utter_message(response="utter_reminder_unavailable", **values)
            return [SlotSet("intake_step", "reminder_offer")]
        dispatcher.utter_message(response="utter_reminder_scheduled", **values)
        return [SlotSet(OFFER_SLOT, None), SlotSet("intake_step", "ended")]


class ActionDeclineReminder(Action):
    """ "No, thanks": nothing kept; the day to come back is said again."""

    def name(self) -> str:
        return "action_decline_reminder"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        offered = ReminderOffer.from_slot(tracker.get_slot(OFFER_SLOT))
        if offered is None:
            dispatcher.utter_message(response="utter_anything_else")
        else:
            dispatcher.utter_message(
                response="utter_reminder_declined", **_day_values(offered.remind_on)
            )
        return [SlotSet(OFFER_SLOT, None), SlotSet("intake_step", "ended")]


def _subject(draft: dict[str, Any], language: str) -> str:
    """ " about «Qiwa»" / « على «قوى»», or "" when the draft names nothing."""
    slots = draft.get("slots") if isinstance(draft.get("slots"), dict) else {}
    for name in _SUBJECT_SLOTS:
        value = slots.get(name)
        if isinstance(value, str) and value.strip():
            shown = fsi(value.strip(), language)
            return f" على «{shown}»" if language == "ar" else f" about {shown}"
    return ""


class ActionSayReminder(Action):
    """The reminder's day (`EXTERNAL_draft_reminder`, from the scheduler): say it, with the
    button that resumes the draft."""

    def name(self) -> str:
        return "action_say_reminder"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        try:
            reminder = reminders.pending_for(repository().engine, tracker.sender_id)
        except SQLAlchemyError:  # the scheduler's trigger fails with it and tries again
            logger.exception("could not read the conversation's reminders")
            raise
        if reminder is None:
            # the scheduler's trigger finds it said already (two schedulers at once): silence;
            # someone typing the trigger's payload is answered
            if not latest_text(tracker).startswith(EXTERNAL_TEXT_PREFIX):
                dispatcher.utter_message(response="utter_nothing_to_resume_from_reminder")
            return []
        dispatcher.utter_message(
            response="utter_draft_reminder",
            subject_ar=_subject(dict(reminder.draft), "ar"),
            subject_en=_subject(dict(reminder.draft), "en"),
            **_day_values(reminder.remind_on),
        )
        # said here, so marked here: the scheduler checks it (a trigger Rasa answered without
        # running this action leaves it pending, and it is tried again)
        reminders.mark_sent(repository().engine, reminder.id, now=settings.clock().now())
        return [SlotSet("language", reminder.language)]


class ActionResumeDraft(Action):
    """The reminder's "go on" button: the draft's answers back, and its form asks the rest."""

    def name(self) -> str:
        return "action_resume_draft"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        try:
            reminder = reminders.take_draft(
                repository().engine, tracker.sender_id, now=settings.clock().now()
            )
        except SQLAlchemyError:
            logger.exception("could not read the conversation's reminders")
            dispatcher.utter_message(response="utter_reminder_store_unavailable")
            return []
        plan = cancelled.resumed(dict(reminder.draft)) if reminder is not None else None
        if plan is None:
            dispatcher.utter_message(response="utter_nothing_to_resume_from_reminder")
            return []
        dispatcher.utter_message(response="utter_report_resumed")
        return [SlotSet(OFFER_SLOT, None), *resumed_events(plan)]
