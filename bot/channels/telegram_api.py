"""The Telegram Bot API client, through python-telegram-bot 22 (no Rasa here): it builds the
bot (`build_bot`, `telegram_bot`: TELEGRAM_TOKEN, TELEGRAM_API_URL, the shared
`TelegramRateLimiter` of telegram_limits.py), sets the command menu and the webhook
(`start`), derives the webhook's secret-token header (`webhook_secret`), reads an update
into an `Incoming` message for the assistant (`incoming_from_update`: the sender id
`telegram:<chat>`, commands as intents, a button press as its payload with its keyboard
marked, the user's own contact vouched for, photos and documents downloaded, checked and
stored as by the REST channel, `{"attachments": [...], "rejected_attachments": [...]}`),
and renders and sends the assistant's messages (`render`, `send_messages`: at most 4096
characters each, buttons as an inline keyboard under the last, text as written and without
parse mode; a blocked chat is `Delivery.BLOCKED`, never an exception). Notifiers send with
`send_to_chat(chat_id, text, buttons)`. The Rasa channel (bot.channels.telegram) and the
long-polling bridge (telegram_polling.py) use it.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import hashlib
import hmac
import logging
from collections import OrderedDict
from collections.abc import AsyncIterator, Awaitable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from telegram import (
    Bot,
    BotCommand,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    Message,
    ReplyKeyboardMarkup,
    Update,
)
from telegram.constants import ChatAction, ChatType
from telegram.error import BadRequest, Forbidden, NetworkError, TelegramError
from telegram.ext import ExtBot

from bot import texts
from bot.channels import faults
from bot.channels.telegram_limits import TelegramRateLimiter
from bot.channels.telegram_text import SENDER_PREFIX, api_root, chat_id_of, split_text
from bot.channels.uploads import check_and_store
from bot.intake.attachments import (
    FILE_TOO_LARGE,
    MAX_ATTACHMENT_BYTES,
    UNSUPPORTED_TYPE,
    AttachmentRejected,
)
from bot.intake.identity import VERIFIED_CONTACT
from bot.runtime import settings
from bot.store.files import display_filename
from bot.store.uploads import keys as upload_keys

logger = logging.getLogger(__name__)
# httpx logs every request URL at INFO, and Bot API URLs contain the token.
logging.getLogger("httpx").setLevel(logging.WARNING)

CHANNEL = "telegram"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
ALLOWED_UPDATES = ("message", "callback_query")
MAX_CALLBACK_DATA = 64  # telegram.constants.InlineKeyboardButtonLimit.MAX_CALLBACK_DATA, bytes
# The REST channel's intent for a message with files and no text (bot/channels/rest.py).
SEND_ATTACHMENT_PAYLOAD = "/send_attachment"
# Telegram commands -> the intents of domain.yml.
COMMANDS: dict[str, str] = {
    "start": "/greet",
    "help": "/ask_help",
    "cancel": "/cancel",
    "language": "/switch_language",
}
UNKNOWN_COMMAND = "/ask_help"
# The bot's command menu, per language of the user's Telegram app (default: English).
# Their descriptions are the text catalogue's telegram.command.<command>.
COMMAND_MENU: dict[str | None, list[tuple[str, str]]] = {
    app_language: [
        (command, texts.text(f"telegram.command.{command}", language))
        for command in ("start", "help", "cancel", "language")
    ]
    for app_language, language in ((None, "en"), ("ar", "ar"))
}
# A keyboard after its button was pressed: one inert button that shows the choice.
CHOSEN_MARK = "✓ "
CHOSEN_DATA = "·"
# Text under a keyboard when Rasa sent buttons without text (Telegram needs some).
BUTTONS_ONLY_TEXT = "⬇️"
# Media Telegram knows but the report cannot hold: refused by name, never downloaded.
UNSUPPORTED_MEDIA = {
    "video": "video.mp4",
    "animation": "animation.mp4",
    "audio": "audio.mp3",
    "voice": "voice.ogg",
    "video_note": "video_note.mp4",
}
DOWNLOAD_RETRIES = 3
_REMEMBERED = 4096


# -- configuration ------------------------------------------------------------------------


def api_urls(api_url: str | None = None) -> tuple[str, str]:
    """PTB's `base_url` and `base_file_url` for TELEGRAM_API_URL.

    Accepts the Bot API root (`http://127.0.0.1:8081`) or PTB's form (`…/bot`); files are
    served under `<root>/file/bot<token>/…` as by Telegram and the local Bot API server.
    """
    root = api_root(api_url or settings.telegram_api_url())
    return f"{root}/bot", f"{root}/file/bot"


def webhook_secret(token: str) -> str:
    """The secret-token header value, derived from the bot token (both sides know it)."""
    return hmac.new(token.encode(), b"balagh-telegram-webhook", hashlib.sha256).hexdigest()


def sender_id(chat_id: int | str) -> str:
    return f"{SENDER_PREFIX}{chat_id}"


_DEFAULT_LIMITER = TelegramRateLimiter()


def build_bot(
    token: str | None = None,
    api_url: str | None = None,
    rate_limiter: TelegramRateLimiter | None = None,
) -> ExtBot[Any]:
    """A bot on TELEGRAM_TOKEN / TELEGRAM_API_URL; all bots of a process share one limiter."""
    token = token or settings.telegram_token()
    if not token:
        raise RuntimeError("TELEGRAM_TOKEN is not set")
    base_url, base_file_url = api_urls(api_url)
    return ExtBot(
        token,
        base_url=base_url,
        base_file_url=base_file_url,
        rate_limiter=rate_limiter or _DEFAULT_LIMITER,
    )


@contextlib.asynccontextmanager
async def telegram_bot(**options: Any) -> AsyncIterator[ExtBot[Any]]:
    """`async with telegram_bot() as bot:` a started bot (getMe), shut down after."""
    bot = build_bot(**options)
    async with bot:
        yield bot


async def set_command_menu(bot: Bot) -> None:
    """/start, /help, /cancel, /language as the bot's menu, in English and Arabic."""
    for language, commands in COMMAND_MENU.items():
        await bot.set_my_commands(
            [BotCommand(name, description) for name, description in commands],
            language_code=language,
        )


