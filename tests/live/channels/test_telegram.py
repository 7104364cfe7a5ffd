"""The Telegram channel with the real python-telegram-bot against a stand-in Bot API.

Unit tests drive the Bot API client (bot/channels/telegram_api.py: updates -> Rasa messages,
Rasa replies -> Telegram messages), the rate limiter and the Rasa channel's webhook blueprint
(bot/channels/telegram.py) in-process; the end-to-end tests start the real assistant
(`python -m bot serve` with TELEGRAM_TOKEN set, so it also starts the long-polling bridge)
against tests/telegram_stub.py and talk to it as Telegram users.
"""

from __future__ import annotations

import asyncio
import io
import json
import os
import re
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
import yaml
from PIL import Image
from rasa.core.channels.channel import UserMessage
from sanic import Sanic
from telegram import Update
from telegram.error import BadRequest, NetworkError, RetryAfter, TimedOut

from bot.channels import telegram_api as tg_api
from bot.channels import telegram_text
from bot.channels.telegram import TelegramInput
from bot.channels.telegram_limits import TelegramRateLimiter
from bot.intake.attachments import MAX_ATTACHMENT_BYTES
from bot.runtime import serve
from bot.runtime.model import model_path
from bot.store.repository import ReportRepository
from tests.live import ROOT, AssistantProcess, is_arabic
from tests.telegram_stub import TelegramStub

TOKEN = "123456:TEST-token_for-the-stub"
VALID_ID = "1000000008"
ARABIC_PRESENTATION_FORMS = re.compile(r"[\uFB50-\uFDFF\uFE70-\uFEFF]")


def jpeg(width: int, height: int, exif: bool = False) -> bytes:
    buffer = io.BytesIO()
    image = Image.new("RGB", (width, height), (200, 30, 30))
    if exif:
        info = Image.Exif()
        info[0x010F] = "PhoneMaker"  # Make
        image.save(buffer, format="JPEG", exif=info)
    else:
        image.save(buffer, format="JPEG")
    return buffer.getvalue()


@pytest.fixture(scope="module")
def stub() -> Iterator[TelegramStub]:
    server = TelegramStub(TOKEN).start()
    yield server
    server.stop()


@pytest.fixture
def attachments_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    directory = tmp_path / "attachments"
    monkeypatch.setenv("ATTACHMENTS_DIR", str(directory))
    return directory


@pytest.fixture
async def bot(stub: TelegramStub) -> AsyncIterator[Any]:
    async with tg_api.telegram_bot(token=TOKEN, api_url=stub.url,
                               rate_limiter=TelegramRateLimiter()) as started:
        yield started


def new_chat() -> int:
    return 10_000 + uuid.uuid4().int % 10_000_000


def as_update(data: dict[str, Any], bot: Any) -> Update:
    return Update.de_json(data, bot)


# -- Telegram -> Rasa ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("/start", "/greet"),
        ("/start deep-link-payload", "/greet"),
        ("/help@balagh_test_bot", "/ask_help"),
        ("/cancel", "/cancel"),
        ("/language", "/switch_language"),
        ("/LANGUAGE", "/switch_language"),
        ("/unknown", "/ask_help"),
        ('/confirm_report{"x": 1}', "/ask_help"),  # typed intents are not passed on
        ("  رفعت شكوى على منصة قوى  ", "رفعت شكوى على منصة قوى"),
    ],
)
async def test_text_and_commands_become_rasa_messages(
    stub: TelegramStub, bot: Any, text: str, expected: str
) -> None:
    chat = new_chat()
    incoming = await tg_api.incoming_from_update(as_update(stub.message(chat, text=text), bot), bot)
    assert incoming is not None
    assert incoming.text == expected
    assert incoming.sender_id == f"telegram:{chat}"
    assert incoming.metadata["channel"] == "telegram"
    assert incoming.metadata["telegram"]["chat_id"] == chat
    assert incoming.metadata["telegram"]["language_code"] == "ar"
    assert "attachments" not in incoming.metadata


async def test_the_users_own_contact_is_vouched_for_and_nobody_elses(
    stub: TelegramStub, bot: Any
) -> None:
    chat = new_chat()
    own = {"phone_number": "966551234567", "first_name": "x", "user_id": chat}
    update = as_update(stub.message(chat, contact=own), bot)
    incoming = await tg_api.incoming_from_update(update, bot)
    assert incoming is not None and incoming.text == "966551234567"
    assert incoming.metadata["verified_contact"] == {"phone": "966551234567"}
    for card in (
        {"phone_number": "966559999999", "first_name": "y", "user_id": chat + 1},  # another user
        {"phone_number": "966559999999", "first_name": "z"},  # a card typed by hand
    ):
        update = as_update(stub.message(chat, contact=card), bot)
        incoming = await tg_api.incoming_from_update(update, bot)
        assert incoming is not None and incoming.text == "966559999999"
        assert "verified_contact" not in incoming.metadata


def test_a_contact_button_becomes_telegrams_one_time_reply_keyboard() -> None:
    from telegram import ReplyKeyboardMarkup

    markup = tg_api.keyboard(
        [{"title": "📱 Share my number", "payload": "x", "request_contact": True}]
    )
    assert isinstance(markup, ReplyKeyboardMarkup) and markup.one_time_keyboard
    assert markup.keyboard[0][0].request_contact and markup.keyboard[0][0].text.endswith("number")


