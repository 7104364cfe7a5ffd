"""The Rasa channel for Telegram, in the shape of Rasa's own channel modules: `TelegramInput`
(wired in by the credentials key `bot.channels.telegram.TelegramInput:` that
`python -m bot serve` adds to var/credentials.yml when TELEGRAM_TOKEN is set) serves
`/webhooks/telegram/webhook`, where Telegram (webhook mode, TELEGRAM_WEBHOOK_URL, registered
at start) or the long-polling bridge (`python -m bot telegram`, telegram_polling.py) posts
each update with the `X-Telegram-Bot-Api-Secret-Token` header; the handler checks it,
queues the update and answers 200 at once. Per chat the updates are handled one after the
other, different chats in parallel: each becomes a `UserMessage` and Rasa's replies go back
through `TelegramOutput`; a file that cannot be stored, or a turn Rasa answers with nothing,
gets the channel's own word (bot.channels.faults). Everything that speaks the Bot API
(building the bot, reading an update, rendering and sending messages) is the client's,
bot.channels.telegram_api.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import hmac
import logging
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from telegram import Bot, Update
from telegram.error import TelegramError
from telegram.ext import ExtBot

from bot.channels import faults
from bot.channels.telegram_api import (
    CHANNEL,
    SECRET_HEADER,
    Remembered,
    build_bot,
    chat_of,
    incoming_from_update,
    send_messages,
    sender_id,
    show_typing,
    start,
    text_of,
    update_from_json,
    webhook_secret,
)
from bot.channels.telegram_text import chat_id_of
from bot.runtime import settings

logger = logging.getLogger(__name__)

MAX_PENDING_PER_CHAT = 50


class TelegramOutput(OutputChannel):
    """Rasa's replies, sent to the chat as they come."""

    def __init__(self, bot: Bot) -> None:
        self.bot = bot
        self.sent = 0  # messages Rasa gave it (sent or not): 0 after a turn is a silent one

    @classmethod
    def name(cls) -> str:
        return CHANNEL

    async def send_response(self, recipient_id: str, message: dict[str, Any]) -> None:
        self.sent += 1
        chat = chat_id_of(recipient_id)
        if chat is None:
            logger.warning("Telegram: no chat in sender id %r", recipient_id)
            return
        await send_messages(self.bot, chat, [message])

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        await self.send_response(recipient_id, {"text": text})


# -- the webhook (both modes) -------------------------------------------------------------


class ChatQueues:
    """Runs `process` for each chat's items in order, chats side by side."""

    def __init__(self, process: Callable[[Any], Awaitable[None]]) -> None:
        self._process = process
        self._pending: dict[int, deque[Any]] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    def put(self, chat_id: int, item: Any) -> bool:
        queue = self._pending.get(chat_id)
        if queue is not None:
            if len(queue) >= MAX_PENDING_PER_CHAT:
                logger.warning("Telegram chat %s: too many updates waiting, one dropped", chat_id)
                return False
            queue.append(item)
            return True
        self._pending[chat_id] = deque([item])
        task = asyncio.create_task(self._drain(chat_id))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return True

    async def _drain(self, chat_id: int) -> None:
        queue = self._pending[chat_id]
        try:
            while queue:
                item = queue.popleft()
                try:
                    await self._process(item)
                except Exception:
                    logger.exception("Telegram chat %s: an update could not be handled", chat_id)
        finally:
            del self._pending[chat_id]

    async def join(self, timeout: float) -> None:
        if self._tasks:
            await asyncio.wait(set(self._tasks), timeout=timeout)