async def start(bot: Bot, webhook_url: str | None, secret: str) -> None:
    """Check the token (getMe), set the command menu, and register `webhook_url` with the
    secret-token header when it is given; raises TelegramError while the Bot API is away."""
    await bot.initialize()
    await set_command_menu(bot)
    if webhook_url:
        await bot.set_webhook(
            webhook_url, secret_token=secret, allowed_updates=list(ALLOWED_UPDATES),
        )
        logger.info("Telegram webhook registered: %s", webhook_url)
    logger.info("Telegram channel ready as @%s", bot.username)


# -- an update in -------------------------------------------------------------------------


@dataclass(frozen=True)
class Incoming:
    """One update as the message the assistant gets (its text, who sent it, metadata)."""

    chat_id: int
    text: str
    metadata: dict[str, Any] = field(default_factory=dict)

    @property
    def sender_id(self) -> str:
        return sender_id(self.chat_id)


class Remembered:
    """A bounded set (oldest forgotten first)."""

    def __init__(self, size: int = _REMEMBERED) -> None:
        self._items: OrderedDict[Any, None] = OrderedDict()
        self._size = size

    def add(self, item: Any) -> bool:
        """Add `item`; False when it was already there."""
        if item in self._items:
            return False
        self._items[item] = None
        if len(self._items) > self._size:
            self._items.popitem(last=False)
        return True


_LONG_PAYLOADS: OrderedDict[str, str] = OrderedDict()
_PRESSED_KEYBOARDS = Remembered()


def callback_data_for(payload: str) -> str:
    """The payload itself when it fits Telegram's 64 bytes, else a key to look it up by."""
    if len(payload.encode("utf-8")) <= MAX_CALLBACK_DATA and payload != CHOSEN_DATA:
        return payload
    key = "#" + hashlib.sha256(payload.encode("utf-8")).hexdigest()[:32]
    _LONG_PAYLOADS[key] = payload
    _LONG_PAYLOADS.move_to_end(key)
    while len(_LONG_PAYLOADS) > _REMEMBERED:
        _LONG_PAYLOADS.popitem(last=False)
    return key


def _pressed_button(query: CallbackQuery) -> InlineKeyboardButton | None:
    message = query.message
    markup = message.reply_markup if isinstance(message, Message) else None
    for row in markup.inline_keyboard if markup else ():
        for button in row:
            if button.callback_data == query.data:
                return button
    return None


