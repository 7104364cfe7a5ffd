"""The result type shared by the input parsers of `bot.intake`.

A parser never raises on bad input and never builds user-facing text: it returns either the
parsed value or a stable error *code* (such as `national_id_check_digit`), and the Rasa
domain maps each code to an Arabic and an English message. Keeping codes here, not
sentences, lets one parser serve both languages and the call-centre console alike.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

__all__ = ["Parsed"]

T = TypeVar("T")


@dataclass(frozen=True)
class Parsed(Generic[T]):
    """A parsed `value`, or an `error` code; `skipped` when the user declined an optional field.

    Exactly one outcome holds: `error` set (value None), `skipped` (value and error None), or a
    value.
    """

    value: T | None = None
    error: str | None = None
    skipped: bool = False

    @property
    def ok(self) -> bool:
        """Whether the input was accepted (a value, or an explicit skip)."""
        return self.error is None

    @classmethod
    def success(cls, value: T) -> Parsed[T]:
        return cls(value=value)

    @classmethod
    def failure(cls, code: str) -> Parsed[T]:
        return cls(error=code)

    @classmethod
    def skip(cls) -> Parsed[T]:
        return cls(skipped=True)
