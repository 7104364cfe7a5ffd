"""The web widget's channel: the widget's static files and the JSON endpoints it talks to.

Wired in by the credentials key `bot.channels.webchat.WebchatInput:`. Rasa mounts the
channel's blueprint under `/webhooks/webchat/`; registering it also mounts the widget's files
(package data in `bot/channels/webchat_static/`) at `/webchat/`:

- `GET /webchat/` — a demo page; `GET /webchat/widget.js` — the widget, embeddable in any
  site with `<script src="http://HOST:5005/webchat/widget.js" defer></script>` (it loads
  `widget.css` from beside itself and finds the endpoints from its own URL).
- `POST /webhooks/webchat/webhook` — `{"sender"?, "message", "metadata": {"attachments":
  [...]}}` as on the REST channel (files checked and stored by bot/channels/rest.py). Answers
  `{"sender", "language", "messages": [{"text", "buttons"?, "image"?}]}`: `language` is the
  conversation's `language` slot after the turn, which the widget follows (lang, dir).
- `GET /webhooks/webchat/history?sender=…` — the conversation so far, so that a reloaded page
  shows it again: `{"sender", "language", "messages": [{"from": "user" | "bot", "text",
  "buttons"?, "attachments"?}]}`. The back-office notifications the widget has already taken
  from its inbox are in it too, where they were shown (by the time they were taken):
  `{"from": "notice", "id", "reference", "language", "text", "created_at"}`, and so are a
  call-centre agent's lines the inbox took (`"kind": "agent"`, below; those given with the
  user's next message are the conversation's own). Unread ones are not: they come from the
  inbox endpoint, which the widget calls right after the history.
- `GET /webhooks/webchat/inbox?sender=…` — the conversation's unread back-office notifications
  (bot.notify.senders.WebSender stores them, bot.store.inbox reads them), oldest first, and
  marked read in the same transaction, so each is handed out once: `{"sender", "messages":
  [{"id", "reference", "language", "text", "created_at"}]}`. The widget calls it after the
  history and then polls it (every 15 s while the page is visible, and at once when it
  becomes visible again). An unreadable store answers 503 `{"error": "inbox_unavailable"}`
  with `Retry-After` (a warning is logged, the widget backs off); the history is then served
  without its notices. While the conversation is with a call-centre agent (bot.store.handoffs)
  the agent's lines come here too, `{"id": "agent-N", "kind": "agent", "language", "text",
  "created_at"}`, each once (or with the user's next message, whichever asks first), and
  `"poll_ms": 3000` asks the widget to poll sooner.

Session ids are issued by the server on a first message without one: `web-`, 32 random hex
digits, `-`, and 32 hex digits of an HMAC-SHA256 of the random part under the server's session
key (`SESSION_SECRET`, else generated once into var/session_secret, owner-only). The browser
keeps its id in localStorage. The id is what gives access to a conversation's history,
notifications and reports, so only ids this server signed are taken: a value the page script
makes up (a Telegram chat, a REST test's name, `web-` and any hex) can neither be read nor
written through this channel.
Every message is marked `metadata.channel = "web"` and comes in as input channel "webchat",
whatever the client claims, so a filed report's channel is "web"
(bot.intake.filing.channel_of).
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import re
import secrets
from asyncio import CancelledError
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.shared.core.events import BotUttered, UserUttered
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels import faults
from bot.channels.rest import (
    _METADATA_ATTRIBUTE,
    SEND_ATTACHMENT_PAYLOAD,
    BadRequest,
    RequestTooLarge,
    RestWithFilesInput,
    _error,
    _has_attachments,
    check_sender,
)
from bot.runtime import settings
from bot.runtime.secrets import generated_secret
from bot.store import handoffs, inbox
from bot.texts import keys, text

logger = logging.getLogger(__name__)

CHANNEL_NAME = "webchat"
# The value of metadata["channel"], one of bot.intake.filing.CHANNELS' values.
REPORT_CHANNEL = "web"
STATIC_DIR = Path(__file__).resolve().with_name("webchat_static")
PAGES_PREFIX = "/webchat"
# The files served under /webchat/ (nothing else there is reachable).
STATIC_FILES: dict[str, str] = {
    "index.html": "text/html; charset=utf-8",
    "widget.js": "text/javascript; charset=utf-8",
    "widget.css": "text/css; charset=utf-8",
    "demo.css": "text/css; charset=utf-8",
}
# The demo page only loads its own files; blob: and data: for the previews of chosen files.
DEMO_PAGE_CSP = (
    "default-src 'self'; img-src 'self' blob: data:; style-src 'self'; script-src 'self'; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'self'"
)
SENDER_PREFIX = "web-"
SENDER_PATTERN = re.compile(r"^web-([0-9a-f]{32})-([0-9a-f]{32})$")
SESSION_SECRET_ENV = "SESSION_SECRET"
LANGUAGES = ("ar", "en")
# A reloaded page shows at most this many of the last messages.
HISTORY_LIMIT = 300
# `metadata.display`: the words a clicked button showed, kept for the history (at most).
DISPLAY_MAX_CHARS = 200
# An unreadable inbox: how long the widget is asked to wait before it asks again (seconds).
INBOX_RETRY_AFTER_S = 60
# While the conversation is with a call-centre agent, how soon the widget asks again (ms).
AGENT_CHAT_POLL_MS = 3000


@lru_cache(maxsize=1)
def _session_key() -> bytes:
    return generated_secret(SESSION_SECRET_ENV, "session_secret").encode()


def _signature(random_part: str) -> str:
    digest = hmac.new(_session_key(), f"webchat:{random_part}".encode(), hashlib.sha256)
    return digest.hexdigest()[:32]


def new_sender_id() -> str:
    """A fresh, unguessable conversation id for a browser, signed by this server."""
    random_part = secrets.token_hex(16)
    return f"{SENDER_PREFIX}{random_part}-{_signature(random_part)}"


def is_sender_id(value: Any) -> bool:
    """Whether `value` is a session id this server issued (its signature checks out)."""
    match = SENDER_PATTERN.match(value) if isinstance(value, str) else None
    return bool(match) and hmac.compare_digest(match.group(2), _signature(match.group(1)))


def language_of(tracker: Any) -> str | None:
    """The conversation's `language` slot (`ar`/`en`), None when unknown."""
    if tracker is None:
        return None
    value = tracker.get_slot("language")
    return value if value in LANGUAGES else None


