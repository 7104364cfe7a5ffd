"""`python -m bot telegram`: the Telegram bridge in long-polling mode (no public URL needed).

A python-telegram-bot `Application` (pointed at TELEGRAM_API_URL) fetches updates with
getUpdates (it removes a registered webhook first, as Telegram requires) and posts each one,
unchanged, to the Rasa server's Telegram webhook `/webhooks/telegram/webhook` with the
secret-token header, exactly as Telegram does in webhook mode. Everything else (files,
buttons, commands, replies, rate limits) happens there, in the Rasa channel
(bot/channels/telegram.py) and its Bot API client (telegram_api.py), so both modes share one
code path. The Rasa server must have the Telegram channel:
`python -m bot serve` adds it when TELEGRAM_TOKEN is set, and starts this bridge too.

Updates are forwarded one at a time, in order. While the Rasa server cannot be reached the
bridge keeps trying the same update (backing off up to 30 s), so none is skipped.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from typing import Any

import httpx
from telegram import Update
from telegram.error import InvalidToken, TelegramError
from telegram.ext import Application, ContextTypes, TypeHandler

from bot.channels.telegram_api import (
    ALLOWED_UPDATES,
    CHANNEL,
    SECRET_HEADER,
    api_urls,
    webhook_secret,
)
from bot.runtime import settings

logger = logging.getLogger("bot.telegram_bridge")
READY_LINE = "Telegram bridge: polling"
DEFAULT_RASA_URL = "http://127.0.0.1:5005"
RASA_WAIT_S = 120.0
MAX_BACKOFF_S = 30.0


class RasaUnavailable(RuntimeError):
    """The Rasa server is not there, or has no Telegram channel."""


class Forwarder:
    """Posts updates to the Rasa server's Telegram webhook."""

    def __init__(self, rasa_url: str, secret: str, client: httpx.AsyncClient | None = None):
        base = rasa_url.rstrip("/")
        self.health_url = f"{base}/webhooks/{CHANNEL}/"
        self.webhook_url = f"{base}/webhooks/{CHANNEL}/webhook"
        self.secret = secret
        self.client = client or httpx.AsyncClient(timeout=30.0)

    async def wait_for_rasa(self, timeout: float = RASA_WAIT_S) -> None:
        """Until the Telegram channel of the Rasa server answers (it may still be starting)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            try:
                answer = await self.client.get(self.health_url)
            except httpx.HTTPError as error:
                problem = f"cannot reach it ({error.__class__.__name__})"
            else:
                if answer.status_code == 200:
                    return
                if answer.status_code == 404:
                    raise RasaUnavailable(
                        f"the Rasa server has no Telegram channel ({self.health_url} is 404): "
                        "start it with `python -m bot serve` while TELEGRAM_TOKEN is set"
                    )
                problem = f"HTTP {answer.status_code}"
            if loop.time() >= deadline:
                raise RasaUnavailable(f"Rasa server at {self.health_url}: {problem}")
            await asyncio.sleep(1.0)

    async def forward(self, update: Update) -> bool:
        """Post one update; True once the Rasa server took it, False if it refused it."""
        body = update.to_dict()
        delay = 0.5
        while True:
            try:
                answer = await self.client.post(
                    self.webhook_url, json=body, headers={SECRET_HEADER: self.secret}
                )
            except httpx.HTTPError as error:
                problem = f"cannot reach it ({error.__class__.__name__})"
            else:
                if answer.status_code == 200:
                    return True
                if answer.status_code < 500 and answer.status_code != 429:
                    logger.error("Rasa refused update %s: HTTP %s %s", update.update_id,
                                 answer.status_code, answer.text[:200])
                    return False
                problem = f"HTTP {answer.status_code}"
            logger.warning("Rasa server %s; update %s again in %.1f s",
                           problem, update.update_id, delay)
            await asyncio.sleep(delay)
            delay = min(delay * 2, MAX_BACKOFF_S)

    async def __call__(self, update: object, _context: Any) -> None:
        if isinstance(update, Update):
            await self.forward(update)

    async def close(self) -> None:
        await self.client.aclose()


def build_application(
    token: str, rasa_url: str, api_url: str | None = None
) -> Application[Any, Any, Any, Any, Any, Any]:
    """The polling Application: every update goes to the Forwarder."""
    base_url, base_file_url = api_urls(api_url)
    forwarder = Forwarder(rasa_url, webhook_secret(token))

    async def post_init(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
        await forwarder.wait_for_rasa()
        print(
            f"{READY_LINE} the Bot API at {base_url.removesuffix('/bot')} as "
            f"@{application.bot.username}, forwarding to {forwarder.webhook_url}",
            flush=True,
        )

    async def post_shutdown(_application: Application[Any, Any, Any, Any, Any, Any]) -> None:
        await forwarder.close()

    application = (
        Application.builder()
        .token(token)
        .base_url(base_url)
        .base_file_url(base_file_url)
        .post_init(post_init)
        .post_shutdown(post_shutdown)
        .build()
    )
    application.add_handler(TypeHandler(Update, forwarder))
    return application


async def _on_error(_update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    logger.error("Telegram bridge: %s", context.error)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bot telegram",
        description="Telegram bridge in long-polling mode: fetch updates from the Bot API "
        "(TELEGRAM_TOKEN, TELEGRAM_API_URL) and hand them to the Rasa server's Telegram "
        "channel. `make run` starts it by itself when TELEGRAM_TOKEN is set.",
    )
    parser.add_argument(
        "--rasa-url", default=DEFAULT_RASA_URL,
        help=f"the Rasa server (default {DEFAULT_RASA_URL})",
    )
    parser.add_argument(
        "--poll-timeout", type=int, default=10,
        help="seconds one getUpdates call may wait for news (default 10)",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    logging.getLogger("httpx").setLevel(logging.WARNING)  # its INFO lines show the token
    token = settings.telegram_token()
    if not token:
        print("error: TELEGRAM_TOKEN is not set (the bot token from @BotFather)",
              file=sys.stderr)
        return 2
    application = build_application(token, args.rasa_url, settings.telegram_api_url())
    application.add_error_handler(_on_error)
    try:
        application.run_polling(
            allowed_updates=list(ALLOWED_UPDATES),
            timeout=args.poll_timeout,
            bootstrap_retries=3,
            close_loop=False,
        )
    except InvalidToken:  # its message holds the token: not printed
        print("error: Telegram refused TELEGRAM_TOKEN (check it with @BotFather)",
              file=sys.stderr)
        return 1
    except TelegramError as error:
        print(f"error: cannot use the Bot API at {api_urls()[0]}: {error}", file=sys.stderr)
        return 1
    except RasaUnavailable as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0
