"""Telegram's flood limits and retries, for every Bot API call the assistant makes.

`TelegramRateLimiter` is a python-telegram-bot `BaseRateLimiter`: an `ExtBot` built with it
passes every request (except getUpdates) through `process_request`, which

- spaces out messages: about 30 a second over all chats, bursts of `chat_burst` and then
  one a second in one private chat, 20 a minute in one group (Telegram's published limits);
- on `RetryAfter` (HTTP 429) holds back *every* request for the time Telegram asked, then
  sends the same request again (a 429 means it was not carried out, so nothing doubles);
- on a network error sends again only when that cannot make a second message: always for
  calls that change nothing or change it to the same end (answerCallbackQuery,
  editMessageReplyMarkup, getFile, setMyCommands…), and for sendMessage and the like only
  when the request never left this machine (no connection could be opened). A timeout
  while waiting for Telegram's answer to sendMessage is not retried: the message may well
  have been delivered, and a message twice is worse than a warning in the log.

The state is plain numbers and time stamps (no asyncio locks), so one limiter can serve bots
in different event loops of one process (the notifier's short-lived bots included).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import time
from collections.abc import Callable, Coroutine
from typing import Any

import httpx
from telegram.error import BadRequest, NetworkError, RetryAfter
from telegram.ext import BaseRateLimiter

logger = logging.getLogger(__name__)

OVERALL_PER_SECOND = 30.0
CHAT_BURST = 20
CHAT_PER_SECOND = 1.0
GROUP_PER_MINUTE = 20
MAX_RETRY_AFTER_RETRIES = 5
MAX_NETWORK_RETRIES = 4
NETWORK_BACKOFF_S = 0.5
MAX_BUCKETS = 1024

# Calls that do not create anything new: sending them twice ends the same as once.
REPEATABLE_ENDPOINTS = frozenset(
    {
        "getMe",
        "getFile",
        "getChat",
        "getWebhookInfo",
        "setWebhook",
        "deleteWebhook",
        "setMyCommands",
        "deleteMyCommands",
        "getMyCommands",
        "setChatMenuButton",
        "answerCallbackQuery",
        "editMessageReplyMarkup",
        "editMessageText",
        "sendChatAction",
        "logOut",
        "close",
    }
)
# Errors raised before a request reaches the server (httpx's own classes).
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
# Endpoints that are never held back by the per-chat buckets (best-effort extras).
_UNTHROTTLED = frozenset({"sendChatAction"})

JSON = bool | dict[str, Any] | list[dict[str, Any]]


def retry_after_seconds(error: RetryAfter) -> float:
    """The wait Telegram asked for, whether PTB gives it as int or timedelta."""
    value = error.retry_after
    if isinstance(value, dt.timedelta):
        return value.total_seconds()
    return float(value)


def never_sent(error: BaseException) -> bool:
    """True when the error (or one it was raised from) shows no byte reached the server."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        if isinstance(current, _NOT_SENT):
            return True
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return False


def may_retry(endpoint: str, error: NetworkError) -> bool:
    """Whether sending the request again after `error` can not produce a duplicate."""
    if isinstance(error, BadRequest):  # BadRequest is a NetworkError in PTB: never retried
        return False
    return endpoint in REPEATABLE_ENDPOINTS or never_sent(error)


class _Bucket:
    """A token bucket that hands out reservations: `reserve()` says how long to wait."""

    def __init__(self, rate: float, capacity: float, now: float) -> None:
        self.rate = rate
        self.capacity = capacity
        self.tokens = capacity
        self.stamp = now

    def _refill(self, now: float) -> None:
        self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now

    def reserve(self, now: float) -> float:
        self._refill(now)
        self.tokens -= 1
        return 0.0 if self.tokens >= 0 else -self.tokens / self.rate

    def idle(self, now: float) -> bool:
        self._refill(now)
        return self.tokens >= self.capacity


class TelegramRateLimiter(BaseRateLimiter[int]):
    """Throttles messages per chat and overall; retries 429s and safe network errors.

    `rate_limit_args`, when given to an ExtBot method, is the number of 429 retries.
    """

    def __init__(
        self,
        *,
        overall_per_second: float = OVERALL_PER_SECOND,
        chat_burst: int = CHAT_BURST,
        chat_per_second: float = CHAT_PER_SECOND,
        group_per_minute: int = GROUP_PER_MINUTE,
        max_retries: int = MAX_RETRY_AFTER_RETRIES,
        network_retries: int = MAX_NETWORK_RETRIES,
        network_backoff_s: float = NETWORK_BACKOFF_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.overall_per_second = overall_per_second
        self.chat_burst = chat_burst
        self.chat_per_second = chat_per_second
        self.group_per_minute = group_per_minute
        self.max_retries = max_retries
        self.network_retries = network_retries
        self.network_backoff_s = network_backoff_s
        self._clock = clock
        self._overall = _Bucket(overall_per_second, overall_per_second, clock())
        self._chats: dict[int | str, _Bucket] = {}
        self._paused_until = 0.0

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to release."""

    def _chat_bucket(self, chat_id: int | str, now: float) -> _Bucket:
        bucket = self._chats.get(chat_id)
        if bucket is None:
            if len(self._chats) >= MAX_BUCKETS:
                for key in [k for k, b in self._chats.items() if b.idle(now)]:
                    del self._chats[key]
            group = isinstance(chat_id, str) or chat_id < 0
            if group:
                rate, capacity = self.group_per_minute / 60.0, float(self.group_per_minute)
            else:
                rate, capacity = self.chat_per_second, float(self.chat_burst)
            bucket = self._chats[chat_id] = _Bucket(rate, capacity, now)
        return bucket

    def pause(self, seconds: float) -> None:
        """Hold back every request for `seconds` (Telegram's flood wait)."""
        self._paused_until = max(self._paused_until, self._clock() + seconds)

    async def _wait_turn(self, endpoint: str, data: dict[str, Any]) -> None:
        pause = self._paused_until - self._clock()
        if pause > 0:
            await asyncio.sleep(pause)
        chat_id = data.get("chat_id")
        if chat_id is None or endpoint in _UNTHROTTLED:
            return
        try:
            chat_id = int(chat_id)
        except (TypeError, ValueError):
            chat_id = str(chat_id)  # @channelusername
        now = self._clock()
        delay = max(self._overall.reserve(now), self._chat_bucket(chat_id, now).reserve(now))
        if delay > 0:
            logger.debug("Telegram %s to chat %s held back %.2f s", endpoint, chat_id, delay)
            await asyncio.sleep(delay)

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, JSON]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> JSON:
        max_retries = self.max_retries if rate_limit_args is None else rate_limit_args
        flood_retries = network_retries = 0
        while True:
            await self._wait_turn(endpoint, data)
            try:
                return await callback(*args, **kwargs)
            except RetryAfter as error:
                if flood_retries >= max_retries:
                    logger.error("Telegram %s: still rate limited after %d retries",
                                 endpoint, flood_retries)
                    raise
                flood_retries += 1
                wait = retry_after_seconds(error) + 0.1
                logger.warning("Telegram %s: rate limited, sending again in %.1f s",
                               endpoint, wait)
                self.pause(wait)
            except NetworkError as error:
                if network_retries >= self.network_retries or not may_retry(endpoint, error):
                    raise
                wait = self.network_backoff_s * 2**network_retries
                network_retries += 1
                logger.warning("Telegram %s failed (%s), sending again in %.1f s",
                               endpoint, error, wait)
                await asyncio.sleep(wait)
