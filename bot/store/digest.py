"""Keyed digests of identifiers the store must match without keeping them in clear.

Throttling counts failures per national ID, one-time codes are kept as digests, and what a
conversation has proven names a mobile number: all of them store an HMAC-SHA256 under the
store's own key (`DIGEST_KEY`, else generated once into var/digest_key, owner-only), so the
rows say nothing of the person without that key, and a stolen table cannot be matched
against a list of ID numbers.
"""

from __future__ import annotations

import hashlib
import hmac
from functools import lru_cache

from bot.digits import to_ascii_digits
from bot.runtime.secrets import generated_secret

DIGEST_KEY_ENV = "DIGEST_KEY"


@lru_cache(maxsize=1)
def _key() -> bytes:
    return generated_secret(DIGEST_KEY_ENV, "digest_key").encode()


def normalised(value: str) -> str:
    """An identifier as compared: ASCII digits, no spaces, upper case."""
    return "".join(to_ascii_digits(value or "").split()).upper()


def digest(kind: str, value: str) -> str:
    """64 hex digits standing for `value` of `kind` ("id", "mobile", "code" …)."""
    message = f"{kind}:{normalised(value)}".encode()
    return hmac.new(_key(), message, hashlib.sha256).hexdigest()


def same_digest(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())
