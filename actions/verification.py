"""One-time codes in the forms: proving a new mobile, and proving the right to follow a report
from another channel (thin adapters over bot.store.verification, bot.notify.contact,
bot.store.throttle and bot.intake.codes).

- `personal_form` asks `mobile_code` after a mobile this conversation has not proven yet: the
  ask action sends a code to that mobile, the form's validation (actions/forms.py) reads the
  reply with `check_mobile_code`.
- `identity_form` asks `follow_code` after the ID number: the ask action sends a code to the
  mobile on file with the report, but only when the report exists and the ID is its
  reporter's; the words are the same either way, so the answer tells nothing about whether a
  reference or an ID exists. `check_follow_code` reads the reply.

A code is sent once per number (or report and ID) and asked for again without a new one; a new
one goes out when the user asks for it ("resend"), at most every 30 s and 5 an hour. Wrong
codes count against the conversation, the client's address and, for a report, the reference
and the ID (bot.store.throttle).
"""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.exc import SQLAlchemyError

from actions.ask import ask_with_repair
from actions.common import latest_metadata, latest_text, repository
from bot import texts
from bot.intake.codes import (
    BUTTONS,
    ReplyKind,
    code_text,
    masked_mobile,
    read_code_reply,
)
from bot.intake.identity import TELEGRAM_PREFIX, VERIFIED_CONTACT
from bot.intake.personal import parse_mobile
from bot.notify.contact import SMS, OutgoingMessage, queue_and_send
from bot.store import throttle
from bot.store.access import contact_mobile
from bot.store.digest import digest, normalised
from bot.store.verification import (
    CODE_TTL,
    CODES_PER_HOUR,
    MAX_ATTEMPTS,
    Method,
    Purpose,
    check_code,
    codes_sent_for,
    follow_subject,
    issue_code,
    mobile_subject,
    record_verification,
    seconds_until_resend,
)

logger = logging.getLogger(__name__)

VERIFIED = "verified"
# follow_code values that end identity_form without the right to follow: tries used up (the
# status says "not found", as for a report that does not exist), or paused (already said)
GAVE_UP = "failed"
THROTTLED = "throttled"


def _language(tracker: Tracker) -> str:
    return "en" if tracker.get_slot("language") == "en" else "ar"


def _buttons(tracker: Tracker, *, change_number: bool) -> list[dict[str, str]]:
    """"Send a new code" (and "Change the number"): each sends its own words."""
    language = _language(tracker)
    names = ["resend", "change_number"] if change_number else ["resend"]
    return [{"title": BUTTONS[name][language], "payload": BUTTONS[name][language]}
            for name in names]


def throttle_keys(tracker: Tracker, **extra: str | None) -> list[str]:
    """The keys a try of this conversation counts under (bot.store.throttle)."""
    return throttle.keys(
        sender_id=tracker.sender_id,
        client_address=latest_metadata(tracker).get("client_address"),
        **extra,
    )


def _send_code(tracker: Tracker, purpose: Purpose, subject: str, mobile: str) -> None:
    code = issue_code(
        repository().engine, purpose=purpose, sender_id=tracker.sender_id, subject=subject
    )
    queue_and_send(
        repository().engine,
        OutgoingMessage(SMS, mobile, code_text(code, _language(tracker))),
        purpose=purpose.value,
        expires_in=CODE_TTL,
    )


def _resend_wait(tracker: Tracker, purpose: Purpose) -> int:
    return seconds_until_resend(
        repository().engine, purpose=purpose, sender_id=tracker.sender_id
    )


def store_down(dispatcher: CollectingDispatcher) -> None:
    """The store (or the sender) failed: say so; the question stays open for a new try."""
    logger.exception("a one-time code could not be sent or checked")
    dispatcher.messages.clear()
    dispatcher.utter_message(response="utter_code_unavailable")




def telegram_vouches_for(tracker: Tracker, mobile: str | None) -> bool:
    """Whether this message is the Telegram user's own contact with `mobile` in it (the
    contact button: bot.channels.telegram_api.vouched_contact); only Telegram sets it."""
    if not mobile or not tracker.sender_id.startswith(TELEGRAM_PREFIX):
        return False
    phone = (latest_metadata(tracker).get(VERIFIED_CONTACT) or {}).get("phone")
    return bool(phone) and parse_mobile(str(phone)).value == mobile


