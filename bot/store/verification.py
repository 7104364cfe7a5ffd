"""One-time codes, and what a conversation has proven with them.

Two things are proven by a code sent to a mobile (or an e-mail address):

- `Purpose.MOBILE`: the conversation controls this mobile number. Asked before the first
  report with a new mobile is filed (or, on Telegram, proven by the user's own contact shared
  with the contact button); kept, so the same conversation is not asked again.
- `Purpose.FOLLOW`: the conversation may follow the reports of one reporter filed with one
  mobile, from a channel other than the one that filed them (status, cancel, documents,
  rating). The code goes to the mobile on file with the report; the right lasts
  `FOLLOW_FOR`.

A code has `CODE_DIGITS` digits, lives `CODE_TTL`, allows `MAX_ATTEMPTS` wrong tries and is
used once; only its keyed digest is stored. A new code for the same conversation and purpose
replaces the one before. bot.store.access reads the verifications; bot.store.throttle slows
down wrong codes across conversations and addresses.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import func, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from bot.digits import digit_run
from bot.store.db import session_scope
from bot.store.digest import digest, same_digest
from bot.store.models import OneTimeCode, Verification, utc_now

__all__ = [
    "CODE_DIGITS",
    "CODE_TTL",
    "FOLLOW_FOR",
    "MAX_ATTEMPTS",
    "CodeCheck",
    "Method",
    "Purpose",
    "check_code",
    "codes_sent_for",
    "follow_subject",
    "has_verification",
    "issue_code",
    "mobile_subject",
    "record_verification",
    "seconds_until_resend",
]

CODE_DIGITS = 6
CODE_TTL = timedelta(minutes=10)
MAX_ATTEMPTS = 5
FOLLOW_FOR = timedelta(hours=2)
# A new code for the same conversation and purpose at most this often, and at most
# CODES_PER_HOUR an hour (each one is an SMS someone pays for, to someone's phone).
RESEND_AFTER = timedelta(seconds=30)
CODES_PER_HOUR = 5


class Purpose(StrEnum):
    MOBILE = "mobile"
    FOLLOW = "follow"


class Method(StrEnum):
    SMS = "otp_sms"
    EMAIL = "otp_email"
    TELEGRAM_CONTACT = "telegram_contact"


def mobile_subject(mobile: str) -> str:
    """What a MOBILE verification is about: the number's digest."""
    return digest("mobile", mobile)


def follow_subject(reporter_id: int, mobile: str) -> str:
    """What a FOLLOW verification is about: the reporter, and the mobile the reports carry."""
    return f"r{reporter_id}:{digest('mobile', mobile)[:40]}"


def reporter_of_subject(subject: str) -> int | None:
    """The reporter id a FOLLOW subject names, None for another kind of subject."""
    head, _, _ = subject.partition(":")
    return int(head[1:]) if head.startswith("r") and head[1:].isdigit() else None


def seconds_until_resend(
    engine: Engine, *, purpose: Purpose, sender_id: str, now: datetime | None = None
) -> int:
    """0 when a new code may be sent to this conversation now, else the seconds to wait."""
    moment = now or utc_now()
    with session_scope(engine) as session:
        recent = session.scalars(
            select(OneTimeCode.created_at)
            .where(
                OneTimeCode.sender_id == sender_id,
                OneTimeCode.purpose == purpose.value,
                OneTimeCode.created_at > moment - timedelta(hours=1),
            )
            .order_by(OneTimeCode.created_at.desc())
        ).all()
    if len(recent) >= CODES_PER_HOUR:
        return int((recent[CODES_PER_HOUR - 1] + timedelta(hours=1) - moment).total_seconds()) + 1
    if recent and recent[0] + RESEND_AFTER > moment:
        return int((recent[0] + RESEND_AFTER - moment).total_seconds()) + 1
    return 0


def codes_sent_for(engine: Engine, *, subject: str, now: datetime | None = None) -> int:
    """How many codes went out for `subject` in the last hour, whichever conversation asked
    (a reporter's phone is not to be flooded by strangers asking about their report)."""
    moment = now or utc_now()
    with session_scope(engine) as session:
        return int(
            session.scalar(
                select(func.count(OneTimeCode.id)).where(
                    OneTimeCode.subject == subject,
                    OneTimeCode.created_at > moment - timedelta(hours=1),
                )
            )
        )


