"""A cancelled report kept, so that a user who cancelled by mistake can resume it.

"cancel" stops the report being prepared at once (the assistant says so at the start), but
one mistaken word, or a message NLU took for "cancel", would throw away every answer. So the
cancel action keeps the draft (`kept_draft`) in the `cancelled_draft` slot, and "resume my
report" puts it back (`resumed`): the same answers, and the form that was asking, which asks
its next question again. Starting a new report forgets it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bot.intake.dialogue_spec import report_forms
from bot.intake.flow import FORM_OF_TYPE, REPORT_SLOTS

# The forms of the intake: a draft cancelled in another loop (a request about a filed
# report) is not a report being prepared.
INTAKE_FORMS = frozenset({*(form.name for form in report_forms()), "personal_form"})
# Where the user was when no form was asking: at the summary.
AFTER_FORMS = "action_intake_next"
# A name waiting for "is that the right name?": that question is not shown again on resume
# (the form asks for the name afresh), so a "yes" could not answer it.
NOT_RESUMED = frozenset({"pending_name", "pending_typed"})


@dataclass(frozen=True)
class Resumed:
    """The report slots to set again (every report slot: the others None) and what runs next."""

    slots: dict[str, Any]
    next_action: str


def kept_draft(slots: Mapping[str, Any], active_loop: str | None) -> dict[str, Any] | None:
    """What resuming needs, or None when no report was being prepared (no type chosen yet).

    Empty answers ("" for a skipped channel, [] for no files) are answers too and are kept.
    """
    if not slots.get("report_type"):
        return None
    values = {name: slots[name] for name in REPORT_SLOTS if slots.get(name) is not None}
    form = active_loop if active_loop in INTAKE_FORMS else None
    return {"slots": values, "form": form}


def resumed(draft: Any) -> Resumed | None:
    """The slots and the next action for a kept draft; None for nothing (or nothing usable)."""
    if not isinstance(draft, dict) or not isinstance(draft.get("slots"), dict):
        return None
    kept = draft["slots"]
    if not kept.get("report_type"):
        return None
    slots = {name: None if name in NOT_RESUMED else kept.get(name) for name in REPORT_SLOTS}
    return Resumed(slots, _next_action(draft.get("form"), kept))


def _next_action(form: Any, kept: Mapping[str, Any]) -> str:
    """The form that was asking; with none, the summary, or the form of the step it was at."""
    if form in INTAKE_FORMS:
        return str(form)
    if kept.get("intake_step") == "summary":
        return AFTER_FORMS
    if kept.get("intake_step") == "personal_data":
        return "personal_form"
    return FORM_OF_TYPE.get(kept["report_type"], AFTER_FORMS)
