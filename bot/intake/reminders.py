""" "Not yet — come back on DATE": the offer to remind the user, and what the reminder keeps.

CONVERSATIONS.md §2: when an escalation is not possible yet (the entity's response time or
the 5 working days have not passed), the assistant says from which day it is, and offers to
remind the user *here* on that day. A "yes" keeps the draft (bot.store.reminders); on the
day the scheduler says the reminder in the conversation with a button that puts the answers
back (bot.intake.cancelled's shape), and the form asks what is still missing.

Pure: what to offer, when to remind, what the draft keeps. Only the report's own facts are
kept, never personal data (the personal questions come after the decision anyway) nor
files (staged uploads are deleted after 14 days; the reminder may be further away).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from bot.clock import RIYADH
from bot.intake.cancelled import kept_draft
from bot.intake.eligibility import Decision, Outcome
from bot.intake.flow import PERSONAL_SLOTS

__all__ = [
    "REMINDABLE_CHANNELS",
    "REMIND_AT",
    "ReminderOffer",
    "offer",
    "remind_at",
]

# The hour (Riyadh) a reminder is said on its day: office hours, not midnight.
REMIND_AT = time(9, 0)
# Channels whose conversations can be written to later. The call centre's are an agent's
# calls on behalf of someone on the phone: that person is told the date instead.
REMINDABLE_CHANNELS = frozenset({"telegram", "web", "rest"})
# Kept out of the draft: personal data, files, and the steps of the conversation.
_NOT_KEPT = frozenset({*PERSONAL_SLOTS, "attachments", "intake_step", "filing_key"})


@dataclass(frozen=True)
class ReminderOffer:
    """What "yes, remind me" will keep: the day, and the draft to resume then."""

    remind_on: date
    draft: dict[str, Any]

    def as_slot(self) -> dict[str, Any]:
        return {"remind_on": self.remind_on.isoformat(), "draft": self.draft}

    @classmethod
    def from_slot(cls, value: Any) -> ReminderOffer | None:
        """The offer kept in the conversation's `reminder_offer` slot; None if unusable."""
        if not isinstance(value, Mapping) or not isinstance(value.get("draft"), Mapping):
            return None
        try:
            remind_on = date.fromisoformat(str(value.get("remind_on")))
        except ValueError:
            return None
        return cls(remind_on, dict(value["draft"]))


def offer(decision: Decision, slots: Mapping[str, Any], channel: str) -> ReminderOffer | None:
    """A reminder to offer with a "not yet" decision, or None (another outcome, a channel
    that cannot be written to later, or no report being prepared)."""
    if decision.outcome is not Outcome.NOT_YET or decision.eligible_from is None:
        return None
    if channel not in REMINDABLE_CHANNELS:
        return None
    draft = kept_draft(
        {name: value for name, value in slots.items() if name not in _NOT_KEPT}, None
    )
    if draft is None:
        return None
    return ReminderOffer(decision.eligible_from, draft)


def remind_at(remind_on: date) -> datetime:
    """When the reminder is said: REMIND_AT, Riyadh time, on its day."""
    return datetime.combine(remind_on, REMIND_AT, tzinfo=RIYADH)
