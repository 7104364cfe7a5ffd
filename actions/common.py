"""Small readers of the Rasa tracker shared by the actions."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from rasa_sdk import Tracker

from bot.nlu.normalise import typed_text
from bot.store.repository import ReportRepository

# Entities the NLU pipeline adds to every message; they are not answers.
_PIPELINE_ENTITIES = frozenset({"language", "message_script", "greeting_style"})


def latest_text(tracker: Tracker) -> str:
    """The latest message as typed (bot.nlu.normalise.typed_text)."""
    return typed_text(tracker.latest_message)


def latest_intent(tracker: Tracker) -> str | None:
    return ((tracker.latest_message or {}).get("intent") or {}).get("name")


def latest_entities(tracker: Tracker) -> dict[str, Any]:
    """The latest message's entities by type (the first value of each)."""
    found: dict[str, Any] = {}
    for entity in (tracker.latest_message or {}).get("entities") or []:
        if entity.get("entity") not in _PIPELINE_ENTITIES:
            found.setdefault(entity.get("entity"), entity.get("value"))
    return found


def latest_metadata(tracker: Tracker) -> dict[str, Any]:
    return (tracker.latest_message or {}).get("metadata") or {}


def slot_values(tracker: Tracker) -> dict[str, Any]:
    return dict(tracker.slots)


def slot_set_this_turn(tracker: Tracker, name: str) -> dict[str, Any] | None:
    """The latest SlotSet event of `name` since the user's latest message, or None."""
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            return None
        if event.get("event") == "slot" and event.get("name") == name:
            return event
    return None


# What the assistant may say between its proposal of a report type and the user's answer
# without dropping the proposal: an answer to a question of the user's own, a reply to a
# challenge or an insult, help, something out of scope, a correction (stories/intake.yml
# then asks the proposal again).
PROPOSAL_DIGRESSIONS = frozenset(
    {
        "action_answer_faq",
        "action_edit_field",
        "utter_iamabot",
        "utter_insult_reply",
        "utter_help",
        "utter_out_of_scope",
    }
)


def proposal_waiting(tracker: Tracker) -> bool:
    """Whether the proposal "is this a <type>?" still waits for its yes or no: the last
    thing the assistant did, digressions aside, was to propose, and no report has started."""
    if tracker.get_slot("report_type") or not tracker.get_slot("proposed_report_type"):
        return False
    if tracker.active_loop and tracker.active_loop.get("name"):
        return False
    # applied: without what the core fallback took back (its `rewind`)
    for event in reversed(tracker.applied_events()):
        if event.get("event") != "action":
            continue
        name = event.get("name")
        if name == "action_listen" or name in PROPOSAL_DIGRESSIONS:
            continue
        return name == "action_propose_report_type"
    return False


@lru_cache(maxsize=1)
def repository() -> ReportRepository:
    """The report store of this action server (DATABASE_URL, default SQLite under var/)."""
    return ReportRepository()
