"""What a chat channel answers by itself when the assistant behind it fails.

Two faults otherwise reach the user as silence or as a bare HTTP error:

* **No reply at all.** When a custom action fails (the action server is down or restarting,
  or an action crashes), Rasa logs "Bot will continue, but the actions events are lost" and
  goes back to listening: the user's message gets an empty reply. The channel then answers
  `NO_REPLY`: a fault on our side, what was said before is kept, send the message again in
  a moment. A message that was a button's payload (the summary's "Send") gets a button
  repeating it. Nothing else changes: the turn's events are what Rasa logged, and a report
  is filed under its idempotency key, so sending again never files it twice.
  Except while the conversation is with a call-centre agent (`handoff_form`,
  actions/handoff.py): a message for the agent has no reply of the assistant's own, so
  silence there is no fault (`with_an_agent`).
* **An upload that could not be stored** (disk full, read-only or missing attachments
  directory): the message is not handed to the assistant at all, and the files of that
  message already written are deleted (bot.channels.rest.process_metadata), so the channel
  answers `STORAGE_FAILED`, naming the files: nothing was received, send it again later or
  go on without it. The conversation is where it was.

The words live here, not in the Rasa domain, because they must not depend on the part that
failed. They follow the conversation's `language` slot (read from the tracker store), or the
language of the message itself in a conversation that has no earlier turn, as the assistant
does (bot.nlu.language).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import Any

from bot.nlu.language import DEFAULT_LANGUAGE, decide_language
from bot.texts import text

logger = logging.getLogger(__name__)

NO_REPLY = "no_reply"
STORAGE_FAILED = "storage_failed"
LANGUAGES = ("ar", "en")
TRACKER_TIMEOUT_S = 5.0
# Payloads that are not a button the user pressed (a file-only message).
_NOT_A_BUTTON = frozenset({"/send_attachment"})

class AttachmentStorageFailed(OSError):
    """A file of the message could not be written; none of the message's files were kept.

    An OSError, so that code catching OSError around the storing still does."""

    def __init__(self, filenames: Sequence[str]) -> None:
        super().__init__(f"could not store the attachments {list(filenames)!r}")
        self.filenames = list(filenames)


def _files(names: Sequence[str], language: str) -> str:
    if language == "ar":
        return "، ".join(f"«{name}»" for name in names) or text("faults.the_file", language)
    return ", ".join(f'"{name}"' for name in names) or text("faults.the_file", language)


def fault_message(
    kind: str,
    language: str,
    recipient_id: str,
    *,
    files: Sequence[str] = (),
    retry_payload: str | None = None,
) -> dict[str, Any]:
    """One bot message in the REST output format (`recipient_id`, `text`, `buttons`)."""
    language = language if language in LANGUAGES else DEFAULT_LANGUAGE
    # the catalogue's faults.no_reply, faults.storage_failed
    said = text(f"faults.{kind}", language, files=_files(files, language))
    message: dict[str, Any] = {"recipient_id": recipient_id, "text": said}
    if retry_payload and retry_payload.startswith("/") and retry_payload not in _NOT_A_BUTTON:
        message["buttons"] = [{"title": text("faults.retry", language), "payload": retry_payload}]
    return message


def _has_earlier_turn(tracker: Any) -> bool:
    """Whether the assistant answered this conversation before (its slot is then meant)."""
    return any(getattr(event, "type_name", None) == "bot" for event in tracker.events)


AGENT_CHAT_LOOP = "handoff_form"


def with_an_agent(tracker: Any) -> bool:
    """Whether the conversation is in a chat with a call-centre agent (no reply expected)."""
    return getattr(tracker, "active_loop_name", None) == AGENT_CHAT_LOOP


async def conversation_with_an_agent(app: Any, sender_id: str) -> bool:
    """`with_an_agent` for a conversation of the agent's store (False when unreadable)."""
    store = getattr(getattr(getattr(app, "ctx", None), "agent", None), "tracker_store", None)
    if store is None:
        return False
    try:
        tracker = await asyncio.wait_for(store.retrieve(sender_id), TRACKER_TIMEOUT_S)
    except Exception as exc:  # noqa: BLE001 - the store may be the part that failed
        logger.warning("Reading the conversation's state failed: %r", exc)
        return False
    return tracker is not None and with_an_agent(tracker)


async def conversation_language(app: Any, sender_id: str, text: str | None) -> str:
    """The conversation's language as the assistant would answer in it; Arabic by default.

    Reads the tracker from the agent's store; an unreadable store falls back on the text.
    """
    previous = None
    store = getattr(getattr(getattr(app, "ctx", None), "agent", None), "tracker_store", None)
    if store is not None:
        try:
            tracker = await asyncio.wait_for(store.retrieve(sender_id), TRACKER_TIMEOUT_S)
        except Exception as exc:  # noqa: BLE001 - the store may be the part that failed
            logger.warning("Reading the conversation's language failed: %r", exc)
            tracker = None
        if tracker is not None and _has_earlier_turn(tracker):
            slot = tracker.get_slot("language")
            previous = slot if slot in LANGUAGES else None
    message = "" if (text or "").startswith("/") else (text or "")
    return decide_language(previous, message)
