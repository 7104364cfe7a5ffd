"""Each sender against a local HTTP stand-in (http.server in a thread), failing ones included,
and a status change delivered end to end on every channel."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from http_standin import Answer, HttpStandIn

from bot.channels import telegram_text
from bot.clock import FixedClock
from bot.notify.dispatcher import dispatch_once
from bot.notify.senders import (
    CallCentreSender,
    Delivered,
    Held,
    RestCallbackSender,
    SendError,
    TelegramSender,
    WebSender,
)
from bot.store import inbox
from bot.store.outbox import Notice, list_messages
from bot.store.reports.drafts import ReportDraft
from bot.store.repository import ReportRepository

Draft = Callable[..., ReportDraft]
TOKEN = "123456:TEST-token"
LRI, PDI = "\u2066", "\u2069"
T = datetime(2024, 6, 2, 12, 0, tzinfo=UTC)


def _notice(**overrides: object) -> Notice:
    values: dict[str, object] = {
        "id": 41,
        "report_id": 1,
        "reference": "BR-7K3Q9PX2",
        "kind": "status_changed",
        "channel": "telegram",
        "recipient": "telegram:5551234",
        "language": "ar",
        "text": f"أُغلق بلاغك رقم {LRI}BR-7K3Q9PX2{PDI}.",
        "payload": {"reference": "BR-7K3Q9PX2", "status": "closed", "text": "…"},
        "dedupe_key": "status_changed:BR-7K3Q9PX2:9",
        "attempts": 0,
        "created_at": T,
        "claim": "w/1",
    }
    values.update(overrides)
    return Notice(**values)  # type: ignore[arg-type]


def _telegram_ok(request: object) -> dict[str, object]:
    return {"ok": True, "result": {"message_id": 77}}


# -- Telegram ----------------------------------------------------------------------------


@pytest.mark.parametrize("suffix", ["/bot", "", "/bot/"])
def test_telegram_sends_the_text_to_the_chat(
    standin: HttpStandIn, monkeypatch: pytest.MonkeyPatch, suffix: str
) -> None:
    monkeypatch.setenv("TELEGRAM_TOKEN", TOKEN)
    monkeypatch.setenv("TELEGRAM_API_URL", standin.url + suffix)
    standin.default = Answer(body=_telegram_ok)
    assert TelegramSender().send(_notice()) == Delivered("telegram message_id=77")
    [request] = standin.requests
    assert request.path == f"/bot{TOKEN}/sendMessage"
    assert request.json == {"chat_id": 5551234, "text": _notice().text}


@pytest.mark.parametrize(
    ("answer", "permanent", "retry_after"),
    [
        (Answer(429, {"ok": False, "error_code": 429, "parameters": {"retry_after": 30}}),
         False, timedelta(seconds=30)),
        (Answer(403, {"ok": False, "description": "Forbidden: bot was blocked by the user"}),
         True, None),
        (Answer(400, {"ok": False, "description": "Bad Request: chat not found"}), True, None),
        (Answer(502, {"ok": False}), False, None),
        (Answer(401, {"ok": False, "description": "Unauthorized"}), False, None),
        (Answer(200, {"ok": False}), False, None),
    ],
)  # fmt: skip
def test_telegram_failures(
    standin: HttpStandIn,
    answer: Answer,
    permanent: bool,
    retry_after: timedelta | None,
) -> None:
    standin.default = answer
    sender = TelegramSender(TOKEN, standin.url)
    with pytest.raises(SendError) as info:
        sender.send(_notice())
    assert info.value.permanent is permanent
    assert info.value.retry_after == retry_after
    assert f"HTTP {answer.status}" in str(info.value)


def test_telegram_unreachable_or_unconfigured(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TELEGRAM_TOKEN", raising=False)
    with pytest.raises(SendError, match="TELEGRAM_TOKEN is not set") as info:
        TelegramSender().send(_notice())
    assert not info.value.permanent
    closed_port = HttpStandIn().start()
    url = closed_port.url
    closed_port.stop()  # nothing listens there any more
    with pytest.raises(SendError, match="Telegram unreachable") as info:
        TelegramSender(TOKEN, url).send(_notice())
    assert not info.value.permanent
    held = TelegramSender(TOKEN, url).send(_notice(recipient="web-123"))
    assert isinstance(held, Held) and "no Telegram chat" in held.reason


# -- REST callback -----------------------------------------------------------------------


def test_rest_callback_posts_json_with_an_idempotency_key(
    standin: HttpStandIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REST_CALLBACK_URL", standin.url + "/balagh/notify")
    monkeypatch.setenv("REST_CALLBACK_SECRET", "s3cret")
    # Rasa keeps REST senders as rest:<sender>; the integration gets its own name back
    notice = _notice(channel="rest", recipient="rest:crm-42")
    assert RestCallbackSender().send(notice) == Delivered("callback HTTP 200")
    [request] = standin.requests
    assert request.path == "/balagh/notify"
    assert request.headers["Idempotency-Key"] == "balagh-outbox-41"
    assert request.headers["Content-Type"] == "application/json; charset=utf-8"
    expected = hmac.new(b"s3cret", request.raw, hashlib.sha256).hexdigest()
    assert request.headers["X-Balagh-Signature"] == f"sha256={expected}"
    assert request.json == {
        "id": 41,
        "kind": "status_changed",
        "reference": "BR-7K3Q9PX2",
        "recipient": "crm-42",
        "language": "ar",
        "text": notice.text,
        "payload": {"reference": "BR-7K3Q9PX2", "status": "closed"},
        "created_at": "2024-06-02T12:00:00+00:00",
    }
    assert "أُغلق".encode() in request.raw  # UTF-8, not \\u escapes


@pytest.mark.parametrize(
    ("status", "permanent"), [(500, False), (503, False), (429, False), (408, False),
                              (400, True), (404, True), (410, True)]
)  # fmt: skip
def test_rest_callback_failures(standin: HttpStandIn, status: int, permanent: bool) -> None:
    standin.default = Answer(status, {"error": "no"}, {"Retry-After": "120"})
    with pytest.raises(SendError) as info:
        RestCallbackSender(standin.url).send(_notice(channel="rest"))
    assert info.value.permanent is permanent
    assert info.value.retry_after == timedelta(seconds=120)
    assert "REST callback refused: HTTP" in str(info.value)


def test_rest_without_a_callback_url_is_held(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("REST_CALLBACK_URL", raising=False)
    result = RestCallbackSender().send(_notice(channel="rest"))
    assert isinstance(result, Held) and "outbox list" in result.reason


def test_call_centre_is_held() -> None:
    assert isinstance(CallCentreSender().send(_notice(channel="call_centre")), Held)


# -- web inbox ---------------------------------------------------------------------------


def test_web_inbox_takes_each_message_once(repo: ReportRepository, make_draft: Draft) -> None:
    ref = repo.file_report(make_draft(channel="web", sender_id="web-s1", language="en"), "k")
    repo.set_status(ref.reference, "under_review", at=T)
    repo.set_status(ref.reference, "referred", at=T + timedelta(minutes=1))
    stats = dispatch_once(repo.engine, clock=FixedClock(T + timedelta(minutes=2)))
    assert stats.sent == 2
    [(row, _), _] = list_messages(repo.engine)
    # Delivered twice (a worker that stopped before recording it): stored once.
    sender = WebSender(repo.engine)
    again = _notice(id=row.id, report_id=row.report_id, recipient="web-s1", channel="web")
    assert sender.send(again) == Delivered("already in the web inbox")
    assert [item.text for item in inbox.unread("web-s1", repo.engine)] == [
        f"Your report {ref.reference} is now under review at the Amer centre.",
        f"Your report {ref.reference} has been referred to the entity that provides the service.",
    ]
    assert inbox.unread("web-other", repo.engine) == []
    taken = inbox.take_unread("web-s1", repo.engine, now=T + timedelta(hours=1))
    assert len(taken) == 2 and all(item.read_at is not None for item in taken)
    assert taken[0].reference == ref.reference and taken[0].language == "en"
    assert inbox.take_unread("web-s1", repo.engine) == []
    assert isinstance(sender.send(_notice(recipient=None, channel="web")), Held)


# -- end to end --------------------------------------------------------------------------


def test_status_change_reaches_every_channel(
    repo: ReportRepository,
    make_draft: Draft,
    standin: HttpStandIn,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TELEGRAM_TOKEN", TOKEN)
    monkeypatch.setenv("TELEGRAM_API_URL", standin.url)
    monkeypatch.setenv("REST_CALLBACK_URL", standin.url + "/callback")
    monkeypatch.delenv("REST_CALLBACK_SECRET", raising=False)
    standin.default = Answer(body=_telegram_ok)
    drafts = {
        "telegram": make_draft(),
        "web": make_draft(channel="web", sender_id="web-s2", language="en"),
        "rest": make_draft(channel="rest", sender_id="crm-7", language="en"),
        "call_centre": make_draft(channel="call_centre", sender_id="agent:3:call-9"),
    }
    refs = {name: repo.file_report(draft, name).reference for name, draft in drafts.items()}
    for ref in refs.values():
        repo.set_status(ref, "under_review", at=T)
    # The first Telegram call fails: retried a minute later.
    standin.answer_next(Answer(502, {"ok": False}))
    clock = FixedClock(T)
    first = dispatch_once(repo.engine, clock=clock)
    assert first.as_dict() == {"sent": 2, "held": 1, "retried": 1, "failed": 0, "lost": 0}
    callback = [r for r in standin.requests if r.path == "/callback"]
    assert len(callback) == 1 and callback[0].json["reference"] == refs["rest"]
    assert callback[0].json["recipient"] == "crm-7"
    assert [item.reference for item in inbox.unread("web-s2", repo.engine)] == [refs["web"]]

    assert dispatch_once(repo.engine, clock=clock).total == 0  # not due again yet
    clock.advance(minutes=1)
    second = dispatch_once(repo.engine, clock=clock)
    assert (second.sent, second.total) == (1, 1)
    telegram = [r for r in standin.requests if r.path.endswith("/sendMessage")]
    assert len(telegram) == 2  # the failed try and the one that went through
    assert telegram[-1].json["chat_id"] == 5551234
    assert f"{LRI}{refs['telegram']}{PDI}" in telegram[-1].json["text"]
    states = {ref: row.state for row, ref in list_messages(repo.engine)}
    assert states == {
        refs["telegram"]: "sent",
        refs["web"]: "sent",
        refs["rest"]: "sent",
        refs["call_centre"]: "held",
    }
    rows = {ref: row for row, ref in list_messages(repo.engine)}
    assert rows[refs["telegram"]].attempts == 2
    assert "HTTP 502" in rows[refs["telegram"]].last_error
    assert json.dumps(rows[refs["web"]].payload, ensure_ascii=False)


def test_a_notice_longer_than_one_telegram_message_goes_in_pieces(
    standin: HttpStandIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Split as the channel splits (bot.channels.telegram_text), never cut off."""
    monkeypatch.setenv("TELEGRAM_TOKEN", TOKEN)
    monkeypatch.setenv("TELEGRAM_API_URL", standin.url + "/bot")
    standin.default = Answer(body=_telegram_ok)
    text = "\n\n".join(f"فقرة {n}: " + "كلمة " * 300 for n in range(4))
    assert telegram_text.utf16_length(text) > telegram_text.MAX_MESSAGE_LENGTH
    assert TelegramSender().send_text("telegram:42", text) == Delivered(
        "telegram message_id=77,77"
    )
    sent = [request.json["text"] for request in standin.requests]
    assert sent == telegram_text.split_text(text) and len(sent) == 2
    assert all(request.json["chat_id"] == 42 for request in standin.requests)