def reply_messages(collected: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """What the widget shows of Rasa's output: text, quick-reply buttons, images."""
    messages = []
    for message in collected:
        shown: dict[str, Any] = {"text": message.get("text") or ""}
        buttons = _buttons(message.get("buttons"))
        if buttons:
            shown["buttons"] = buttons
        if isinstance(message.get("image"), str):
            shown["image"] = message["image"]
        if shown["text"] or len(shown) > 1:
            messages.append(shown)
    return messages


def _buttons(buttons: Any) -> list[dict[str, str]]:
    if not isinstance(buttons, list):
        return []
    return [
        {"title": str(button.get("title") or ""), "payload": str(button.get("payload") or "")}
        for button in buttons
        if isinstance(button, Mapping) and button.get("payload")
    ]


def _file_descriptions(metadata: Mapping[str, Any] | None) -> list[dict[str, Any]]:
    """The files of a user message as the widget shows them (never their stored path)."""
    if not metadata:
        return []
    files: list[dict[str, Any]] = [
        {
            "filename": item.get("filename"),
            "content_type": item.get("content_type"),
            "size": item.get("size"),
        }
        for item in metadata.get("attachments") or []
        if isinstance(item, Mapping)
    ]
    files += [
        {"filename": item.get("filename"), "rejected": True}
        for item in metadata.get("rejected_attachments") or []
        if isinstance(item, Mapping)
    ]
    return files


def history_messages(
    events: Iterable[Any],
    notices: Iterable[inbox.InboxItem] = (),
    agent_lines: Iterable[tuple[handoffs.Line, str]] = (),
) -> list[dict[str, Any]]:
    """The user and bot messages of a tracker's events, as the widget shows them.

    A clicked button's payload (`/affirm`) is shown as the words the widget showed for it
    (`metadata.display`, else the title of that button in the bot's last messages); a message
    that only carried files shows just the files. `notices` (notifications already taken from
    the inbox) and `agent_lines` (a call-centre agent's lines the inbox took, with their
    chat's language) are put in where they were shown: by the time they were taken.
    """
    timed: list[tuple[float, dict[str, Any]]] = []
    titles: dict[str, str] = {}
    for event in events:
        moment = float(getattr(event, "timestamp", 0.0) or 0.0)
        if isinstance(event, BotUttered):
            for message in reply_messages([{"text": event.text, **(event.data or {})}]):
                timed.append((moment, {"from": "bot", **message}))
                titles.update({b["payload"]: b["title"] for b in message.get("buttons", [])})
        elif isinstance(event, UserUttered):
            text = event.text or ""
            if text == SEND_ATTACHMENT_PAYLOAD:
                text = ""
            elif text.startswith("/"):
                text = _display_text(event.metadata) or titles.get(text, text)
            entry: dict[str, Any] = {"from": "user", "text": text}
            files = _file_descriptions(event.metadata)
            if files:
                entry["attachments"] = files
            if text or files:
                timed.append((moment, entry))
            titles = {}
    shown = [
        ((notice.read_at or notice.created_at).timestamp(), notice_message(notice))
        for notice in notices
    ] + [
        ((line.delivered_at or line.created_at).timestamp(),
         {"from": "notice", **agent_line_message(line, language)})
        for line, language in agent_lines
    ]
    if shown:
        timed = sorted(timed + shown, key=lambda pair: pair[0])  # stable: messages first
    return [message for _moment, message in timed][-HISTORY_LIMIT:]


def notice_message(notice: inbox.InboxItem) -> dict[str, Any]:
    """A notification as the history shows it."""
    return {"from": "notice", **notice.as_dict()}


def take_notices(sender: str) -> list[inbox.InboxItem]:
    """The unread notifications of a conversation, marked read (blocking: the database).

    Most polls find nothing: a plain read first keeps them from taking the write lock."""
    if not inbox.unread(sender):
        return []
    return inbox.take_unread(sender)


@dataclass(frozen=True)
class AgentChat:
    """The widget's share of a chat with a call-centre agent (bot.store.handoffs)."""

    open: bool
    messages: list[dict[str, Any]]


def agent_chat_lines(sender: str) -> AgentChat:
    """The agent's lines not yet given to the conversation (taken: given once, here or with
    the user's next message), and whether a chat with an agent is open (blocking)."""
    request = handoffs.current(None, sender)
    if request is None or not request.is_open:
        return AgentChat(False, [])
    lines = handoffs.take_undelivered(
        None, request.id, now=settings.clock().now(), via=handoffs.VIA_INBOX
    )
    return AgentChat(True, [agent_line_message(line, request.language) for line in lines])


def agent_line_message(line: handoffs.Line, language: str) -> dict[str, Any]:
    """An agent's line as the widget shows it: a notice of kind `agent`, labelled as the
    agent's; its id keeps the widget from showing it twice."""
    return {
        "id": f"agent-{line.id}",
        "kind": "agent",
        "language": language,
        "text": line.text,
        "created_at": line.created_at.isoformat(),
    }


def shown_agent_lines(sender: str) -> list[tuple[handoffs.Line, str]]:
    """The agent's lines the widget's inbox took, for the history (blocking: the database).

    An unreadable store gives none (logged): the conversation itself is still shown."""
    try:
        return handoffs.taken_by_inbox(None, sender, limit=HISTORY_LIMIT)
    except Exception as exc:  # noqa: BLE001 - the history is served without them
        logger.warning("Reading the agent's lines of a web chat failed: %r", exc)
        return []


def shown_notices(sender: str) -> list[inbox.InboxItem]:
    """The notifications the conversation has taken, for its history (blocking: the database).

    An unreadable store gives none (logged): the conversation itself is still shown."""
    try:
        return inbox.taken(sender, limit=HISTORY_LIMIT)
    except Exception as exc:  # noqa: BLE001 - the history is served without them
        logger.warning("Reading the notifications of a web chat failed: %r", exc)
        return []


def _display_text(metadata: Mapping[str, Any] | None) -> str | None:
    display = (metadata or {}).get("display")
    return display[:DISPLAY_MAX_CHARS] if isinstance(display, str) and display.strip() else None


def _agent(request: Request) -> Any:
    return getattr(request.app.ctx, "agent", None)


async def _tracker(request: Request, sender: str, *, full: bool = False) -> Any:
    """The sender's tracker from the agent's store, or None (no agent, no conversation)."""
    store = getattr(_agent(request), "tracker_store", None)
    if store is None:
        return None
    try:
        if full:
            return await store.retrieve_full_tracker(sender)
        return await store.retrieve(sender)
    except Exception:
        logger.exception("Reading the conversation of a web chat failed.")
        return None


class _ChannelBlueprint(Blueprint):
    """The channel's blueprint; registering it on an app also mounts the widget's pages."""

    def __init__(self, name: str, pages: Blueprint) -> None:
        super().__init__(name)
        self.ctx.pages = pages  # Sanic forbids new attributes on blueprints

    def register(self, app: Any, options: Any) -> None:
        super().register(app, options)
        if self.ctx.pages.name not in app.blueprints:
            app.blueprint(self.ctx.pages)


def pages_blueprint(name: str = "webchat_pages") -> Blueprint:
    """`/webchat/` (the demo page), `/webchat/widget.js` and `/webchat/widget.css`."""
    pages = Blueprint(name, url_prefix=PAGES_PREFIX, strict_slashes=True)

    @pages.route("", methods=["GET", "HEAD"])
    async def without_slash(request: Request) -> HTTPResponse:
        # relative links of the demo page need the slash
        return response.redirect(f"{PAGES_PREFIX}/", status=308)

    @pages.route("/", methods=["GET", "HEAD"])
    async def demo(request: Request) -> HTTPResponse:
        return static_file("index.html")

    @pages.route("/<name:str>", methods=["GET", "HEAD"])
    async def asset(request: Request, name: str) -> HTTPResponse:
        return static_file(name)

    return pages


def static_file(name: str) -> HTTPResponse:
    content_type = STATIC_FILES.get(name)
    if content_type is None:
        return _error(404, "not_found")
    headers = {"Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff"}
    if name == "index.html":
        headers["Content-Security-Policy"] = DEMO_PAGE_CSP
        headers["Referrer-Policy"] = "no-referrer"
    body = widget_script() if name == "widget.js" else (STATIC_DIR / name).read_bytes()
    return response.raw(body, content_type=content_type, headers=headers)


def _camel(name: str) -> str:
    """The widget's name of a catalogue key: `quick_replies` -> `quickReplies`."""
    first, *rest = name.split("_")
    return first + "".join(part.title() for part in rest)


# The line of widget.js that the catalogue's widget texts replace.
WIDGET_TEXTS_LINE = "var CATALOGUE = {}; // widget texts"


@lru_cache(maxsize=1)
def widget_script() -> bytes:
    """widget.js with the catalogue's `webchat.*` texts in it (bot/texts/catalogue.yml), so
    the widget has them before it talks to the server."""
    texts = {
        language: {_camel(key.removeprefix("webchat.")): text(key, language)
                   for key in keys("webchat.")}
        for language in ("ar", "en")
    }
    script = (STATIC_DIR / "widget.js").read_text(encoding="utf-8")
    if script.count(WIDGET_TEXTS_LINE) != 1:
        raise RuntimeError(f"widget.js must hold the line {WIDGET_TEXTS_LINE!r} once")
    filled = f"var CATALOGUE = {json.dumps(texts)};"
    return script.replace(WIDGET_TEXTS_LINE, filled).encode("utf-8")


class WebchatInput(RestWithFilesInput):
    """The web widget's channel: REST with files, plus session ids, language and history."""

    @classmethod
    def name(cls) -> str:
        return CHANNEL_NAME

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> WebchatInput:
        """Optional credentials key: `max_body_bytes` (as the REST channel)."""
        channel = super().from_credentials(credentials)
        return cls(max_body_bytes=channel.max_body_bytes)

    def _extract_input_channel(self, request: Request) -> str:
        return self.name()

    def _uploader(self, payload: dict[str, Any]) -> str | None:
        sender = payload.get("sender")
        return sender if is_sender_id(sender) else None  # a new session: its address counts

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[None]]) -> Blueprint:
        webchat = _ChannelBlueprint(f"custom_webhook_{type(self).__name__}", pages_blueprint())

        @webchat.route("/", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webchat.route("/history", methods=["GET"])
        async def history(request: Request) -> HTTPResponse:
            sender = request.args.get("sender")
            if not is_sender_id(sender):
                return _error(400, "bad_request", detail="sender must be a web chat session id")
            tracker = await _tracker(request, sender, full=True)
            notices = await asyncio.to_thread(shown_notices, sender)
            agent_lines = await asyncio.to_thread(shown_agent_lines, sender)
            events = tracker.events if tracker is not None else []
            return response.json(
                {
                    "sender": sender,
                    "language": language_of(tracker),
                    "messages": history_messages(events, notices, agent_lines),
                },
                headers={"Cache-Control": "no-store"},
            )

        @webchat.route("/inbox", methods=["GET"])
        async def notifications(request: Request) -> HTTPResponse:
            sender = request.args.get("sender")
            if not is_sender_id(sender):
                return _error(400, "bad_request", detail="sender must be a web chat session id")
            try:
                notices = await asyncio.to_thread(take_notices, sender)
                chat = await asyncio.to_thread(agent_chat_lines, sender)
            except Exception as exc:  # noqa: BLE001 - any store failure is a 503 with Retry-After
                logger.warning("Reading the web inbox of a conversation failed: %r", exc)
                return response.json(
                    {"error": "inbox_unavailable"},
                    status=503,
                    headers={"Cache-Control": "no-store", "Retry-After": str(INBOX_RETRY_AFTER_S)},
                )
            body: dict[str, Any] = {
                "sender": sender,
                "messages": [notice.as_dict() for notice in notices] + chat.messages,
            }
            if chat.open:  # a chat with an agent: ask again soon
                body["poll_ms"] = AGENT_CHAT_POLL_MS
            return response.json(body, headers={"Cache-Control": "no-store"})

        @webchat.route("/webhook", methods=["POST"], stream=True)
        async def receive(request: Request) -> HTTPResponse:
            try:
                await self._parse(request)
                sender = self._sender(request)
            except RequestTooLarge:
                return _error(413, "request_too_large", max_bytes=self.max_body_bytes)
            except BadRequest as exc:
                return _error(400, "bad_request", detail=str(exc))
            except OSError as exc:  # disk full, say: nothing of this message was kept
                logger.exception("Storing an uploaded file failed.")
                return await self._storage_failed(request, exc)
            return await self._answer(request, sender, on_new_message)

        return webchat

    def _check_sender(self, sender: Any) -> None:
        """A session id of this channel, or none: the channel then gives a new one."""
        if sender is not None and not is_sender_id(sender):
            raise BadRequest("sender must be a web chat session id (leave it out to get one)")
        check_sender(sender)

    def _sender(self, request: Request) -> str:
        """The posted session id, or a new one; the message must say or send something."""
        payload = request.json
        sender = payload.get("sender")
        if sender is None:
            sender = new_sender_id()
        elif not is_sender_id(sender):
            raise BadRequest("sender must be a web chat session id (leave it out to get one)")
        metadata = self.get_metadata(request)
        if not (payload.get("message") or "").strip() and not _has_attachments(metadata):
            raise BadRequest("the message is empty")
        return sender

    def get_metadata(self, request: Request) -> dict[str, Any] | None:
        """The REST channel's processed metadata, marked as coming from the web."""
        metadata = super().get_metadata(request)
        if metadata is None:
            metadata = {}
            setattr(request.ctx, _METADATA_ATTRIBUTE, metadata)
        metadata["channel"] = REPORT_CHANNEL
        return metadata

    async def _answer(
        self,
        request: Request,
        sender: str,
        on_new_message: Callable[[UserMessage], Awaitable[None]],
    ) -> HTTPResponse:
        text = (request.json.get("message") or "").strip()
        metadata = self.get_metadata(request)
        if not text:
            text = SEND_ATTACHMENT_PAYLOAD
        collector = CollectingOutputChannel()
        try:
            await on_new_message(
                UserMessage(text, collector, sender, input_channel=self.name(), metadata=metadata)
            )
        except CancelledError:
            logger.error("A web chat message timed out.")
            if not collector.messages:
                return _error(504, "assistant_timeout")
        except Exception:
            logger.exception("A web chat message failed.")
            if not collector.messages:
                return _error(500, "assistant_failed")
        tracker = await _tracker(request, sender)
        language = language_of(tracker)
        # an action failed: never leave the user without a word (a message for a call-centre
        # agent has no reply of the assistant's own)
        if not collector.messages and not faults.with_an_agent(tracker):
            collector.messages.append(
                faults.fault_message(faults.NO_REPLY, language or "ar", sender, retry_payload=text)
            )
        return response.json(
            {
                "sender": sender,
                "language": language,
                "messages": reply_messages(collector.messages),
            },
            headers={"Cache-Control": "no-store"},
        )

    async def _storage_failed(self, request: Request, exc: OSError) -> HTTPResponse:
        """The files could not be stored (the channel removed those already written): the
        message is not passed on, and the user is told to send it again."""
        payload = request.json if isinstance(request.json, dict) else {}
        sender = payload.get("sender")
        known = is_sender_id(sender)
        sender = sender if known else new_sender_id()
        language = language_of(await _tracker(request, sender)) if known else None
        message = faults.fault_message(
            faults.STORAGE_FAILED,
            language or "ar",
            sender,
            files=getattr(exc, "filenames", []),
        )
        return response.json(
            {"sender": sender, "language": language, "messages": reply_messages([message])},
            headers={"Cache-Control": "no-store"},
        )
