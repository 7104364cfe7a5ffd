"""Pushing a chat message to a conversation at once, outside a turn (an agent's line).

Notifications about reports go through the outbox (bot.store.outbox), retried until
delivered. A line of a live chat with an agent is different: it matters now or not at all,
and whatever was not pushed is given with the user's next turn (bot.store.handoffs keeps
which lines were delivered). So `push` tries once:

* `telegram` — the Bot API's sendMessage (TELEGRAM_TOKEN), as the outbox's sender does;
* every other channel (REST, the web widget, the console) — nothing to push to: False, and
  the line waits for the user's next message (the widget also fetches it with its inbox).
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from bot.notify.senders import Delivered, SendError, TelegramSender

__all__ = ["Push", "push"]

logger = logging.getLogger(__name__)

Push = Callable[[str, str, str], bool]  # (channel, recipient, text) -> delivered?


def push(
    channel: str, recipient: str, text: str, *, telegram: TelegramSender | None = None
) -> bool:
    """Deliver `text` to `recipient` on `channel` now; False when it could not be."""
    if channel != "telegram":
        return False
    sender = telegram or TelegramSender()
    try:
        outcome = sender.send_text(recipient, text)
    except SendError as exc:
        logger.warning("Pushing a chat line to Telegram failed: %s", exc)
        return False
    return isinstance(outcome, Delivered)