async def test_group_chats_edits_and_stickers_are_ignored(stub: TelegramStub, bot: Any) -> None:
    chat = new_chat()
    group = stub.message(-chat, text="hello", chat_type="group")
    assert await tg_api.incoming_from_update(as_update(group, bot), bot) is None
    edited = stub.message(chat, text="hello")
    edited["edited_message"] = edited.pop("message")
    assert await tg_api.incoming_from_update(as_update(edited, bot), bot) is None
    sticker = stub.message(chat, sticker={
        "file_id": "s", "file_unique_id": "s", "type": "regular", "width": 1, "height": 1,
        "is_animated": False, "is_video": False})
    assert await tg_api.incoming_from_update(as_update(sticker, bot), bot) is None


async def test_photo_is_downloaded_in_its_largest_size_checked_and_stored(
    stub: TelegramStub, bot: Any, attachments_dir: Path
) -> None:
    chat = new_chat()
    sizes = stub.photo_sizes([(90, 68, jpeg(90, 68)), (320, 240, jpeg(320, 240)),
                              (800, 600, jpeg(800, 600, exif=True))])
    update = stub.message(chat, photo=sizes)
    incoming = await tg_api.incoming_from_update(as_update(update, bot), bot)
    assert incoming is not None and incoming.text == "/send_attachment"
    (item,) = incoming.metadata["attachments"]
    assert incoming.metadata["rejected_attachments"] == []
    message_id = update["message"]["message_id"]
    assert item["filename"] == f"photo-{message_id}.jpg"
    assert item["content_type"] == "image/jpeg"
    assert set(item) == {"filename", "content_type", "size", "sha256", "stored_path"}
    fetched = [call.params["file_id"] for call in stub.calls_of("getFile")]
    assert sizes[2]["file_id"] in fetched
    assert sizes[0]["file_id"] not in fetched and sizes[1]["file_id"] not in fetched
    with Image.open(attachments_dir / item["stored_path"]) as stored:
        assert stored.size == (800, 600)
        assert not stored.getexif()  # metadata stripped, as for any upload


async def test_photo_caption_is_the_text(
    stub: TelegramStub, bot: Any, attachments_dir: Path
) -> None:
    sizes = stub.photo_sizes([(64, 48, jpeg(64, 48))])
    update = stub.message(new_chat(), photo=sizes, caption="هذه صورة الخطأ")
    incoming = await tg_api.incoming_from_update(as_update(update, bot), bot)
    assert incoming is not None and incoming.text == "هذه صورة الخطأ"
    assert len(incoming.metadata["attachments"]) == 1


async def test_documents_are_checked_like_any_upload(
    stub: TelegramStub, bot: Any, attachments_dir: Path
) -> None:
    chat = new_chat()
    stub.add_file("doc-fake", b"<html>not a pdf</html>")
    fake = stub.message(chat, document={"file_id": "doc-fake", "file_unique_id": "doc-fake",
                                        "file_name": "تقرير.pdf", "mime_type": "application/pdf",
                                        "file_size": 22})
    incoming = await tg_api.incoming_from_update(as_update(fake, bot), bot)
    assert incoming is not None and incoming.text == "/send_attachment"
    assert incoming.metadata["attachments"] == []
    assert incoming.metadata["rejected_attachments"] == [
        {"filename": "تقرير.pdf", "reason": "unsupported_type"}
    ]
    pdf = (  # parsed since the PDF checks: a catalogue, its page tree and a trailer
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
        b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n"
        b"startxref\n0\n%%EOF\n"
    )
    stub.add_file("doc-pdf", pdf)
    good = stub.message(chat, document={"file_id": "doc-pdf", "file_unique_id": "doc-pdf",
                                        "file_name": "شكوى.pdf", "file_size": len(pdf)})
    incoming = await tg_api.incoming_from_update(as_update(good, bot), bot)
    assert incoming is not None
    (item,) = incoming.metadata["attachments"]
    assert item["filename"] == "شكوى.pdf" and item["content_type"] == "application/pdf"
    assert (attachments_dir / item["stored_path"]).read_bytes() == pdf

    big = stub.message(chat, document={"file_id": "doc-big", "file_unique_id": "doc-big",
                                       "file_name": "big.pdf",
                                       "file_size": MAX_ATTACHMENT_BYTES + 1})
    incoming = await tg_api.incoming_from_update(as_update(big, bot), bot)
    assert incoming is not None
    assert incoming.metadata["rejected_attachments"] == [
        {"filename": "big.pdf", "reason": "file_too_large"}
    ]
    assert not [c for c in stub.calls_of("getFile") if c.params["file_id"] == "doc-big"]

    video = stub.message(chat, video={"file_id": "v", "file_unique_id": "v", "width": 1,
                                      "height": 1, "duration": 3})
    incoming = await tg_api.incoming_from_update(as_update(video, bot), bot)
    assert incoming is not None
    assert incoming.metadata["rejected_attachments"] == [
        {"filename": "video.mp4", "reason": "unsupported_type"}
    ]


