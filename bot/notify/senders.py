"""Senders: deliver one outbox message on the reporter's channel.

A sender's `send(notice)` returns `Delivered` (the channel took it), `Held` (there is no way
to deliver it: the message is kept and listed by `python -m bot outbox list`), or raises
`SendError` (retried with backoff; `permanent=True` gives up at once).

* `telegram` — `TelegramSender`: the Bot API's `sendMessage` over HTTP (TELEGRAM_TOKEN,
  TELEGRAM_API_URL) to the chat of the sender id `telegram:<chat>`.
* `web` — `WebSender`: stored in the `web_inbox` table for the widget's conversation (its
  sender id); the widget shows it on the next visit, or at once if it polls
  (bot.store.inbox).
* `rest` — `RestCallbackSender`: JSON POSTed to REST_CALLBACK_URL, one URL for the
  integration, set by the operator (never a URL taken from a message, which would let anyone
  make the server call any address). Without it the message is held, readable with the CLI.
* `call_centre` — `CallCentreSender`: held; the reporter has no chat, an agent reads the
  report to them.

This module does not use bot.channels.telegram_api (python-telegram-bot and the bridge's
event loop); it speaks the Bot API with a plain synchronous httpx client.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Protocol, runtime_checkable

import httpx
from sqlalchemy.engine import Engine

from bot.channels.telegram_text import api_root, chat_id_of, split_text
from bot.intake.identity import client_sender
from bot.runtime import settings
from bot.store import inbox
from bot.store.db import resolve_engine
from bot.store.outbox import Notice

__all__ = [
    "CallCentreSender",
    "Delivered",
    "Held",
    "RestCallbackSender",
    "SendError",
    "Sender",
    "TelegramSender",
    "WebSender",
    "default_senders",
    "rest_callback_url",
]

HTTP_TIMEOUT_S = 10.0


@dataclass(frozen=True)
class Delivered:
    detail: str = ""


@dataclass(frozen=True)
class Held:
    reason: str


class SendError(Exception):
    """A delivery that did not happen; retried unless `permanent`."""

    def __init__(
        self, message: str, *, permanent: bool = False, retry_after: timedelta | None = None
    ) -> None:
        super().__init__(message)
        self.permanent = permanent
        self.retry_after = retry_after


@runtime_checkable
class Sender(Protocol):
    def send(self, notice: Notice) -> Delivered | Held: ...


def _describe(response: httpx.Response) -> str:
    body = response.text.strip().replace("\n", " ")
    return f"HTTP {response.status_code}: {body[:300]}"


# -- Telegram -----------------------------------------------------------------------------


class TelegramSender:
    """sendMessage through the Bot API; the token and base URL come from the environment."""

    def __init__(
        self,
        token: str | None = None,
        api_url: str | None = None,
        *,
        client: httpx.Client | None = None,
        timeout: float = HTTP_TIMEOUT_S,
    ) -> None:
        self._token = token
        self._api_url = api_url
        self._client = client
        self._timeout = timeout

    def _endpoint(self, token: str) -> str:
        return f"{api_root(self._api_url or settings.telegram_api_url())}/bot{token}/sendMessage"

    def send(self, notice: Notice) -> Delivered | Held:
        return self.send_text(notice.recipient, notice.text)

    def send_text(self, recipient: str | None, text: str) -> Delivered | Held:
        """Send `text` to the chat of the sender id `recipient` (`telegram:<chat>`)."""
        chat_id = chat_id_of(recipient)
        if chat_id is None:
            return Held(f"no Telegram chat in the sender id {recipient!r}")
        token = self._token or settings.telegram_token()
        if not token:
            raise SendError("TELEGRAM_TOKEN is not set: cannot reach Telegram")
        # a notice longer than one Telegram message (bot.texts.notices caps back-office
        # notes, so in practice one piece) goes in pieces, split as the channel splits
        sent = [self._post(token, chat_id, piece) for piece in split_text(text) or [text]]
        return Delivered("telegram message_id=" + ",".join(sent))

    def _post(self, token: str, chat_id: int, text: str) -> str:
        """One sendMessage; the message id, else SendError (permanent where retrying cannot
        help)."""
        body = {"chat_id": chat_id, "text": text}
        try:
            if self._client is not None:
                response = self._client.post(self._endpoint(token), json=body)
            else:
                with httpx.Client(timeout=self._timeout) as client:
                    response = client.post(self._endpoint(token), json=body)
        except httpx.HTTPError as exc:
            raise SendError(f"Telegram unreachable: {exc!r}") from exc
        try:
            answer = response.json()
        except ValueError:
            answer = {}
        if response.status_code == 200 and answer.get("ok"):
            return str((answer.get("result") or {}).get("message_id"))
        problem = f"Telegram refused: {_describe(response)}"
        if response.status_code == 429:
            seconds = (answer.get("parameters") or {}).get("retry_after") or 1
            raise SendError(problem, retry_after=timedelta(seconds=float(seconds)))
        # 400 (chat not found, bad text), 403 (blocked by the user), 404: trying again will
        # not help. 401 (a wrong token) and 5xx may be fixed: retried.
        permanent = response.status_code in (400, 403, 404)
        raise SendError(problem, permanent=permanent)


# -- web widget ---------------------------------------------------------------------------


class WebSender:
    """Puts the message in the widget conversation's inbox (table `web_inbox`).

    Storing it is the delivery: exactly once, since `outbox_id` is unique there."""

    def __init__(self, bind: Engine | str | None = None) -> None:
        self.engine = resolve_engine(bind)

    def send(self, notice: Notice) -> Delivered | Held:
        if not notice.recipient:
            return Held("the report has no web conversation to notify")
        stored = inbox.put(
            self.engine, outbox_id=notice.id, report_id=notice.report_id,
            sender_id=notice.recipient, language=notice.language, text=notice.text,
        )
        return Delivered(f"web inbox #{stored}" if stored else "already in the web inbox")


# -- REST ---------------------------------------------------------------------------------

REST_CALLBACK_URL_ENV = "REST_CALLBACK_URL"
REST_CALLBACK_SECRET_ENV = "REST_CALLBACK_SECRET"
SIGNATURE_HEADER = "X-Balagh-Signature"


def rest_callback_url() -> str | None:
    """`REST_CALLBACK_URL`: where REST-channel notifications are POSTed (unset: held)."""
    return (os.environ.get(REST_CALLBACK_URL_ENV) or "").strip() or None


def callback_body(notice: Notice) -> dict[str, object]:
    """The JSON POSTed to the REST callback."""
    return {
        "id": notice.id,
        "kind": notice.kind,
        "reference": notice.reference,
        # the sender as the integration named it (Rasa keeps REST's as `rest:<sender>`)
        "recipient": client_sender(notice.recipient) if notice.recipient else None,
        "language": notice.language,
        "text": notice.text,
        "payload": {key: value for key, value in notice.payload.items() if key != "text"},
        "created_at": notice.created_at.isoformat(),
    }


def signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


class RestCallbackSender:
    """POSTs the notice as JSON to the integration's callback URL.

    Headers: `Idempotency-Key: balagh-outbox-<id>` (the same on every attempt, so the
    receiver can drop a repeat) and, when REST_CALLBACK_SECRET is set,
    `X-Balagh-Signature: sha256=<HMAC-SHA256 of the body>`. 2xx is delivered; 408, 429 and
    5xx are retried; other 4xx are permanent refusals."""

    def __init__(
        self,
        url: str | None = None,
        *,
        secret: str | None = None,
        client: httpx.Client | None = None,
        timeout: float = HTTP_TIMEOUT_S,
    ) -> None:
        self._url = url
        self._secret = secret
        self._client = client
        self._timeout = timeout

    def send(self, notice: Notice) -> Delivered | Held:
        url = self._url or rest_callback_url()
        if not url:
            return Held(
                f"{REST_CALLBACK_URL_ENV} is not set: read it with `python -m bot outbox list`"
            )
        body = json.dumps(callback_body(notice), ensure_ascii=False).encode("utf-8")
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "Idempotency-Key": f"balagh-outbox-{notice.id}",
        }
        secret = self._secret or os.environ.get(REST_CALLBACK_SECRET_ENV)
        if secret:
            headers[SIGNATURE_HEADER] = signature(secret, body)
        try:
            if self._client is not None:
                response = self._client.post(url, content=body, headers=headers)
            else:
                with httpx.Client(timeout=self._timeout) as client:
                    response = client.post(url, content=body, headers=headers)
        except httpx.HTTPError as exc:
            raise SendError(f"REST callback unreachable: {exc!r}") from exc
        if 200 <= response.status_code < 300:
            return Delivered(f"callback HTTP {response.status_code}")
        problem = f"REST callback refused: {_describe(response)}"
        retry_after = None
        if response.headers.get("Retry-After", "").isdigit():
            retry_after = timedelta(seconds=int(response.headers["Retry-After"]))
        transient = response.status_code in (408, 429) or response.status_code >= 500
        raise SendError(problem, permanent=not transient, retry_after=retry_after)


# -- call centre --------------------------------------------------------------------------


class CallCentreSender:
    """A report filed by phone: nothing to send to; kept for the agents."""

    def send(self, notice: Notice) -> Delivered | Held:
        return Held("call-centre report: an agent tells the reporter (see `outbox list`)")


class NoSender:
    """A channel without a sender."""

    def __init__(self, channel: str) -> None:
        self.channel = channel

    def send(self, notice: Notice) -> Delivered | Held:
        return Held(f"no sender for the channel {self.channel!r}")


def default_senders(bind: Engine | str | None = None) -> Mapping[str, Sender]:
    """The sender of each channel, configured from the environment."""
    return {
        "telegram": TelegramSender(),
        "web": WebSender(bind),
        "rest": RestCallbackSender(),
        "call_centre": CallCentreSender(),
    }