class TelegramInput(InputChannel):
    """Telegram updates posted to `/webhooks/telegram/webhook` (by Telegram or the bridge).

    Credentials (all optional; the environment is read when missing): `access_token`
    (TELEGRAM_TOKEN), `api_url` (TELEGRAM_API_URL), `webhook_url` (TELEGRAM_WEBHOOK_URL:
    registered with Telegram at start), `secret_token` (default: derived from the token).
    """

    def __init__(
        self,
        token: str,
        api_url: str | None = None,
        webhook_url: str | None = None,
        secret_token: str | None = None,
        bot: ExtBot[Any] | None = None,
    ) -> None:
        self.token = token
        self.webhook_url = webhook_url
        self.secret = secret_token or webhook_secret(token)
        self.bot = bot or build_bot(token, api_url)
        self._seen_updates = Remembered()
        self._queues: ChatQueues | None = None
        self._prepare_task: asyncio.Task[None] | None = None
        self._app: Any = None  # the Sanic app, for the tracker store (bot.channels.faults)

    @classmethod
    def name(cls) -> str:
        return CHANNEL

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> TelegramInput:
        credentials = credentials or {}
        token = credentials.get("access_token") or settings.telegram_token()
        if not token:
            cls.raise_missing_credentials_exception()
        return cls(
            token,
            api_url=credentials.get("api_url") or settings.telegram_api_url(),
            webhook_url=credentials.get("webhook_url") or settings.telegram_webhook_url(),
            secret_token=credentials.get("secret_token"),
        )

    def get_output_channel(self) -> OutputChannel:
        """For Rasa's HTTP API (`output_channel=latest`) and reminders."""
        return TelegramOutput(self.bot)

    async def prepare(self) -> None:
        """At start: check the token, set the command menu, register the webhook if asked.

        Retried in the background until Telegram answers; updates are served meanwhile.
        """
        delay = 1.0
        while True:
            try:
                await start(self.bot, self.webhook_url, self.secret)
                return
            except TelegramError as error:
                logger.warning("Telegram channel: could not reach the Bot API (%s); "
                               "trying again in %.0f s", error, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 60.0)

    async def close(self) -> None:
        if self._prepare_task is not None:
            self._prepare_task.cancel()
        if self._queues is not None:
            await self._queues.join(timeout=10)
        with contextlib.suppress(Exception):
            await self.bot.shutdown()

    async def handle(
        self, update: Update, on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> None:
        """One update, start to end: to a Rasa message, through Rasa, replies to the chat.

        A file that cannot be stored, or a turn Rasa answers with nothing (a failed action),
        gets the channel's own word on it (bot.channels.faults)."""
        try:
            incoming = await incoming_from_update(update, self.bot)
        except faults.AttachmentStorageFailed as error:
            logger.exception("Telegram: storing a file failed")
            chat = chat_of(update)
            if chat is not None:
                text = text_of(update.message) if update.message is not None else ""
                await self._fault(chat, faults.STORAGE_FAILED, text, files=error.filenames)
            return
        if incoming is None:
            return
        await show_typing(self.bot, incoming.chat_id)
        output = TelegramOutput(self.bot)
        try:
            await on_new_message(
                UserMessage(
                    incoming.text,
                    output,
                    incoming.sender_id,
                    input_channel=self.name(),
                    metadata=incoming.metadata,
                )
            )
        except Exception:
            logger.exception("Telegram chat %s: the assistant failed on an update",
                             incoming.chat_id)
        if not output.sent:
            await self._fault(incoming.chat_id, faults.NO_REPLY, incoming.text,
                              retry_payload=incoming.text)

    async def _fault(
        self,
        chat_id: int,
        kind: str,
        text: str,
        *,
        files: Sequence[str] = (),
        retry_payload: str | None = None,
    ) -> None:
        recipient = sender_id(chat_id)
        language = await faults.conversation_language(self._app, recipient, text)
        message = faults.fault_message(
            kind, language, recipient, files=files, retry_payload=retry_payload
        )
        await send_messages(self.bot, chat_id, [message])

    def accept(
        self, update: Update, on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> bool:
        """Queue an update for its chat (once per update id); False when it is ignored."""
        chat = chat_of(update)
        if chat is None or not self._seen_updates.add(update.update_id):
            return False
        if self._queues is None:
            self._queues = ChatQueues(
                functools.partial(self.handle, on_new_message=on_new_message)
            )
        return self._queues.put(chat, update)

    def blueprint(
        self, on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> Blueprint:
        telegram_webhook = Blueprint(f"balagh_{CHANNEL}_webhook", __name__)

        @telegram_webhook.listener("after_server_start")
        async def start(_app: Any, _loop: Any) -> None:
            self._app = _app
            self._prepare_task = asyncio.create_task(self.prepare())

        @telegram_webhook.listener("before_server_stop")
        async def stop(_app: Any, _loop: Any) -> None:
            await self.close()

        @telegram_webhook.route("/", methods=["GET"])
        async def health(_request: Request) -> HTTPResponse:
            return response.json({"status": "ok", "webhook": bool(self.webhook_url)})

        @telegram_webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            sent = request.headers.get(SECRET_HEADER, "")
            if not hmac.compare_digest(sent.encode(), self.secret.encode()):
                return response.json({"error": "forbidden"}, status=403)
            try:
                data = request.json
            except Exception:  # noqa: BLE001 - any malformed body is a bad request
                data = None
            update = update_from_json(data, self.bot)
            if update is None:
                return response.json({"error": "bad_request"}, status=400)
            self.accept(update, on_new_message)
            return response.json({"ok": True})

        return telegram_webhook
