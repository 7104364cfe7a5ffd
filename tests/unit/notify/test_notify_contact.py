"""bot.notify.contact: SMS and e-mail (one-time codes) through their own outbox: the
development sink of CONTRACT, a real SMTP conversation with a local server, retries and the
text cleared once sent."""

from __future__ import annotations

import asyncore
import json
import smtpd
import socket
import stat
import threading
import warnings
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.notify import contact
from bot.notify.contact import EMAIL, SMS, OutgoingMessage, deliver_pending, queue_and_send
from bot.store.db import session_scope
from bot.store.migrate import upgrade
from bot.store.models import ContactMessage, utc_now

warnings.filterwarnings("ignore", category=DeprecationWarning)


@pytest.fixture
def engine_url(sqlite_url: str) -> str:
    upgrade(sqlite_url)
    return sqlite_url


@pytest.fixture
def sink(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "out" / "messages.jsonl"
    monkeypatch.setenv("MESSAGE_SINK", str(path))
    monkeypatch.delenv("SMTP_HOST", raising=False)
    monkeypatch.delenv("SMS_GATEWAY_URL", raising=False)
    return path


def _rows(url: str) -> list[ContactMessage]:
    with session_scope(url) as session:
        return list(session.scalars(select(ContactMessage).order_by(ContactMessage.id)))


def test_without_a_gateway_messages_go_to_the_sink_one_json_line_each(
    engine_url: str, sink: Path
) -> None:
    sent = queue_and_send(
        engine_url, OutgoingMessage(SMS, "+966551234567", "code 123456"),
        purpose="mobile", expires_in=timedelta(minutes=10),
    )
    queue_and_send(
        engine_url, OutgoingMessage(EMAIL, "noura@example.com", "رمز 654321"),
        purpose="follow", expires_in=timedelta(minutes=10),
    )
    assert sent
    lines = [json.loads(line) for line in sink.read_text(encoding="utf-8").splitlines()]
    assert [(m["to"], m["kind"], m["text"]) for m in lines] == [
        ("+966551234567", "sms", "code 123456"), ("noura@example.com", "email", "رمز 654321"),
    ]
    assert all(m["at"].endswith("+00:00") for m in lines)
    assert stat.S_IMODE(sink.stat().st_mode) == 0o600
    rows = _rows(engine_url)
    assert [row.state for row in rows] == ["sent", "sent"]
    assert [row.text for row in rows] == [None, None]  # the code is not kept once sent


class _Mailbox(smtpd.SMTPServer):
    def __init__(self, port: int) -> None:
        super().__init__(("127.0.0.1", port), None, decode_data=False)
        self.received: list[tuple[str, list[str], bytes]] = []

    def process_message(self, peer, mailfrom, rcpttos, data, **kwargs):
        self.received.append((mailfrom, rcpttos, data))


@pytest.fixture
def smtp_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[_Mailbox]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = _Mailbox(port)
    thread = threading.Thread(target=asyncore.loop, kwargs={"timeout": 0.1}, daemon=True)
    thread.start()
    monkeypatch.setenv("SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("SMTP_PORT", str(port))
    monkeypatch.setenv("SMTP_STARTTLS", "0")
    monkeypatch.setenv("SMTP_FROM", "balagh@amer.example")
    yield server
    server.close()
    thread.join(timeout=2)


def test_email_goes_through_a_real_smtp_server(
    engine_url: str, sink: Path, smtp_server: _Mailbox
) -> None:
    assert queue_and_send(
        engine_url, OutgoingMessage(EMAIL, "noura@example.com", "رمز التحقق: 482913"),
        purpose="follow", expires_in=timedelta(minutes=10),
    )
    [(mail_from, recipients, data)] = smtp_server.received
    assert mail_from == "balagh@amer.example" and recipients == ["noura@example.com"]
    assert "رمز التحقق: 482913" in _decoded(data)
    assert not sink.exists()  # SMS would still go to the sink; e-mail went to SMTP


def _decoded(data: bytes) -> str:
    import email

    message = email.message_from_bytes(data)
    return message.get_payload(decode=True).decode("utf-8")


def test_a_failed_send_stays_pending_and_the_scheduler_sends_it(
    engine_url: str, sink: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    class Down:
        def send(self, message: OutgoingMessage) -> None:
            raise ConnectionError("gateway down")

    monkeypatch.setattr(contact, "sender_for", lambda kind: Down())
    assert not queue_and_send(
        engine_url, OutgoingMessage(SMS, "+966551234567", "code 111111"),
        purpose="mobile", expires_in=timedelta(minutes=10),
    )
    [row] = _rows(engine_url)
    assert row.state == "pending" and row.last_error == "ConnectionError"
    monkeypatch.undo()
    monkeypatch.setenv("MESSAGE_SINK", str(sink))
    assert deliver_pending(engine_url, now=utc_now() + timedelta(minutes=1)) == 1
    assert json.loads(sink.read_text())["text"] == "code 111111"
    assert _rows(engine_url)[0].text is None


def test_an_expired_message_is_given_up_and_cleared(engine_url: str, sink: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    class Down:
        def send(self, message: OutgoingMessage) -> None:
            raise TimeoutError

    monkeypatch.setattr(contact, "sender_for", lambda kind: Down())
    queue_and_send(
        engine_url, OutgoingMessage(SMS, "+966551234567", "code 222222"),
        purpose="mobile", expires_in=timedelta(minutes=10),
    )
    monkeypatch.undo()
    assert deliver_pending(engine_url, now=utc_now() + timedelta(minutes=11)) == 0
    [row] = _rows(engine_url)
    assert row.state == "failed" and row.text is None
    assert not sink.exists()