async def test_a_button_press_sends_its_payload_and_marks_the_keyboard(
    stub: TelegramStub, bot: Any
) -> None:
    chat = new_chat()
    buttons = [{"title": "نعم", "payload": "/affirm"}, {"title": "لا", "payload": "/deny"}]
    assert await tg_api.send_to_chat(chat, "هل هذا صحيح؟", buttons, bot=bot) == tg_api.Delivery.SENT
    (sent,) = stub.sent(chat)
    assert sent["reply_markup"] == {"inline_keyboard": [[
        {"text": "نعم", "callback_data": "/affirm"}, {"text": "لا", "callback_data": "/deny"}]]}
    press = stub.callback(chat, sent["message_id"], "/deny")
    incoming = await tg_api.incoming_from_update(as_update(press, bot), bot)
    assert incoming is not None and incoming.text == "/deny"
    assert incoming.sender_id == f"telegram:{chat}"
    (_answer,) = [c for c in stub.calls_of("answerCallbackQuery")
                 if c.params["callback_query_id"] == press["callback_query"]["id"]]
    (edit,) = stub.calls_of("editMessageReplyMarkup", chat)
    assert int(edit.params["message_id"]) == sent["message_id"]
    mark = edit.params["reply_markup"]["inline_keyboard"]
    assert mark == [[{"text": "✓ لا", "callback_data": tg_api.CHOSEN_DATA}]]
    # a second press on the same keyboard (double tap), and a press on the mark: nothing
    again = stub.callback(chat, sent["message_id"], "/affirm")
    assert await tg_api.incoming_from_update(as_update(again, bot), bot) is None
    on_mark = stub.callback(chat, sent["message_id"], tg_api.CHOSEN_DATA)
    assert await tg_api.incoming_from_update(as_update(on_mark, bot), bot) is None