def issue_code(
    engine: Engine,
    *,
    purpose: Purpose,
    sender_id: str,
    subject: str,
    now: datetime | None = None,
) -> str:
    """A new code for `sender_id` to prove `subject`; earlier unused ones stop working.

    Returns the code in clear, to be sent (bot.notify.contact); only its digest is kept.
    """
    moment = now or utc_now()
    code = "".join(secrets.choice("0123456789") for _ in range(CODE_DIGITS))
    with session_scope(engine, write=True) as session:
        session.execute(
            update(OneTimeCode)
            .where(
                OneTimeCode.sender_id == sender_id,
                OneTimeCode.purpose == purpose.value,
                OneTimeCode.used_at.is_(None),
            )
            .values(used_at=moment)
        )
        session.add(
            OneTimeCode(
                purpose=purpose.value,
                sender_id=sender_id,
                subject=subject,
                code_hash=digest("code", f"{sender_id}:{code}"),
                created_at=moment,
                expires_at=moment + CODE_TTL,
                attempts=0,
            )
        )
    return code


@dataclass(frozen=True)
class CodeCheck:
    ok: bool
    subject: str | None = None  # what the code proved (when ok)
    attempts_left: int = 0  # wrong tries left on the current code (when not ok)
    no_code: bool = False  # no live code: never sent, expired, used up


def check_code(
    engine: Engine,
    *,
    purpose: Purpose,
    sender_id: str,
    typed: str,
    now: datetime | None = None,
) -> CodeCheck:
    """Check a typed code against the conversation's live code; a right one is used up."""
    moment = now or utc_now()
    code = digit_run(typed, CODE_DIGITS)  # the digits, however they were typed
    with session_scope(engine, write=True) as session:
        live = session.scalars(
            select(OneTimeCode)
            .where(
                OneTimeCode.sender_id == sender_id,
                OneTimeCode.purpose == purpose.value,
                OneTimeCode.used_at.is_(None),
                OneTimeCode.expires_at > moment,
                OneTimeCode.attempts < MAX_ATTEMPTS,
            )
            .order_by(OneTimeCode.created_at.desc())
            .with_for_update()
        ).first()
        if live is None:
            return CodeCheck(ok=False, no_code=True)
        if code is not None and same_digest(
            live.code_hash, digest("code", f"{sender_id}:{code}")
        ):
            live.used_at = moment
            return CodeCheck(ok=True, subject=live.subject)
        live.attempts += 1
        left = MAX_ATTEMPTS - live.attempts
        return CodeCheck(ok=False, attempts_left=left, no_code=left <= 0)


def record_verification(
    engine: Engine,
    *,
    sender_id: str,
    purpose: Purpose,
    subject: str,
    method: Method,
    now: datetime | None = None,
) -> None:
    """Keep what `sender_id` proved (a FOLLOW right expires after FOLLOW_FOR)."""
    moment = now or utc_now()
    with session_scope(engine, write=True) as session:
        session.add(
            Verification(
                sender_id=sender_id,
                purpose=purpose.value,
                subject=subject,
                method=method.value,
                verified_at=moment,
                expires_at=moment + FOLLOW_FOR if purpose == Purpose.FOLLOW else None,
            )
        )


def _live(purpose: Purpose, sender_id: str, moment: datetime):  # type: ignore[no-untyped-def]
    return (
        Verification.sender_id == sender_id,
        Verification.purpose == purpose.value,
        (Verification.expires_at.is_(None)) | (Verification.expires_at > moment),
    )


def has_verification(
    session: Session,
    *,
    sender_id: str,
    purpose: Purpose,
    subject: str,
    now: datetime | None = None,
) -> bool:
    """Whether `sender_id` has proven `subject` for `purpose` (and it has not expired)."""
    moment = now or utc_now()
    count = session.scalar(
        select(func.count(Verification.id)).where(
            *_live(purpose, sender_id, moment), Verification.subject == subject
        )
    )
    return bool(count)


def verified_subjects(
    session: Session, *, sender_id: str, purpose: Purpose, now: datetime | None = None
) -> list[str]:
    """Every live subject `sender_id` proved for `purpose`."""
    moment = now or utc_now()
    return list(
        session.scalars(select(Verification.subject).where(*_live(purpose, sender_id, moment)))
    )


def mobile_is_verified(engine: Engine, *, sender_id: str, mobile: str) -> bool:
    """Whether this conversation has proven it controls `mobile`."""
    with session_scope(engine) as session:
        return has_verification(
            session, sender_id=sender_id, purpose=Purpose.MOBILE, subject=mobile_subject(mobile)
        )