def payload_of(query: CallbackQuery) -> str | None:
    """The text a button press stands for (its Rasa payload, else its title)."""
    data = query.data or ""
    if data == CHOSEN_DATA:
        return None
    if data in _LONG_PAYLOADS:
        return _LONG_PAYLOADS[data]
    button = _pressed_button(query)
    if data.startswith("#") and len(data) == 33:  # a long payload this process forgot
        return button.text if button else None
    return data or (button.text if button else None)


def text_of(message: Message) -> str:
    """The message's text for Rasa: commands as intents, never a typed `/intent{…}`."""
    if message.text is not None:
        text = message.text.strip()
        if text.startswith("/"):
            word = text[1:].split(maxsplit=1)[0] if len(text) > 1 else ""
            return COMMANDS.get(word.split("@", 1)[0].lower(), UNKNOWN_COMMAND)
        return text
    return (message.caption or "").strip().lstrip("/").strip()


def vouched_contact(message: Message) -> dict[str, Any]:
    """`{"verified_contact": {"phone"}}` when the shared contact is the sender's own: Telegram
    sends the user's own number with the contact button (`contact.user_id` is the sender);
    a contact card of someone else proves nothing and gives {}."""
    contact = message.contact
    user = message.from_user
    if contact is None or user is None or contact.user_id != user.id or not contact.phone_number:
        return {}
    return {VERIFIED_CONTACT: {"phone": contact.phone_number}}


def _metadata(update: Update, chat_id: int, message_id: int | None) -> dict[str, Any]:
    user = update.effective_user
    return {
        "channel": CHANNEL,
        "telegram": {
            "update_id": update.update_id,
            "chat_id": chat_id,
            "message_id": message_id,
            "user_id": user.id if user else None,
            "language_code": user.language_code if user else None,
        },
    }


async def _download(bot: Bot, file_id: str) -> bytes:
    """The file's bytes through the Bot API (getFile is retried by the limiter)."""
    telegram_file = await bot.get_file(file_id)
    for attempt in range(DOWNLOAD_RETRIES):
        try:
            return bytes(await telegram_file.download_as_bytearray())
        except BadRequest:
            raise
        except NetworkError:
            if attempt == DOWNLOAD_RETRIES - 1:
                raise
            await asyncio.sleep(0.5 * 2**attempt)
    raise AssertionError("unreachable")


def _file_of(message: Message) -> tuple[str, str, int | None] | None:
    """(file_id, filename, size) of the photo (largest size) or document in `message`."""
    if message.photo:
        largest = max(message.photo, key=lambda size: (size.width * size.height,
                                                        size.file_size or 0))
        return largest.file_id, f"photo-{message.message_id}.jpg", largest.file_size
    if message.document:
        document = message.document
        return document.file_id, document.file_name or "document", document.file_size
    return None


async def attachments_of(message: Message, bot: Bot) -> dict[str, Any]:
    """`{"attachments": [...], "rejected_attachments": [...]}` for a message with a file,
    checked and stored as every channel does (bot.channels.uploads), counted against the
    chat's hourly upload quota."""
    accepted: list[dict[str, Any]] = []
    rejected: list[dict[str, str]] = []
    found = _file_of(message)
    if found is None:
        for kind, default_name in UNSUPPORTED_MEDIA.items():
            media = getattr(message, kind, None)
            if media is not None:
                name = getattr(media, "file_name", None) or default_name
                rejected.append({"filename": display_filename(name), "reason": UNSUPPORTED_TYPE})
        return {"attachments": [], "rejected_attachments": rejected} if rejected else {}
    file_id, filename, size = found
    try:
        if size is not None and size > MAX_ATTACHMENT_BYTES:
            raise AttachmentRejected(FILE_TOO_LARGE)
        try:
            data = await _download(bot, file_id)
        except BadRequest as error:
            if "too big" in str(error).lower():
                raise AttachmentRejected(FILE_TOO_LARGE) from error
            raise
        loop = asyncio.get_running_loop()
        try:
            accepted.append(
                await loop.run_in_executor(
                    None,
                    functools.partial(
                        check_and_store, data, filename,
                        upload_keys(sender_id(message.chat.id), None),
                    ),
                )
            )
        except OSError as error:  # disk full …: the message does not reach Rasa
            raise faults.AttachmentStorageFailed([display_filename(filename)]) from error
    except AttachmentRejected as rejection:
        rejected.append({"filename": display_filename(filename), "reason": rejection.reason})
    return {"attachments": accepted, "rejected_attachments": rejected}