async def test_payloads_over_64_bytes_travel_by_key(stub: TelegramStub, bot: Any) -> None:
    chat = new_chat()
    payload = '/choose_report_type{"report_type": "transformation_request", "x": "طويل جدا"}'
    assert len(payload.encode()) > 64
    await tg_api.send_to_chat(chat, "اختر", [{"title": "طلب تحول", "payload": payload}], bot=bot)
    (sent,) = stub.sent(chat)
    data = sent["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
    assert len(data.encode()) <= 64 and data != payload
    press = stub.callback(chat, sent["message_id"], data)
    incoming = await tg_api.incoming_from_update(as_update(press, bot), bot)
    assert incoming is not None and incoming.text == payload


# -- Rasa -> Telegram ---------------------------------------------------------------------


def test_long_arabic_replies_are_split_at_telegram_limit_and_sent_as_written() -> None:
    paragraph = "تم استلام بلاغك رقم \u2066BR-7K2M9QXH\u2069 وسيتم الرد خلال 5 أيام عمل. " * 12
    text = "\n\n".join([paragraph] * 12)
    assert len(text) > 2 * telegram_text.MAX_MESSAGE_LENGTH
    parts = tg_api.render({"text": text, "buttons": [{"title": "إرسال", "payload": "/confirm"}]})
    assert len(parts) >= 3
    limit = telegram_text.MAX_MESSAGE_LENGTH
    assert all(telegram_text.utf16_length(p.text or "") <= limit for p in parts)
    assert [p.reply_markup is not None for p in parts] == [False] * (len(parts) - 1) + [True]
    joined = "".join(p.text or "" for p in parts)
    assert re.sub(r"\s", "", joined) == re.sub(r"\s", "", text)  # nothing but blanks lost
    assert all((p.text or "").endswith(".") for p in parts)  # cut between paragraphs
    assert not ARABIC_PRESENTATION_FORMS.search("".join(p.text or "" for p in parts))


def test_split_counts_utf16_units_and_cuts_words_only_when_it_must() -> None:
    emoji = "😀" * 3000  # 2 UTF-16 units each
    pieces = telegram_text.split_text(emoji)
    assert [len(p) for p in pieces] == [2048, 952]
    assert telegram_text.split_text("كلمة " * 10, limit=12) == ["كلمة كلمة"] * 5
    assert telegram_text.split_text("ا" * 30, limit=12) == ["ا" * 12, "ا" * 12, "ا" * 6]
    assert telegram_text.split_text("قصير") == ["قصير"]


def test_keyboards_render_short_buttons_side_by_side_and_long_ones_in_rows() -> None:
    (part,) = tg_api.render({"text": "؟", "buttons": [{"title": "نعم", "payload": "/affirm"},
                                                  {"title": "لا", "payload": "/deny"}]})
    assert part.reply_markup is not None and len(part.reply_markup.inline_keyboard) == 1
    long_titles = [{"title": f"تعديل الحقل رقم {n}", "payload": f"/edit{n}"} for n in range(5)]
    (part,) = tg_api.render({"text": "الملخص", "buttons": long_titles})
    assert part.reply_markup is not None
    assert [len(row) for row in part.reply_markup.inline_keyboard] == [1] * 5
    (part,) = tg_api.render({"buttons": [{"title": "ok", "payload": "/affirm"}]})
    assert part.text == tg_api.BUTTONS_ONLY_TEXT
    parts = tg_api.render({"text": "صورة", "image": "https://example.org/x.png"})
    assert [p.photo for p in parts] == [None, "https://example.org/x.png"]


async def test_long_notification_is_split_with_buttons_on_the_last_part(
    stub: TelegramStub, bot: Any
) -> None:
    chat = new_chat()
    text = "تحديث على بلاغك. " * 600
    delivery = await tg_api.send_to_chat(
        f"telegram:{chat}", text, [{"title": "حالة البلاغ", "payload": "/ask_status"}], bot=bot
    )
    assert delivery == tg_api.Delivery.SENT
    sent = stub.sent(chat)
    assert len(sent) == 3 and all(len(m["text"]) <= 4096 for m in sent)
    assert [("reply_markup" in m) for m in sent] == [False, False, True]


async def test_send_to_chat_builds_its_own_bot_from_the_environment(
    stub: TelegramStub, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TELEGRAM_TOKEN", TOKEN)
    monkeypatch.setenv("TELEGRAM_API_URL", stub.url)
    chat = new_chat()
    assert await tg_api.send_to_chat(chat, "تم تحديث حالة بلاغك") == tg_api.Delivery.SENT
    assert [m["text"] for m in stub.sent(chat)] == ["تم تحديث حالة بلاغك"]
    with pytest.raises(ValueError, match="not a Telegram chat"):
        await tg_api.send_to_chat("web:abc", "x")


async def test_a_user_who_blocked_the_bot_breaks_nothing(stub: TelegramStub, bot: Any) -> None:
    chat = new_chat()
    stub.block(chat)
    messages = [{"text": "أولى"}, {"text": "ثانية"}]
    assert await tg_api.send_messages(bot, chat, messages) == tg_api.Delivery.BLOCKED
    assert [c.status for c in stub.calls_of("sendMessage", chat)] == [403]  # stops at once
    assert await tg_api.send_to_chat(chat, "إشعار", bot=bot) == tg_api.Delivery.BLOCKED


async def test_a_429_is_waited_out_and_the_message_sent_once(
    stub: TelegramStub, bot: Any
) -> None:
    chat = new_chat()
    stub.fail_next("sendMessage", retry_after=1)
    started = time.monotonic()
    assert await tg_api.send_to_chat(chat, "رسالة واحدة", bot=bot) == tg_api.Delivery.SENT
    assert time.monotonic() - started >= 1.0
    assert [(c.status, c.params["text"]) for c in stub.calls_of("sendMessage", chat)] == [
        (429, "رسالة واحدة"), (200, "رسالة واحدة")]


# -- the rate limiter -----------------------------------------------------------------------


class FakeCall:
    """A Bot API call that fails with the given errors first, then answers True."""

    def __init__(self, *errors: Exception) -> None:
        self.errors = list(errors)
        self.count = 0

    async def __call__(self) -> bool:
        self.count += 1
        if self.errors:
            raise self.errors.pop(0)
        return True


def network_error(cause: Exception) -> NetworkError:
    try:
        raise NetworkError(f"httpx.{type(cause).__name__}") from cause
    except NetworkError as error:
        return error


def limiter() -> TelegramRateLimiter:
    return TelegramRateLimiter(network_backoff_s=0.01)


async def run(limiter: TelegramRateLimiter, call: FakeCall, endpoint: str = "sendMessage",
              chat_id: int | None = 5) -> Any:
    data = {} if chat_id is None else {"chat_id": chat_id}
    return await limiter.process_request(call, (), {}, endpoint, data, None)


async def test_limiter_retries_after_429_and_holds_back_other_requests() -> None:
    rate = limiter()
    call = FakeCall(RetryAfter(1))
    started = time.monotonic()
    assert await run(rate, call) is True and call.count == 2
    assert time.monotonic() - started >= 1.0
    still_paused = FakeCall(RetryAfter(1))
    other = FakeCall()
    first = asyncio.create_task(run(rate, still_paused, chat_id=6))
    await asyncio.sleep(0.05)
    started = time.monotonic()
    await run(rate, other, chat_id=7)  # another chat waits out the same flood wait
    assert time.monotonic() - started >= 0.9
    await first


async def test_limiter_gives_up_after_max_retries() -> None:
    rate = TelegramRateLimiter(max_retries=1)
    call = FakeCall(RetryAfter(0), RetryAfter(0), RetryAfter(0))
    with pytest.raises(RetryAfter):
        await run(rate, call)
    assert call.count == 2


@pytest.mark.parametrize(
    ("endpoint", "error", "retried"),
    [
        # the request never left: safe to send again
        ("sendMessage", network_error(httpx.ConnectError("refused")), True),
        ("sendMessage", network_error(httpx.PoolTimeout("pool")), True),
        # it may have arrived: a second sendMessage could be a duplicate
        ("sendMessage", network_error(httpx.ReadTimeout("read")), False),
        ("sendMessage", network_error(httpx.RemoteProtocolError("gone")), False),
        ("sendMessage", TimedOut(), False),
        ("sendMessage", NetworkError("Bad Gateway (502)"), False),
        # calls that end the same however often they are made
        ("editMessageReplyMarkup", network_error(httpx.ReadTimeout("read")), True),
        ("answerCallbackQuery", TimedOut(), True),
        ("getFile", NetworkError("Bad Gateway (502)"), True),
        # a refusal is final
        ("editMessageReplyMarkup", BadRequest("Message is not modified"), False),
    ],
)
async def test_network_errors_are_retried_only_without_risk_of_a_duplicate(
    endpoint: str, error: Exception, retried: bool
) -> None:
    call = FakeCall(error)
    if retried:
        assert await run(limiter(), call, endpoint) is True
        assert call.count == 2
    else:
        with pytest.raises(type(error)):
            await run(limiter(), call, endpoint)
        assert call.count == 1


async def test_limiter_spaces_out_messages_to_one_chat_after_a_burst() -> None:
    rate = TelegramRateLimiter(chat_burst=2, chat_per_second=10.0)
    started = time.monotonic()
    for _ in range(4):
        await run(rate, FakeCall(), chat_id=42)
    assert time.monotonic() - started >= 0.15  # 2 at once, then 10 a second
    started = time.monotonic()
    await run(rate, FakeCall(), chat_id=43)  # another chat is not held back
    await run(rate, FakeCall(), "answerCallbackQuery", chat_id=None)  # no chat: not held
    await run(rate, FakeCall(), "sendChatAction", chat_id=42)  # a best-effort extra
    assert time.monotonic() - started < 0.05


# -- the webhook, in-process ----------------------------------------------------------------


class Recorder:
    """Rasa's `on_new_message`: records the message and answers through its channel."""

    def __init__(self) -> None:
        self.messages: list[UserMessage] = []

    async def __call__(self, message: UserMessage) -> None:
        self.messages.append(message)
        await message.output_channel.send_response(
            message.sender_id, {"text": f"وصلت: {message.text}"}
        )


@pytest.fixture
async def webhook(
    stub: TelegramStub, attachments_dir: Path
) -> AsyncIterator[SimpleNamespace]:
    Sanic.test_mode = True
    channel = TelegramInput(TOKEN, api_url=stub.url)
    recorder = Recorder()
    app = Sanic(f"telegram_{uuid.uuid4().hex}")
    app.blueprint(channel.blueprint(recorder), url_prefix="/webhooks/telegram")
    await app._startup()
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://bot.test") as client:
        yield SimpleNamespace(client=client, channel=channel, recorder=recorder)
    await channel.close()


async def wait_async(condition: Any, timeout: float = 10.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if result := condition():
            return result
        await asyncio.sleep(0.02)
    raise AssertionError("not seen in time")


async def test_webhook_checks_the_secret_answers_at_once_and_replies_in_the_chat(
    stub: TelegramStub, webhook: SimpleNamespace
) -> None:
    chat = new_chat()
    update = stub.message(chat, text="السلام عليكم")
    url = "/webhooks/telegram/webhook"
    assert (await webhook.client.post(url, json=update)).status_code == 403
    wrong = {tg_api.SECRET_HEADER: "wrong"}
    assert (await webhook.client.post(url, json=update, headers=wrong)).status_code == 403
    right = {tg_api.SECRET_HEADER: tg_api.webhook_secret(TOKEN)}
    bad = await webhook.client.post(url, content=b"[1, 2]", headers=right)
    assert bad.status_code == 400
    answer = await webhook.client.post(url, json=update, headers=right)
    assert answer.status_code == 200 and answer.json() == {"ok": True}
    again = await webhook.client.post(url, json=update, headers=right)  # Telegram resends
    assert again.status_code == 200
    await wait_async(lambda: stub.sent(chat))
    (message,) = webhook.recorder.messages
    assert message.sender_id == f"telegram:{chat}" and message.input_channel == "telegram"
    assert message.text == "السلام عليكم" and message.metadata["channel"] == "telegram"
    assert [m["text"] for m in stub.sent(chat)] == ["وصلت: السلام عليكم"]
    assert stub.calls_of("sendChatAction", chat)
    health = await webhook.client.get("/webhooks/telegram/")
    assert health.json() == {"status": "ok", "webhook": False}


async def test_webhook_handles_one_chat_in_order(
    stub: TelegramStub, webhook: SimpleNamespace
) -> None:
    chat = new_chat()
    right = {tg_api.SECRET_HEADER: tg_api.webhook_secret(TOKEN)}
    texts = [f"رسالة {n}" for n in range(5)]
    for text in texts:
        await webhook.client.post("/webhooks/telegram/webhook",
                                  json=stub.message(chat, text=text), headers=right)
    await wait_async(lambda: len(stub.sent(chat)) == 5)
    assert [m["text"] for m in stub.sent(chat)] == [f"وصلت: {t}" for t in texts]


async def test_a_turn_rasa_answers_with_nothing_gets_a_try_again(
    stub: TelegramStub, bot: Any
) -> None:
    """A failed custom action (the action server down) leaves Rasa silent: the chat is told."""
    seen: list[UserMessage] = []

    async def silent(message: UserMessage) -> None:
        seen.append(message)

    channel = TelegramInput(TOKEN, bot=bot)
    chat = new_chat()
    sent = await tg_api.send_to_chat(
        chat, "Send?", [{"title": "Send", "payload": "/confirm_report"}], bot=bot
    )
    assert sent == tg_api.Delivery.SENT
    press = stub.callback(chat, stub.sent(chat)[0]["message_id"], "/confirm_report")
    await channel.handle(as_update(press, bot), silent)
    assert [m.text for m in seen] == ["/confirm_report"]
    fault = stub.sent(chat)[-1]
    assert "خلل مؤقت" in fault["text"]  # nothing in English to go on: Arabic
    assert fault["reply_markup"] == {"inline_keyboard": [[
        {"text": "إعادة المحاولة", "callback_data": "/confirm_report"}]]}
    await channel.handle(as_update(stub.message(chat, text="what now?"), bot), silent)
    assert "temporary fault" in stub.sent(chat)[-1]["text"]


async def test_a_photo_that_cannot_be_stored_is_told_and_not_passed_on(
    stub: TelegramStub, bot: Any, attachments_dir: Path
) -> None:
    attachments_dir.parent.mkdir(parents=True, exist_ok=True)
    attachments_dir.write_bytes(b"")  # a file where the directory should be: writes fail
    recorder = Recorder()
    channel = TelegramInput(TOKEN, bot=bot)
    chat = new_chat()
    update = stub.message(chat, photo=stub.photo_sizes([(320, 240, jpeg(320, 240))]))
    await channel.handle(as_update(update, bot), recorder)
    assert recorder.messages == []
    (told,) = stub.sent(chat)
    message_id = update["message"]["message_id"]
    assert f"تعذّر حفظ «photo-{message_id}.jpg»" in told["text"]


async def test_webhook_mode_registers_the_webhook_and_the_command_menu(
    stub: TelegramStub,
) -> None:
    url = "https://bot.example.org/webhooks/telegram/webhook"
    channel = TelegramInput(TOKEN, api_url=stub.url, webhook_url=url)
    await asyncio.wait_for(channel.prepare(), timeout=10)
    await channel.close()
    (registered,) = stub.calls_of("setWebhook")
    assert registered.params["url"] == url
    assert registered.params["secret_token"] == tg_api.webhook_secret(TOKEN)
    assert registered.params["allowed_updates"] == ["message", "callback_query"]
    languages = [call.params.get("language_code") for call in stub.calls_of("setMyCommands")]
    assert None in languages and "ar" in languages


def test_channel_needs_a_token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TELEGRAM_TOKEN", raising=False)
    with pytest.raises(Exception, match="credentials"):
        TelegramInput.from_credentials(None)
    monkeypatch.setenv("TELEGRAM_TOKEN", TOKEN)
    monkeypatch.setenv("TELEGRAM_API_URL", "http://127.0.0.1:1")
    channel = TelegramInput.from_credentials(None)
    assert channel.bot.base_url == f"http://127.0.0.1:1/bot{TOKEN}"
    assert channel.bot.base_file_url == f"http://127.0.0.1:1/file/bot{TOKEN}"
    assert channel.webhook_url is None and channel.name() == "telegram"


# -- make run wiring ----------------------------------------------------------------------


def test_serve_adds_the_channel_and_the_bridge_only_with_a_token(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    args = SimpleNamespace(rasa_port=5005, actions_port=5055, model=Path("m.tar.gz"))
    monkeypatch.delenv("TELEGRAM_TOKEN", raising=False)
    monkeypatch.delenv("TELEGRAM_WEBHOOK_URL", raising=False)
    channels = yaml.safe_load(serve.write_credentials(tmp_path / "c.yml").read_text())
    assert serve.TELEGRAM_CHANNEL not in channels
    assert [p.name for p in serve.build_parts(args, "t", tmp_path / "e.yml")] == [
        "action server", "Rasa server", "scheduler (jobs)"]
    monkeypatch.setenv("TELEGRAM_TOKEN", TOKEN)
    text = serve.write_credentials(tmp_path / "c.yml").read_text()
    channels = yaml.safe_load(text)
    assert channels[serve.TELEGRAM_CHANNEL] is None and TOKEN not in text
    assert "bot.channels.rest.RestWithFilesInput" in channels
    parts = serve.build_parts(args, "t", tmp_path / "e.yml")
    assert parts[-1].name == "Telegram bridge"
    assert parts[-1].command[1:] == ["-m", "bot", "telegram", "--rasa-url",
                                     "http://127.0.0.1:5005"]
    monkeypatch.setenv("TELEGRAM_WEBHOOK_URL", "https://bot.example.org/webhooks/telegram/webhook")
    assert "Telegram bridge" not in [p.name for p in serve.build_parts(args, "t", tmp_path / "e")]


def test_bridge_has_its_own_help(capsys: pytest.CaptureFixture[str]) -> None:
    from bot import cli

    with pytest.raises(SystemExit) as exit_info:
        cli.main(["telegram", "--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: python -m bot telegram") and "--rasa-url" in out


def test_bridge_without_a_token_says_so() -> None:
    env = {k: v for k, v in os.environ.items() if k != "TELEGRAM_TOKEN"}
    result = subprocess.run(
        [sys.executable, "-m", "bot", "telegram"], cwd=ROOT, env=env,
        capture_output=True, text=True, timeout=60, check=False,
    )
    assert result.returncode == 2 and "TELEGRAM_TOKEN is not set" in result.stderr


# -- end to end: the real assistant, the polling bridge, the stand-in Bot API ---------------


@pytest.fixture(scope="module")
def assistant(
    stub: TelegramStub, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[AssistantProcess]:
    assert model_path().exists(), "no model: run `make test` (it trains one) first"
    var_dir = tmp_path_factory.mktemp("var")
    live = AssistantProcess(var_dir, f"sqlite:///{var_dir / 'reports.db'}")
    live.env.update({"TELEGRAM_TOKEN": TOKEN, "TELEGRAM_API_URL": stub.url})
    live.env.pop("TELEGRAM_WEBHOOK_URL", None)
    live.start()
    yield live
    live.stop()


@pytest.fixture(scope="module")
def store(assistant: AssistantProcess) -> ReportRepository:
    return ReportRepository(assistant.env["DATABASE_URL"])


class TelegramUser:
    """One Telegram user talking to the running assistant through the stand-in Bot API.

    Each action queues an update for the bridge and waits until Rasa has handled it (its
    tracker has the new user message and listens again); the replies are the messages the
    bot sent to the chat meanwhile.
    """

    def __init__(self, stub: TelegramStub, assistant: AssistantProcess) -> None:
        self.stub = stub
        self.assistant = assistant
        self.chat = new_chat()
        self.replies: list[dict[str, Any]] = []

    @property
    def sender(self) -> str:
        return f"telegram:{self.chat}"

    def tracker(self) -> dict[str, Any]:
        return self.assistant.tracker(self.sender, all_events=True)

    def _user_turns(self) -> tuple[int, str | None]:
        tracker = self.tracker()
        turns = sum(1 for event in tracker["events"] if event["event"] == "user")
        return turns, tracker.get("latest_action_name")

    def send(self, update: dict[str, Any], timeout: float = 90.0) -> str:
        turns, _ = self._user_turns()
        before = len(self.stub.sent(self.chat))
        self.stub.queue(update)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            count, latest = self._user_turns()
            if count > turns and latest == "action_listen":
                break
            time.sleep(0.1)
        else:
            raise AssertionError(f"no answer to {update} in {timeout} s")
        self.replies = self.stub.sent(self.chat)[before:]
        return "\n".join(message["text"] for message in self.replies)

    def say(self, text: str) -> str:
        return self.send(self.stub.message(self.chat, text=text))

    def photo(self, images: list[tuple[int, int, bytes]]) -> str:
        return self.send(self.stub.message(self.chat, photo=self.stub.photo_sizes(images)))

    def press(self, payload: str) -> str:
        """Press the button with this payload on the latest keyboard that has it."""
        for message in reversed(self.stub.sent(self.chat)):
            for row in (message.get("reply_markup") or {}).get("inline_keyboard", []):
                for button in row:
                    if button.get("callback_data") == payload:
                        return self.send(self.stub.callback(self.chat, message["message_id"],
                                                            payload))
        raise AssertionError(f"no button {payload!r} in {self.replies}")

    def buttons(self) -> list[str]:
        return [button.get("callback_data", "") for message in self.replies
                for row in (message.get("reply_markup") or {}).get("inline_keyboard", [])
                for button in row]

    def slots(self) -> dict[str, Any]:
        return self.assistant.tracker(self.sender)["slots"]


def post_webhook(assistant: AssistantProcess, body: bytes, headers: dict[str, str]) -> int:
    request = urllib.request.Request(
        f"{assistant.base}/webhooks/telegram/webhook", data=body, method="POST",
        headers={"Content-Type": "application/json", **headers},
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return answer.status
    except urllib.error.HTTPError as error:
        return error.code


@pytest.mark.servers
def test_bridge_polls_and_the_command_menu_is_set_in_both_languages(
    stub: TelegramStub, assistant: AssistantProcess
) -> None:
    assert "Telegram: on (long polling" in assistant.output
    assert stub.calls_of("deleteWebhook")
    stub.wait_for(lambda: stub.calls_of("getUpdates"))
    menus = stub.wait_for(lambda: stub.calls_of("setMyCommands")[-2:])
    by_language = {call.params.get("language_code"): call.params["commands"] for call in menus}
    assert [c["command"] for c in by_language[None]] == ["start", "help", "cancel", "language"]
    assert [c["command"] for c in by_language["ar"]] == ["start", "help", "cancel", "language"]
    assert is_arabic([{"text": c["description"]} for c in by_language["ar"][:3]])
    update = json.dumps(stub.message(new_chat(), text="hi")).encode()
    assert post_webhook(assistant, update, {}) == 403  # only Telegram (or the bridge) may post
    credentials = (assistant.var_dir / "credentials.yml").read_text()
    assert "bot.channels.telegram.TelegramInput:" in credentials and TOKEN not in credentials


@pytest.mark.servers
def test_arabic_complaint_with_a_photo_and_buttons_is_filed_from_telegram(
    stub: TelegramStub, assistant: AssistantProcess, store: ReportRepository
) -> None:
    user = TelegramUser(stub, assistant)
    reply = user.say("السلام عليكم، رفعت شكوى على منصة قوى من ثلاث اسابيع وللحين محد رد علي")
    assert "قوى" in reply and "هل هذا صحيح" in reply, reply
    assert is_arabic(user.replies)
    assert "/affirm" in user.buttons(), user.replies
    assert "دوّنت من رسالتك" in reply, reply  # lodged three weeks ago, no reply: not asked
    assert "مدة للرد" in user.press("/affirm")
    assert "رقم الشكوى" in user.say("لا")
    reply = user.say("Q-77410")
    assert "فيحق لك التصعيد" in reply and "اسم الخدمة" in reply, reply
    assert "قناة" in user.say("نقل خدمات")
    assert "عنوان" in user.say("التطبيق")
    assert "صف" in user.say("تعذر نقل الخدمات")
    reply = user.say("أحاول نقل خدمات عامل منذ شهر وتظهر رسالة خطأ في كل مرة")
    assert "صور الشاشة" in reply, reply
    images = [(90, 68, jpeg(90, 68)), (320, 240, jpeg(320, 240)), (1280, 720, jpeg(1280, 720))]
    reply = user.photo(images)
    assert "photo-" in reply and ".jpg" in reply and "انتهيت" in reply, reply
    assert "اسمك الكامل" in user.say("انتهيت")
    user.say("محمد بن سعد العتيبي")
    asked = user.say(VALID_ID)
    # the mobile question comes with Telegram's contact button (a one-time reply keyboard)
    [markup] = [m["reply_markup"] for m in user.replies if "keyboard" in m.get("reply_markup", {})]
    assert markup["keyboard"][0][0]["request_contact"] is True and markup["one_time_keyboard"]
    assert "جوال" in asked, asked
    sent = len(assistant.sent_messages())
    own = {"phone_number": "966551234567", "first_name": "محمد", "user_id": user.chat}
    assert "تأكدنا من رقم جوالك" in user.send(user.stub.message(user.chat, contact=own))
    assert len(assistant.sent_messages()) == sent  # Telegram vouched: no SMS code needed
    reply = user.press("/deny") if "/deny" in user.buttons() else user.say("لا")
    assert "ملخص بلاغك" in reply and "\u2066Q-77410\u2069" in reply, reply  # text as written
    assert not ARABIC_PRESENTATION_FORMS.search(reply)
    assert "/confirm_report" in user.buttons(), user.replies
    reply = user.press("/confirm_report")
    ref = user.slots()["report_ref"]
    assert ref and f"\u2066{ref}\u2069" in reply and "5 أيام عمل" in reply, reply

    report = store.require(ref)
    assert report.channel == "telegram" and report.language == "ar"
    assert report.type == "complaint_escalation" and report.status == "received"
    assert report.sender_id == user.sender
    assert report.prior_complaint_ref == "Q-77410" and report.platform == "قوى"
    (attachment,) = report.attachments
    assert attachment.content_type == "image/jpeg" and attachment.filename.startswith("photo-")
    stored = Path(assistant.env["ATTACHMENTS_DIR"]) / attachment.stored_path
    with Image.open(stored) as image:
        assert image.size == (1280, 720)  # the largest size Telegram offered
    # every press was answered and its keyboard marked with the choice
    presses = [c for c in stub.calls_of("editMessageReplyMarkup", user.chat)]
    assert len(presses) >= 2
    assert all(c.params["reply_markup"]["inline_keyboard"][0][0]["text"].startswith("✓ ")
               for c in presses)
    assert all(len(m["text"]) <= 4096 for m in stub.sent(user.chat))


@pytest.mark.servers
def test_cancel_and_language_commands(
    stub: TelegramStub, assistant: AssistantProcess, store: ReportRepository
) -> None:
    before = len(store.list_reports())
    user = TelegramUser(stub, assistant)
    assert user.say("/start"), "no greeting"
    user.say("ابي اشتكي على أبشر")
    user.say("نعم")
    reply = user.say("/cancel")
    assert "لم يُرسل أي بلاغ" in reply, reply
    slots = user.slots()
    assert slots["report_type"] is None and slots["requested_slot"] is None
    assert len(store.list_reports()) == before
    language = user.slots()["language"]
    user.say("/language")
    assert user.slots()["language"] != language
    assert user.say("/help")


@pytest.mark.servers
def test_a_429_from_telegram_is_retried_without_a_duplicate(
    stub: TelegramStub, assistant: AssistantProcess
) -> None:
    user = TelegramUser(stub, assistant)
    stub.fail_next("sendMessage", retry_after=1)
    reply = user.say("السلام عليكم")
    assert reply
    attempts = stub.calls_of("sendMessage", user.chat)
    assert attempts[0].status == 429
    delivered = [c.params["text"] for c in attempts if c.status == 200]
    assert delivered[0] == attempts[0].params["text"]  # the same message, sent again
    assert len(delivered) == len(set(delivered)) == len(user.replies)
    assert attempts[1].at - attempts[0].at >= 1.0


@pytest.mark.servers
def test_a_blocked_user_and_a_notification(
    stub: TelegramStub, assistant: AssistantProcess, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocked = TelegramUser(stub, assistant)
    stub.block(blocked.chat)
    assert blocked.say("السلام عليكم") == ""  # handled; the replies were refused
    assert {c.status for c in stub.calls_of("sendMessage", blocked.chat)} == {403}
    # a notifier's message, and its button pressed: the assistant answers as usual
    monkeypatch.setenv("TELEGRAM_TOKEN", TOKEN)
    monkeypatch.setenv("TELEGRAM_API_URL", stub.url)
    user = TelegramUser(stub, assistant)
    delivery = asyncio.run(tg_api.send_to_chat(
        user.sender, "تغيرت حالة بلاغك إلى: قيد المراجعة",
        [{"title": "ماذا تستطيع أن تفعل؟", "payload": "/ask_help"}],
    ))
    assert delivery == tg_api.Delivery.SENT
    (notice,) = stub.sent(user.chat)
    assert notice["text"] == "تغيرت حالة بلاغك إلى: قيد المراجعة"
    assert user.press("/ask_help")
    assert asyncio.run(tg_api.send_to_chat(blocked.chat, "إشعار")) == tg_api.Delivery.BLOCKED
