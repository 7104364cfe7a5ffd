"""Saying a draft's reminder in its conversation, on its day (bot.store.reminders).

A reminder is not a notice about a report (the outbox's work): it is a turn of the
conversation that asked for it, with a button that resumes the draft. So the scheduler asks
Rasa to run it there, through Rasa's HTTP API (the RASA_TOKEN-protected
`POST /conversations/<id>/trigger_intent?output_channel=latest`, the way Rasa's own
reminders reach a conversation): `action_say_reminder` says it, the conversation keeps it,
and the conversation's channel delivers it (Telegram at once, with its button; the web
widget shows it with the conversation's history; REST integrations read it there).

Where Rasa is: `bot jobs --rasa-url`, else BALAGH_RASA_URL (`bot serve` and `bot cluster`
pass theirs). With neither, reminders wait (pending) and the scheduler says why in its log.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable

import httpx

from bot.runtime import settings
from bot.store.reminders import Reminder

__all__ = [
    "RASA_URL_ENV",
    "REMINDER_INTENT",
    "Say",
    "TriggerError",
    "rasa_say",
    "rasa_url",
    "reachable",
]

RASA_URL_ENV = "BALAGH_RASA_URL"
REMINDER_INTENT = "EXTERNAL_draft_reminder"
TIMEOUT_S = 30.0

Say = Callable[[Reminder], None]  # says the reminder in its conversation, else raises


# Characters a conversation id may hold to be named in Rasa's HTTP API: Sanic does not
# decode the path, so "rest:a%20b" names a conversation of that very name, not "rest:a b".
# Telegram's (`telegram:<chat>`), the widget's (`web-<hex>-<hex>`) and most REST clients'
# ids are made of these; a conversation whose id is not is offered no reminder.
_REACHABLE = re.compile(r"[A-Za-z0-9._~:@!$&'()*+,;=-]{1,255}")


def reachable(sender_id: str) -> bool:
    """Whether a reminder can be said in this conversation through Rasa's HTTP API."""
    return bool(_REACHABLE.fullmatch(sender_id or ""))


class TriggerError(Exception):
    """Rasa could not be asked (`reached` False: it is down, nothing counts against the
    reminder) or refused (an attempt): the reminder stays pending for the next tick."""

    def __init__(self, message: str, *, reached: bool = True) -> None:
        super().__init__(message)
        self.reached = reached


def rasa_url() -> str | None:
    """BALAGH_RASA_URL, or None."""
    return (os.environ.get(RASA_URL_ENV) or "").strip().rstrip("/") or None


def rasa_say(base_url: str, *, token: str | None = None, timeout: float = TIMEOUT_S) -> Say:
    """A `Say` that triggers REMINDER_INTENT in the reminder's conversation on `base_url`."""
    base = base_url.rstrip("/")

    def say(reminder: Reminder) -> None:
        if not reachable(reminder.sender_id):
            raise TriggerError("the conversation's id cannot be named in Rasa's HTTP API")
        url = f"{base}/conversations/{reminder.sender_id}/trigger_intent"
        try:
            response = httpx.post(
                url,
                params={"output_channel": "latest", "token": token or settings.rasa_token()},
                json={"name": REMINDER_INTENT},
                timeout=timeout,
            )
        except httpx.HTTPError as exc:
            raise TriggerError(f"Rasa unreachable at {base}: {exc!r}", reached=False) from exc
        if response.status_code != 200:
            raise TriggerError(f"Rasa answered {response.status_code}: {response.text[:200]}")

    return say
