"""When the call centre's agents are on duty (plain Python).

Agents answer on Saudi working days (Sunday to Thursday, public holidays excepted) from 8:00
to 17:00 Riyadh time (SPEC, issue #17). Asked for a person outside those hours, the user is
told when they open again and the toll-free number. Inside them the conversation is queued
for the call-centre console (bot.store.handoffs) with what the agent needs to take over: the
transcript so far and the answers given (`transcript_of`, `answers_of`); a request nobody
takes within `PICKUP_WAIT` ends, and the user is told the hours and the number.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, time, timedelta
from typing import Any

from bot import texts
from bot.intake.flow import QUESTION_SLOTS
from bot.intake.workdays import RIYADH, is_working_day
from bot.texts.bidi import fsi

__all__ = [
    "CALL_CENTRE",
    "CLOSES",
    "OPENS",
    "PICKUP_WAIT",
    "TRANSCRIPT_LINES",
    "answers_of",
    "next_opening",
    "on_duty",
    "transcript_of",
]

CALL_CENTRE = "199099"
OPENS = time(8, 0)
CLOSES = time(17, 0)
PICKUP_WAIT = timedelta(minutes=2)  # no agent took the request by then: the user is told
TRANSCRIPT_LINES = 60  # the last messages the agent sees
TRANSCRIPT_LINE_CHARS = 1000
# Besides the questions' answers, what tells the agent where the conversation is.
CONTEXT_SLOTS = ("report_type", "proposed_report_type", "requested_slot", "status_reference")


def _riyadh(now: datetime) -> datetime:
    if now.tzinfo is None:
        raise ValueError("an aware datetime is needed")
    return now.astimezone(RIYADH)


def on_duty(now: datetime) -> bool:
    """Whether agents are answering at `now`."""
    local = _riyadh(now)
    return is_working_day(local.date()) and OPENS <= local.time() < CLOSES


def next_opening(now: datetime) -> datetime:
    """The next moment agents answer (Riyadh time); `now` itself when they are on duty."""
    local = _riyadh(now)
    if on_duty(local):
        return local
    day = local.date()
    if is_working_day(day) and local.time() < OPENS:
        return datetime.combine(day, OPENS, RIYADH)
    day += timedelta(days=1)
    while not is_working_day(day):
        day += timedelta(days=1)
    return datetime.combine(day, OPENS, RIYADH)


def transcript_of(events: Iterable[Mapping[str, Any]]) -> list[dict[str, str]]:
    """The conversation's messages so far, for the agent who takes it over: the last
    `TRANSCRIPT_LINES` of `{"who": "user"|"bot", "text": ...}`, oldest first (a button the
    user pressed is shown by its payload, as the assistant received it)."""
    lines: list[dict[str, str]] = []
    for event in events:
        kind = event.get("event")
        if kind not in ("user", "bot"):
            continue
        text = (event.get("text") or "").strip()
        if not text:
            continue
        lines.append({"who": kind, "text": text[:TRANSCRIPT_LINE_CHARS]})
    return lines[-TRANSCRIPT_LINES:]


def answers_of(slots: Mapping[str, Any]) -> dict[str, Any]:
    """The answers given so far (the intake questions and the report type), nothing else."""
    wanted = set(QUESTION_SLOTS) | set(CONTEXT_SLOTS)
    return {
        name: value
        for name, value in slots.items()
        if name in wanted and value not in (None, "", [], {})
    }


LEAVE_PAYLOAD = "/handoff_leave"  # the intent handoff_leave, as a button

# What the user is told about the chat with an agent (the text catalogue's `handoff.*`): the
# assistant's actions say it in a turn, the console and the scheduler push it to Telegram
# between turns.
def text(key: str, language: str | None, **values: str) -> str:
    """`handoff.<key>` in `language` (Arabic unless English), its placeholders filled; in
    Arabic, a value of another direction (an agent's id, their message) is isolated."""
    language = "en" if language == "en" else "ar"
    values = {name: fsi(value, language) for name, value in values.items()}
    return texts.text(f"handoff.{key}", language, number=CALL_CENTRE, **values)


def leave_button(language: str | None) -> dict[str, str]:
    """The button that ends the chat with an agent (or the wait for one)."""
    return {"title": text("leave_button", language), "payload": LEAVE_PAYLOAD}
