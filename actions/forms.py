"""Form validation of the intake forms: one FormValidationAction per form (thin adapters).

Every intake slot has a custom mapping, so each form reads the answer to the slot it asked
(`requested_slot`) itself: `bot.intake.answers` parses it, `bot.intake.flow` says which slot
comes next (eligibility questions first, then the report's data), the `validate_<slot>`
methods do what needs the store or the catalogue. A message that is not an answer
(cancel, restart, a language switch, a question) extracts nothing, so Rasa rejects the form
for that turn and the rules handle the message.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import FormValidationAction
from rasa_sdk.types import DomainDict

from actions.common import (
    latest_entities,
    latest_intent,
    latest_text,
    repository,
    slot_set_this_turn,
    slot_values,
)
from actions.verification import (
    VERIFIED,
    check_follow_code,
    check_mobile_code,
    prove_by_contact,
    telegram_vouches_for,
)
from bot.intake import answers, corrections, flow, summary, volunteered
from bot.intake.attachments import MAX_ATTACHMENTS_PER_REPORT
from bot.intake.catalogue import match_platform, match_service
from bot.intake.codes import ReplyKind, read_code_reply
from bot.intake.dialogue_spec import Form, form_named
from bot.intake.eligibility import Decision
from bot.intake.filing import prior_complaint_escalated_as
from bot.intake.status import find_reference_texts
from bot.intake.text import clean_free_text
from bot.intake.workdays import saudi_today
from bot.nlu.language import requested_language
from bot.nlu.normalise import normalise_text
from bot.store.verification import mobile_is_verified

# Intents that are not answers: the form lets the rules deal with them (stories/intake.yml
# has a rule for each inside every form).
INTERRUPTIONS = frozenset(
    {
        "cancel",
        "withdraw_report",
        "restart",
        "switch_language",
        "ask_help",
        "bot_challenge",
        "human_handoff",
        "switch_report_type",
        "faq",
        "insult",
        "check_status",
    }
)
# "cancel the report" while one is prepared means that one (actions/status.py hands it over)
CANCEL_INTENTS = frozenset({"cancel", "withdraw_report", "restart"})
# Slots answered in free text: a title or a description may well read like a question or a
# report intent, so there only a short "cancel"/"start over" or a language request interrupts.
FREE_TEXT_SLOTS = frozenset(
    {
        "title",
        "description",
        "platform",
        "service_name",
        "entity_name",
        "full_name",
        "prior_complaint_ref",
        "prior_complaint_date",
        "response_due",
        "correction_text",
        "reopen_reason",
        "rating_comment",
    }
)
SHORT_COMMAND_WORDS = 3
HANDOFF_WORDS = 8
# In a free-text answer (a name: "Someone Else") NLU's human_handoff is believed only next to
# a word for a person.
_NAMES_A_PERSON = re.compile(
    r"\b(?:person|human|agent|employee|staff|representative|someone from|customer service|"
    r"call cent(?:re|er))\b|(?:موظف|انسان|بشر|شخص|احد من|خدمه العملاء|ممثل)"
)
CORRECTION_WORDS = 10
# A status question without a question mark: a reference in a short message.
STATUS_WORDS = 10
SWITCH_WORDS = 14


# One-time codes (actions/verification.py): a code, "send a new code" or "change the number"
# answers them whatever NLU made of it.
CODE_SLOTS = frozenset({"mobile_code", "follow_code"})


def _asks_for_a_person(intent: str | None, text: str) -> bool:
    """The way-out button, or NLU's human_handoff in a short message that names a person
    (in a free-text answer, "Someone Else" could be a name)."""
    return text.startswith("/human_handoff") or (
        intent == "human_handoff"
        and len(text.split()) <= HANDOFF_WORDS
        and _NAMES_A_PERSON.search(normalise_text(text).lower()) is not None
    )


def is_interruption(slot: str, intent: str | None, text: str) -> bool:
    """Whether the reply to `slot` is a command or a question for the rules, not an answer."""
    if slot in CODE_SLOTS and read_code_reply(text).kind != ReplyKind.OTHER:
        return False
    if _asks_for_a_person(intent, text):
        return True  # the way-out button, or "I want to talk to a person" (not a name)
    if (
        slot in answers.BOOLEAN_SLOTS
        and intent not in CANCEL_INTENTS | {"switch_language"}
        and not text.rstrip().endswith(("?", "؟"))
        and answers.parse_yes_no(text) is not None
    ):
        return False  # "no, they gave no response time" answers, whatever NLU made of it
    if intent == "faq" and answers.is_filler(text):
        return False  # "what?", «وش؟»: no question of the FAQ, the question is explained
    if slot not in FREE_TEXT_SLOTS:
        return intent in INTERRUPTIONS
    if requested_language(text) is not None:
        return True
    if intent == "switch_report_type" and len(text.split()) <= SWITCH_WORDS:
        return True  # "actually, a suggestion instead"
    if intent == "faq" and (text.rstrip().endswith(("?", "؟")) or text.startswith("/faq")):
        return True  # a question in the middle of a form (CONVERSATIONS 6), or its button
    if intent == "check_status" and (
        text.rstrip().endswith(("?", "؟"))
        or (find_reference_texts(text) and len(text.split()) <= STATUS_WORDS)
    ):
        return True  # "where is my report BR-…?" is not a name or a title
    return (
        intent in CANCEL_INTENTS
        and len(text.split()) <= SHORT_COMMAND_WORDS
        and answers.names_a_command(text)
    )
# Slots the forms set beside the requested one (files that came with any answer; the name
# waiting for confirmation; facts the message gave besides the answer, bot.intake.volunteered).
EXTRACTED_ALONGSIDE = frozenset(
    {
        "attachments",
        "pending_name",
        "pending_typed",
        "otp_sent_for",
        "follow_code_tries",
        "service_is_digital",
        *volunteered.COMPLAINT_FACTS,
        *volunteered.PERSONAL_FACTS,
        "platform",
        "asked_again",
        *flow.FIELD_WORDS,  # a field corrected in passing (bot.intake.corrections)
    }
)
# Names matched against the catalogue; an unknown one is taken after the user confirms it.
CATALOGUE_SLOTS = frozenset({"platform", "service_name"})
# A catalogue match this close is taken as is; a weaker confident one is asked about.
SURE_MATCH_SCORE = 95
# A platform or service name is a few words; a longer reply to "is X the right name?" is
# taken for something else.
NAME_MAX_WORDS = 6


def attachment_updates(
    dispatcher: CollectingDispatcher, tracker: Tracker
) -> dict[str, Any]:
    """Files that came with the latest message, added to the `attachments` slot."""
    metadata = (tracker.latest_message or {}).get("metadata") or {}
    stored = list(tracker.get_slot("attachments") or [])
    known = {item.get("stored_path") for item in stored}
    for rejected in metadata.get("rejected_attachments") or []:
        dispatcher.utter_message(
            response=f"utter_attachment_rejected_{rejected.get('reason')}",
            filename=rejected.get("filename", ""),
        )
    added = False
    for item in metadata.get("attachments") or []:
        if item.get("stored_path") in known:
            continue  # the same message seen again (a retried action)
        if len(stored) >= MAX_ATTACHMENTS_PER_REPORT:
            dispatcher.utter_message(
                response="utter_attachments_full", filename=item.get("filename", "")
            )
            continue
        stored.append(dict(item))
        added = True
        dispatcher.utter_message(
            response="utter_attachment_received",
            filename=item.get("filename", ""),
            count=len(stored),
        )
    return {"attachments": stored} if added else {}


class IntakeFormValidation(FormValidationAction, ABC):
    """The shared part of the intake forms; subclasses name their form of the dialogue spec
    (bot.intake.dialogue_spec), which gives the report type and the validation's name."""

    form: Form

    @property
    def report_type(self) -> str | None:
        return self.form.report_type

    @abstractmethod
    def name(self) -> str:
        """`validate_<form>`: abstract, so that the SDK does not register this base class."""

    async def get_validation_events(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """The SDK keeps only slots of the form's list; files and a pending name stay too."""
        events = await super().get_validation_events(dispatcher, tracker, domain)
        validated = {event.get("name") for event in events}
        kept = [
            SlotSet(name, value)
            for name, value in tracker.slots_to_validate().items()
            if name in EXTRACTED_ALONGSIDE and name not in validated
        ]
        return [*events, *kept]

    async def required_slots(
        self,
        domain_slots: list[str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[str]:
        if self.report_type is None:
            return personal_slots(tracker)
        return flow.report_form_slots(self.report_type, slot_values(tracker), saudi_today())

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        before = self._decision(tracker)
        events = await super().run(dispatcher, tracker, domain)
        after = self._decision(tracker)  # the SDK applied the new slots to `tracker`
        if before is None and after is not None and after.is_eligible and after.grounds:
            dispatcher.utter_message(response=f"utter_eligible_{after.grounds[0]}")
        return events

    def _decision(self, tracker: Tracker) -> Decision | None:
        if self.report_type is None:
            return None
        return flow.decision_for(self.report_type, slot_values(tracker), saudi_today())

    async def get_extraction_events(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        updates = attachment_updates(dispatcher, tracker)
        facts: dict[str, Any] | None = None
        requested = tracker.get_slot("requested_slot")
        text = latest_text(tracker)
        if not requested:
            pass
        elif latest_intent(tracker) == "send_attachment" or (updates and not text.strip()):
            if requested == "has_fault_screenshot" and updates:
                updates["has_fault_screenshot"] = True  # the screenshot, sent on its own
            elif requested != "attachments_done" or not updates:
                updates.setdefault(requested, None)  # files kept; the question stays open
        elif (correction := self._correction(requested, tracker)) is not None:
            updates.update(corrected(correction, dispatcher, tracker))
        elif not is_interruption(requested, latest_intent(tracker), text) or (
            requested in answers.BOOLEAN_SLOTS
            and latest_intent(tracker) not in CANCEL_INTENTS  # "cancel" wins over any fact
            and requested in (facts := self._facts(tracker))
        ):
            if facts is None:  # read once a turn: the condition above may have read them
                facts = self._facts(tracker)
            if self._fact_answers(requested, facts, tracker):
                updates[requested] = facts[requested]
            else:
                updates.update(self._answer(requested, dispatcher, tracker, updates))
            noted = {
                name: value
                for name, value in volunteered.facts_to_take(
                    facts, report_type=tracker.get_slot("report_type"), slots=slot_values(tracker)
                ).items()
                if name not in updates
            }
            if noted:
                shown = summary.noted_facts(noted, tracker.get_slot("language"))
                if shown:
                    dispatcher.utter_message(response="utter_noted_facts", facts=shown)
                updates.update(noted)
        return [SlotSet(slot, value) for slot, value in updates.items()]

    @staticmethod
    def _correction(requested: str, tracker: Tracker) -> corrections.Correction | None:
        """A field answered earlier, changed in passing; in a free-text answer (a
        description may well say "no … not …") only a short message is read so."""
        text = latest_text(tracker)
        if tracker.get_slot("pending_name"):
            return None
        if requested in FREE_TEXT_SLOTS and len(text.split()) > CORRECTION_WORDS:
            return None
        editable = flow.EDITABLE_FIELDS.get(tracker.get_slot("report_type"), flow.PERSONAL_SLOTS)
        correction = corrections.read_correction(
            text,
            slot_values(tracker),
            tuple(name for name in editable if name != requested),
            saudi_today(),
            language=tracker.get_slot("language"),
        )
        if correction and requested in CODE_SLOTS and correction.field != "mobile":
            return None  # asked for a code, only "sorry, my mobile is …" is a correction
        return correction

    @staticmethod
    def _facts(tracker: Tracker) -> dict[str, Any]:
        """Every fact the message gives (bot.intake.volunteered); none from a button. The
        platform only from the first message (actions/intake.py): inside a form, a ministry's
        or a service's name would pass for one ("… والتنمية الاجتماعية")."""
        text = latest_text(tracker)
        if text.startswith("/"):
            return {}
        facts = volunteered.read_facts(
            text,
            saudi_today(),
            report_type=tracker.get_slot("report_type"),
            language=tracker.get_slot("language"),
            lodged=tracker.get_slot("prior_complaint_lodged"),
        )
        facts.pop("platform", None)
        return facts

    @staticmethod
    def _fact_answers(slot: str, facts: dict[str, Any], tracker: Tracker) -> bool:
        """Whether the fact found in the reply is the answer to `slot`: a reference or a name
        inside a sentence, or a yes/no question answered in words ("I filed it on 12/11")."""
        if slot not in facts or tracker.get_slot("pending_name"):
            return False
        if slot in volunteered.SENTENCE_ANSWERS:
            return len(latest_text(tracker).split()) > 1
        if slot in answers.BOOLEAN_SLOTS:
            return answers.parse_yes_no(latest_text(tracker), latest_intent(tracker)) is None
        return False

    def _answer(
        self,
        slot: str,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        updates: dict[str, Any],
    ) -> dict[str, Any]:
        """The requested slot's value from the reply; None (re-ask) after an error."""
        if slot == "mobile_code":
            return check_mobile_code(dispatcher, tracker)
        if slot == "follow_code":
            return check_follow_code(dispatcher, tracker)
        if slot == "has_fault_screenshot":
            return self._fault_screenshot(dispatcher, tracker, updates)
        if slot == "attachments_done":
            return self._attachments_done(dispatcher, tracker, updates)
        text = latest_text(tracker)
        entities = latest_entities(tracker)
        if slot == "prior_complaint_lodged" and entities.get("choice") == "blocked":
            return {"prior_complaint_lodged": False, "lodging_blocked_by_fault": True}
        if slot in CATALOGUE_SLOTS and tracker.get_slot("pending_name"):
            return self._confirm_pending(slot, dispatcher, tracker)
        if slot in flow.OPTIONAL_SLOTS and latest_intent(tracker) == "deny":
            return {slot: flow.SKIPPED}  # the "Skip" button
        if text.startswith("/") and slot not in answers.BOOLEAN_SLOTS | answers.CHOICES.keys():
            dispatcher.utter_message(response="utter_invalid_answer_expected")
            return {slot: None}  # a button of another step: the question stays open
        answer = answers.parse_answer(
            slot, text, intent=latest_intent(tracker), entities=entities, today=saudi_today()
        )
        if not answer.ok:
            dispatcher.utter_message(response=f"utter_invalid_{answer.error}")
            return {slot: None}
        if slot == "mobile" and telegram_vouches_for(tracker, answer.value):
            # Telegram's contact button: the user's own number, no code needed
            prove_by_contact(dispatcher, tracker, answer.value)
            return {slot: answer.value, "mobile_code": VERIFIED, "otp_sent_for": None}
        if slot == "mobile":  # a new number is proven with a code of its own
            return {slot: answer.value, "mobile_code": None, "otp_sent_for": None}
        return {slot: answer.value}

    @staticmethod
    def _fault_screenshot(
        dispatcher: CollectingDispatcher, tracker: Tracker, updates: dict[str, Any]
    ) -> dict[str, Any]:
        if updates.get("attachments"):
            return {"has_fault_screenshot": True}
        said = answers.parse_yes_no(latest_text(tracker), latest_intent(tracker))
        if said is False:
            return {"has_fault_screenshot": False}
        dispatcher.utter_message(response="utter_invalid_fault_screenshot_required")
        return {"has_fault_screenshot": None}

    @staticmethod
    def _attachments_done(
        dispatcher: CollectingDispatcher, tracker: Tracker, updates: dict[str, Any]
    ) -> dict[str, Any]:
        if updates:
            return {"attachments_done": None}  # files arrived: ask for more or "done"
        said = answers.parse_yes_no(latest_text(tracker), latest_intent(tracker))
        if said is None and not answers.is_skip(latest_text(tracker), latest_intent(tracker)):
            dispatcher.utter_message(response="utter_invalid_yes_no_expected")
            return {"attachments_done": None}
        return {"attachments_done": True}

    @staticmethod
    def _confirm_pending(
        slot: str, dispatcher: CollectingDispatcher, tracker: Tracker
    ) -> dict[str, Any]:
        """The answer to "did you mean X?" or "is that the right name?"."""
        pending, typed = tracker.get_slot("pending_name"), tracker.get_slot("pending_typed")
        cleared = {"pending_name": None, "pending_typed": None}
        if len(latest_text(tracker).split()) > NAME_MAX_WORDS:
            # a sentence about something else is neither a yes/no nor a name: ask plainly
            dispatcher.utter_message(response="utter_confirm_name_unclear", pending_name=pending)
            return {slot: None, "pending_name": pending, "pending_typed": typed}
        said = answers.parse_yes_no(latest_text(tracker), latest_intent(tracker))
        if said is True:
            return {slot: pending, **cleared}
        if said is False and typed:
            return {slot: typed, **cleared}  # not the catalogue's name: keep theirs as typed
        if said is False:
            dispatcher.utter_message(response="utter_type_name_again")
            return {slot: None, **cleared}
        if latest_text(tracker).startswith("/"):  # a button of another step: ask again
            dispatcher.utter_message(response="utter_invalid_answer_expected")
            return {slot: None}
        # neither: a new name typed instead
        typed_again = clean_free_text(
            latest_text(tracker), multiline=False, max_length=answers.NAME_LENGTH[1]
        )
        return {slot: typed_again or None, **cleared}

    # -- validate_<slot>: the steps that need the store or the catalogue -------------------

    async def validate_prior_complaint_ref(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if value is None or value == "":
            return {"prior_complaint_ref": value}  # "" is "I don't know": the rules explain
        existing = prior_complaint_escalated_as(repository(), str(value))
        return {"prior_complaint_ref": value, "already_escalated_as": existing}

    async def validate_platform(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return self._catalogue_name("platform", value, dispatcher, tracker)

    async def validate_service_name(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return self._catalogue_name("service_name", value, dispatcher, tracker)

    def _catalogue_name(
        self, slot: str, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker
    ) -> dict[str, Any]:
        """A known name in its catalogue spelling; a close or an unknown one is confirmed."""
        if value in (None, "") or _was_just_confirmed(tracker):
            return {slot: value}
        language = tracker.get_slot("language")
        if slot == "platform":
            found = [
                (m.platform.name(language), m.score, m.confident)
                for m in match_platform(str(value))
            ]
        else:
            found = [
                (m.service.name(language), m.score, m.confident)
                for m in match_service(str(value), _platform_id(tracker))
            ]
        name, score, confident = found[0] if found else (None, 0.0, False)
        if confident and score >= SURE_MATCH_SCORE:
            return {slot: name}
        if confident:
            dispatcher.utter_message(response="utter_confirm_name", pending_name=name)
            return {slot: None, "pending_name": name, "pending_typed": value}
        dispatcher.utter_message(response="utter_confirm_unknown_name", pending_name=value)
        return {slot: None, "pending_name": value, "pending_typed": None}


def said_back(
    correction: corrections.Correction, dispatcher: CollectingDispatcher, language: str | None
) -> dict[str, Any]:
    """The slots a correction changes ("Changed: …" said): a new mobile is proven with a code
    of its own, a new reference is looked up again."""
    shown = summary.noted_facts({correction.field: correction.value}, language)
    dispatcher.utter_message(response="utter_corrected", facts=shown)
    updates: dict[str, Any] = {correction.field: correction.value}
    if correction.field == "mobile":
        updates.update(mobile_code=None, otp_sent_for=None)
    if correction.field == "prior_complaint_ref":
        updates["already_escalated_as"] = None
    return updates


def corrected(
    correction: corrections.Correction, dispatcher: CollectingDispatcher, tracker: Tracker
) -> dict[str, Any]:
    """A correction in a form: the question asked stays open and is asked again as the
    first time (`asked_again` cleared); validate_prior_complaint_ref looks the number up."""
    updates = said_back(correction, dispatcher, tracker.get_slot("language"))
    updates["asked_again"] = None
    requested = tracker.get_slot("requested_slot")
    if requested:
        updates[requested] = None
    return updates


def personal_slots(tracker: Tracker) -> list[str]:
    """The personal form's questions: a mobile this conversation has not proven yet is
    followed by the code sent to it (bot.store.verification)."""
    slots = list(flow.PERSONAL_SLOTS)
    mobile = tracker.get_slot("mobile")
    # once answered (this turn's "verified" included) the code stays in the list, or the SDK
    # would drop the answer it just took
    if mobile and (
        tracker.get_slot("mobile_code") is not None
        or not mobile_is_verified(repository().engine, sender_id=tracker.sender_id, mobile=mobile)
    ):
        slots.insert(slots.index("mobile") + 1, "mobile_code")
    return slots


def _platform_id(tracker: Tracker) -> str | None:
    platform = tracker.get_slot("platform")
    if not platform:
        return None
    matches = match_platform(str(platform))
    return matches[0].platform.id if matches and matches[0].confident else None


def _was_just_confirmed(tracker: Tracker) -> bool:
    """Whether this turn's value came from the user confirming an unknown name."""
    event = slot_set_this_turn(tracker, "pending_name")
    return event is not None and event.get("value") is None


class ValidateComplaintForm(IntakeFormValidation):
    form = form_named("complaint_form")

    def name(self) -> str:
        return self.form.validation


class ValidateTransformationForm(IntakeFormValidation):
    form = form_named("transformation_form")

    def name(self) -> str:
        return self.form.validation

    async def validate_service_name(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return {"service_name": value}  # a paper service is not in the digital catalogue


class ValidateSuggestionForm(IntakeFormValidation):
    form = form_named("suggestion_form")

    def name(self) -> str:
        return self.form.validation


class ValidateOutageForm(IntakeFormValidation):
    form = form_named("outage_form")

    def name(self) -> str:
        return self.form.validation


class ValidatePersonalForm(IntakeFormValidation):
    """Personal data: asked once per conversation, reused for every later report."""

    form = form_named("personal_form")

    def name(self) -> str:
        return self.form.validation


class ValidateIdentityForm(IntakeFormValidation):
    """Someone asking about a report from another channel: the ID number on the report, then
    the code sent to the mobile on file with it (actions/verification.py)."""

    form = form_named("identity_form")

    def name(self) -> str:
        return self.form.validation

    async def required_slots(
        self,
        domain_slots: list[str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[str]:
        return list(self.form.collects)
