"""A report's statuses in the reporter's words, Arabic and English: the assistant's
answers, the notices and the call-centre console all name a status through `status_label`.
The names are the text catalogue's `status.<status>` (bot.texts; SPEC "Life of a report")."""

from __future__ import annotations

from bot.texts import has, keys, text

__all__ = ["STATUSES", "status_label"]

# Every status the catalogue names, in its order.
STATUSES: tuple[str, ...] = tuple(key.removeprefix("status.") for key in keys("status."))


def status_label(status: str, language: str | None) -> str:
    """The status in the reporter's language (Arabic unless English); unknown: as given."""
    key = f"status.{status}"
    return text(key, language) if has(key) else str(status)
