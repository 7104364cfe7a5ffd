"""One-time codes (bot.store.verification) and throttling (bot.store.throttle) on a real store."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.store import throttle
from bot.store.db import session_scope
from bot.store.migrate import upgrade
from bot.store.models import OneTimeCode, ThrottleFailure, utc_now
from bot.store.repository import ReportRepository
from bot.store.verification import (
    CODE_TTL,
    CODES_PER_HOUR,
    MAX_ATTEMPTS,
    Purpose,
    check_code,
    issue_code,
    mobile_is_verified,
    mobile_subject,
    seconds_until_resend,
)

SENDER = "telegram:42"
MOBILE = "+966551234567"


@pytest.fixture
def engine(db_url: str):
    upgrade(db_url)
    return ReportRepository(db_url).engine


def _issue(engine, sender: str = SENDER, now=None) -> str:
    return issue_code(
        engine, purpose=Purpose.MOBILE, sender_id=sender, subject=mobile_subject(MOBILE), now=now
    )


def test_a_code_is_kept_only_as_a_digest_and_works_once(engine) -> None:
    code = _issue(engine)
    assert len(code) == 6 and code.isdigit()
    with session_scope(engine) as session:
        stored = session.scalars(select(OneTimeCode)).one()
    assert code not in stored.code_hash and len(stored.code_hash) == 64
    arabic = code.translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
    assert check_code(engine, purpose=Purpose.MOBILE, sender_id=SENDER, typed=arabic).ok
    again = check_code(engine, purpose=Purpose.MOBILE, sender_id=SENDER, typed=code)
    assert not again.ok and again.no_code  # used up


def test_a_code_works_only_for_its_conversation_and_purpose(engine) -> None:
    code = _issue(engine)
    assert not check_code(engine, purpose=Purpose.MOBILE, sender_id="rest:other", typed=code).ok
    assert not check_code(engine, purpose=Purpose.FOLLOW, sender_id=SENDER, typed=code).ok
    assert check_code(engine, purpose=Purpose.MOBILE, sender_id=SENDER, typed=code).ok


def test_wrong_tries_wear_a_code_out(engine) -> None:
    code = _issue(engine)
    wrong = "000000" if code != "000000" else "111111"
    for left in range(MAX_ATTEMPTS - 1, 0, -1):
        result = check_code(engine, purpose=Purpose.MOBILE, sender_id=SENDER, typed=wrong)
        assert not result.ok and result.attempts_left == left
    last = check_code(engine, purpose=Purpose.MOBILE, sender_id=SENDER, typed=wrong)
    assert last.no_code
    assert check_code(engine, purpose=Purpose.MOBILE, sender_id=SENDER, typed=code).no_code


def test_a_code_expires_and_a_new_one_replaces_the_old(engine) -> None:
    old = _issue(engine, now=utc_now() - CODE_TTL - timedelta(seconds=1))
    assert check_code(engine, purpose=Purpose.MOBILE, sender_id=SENDER, typed=old).no_code
    first = _issue(engine)
    second = _issue(engine)
    if first != second:
        assert not check_code(engine, purpose=Purpose.MOBILE, sender_id=SENDER, typed=first).ok
    assert check_code(engine, purpose=Purpose.MOBILE, sender_id=SENDER, typed=second).ok


def test_new_codes_are_rationed(engine) -> None:
    now = utc_now()
    assert seconds_until_resend(engine, purpose=Purpose.MOBILE, sender_id=SENDER, now=now) == 0
    _issue(engine, now=now)
    assert seconds_until_resend(engine, purpose=Purpose.MOBILE, sender_id=SENDER, now=now) > 0
    for n in range(1, CODES_PER_HOUR):
        _issue(engine, now=now + timedelta(minutes=n))
    later = now + timedelta(minutes=10)
    wait = seconds_until_resend(engine, purpose=Purpose.MOBILE, sender_id=SENDER, now=later)
    assert 45 * 60 < wait <= 50 * 60 + 1


def test_mobile_verification_is_per_conversation_and_number(engine) -> None:
    from bot.store.verification import Method, record_verification

    assert not mobile_is_verified(engine, sender_id=SENDER, mobile=MOBILE)
    record_verification(
        engine, sender_id=SENDER, purpose=Purpose.MOBILE, subject=mobile_subject(MOBILE),
        method=Method.SMS,
    )
    assert mobile_is_verified(engine, sender_id=SENDER, mobile="+966 55 123 4567")
    assert not mobile_is_verified(engine, sender_id="rest:telegram:42", mobile=MOBILE)
    assert not mobile_is_verified(engine, sender_id=SENDER, mobile="+966559999999")


def test_throttle_counts_every_key_and_says_how_long_to_wait(engine) -> None:
    now = utc_now()
    keys = throttle.keys(
        sender_id="rest:a", reference="BR-7K3Q9PX2", id_number="1000000008",
        client_address="203.0.113.9",
    )
    assert [key.split(":")[0] for key in keys] == ["ref", "id", "addr", "sender"]
    assert "1000000008" not in "".join(keys)  # the ID is a digest
    for n in range(throttle.LIMITS["ref"]):
        assert throttle.minutes_to_wait(engine, keys, now=now) == 0
        throttle.record_failure(engine, keys, now=now + timedelta(seconds=n))
    # a new conversation from another address asking about the same reference is stopped too
    other = throttle.keys(sender_id="rest:b", reference="BR-7K3Q9PX2", client_address="1.2.3.4")
    assert throttle.minutes_to_wait(engine, other, now=now + timedelta(minutes=1)) == 14
    unrelated = throttle.keys(sender_id="rest:c", reference="BR-1PZ2AXZ8")
    assert throttle.minutes_to_wait(engine, unrelated, now=now) == 0
    assert throttle.minutes_to_wait(engine, other, now=now + throttle.WINDOW + timedelta(5)) == 0


def test_an_address_has_a_higher_limit_than_a_conversation(engine) -> None:
    now = utc_now()
    for n in range(throttle.LIMITS["addr"] - 1):
        throttle.record_failure(engine, [f"sender:s{n}", "addr:198.51.100.1"], now=now)
    assert throttle.minutes_to_wait(engine, ["addr:198.51.100.1"], now=now) == 0
    throttle.record_failure(engine, ["addr:198.51.100.1"], now=now)
    assert throttle.minutes_to_wait(engine, ["addr:198.51.100.1"], now=now) > 0
    with session_scope(engine) as session:
        assert len(session.scalars(select(ThrottleFailure)).all()) == 2 * 19 + 1
