"""Who a conversation is: the channel that vouched for it, and its user inside that channel.

Rasa keys a conversation by one string, its sender id. Each channel writes its own ids in its
own namespace, so that an id proves the channel it came through:

- Telegram: `telegram:<chat id>` (the update came with the webhook's secret token, or from
  the bridge that polls with the bot token);
- the web widget: `web-<random>-<signature>`, issued and signed by the server;
- the call-centre console: `call_centre:<agent>:<call>`, made by the agent's console;
- REST, the integration and test channel: `rest:<the sender the client named>` (the client
  holds REST_TOKEN when one is set).

A REST client that names itself `telegram:42` therefore talks as `rest:telegram:42`, which
owns nothing of the Telegram user's. No Rasa here: the store and the actions use it.
"""

from __future__ import annotations

REST_PREFIX = "rest:"
TELEGRAM_PREFIX = "telegram:"
WEB_PREFIX = "web-"
CALL_CENTRE_PREFIX = "call_centre:"
# metadata key that only the Telegram channel sets: a phone number Telegram vouches for (the
# user's own contact, shared with the contact button)
VERIFIED_CONTACT = "verified_contact"

# prefix -> the channel value of CONTRACT's report JSON
_CHANNEL_OF_PREFIX = {
    REST_PREFIX: "rest",
    TELEGRAM_PREFIX: "telegram",
    WEB_PREFIX: "web",
    CALL_CENTRE_PREFIX: "call_centre",
}


def rest_sender_id(sender: str) -> str:
    """The conversation id of the REST client that calls itself `sender`."""
    return REST_PREFIX + sender


def client_sender(sender_id: str) -> str:
    """The sender as a REST client named it (other channels' ids are returned as they are)."""
    return sender_id.removeprefix(REST_PREFIX)


def channel_of_sender(sender_id: str | None) -> str | None:
    """The channel whose namespace `sender_id` is in, or None for an id of no channel."""
    for prefix, channel in _CHANNEL_OF_PREFIX.items():
        if sender_id and sender_id.startswith(prefix):
            return channel
    return None
