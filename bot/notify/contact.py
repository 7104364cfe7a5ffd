"""SMS and e-mail to a number or an address (one-time codes), through their own outbox.

One interface, `ContactSender.send(message)`, three senders chosen from the environment:

- e-mail: `SmtpSender`, a real SMTP client (smtplib), when `SMTP_HOST` is set (`SMTP_PORT`,
  default 587; `SMTP_USER`/`SMTP_PASSWORD`; `SMTP_FROM`; `SMTP_STARTTLS`, default on unless
  the port is 25 or `SMTP_STARTTLS=0`; `SMTP_SSL=1` for implicit TLS on 465);
- SMS: `SmsGatewaySender`, an HTTP POST of `{"to", "text"}` to `SMS_GATEWAY_URL` (with
  `Authorization: Bearer $SMS_GATEWAY_TOKEN` when set), when that is set;
- otherwise the development sink of shared/CONTRACT.md, `MessageSink`: one JSON object a line,
  `{"to", "kind": "sms" | "email", "text", "at"}`, appended to `MESSAGE_SINK` (default
  var/messages.jsonl), owner-only.

`queue_and_send` writes the message to `contact_messages` (bot.store.contact_messages)
and sends it at once (a one-time
code is wanted now); a message that could not be sent stays pending and the scheduler tries
again (`deliver_pending`) until it expires. Once sent, its text (the code) is cleared from
the table. Nothing here logs a number, an address or a text.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import smtplib
import ssl
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Protocol

import httpx
from sqlalchemy.engine import Engine

from bot.runtime import settings
from bot.store import contact_messages
from bot.store.db import resolve_engine
from bot.store.models import utc_now

logger = logging.getLogger(__name__)

MESSAGE_SINK_ENV = "MESSAGE_SINK"
SMS, EMAIL = "sms", "email"
RETRY_AFTER = timedelta(seconds=30)
MAX_ATTEMPTS = 5
SEND_TIMEOUT_S = 10.0


@dataclass(frozen=True)
class OutgoingMessage:
    kind: str  # sms | email
    to: str
    text: str
    subject: str = ""


class ContactSender(Protocol):
    def send(self, message: OutgoingMessage) -> None:
        """Deliver the message or raise (any exception: it is tried again later)."""


def message_sink_path() -> Path:
    raw = (os.environ.get(MESSAGE_SINK_ENV) or "").strip()
    path = Path(raw) if raw else settings.VAR_DIR / "messages.jsonl"
    return path if path.is_absolute() else settings.PROJECT_ROOT / path


class MessageSink:
    """The development sink: what would have been sent, one JSON line a message."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or message_sink_path()

    def send(self, message: OutgoingMessage) -> None:
        line = json.dumps(
            {"to": message.to, "kind": message.kind, "text": message.text,
             "at": utc_now().isoformat()},
            ensure_ascii=False,
        )
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        with os.fdopen(fd, "a", encoding="utf-8") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)  # several processes append whole lines
            handle.write(line + "\n")


class SmtpSender:
    """E-mail through an SMTP server (smtplib), configured from the environment."""

    def __init__(self) -> None:
        env = os.environ
        self.host = env["SMTP_HOST"].strip()
        self.port = int(env.get("SMTP_PORT") or 587)
        self.user = env.get("SMTP_USER") or None
        self.password = env.get("SMTP_PASSWORD") or None
        self.sender = env.get("SMTP_FROM") or "no-reply@balagh.example"
        self.implicit_tls = env.get("SMTP_SSL", "0") in ("1", "true", "yes")
        default_starttls = "0" if self.port == 25 or self.implicit_tls else "1"
        self.starttls = env.get("SMTP_STARTTLS", default_starttls) in ("1", "true", "yes")

    def send(self, message: OutgoingMessage) -> None:
        mail = EmailMessage()
        mail["From"] = self.sender
        mail["To"] = message.to
        mail["Subject"] = message.subject or "Balagh Raqmi | بلاغ رقمي"
        mail.set_content(message.text)
        context = ssl.create_default_context()
        if self.implicit_tls:
            client: smtplib.SMTP = smtplib.SMTP_SSL(
                self.host, self.port, timeout=SEND_TIMEOUT_S, context=context
            )
        else:
            client = smtplib.SMTP(self.host, self.port, timeout=SEND_TIMEOUT_S)
        with client:
            if self.starttls:
                client.starttls(context=context)
            if self.user and self.password:
                client.login(self.user, self.password)
            client.send_message(mail)


class SmsGatewaySender:
    """SMS through an HTTP gateway: POST {"to", "text"} to SMS_GATEWAY_URL."""

    def __init__(self) -> None:
        self.url = os.environ["SMS_GATEWAY_URL"].strip()
        self.token = (os.environ.get("SMS_GATEWAY_TOKEN") or "").strip() or None

    def send(self, message: OutgoingMessage) -> None:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        response = httpx.post(
            self.url, json={"to": message.to, "text": message.text}, headers=headers,
            timeout=SEND_TIMEOUT_S,
        )
        if response.status_code >= 300:
            raise RuntimeError(f"SMS gateway answered HTTP {response.status_code}")


def sender_for(kind: str) -> ContactSender:
    """The configured sender for `kind`, the development sink when none is configured."""
    if kind == EMAIL and (os.environ.get("SMTP_HOST") or "").strip():
        return SmtpSender()
    if kind == SMS and (os.environ.get("SMS_GATEWAY_URL") or "").strip():
        return SmsGatewaySender()
    return MessageSink()


def queue_and_send(
    bind: Engine | str | None,
    message: OutgoingMessage,
    *,
    purpose: str,
    expires_in: timedelta,
    now: datetime | None = None,
) -> bool:
    """Queue `message` and try to send it now; True when it went out."""
    engine = resolve_engine(bind)
    moment = now or utc_now()
    message_id = contact_messages.queue(
        engine, kind=message.kind, recipient=message.to, purpose=purpose, text=message.text,
        moment=moment, expires_in=expires_in,
    )
    return _deliver(engine, message_id, message, moment)


def _deliver(engine: Engine, message_id: int, message: OutgoingMessage, moment: datetime) -> bool:
    if not contact_messages.claim(engine, message_id, moment, RETRY_AFTER):
        return False
    try:
        sender_for(message.kind).send(message)
    except Exception as error:  # noqa: BLE001 - any failure of the channel: kept for the next try
        logger.warning(
            "a %s message could not be sent (%s); it will be tried again",
            message.kind, type(error).__name__,
        )
        contact_messages.record_failure(
            engine, message_id, moment + RETRY_AFTER, type(error).__name__
        )
        return False
    contact_messages.record_sent(engine, message_id)
    return True


def deliver_pending(bind: Engine | str | None = None, *, now: datetime | None = None) -> int:
    """Send what is due (the scheduler, once a tick); expired or worn-out ones are given up
    and their text cleared. Returns how many were sent."""
    engine = resolve_engine(bind)
    moment = now or utc_now()
    contact_messages.give_up_expired(engine, moment, MAX_ATTEMPTS)
    sent = 0
    for message_id, kind, recipient, text in contact_messages.due(engine, moment):
        if _deliver(engine, message_id, OutgoingMessage(kind, recipient, text), moment):
            sent += 1
    return sent
