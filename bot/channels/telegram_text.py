"""Telegram's rules, once for every sender: a message holds at most 4096 UTF-16 code units,
the Bot API's address, and a chat's conversation id (`telegram:<chat>`). Pure; the Bot API
client (bot.channels.telegram_api) and the notifier (bot.notify.senders) both go through it."""

from __future__ import annotations

__all__ = [
    "MAX_MESSAGE_LENGTH",
    "SENDER_PREFIX",
    "api_root",
    "chat_id_of",
    "split_text",
    "utf16_length",
]

MAX_MESSAGE_LENGTH = 4096  # telegram.constants.MessageLimit.MAX_TEXT_LENGTH, UTF-16 units
SENDER_PREFIX = "telegram:"


def chat_id_of(value: int | str | None) -> int | None:
    """The chat id in `telegram:<id>`, `<id>` or an int; None for anything else."""
    if isinstance(value, int):
        return value
    if not value:
        return None
    try:
        return int(str(value).removeprefix(SENDER_PREFIX).strip())
    except ValueError:
        return None


def api_root(url: str) -> str:
    """The Bot API root of TELEGRAM_API_URL, given as the root (`http://127.0.0.1:8081`) or
    in python-telegram-bot's form (`…/bot`)."""
    return url.rstrip("/").removesuffix("/bot")


def utf16_length(text: str) -> int:
    """Telegram counts lengths in UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def _fitting_prefix(text: str, limit: int) -> int:
    """The number of characters of `text` that fit in `limit` UTF-16 units."""
    if utf16_length(text) <= limit:
        return len(text)
    low, high = 0, min(len(text), limit)
    while low < high:
        middle = (low + high + 1) // 2
        if utf16_length(text[:middle]) <= limit:
            low = middle
        else:
            high = middle - 1
    return low


def split_text(text: str, limit: int = MAX_MESSAGE_LENGTH) -> list[str]:
    """`text` in pieces of at most `limit` UTF-16 units, cut at a paragraph, a line or a
    space where one lies in the second half of a piece. Only the blanks at the cuts are
    dropped (Telegram trims them anyway); the text itself is not changed."""
    if utf16_length(text) <= limit:
        return [text]
    pieces: list[str] = []
    rest = text
    while utf16_length(rest) > limit:
        fits = _fitting_prefix(rest, limit)
        cut = fits
        for separator in ("\n\n", "\n", " "):
            position = rest.rfind(separator, 0, fits)
            if position >= fits // 2:
                cut = position + len(separator)
                break
        piece = rest[:cut].rstrip()
        if piece:
            pieces.append(piece)
        rest = rest[cut:].lstrip("\n")
    if rest.strip():
        pieces.append(rest.rstrip())
    return pieces