async def _best_effort(call: Awaitable[Any], what: str) -> None:
    try:
        await call
    except TelegramError as error:
        logger.info("Telegram: %s failed: %s", what, error)


async def show_typing(bot: Bot, chat_id: int) -> None:
    """"typing…" in the chat while the assistant thinks (best effort)."""
    await _best_effort(bot.send_chat_action(chat_id, ChatAction.TYPING), "sendChatAction")


async def _from_button(update: Update, query: CallbackQuery, bot: Bot) -> Incoming | None:
    message = query.message
    if message is not None and message.chat.type != ChatType.PRIVATE:
        return None
    chat_id = message.chat.id if message is not None else query.from_user.id
    await _best_effort(bot.answer_callback_query(query.id), "answerCallbackQuery")
    payload = payload_of(query)
    if payload is None:
        return None
    if isinstance(message, Message):
        if not _PRESSED_KEYBOARDS.add((chat_id, message.message_id)):
            return None  # a second press on the same keyboard (a double tap)
        button = _pressed_button(query)
        title = button.text if button else payload
        mark = InlineKeyboardMarkup(
            [[InlineKeyboardButton(CHOSEN_MARK + title, callback_data=CHOSEN_DATA)]]
        )
        await _best_effort(
            bot.edit_message_reply_markup(chat_id, message.message_id, reply_markup=mark),
            "marking the pressed keyboard",
        )
    metadata = _metadata(update, chat_id, message.message_id if message else None)
    return Incoming(chat_id, payload, metadata)


async def incoming_from_update(update: Update, bot: Bot) -> Incoming | None:
    """The Rasa message an update stands for; None for what the assistant ignores
    (group chats, edits, stickers, presses on an answered keyboard).

    Files are downloaded, checked and stored here, before Rasa sees the message.
    """
    if update.callback_query is not None:
        return await _from_button(update, update.callback_query, bot)
    message = update.message
    if message is None or message.chat.type != ChatType.PRIVATE:
        return None
    text = text_of(message)
    metadata = _metadata(update, message.chat.id, message.message_id)
    if message.contact is not None:  # the contact button: the number is the answer
        text = message.contact.phone_number or ""
        metadata.update(vouched_contact(message))
    metadata.update(await attachments_of(message, bot))
    if not text and (metadata.get("attachments") or metadata.get("rejected_attachments")):
        text = SEND_ATTACHMENT_PAYLOAD
    if not text:
        return None
    return Incoming(message.chat.id, text, metadata)


def update_from_json(data: Any, bot: Bot) -> Update | None:
    """The update a webhook body holds; None for anything that is not one."""
    if not isinstance(data, dict):
        return None
    try:
        return Update.de_json(data, bot)
    except Exception:  # noqa: BLE001 - any malformed body is a bad request
        return None


def chat_of(update: Update) -> int | None:
    """The chat whose queue an update belongs to."""
    chat = update.effective_chat
    if chat is not None:
        return chat.id
    user = update.effective_user
    return user.id if user is not None else None


# -- messages out -------------------------------------------------------------------------


def keyboard(
    buttons: Sequence[Mapping[str, Any]],
) -> InlineKeyboardMarkup | ReplyKeyboardMarkup | None:
    """Rasa buttons as an inline keyboard: up to three short ones side by side, else one a
    row (Arabic titles are long); a button with a `url` opens it. A button with
    `request_contact` (the mobile question) is Telegram's contact button, which only a reply
    keyboard can hold: then the message gets that keyboard, shown once."""
    contact = [b for b in buttons if b.get("request_contact")]
    if contact:
        title = str(contact[0].get("title") or "📱")
        return ReplyKeyboardMarkup(
            [[KeyboardButton(title, request_contact=True)]],
            one_time_keyboard=True, resize_keyboard=True,
        )
    made: list[InlineKeyboardButton] = []
    for button in buttons:
        title = str(button.get("title") or button.get("payload") or "").strip()
        if not title:
            continue
        url = button.get("url")
        if url:
            made.append(InlineKeyboardButton(title, url=str(url)))
            continue
        payload = str(button.get("payload") or title)
        made.append(InlineKeyboardButton(title, callback_data=callback_data_for(payload)))
    if not made:
        return None
    if len(made) <= 3 and all(len(button.text) <= 12 for button in made):
        return InlineKeyboardMarkup([made])
    return InlineKeyboardMarkup([[button] for button in made])