def prove_by_contact(dispatcher: CollectingDispatcher, tracker: Tracker, mobile: str) -> None:
    """Keep that this conversation proved `mobile` with Telegram's contact button."""
    record_verification(
        repository().engine, sender_id=tracker.sender_id, purpose=Purpose.MOBILE,
        subject=mobile_subject(mobile), method=Method.TELEGRAM_CONTACT,
    )
    dispatcher.utter_message(response="utter_mobile_confirmed")


def contact_button(tracker: Tracker) -> list[dict[str, Any]]:
    """On Telegram, the button that shares the user's own number (no code needed then)."""
    if not tracker.sender_id.startswith(TELEGRAM_PREFIX):
        return []
    title = texts.text("verification.contact_button", _language(tracker))
    return [{"title": title, "payload": title, "request_contact": True}]


class ActionAskMobile(Action):
    """Asks for the mobile; on Telegram with the button that shares the user's own number."""

    def name(self) -> str:
        return "action_ask_mobile"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        return ask_with_repair(dispatcher, tracker, "mobile", buttons=contact_button(tracker))


class CodeQuestion(Action, ABC):
    """An ask action that may send a code: a store fault is said in words, and the question
    stays open for a new try."""

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        try:
            return self._ask(dispatcher, tracker)
        except SQLAlchemyError:
            store_down(dispatcher)
            return []

    @abstractmethod
    def _ask(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
        """Send the code if it is due, and ask for it."""


class ActionAskMobileCode(CodeQuestion):
    """Sends a code to the mobile just given (once), and asks for it."""

    def name(self) -> str:
        return "action_ask_mobile_code"

    def _ask(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
        mobile = tracker.get_slot("mobile") or ""
        marker = f"mobile:{mobile_subject(mobile)[:32]}"
        shown = masked_mobile(mobile)
        buttons = _buttons(tracker, change_number=True)
        if tracker.get_slot("otp_sent_for") == marker:
            dispatcher.utter_message(
                response="utter_ask_mobile_code_again", mobile=shown, buttons=buttons
            )
            return []
        wait = _resend_wait(tracker, Purpose.MOBILE)
        if wait:
            dispatcher.utter_message(response="utter_code_wait", seconds=wait, buttons=buttons)
            return []
        _send_code(tracker, Purpose.MOBILE, mobile_subject(mobile), mobile)
        dispatcher.utter_message(response="utter_ask_mobile_code", mobile=shown, buttons=buttons)
        return [SlotSet("otp_sent_for", marker)]


class ActionAskFollowCode(CodeQuestion):
    """Sends a code to the mobile on file with the report when the ID is its reporter's; says
    the same words whether or not it did."""

    def name(self) -> str:
        return "action_ask_follow_code"

    def _ask(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
        reference = tracker.get_slot("status_reference") or ""
        id_number = tracker.get_slot("national_id") or ""
        marker = f"follow:{reference}:{digest('id', id_number)[:16]}"
        buttons = _buttons(tracker, change_number=False)
        if tracker.get_slot("otp_sent_for") == marker:
            dispatcher.utter_message(response="utter_ask_follow_code_again", buttons=buttons)
            return []
        wait = _resend_wait(tracker, Purpose.FOLLOW)
        if wait:
            dispatcher.utter_message(response="utter_code_wait", seconds=wait, buttons=buttons)
            return []
        report = repository().get(reference)  # read to decide, never shown from here
        if report is not None and report.reporter.national_id == normalised(id_number):
            mobile = contact_mobile(report)
            subject = follow_subject(report.reporter_id, mobile)
            # however many conversations ask, the reporter's phone gets a few codes an hour
            if codes_sent_for(repository().engine, subject=subject) < CODES_PER_HOUR:
                _send_code(tracker, Purpose.FOLLOW, subject, mobile)
        # No such report, or not this ID's: no code goes out, and the words are the same. The
        # wrong codes typed next are what count against the reference, the ID and the asker,
        # exactly as for the reporter mistyping theirs.
        dispatcher.utter_message(response="utter_ask_follow_code", buttons=buttons)
        return [SlotSet("otp_sent_for", marker), SlotSet("follow_code_tries", 0)]


def check_mobile_code(dispatcher: CollectingDispatcher, tracker: Tracker) -> dict[str, Any]:
    """The slots after a reply to "type the code sent to your mobile"."""
    try:
        return _check_mobile_code(dispatcher, tracker)
    except SQLAlchemyError:
        store_down(dispatcher)
        return {"mobile_code": None}


def _check_mobile_code(dispatcher: CollectingDispatcher, tracker: Tracker) -> dict[str, Any]:
    mobile = tracker.get_slot("mobile") or ""
    if telegram_vouches_for(tracker, mobile):  # the contact button, pressed at this step
        prove_by_contact(dispatcher, tracker, mobile)
        return {"mobile_code": VERIFIED}
    reply = read_code_reply(latest_text(tracker))
    if reply.kind == ReplyKind.RESEND:
        return {"mobile_code": None, "otp_sent_for": None}
    if reply.kind == ReplyKind.CHANGE_NUMBER:
        return {"mobile": None, "mobile_code": None, "otp_sent_for": None}
    if reply.kind == ReplyKind.OTHER:
        dispatcher.utter_message(response="utter_invalid_code_expected")
        return {"mobile_code": None}
    engine = repository().engine
    keys = throttle_keys(tracker)
    wait = throttle.minutes_to_wait(engine, keys)
    if wait:
        dispatcher.utter_message(response="utter_code_rate_limited", minutes=wait)
        return {"mobile_code": None}
    result = check_code(
        engine, purpose=Purpose.MOBILE, sender_id=tracker.sender_id, typed=reply.code or ""
    )
    if result.ok and result.subject == mobile_subject(mobile):
        record_verification(
            engine, sender_id=tracker.sender_id, purpose=Purpose.MOBILE,
            subject=result.subject, method=Method.SMS,
        )
        dispatcher.utter_message(response="utter_mobile_confirmed")
        return {"mobile_code": VERIFIED}
    throttle.record_failure(engine, keys)
    if result.no_code or result.ok:  # used up, expired, or a code for another number
        dispatcher.utter_message(
            response="utter_code_expired", buttons=_buttons(tracker, change_number=True)
        )
        return {"mobile_code": None, "otp_sent_for": None}
    dispatcher.utter_message(response="utter_invalid_code", left=result.attempts_left)
    return {"mobile_code": None}


def check_follow_code(dispatcher: CollectingDispatcher, tracker: Tracker) -> dict[str, Any]:
    """The slots after a reply to "type the code sent to the mobile on the report"."""
    try:
        return _check_follow_code(dispatcher, tracker)
    except SQLAlchemyError:
        store_down(dispatcher)
        return {"follow_code": None}


def _check_follow_code(dispatcher: CollectingDispatcher, tracker: Tracker) -> dict[str, Any]:
    reply = read_code_reply(latest_text(tracker))
    if reply.kind == ReplyKind.RESEND:
        return {"follow_code": None, "otp_sent_for": None}
    if reply.kind != ReplyKind.CODE:
        dispatcher.utter_message(response="utter_invalid_code_expected")
        return {"follow_code": None}
    engine = repository().engine
    keys = throttle_keys(
        tracker,
        reference=tracker.get_slot("status_reference"),
        id_number=tracker.get_slot("national_id"),
    )
    wait = throttle.minutes_to_wait(engine, keys)
    if wait:
        dispatcher.utter_message(response="utter_status_rate_limited", minutes=wait)
        return {"follow_code": THROTTLED}
    result = check_code(
        engine, purpose=Purpose.FOLLOW, sender_id=tracker.sender_id, typed=reply.code or ""
    )
    if result.ok and result.subject:
        record_verification(
            engine, sender_id=tracker.sender_id, purpose=Purpose.FOLLOW,
            subject=result.subject, method=Method.SMS,
        )
        return {"follow_code": VERIFIED}
    throttle.record_failure(engine, keys)
    # a wrong code, and no code at all (the ID did not match), read the same
    tries = int(tracker.get_slot("follow_code_tries") or 0) + 1
    left = MAX_ATTEMPTS - tries
    if left <= 0:
        return {"follow_code": GAVE_UP, "follow_code_tries": tries}
    dispatcher.utter_message(response="utter_invalid_code", left=left)
    return {"follow_code": None, "follow_code_tries": tries}