@dataclass(frozen=True)
class OutgoingPart:
    """One Bot API message: text (with an optional keyboard) or a photo by URL."""

    text: str | None = None
    reply_markup: InlineKeyboardMarkup | ReplyKeyboardMarkup | None = None
    photo: str | None = None


def render(message: Mapping[str, Any]) -> list[OutgoingPart]:
    """A Rasa bot message (`text`, `buttons`/`quick_replies`, `image`) as Telegram messages."""
    text = str(message.get("text") or "")
    markup = keyboard(message.get("buttons") or message.get("quick_replies") or [])
    pieces = split_text(text) if text.strip() else []
    if markup is not None and not pieces:
        pieces = [BUTTONS_ONLY_TEXT]
    parts = [OutgoingPart(text=piece) for piece in pieces[:-1]]
    if pieces:
        parts.append(OutgoingPart(text=pieces[-1], reply_markup=markup))
    image = message.get("image")
    if isinstance(image, str) and image:
        parts.append(OutgoingPart(photo=image))
    custom = message.get("custom")
    if custom and not parts:
        logger.debug("Telegram: custom payload not shown: %r", custom)
    return parts


class Delivery(StrEnum):
    """What became of the messages for one chat."""

    SENT = "sent"
    BLOCKED = "blocked"  # the user blocked the bot (or the chat is gone): nothing more to do
    FAILED = "failed"  # some message may not have arrived; see the log


async def _send_part(bot: Bot, chat_id: int, part: OutgoingPart) -> None:
    if part.photo is not None:
        await bot.send_photo(chat_id, part.photo)
    else:
        await bot.send_message(chat_id, part.text or "", reply_markup=part.reply_markup)


async def send_messages(
    bot: Bot, chat_id: int, messages: Iterable[Mapping[str, Any]]
) -> Delivery:
    """Render and send Rasa messages to one chat, in order; never raises TelegramError."""
    outcome = Delivery.SENT
    for message in messages:
        for part in render(message):
            try:
                await _send_part(bot, chat_id, part)
            except Forbidden as error:
                logger.info("Telegram chat %s cannot be written to (%s); not sending.",
                            chat_id, error)
                return Delivery.BLOCKED
            except BadRequest as error:
                if "chat not found" in str(error).lower():
                    logger.info("Telegram chat %s does not exist; not sending.", chat_id)
                    return Delivery.BLOCKED
                logger.warning("Telegram refused a message to chat %s: %s", chat_id, error)
                outcome = Delivery.FAILED
            except TelegramError as error:
                logger.warning("Telegram message to chat %s may not have arrived: %s",
                               chat_id, error)
                outcome = Delivery.FAILED
    return outcome


async def send_to_chat(
    chat_id: int | str,
    text: str,
    buttons: Sequence[Mapping[str, Any]] | None = None,
    *,
    bot: Bot | None = None,
) -> Delivery:
    """Send `text` (with Rasa-style `buttons`: `{"title", "payload"}`) to a Telegram chat.

    For notifiers: `chat_id` may be the number or the conversation's sender id
    (`telegram:<chat>`). Without `bot`, one is made from TELEGRAM_TOKEN/TELEGRAM_API_URL for
    this call; pass a bot (`async with telegram_bot() as bot:`) to send many. A press on a
    button reaches the assistant like any other press. Returns how it went; a blocked bot
    is `Delivery.BLOCKED`, never an exception.
    """
    chat = chat_id_of(chat_id)
    if chat is None:
        raise ValueError(f"not a Telegram chat: {chat_id!r}")
    message = {"text": text, "buttons": list(buttons or [])}
    if bot is not None:
        return await send_messages(bot, chat, [message])
    async with telegram_bot() as own:
        return await send_messages(own, chat, [message])
