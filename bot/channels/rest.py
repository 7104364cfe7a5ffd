"""Rasa's REST channel, able to take screenshots and documents sent in the message metadata.

Wired in by the credentials key `bot.channels.rest.RestWithFilesInput:` in place of `rest:`;
`name()` stays "rest", so the URL stays `/webhooks/rest/webhook` (shared/CONTRACT.md).

A client posts `{"sender", "message", "metadata": {"attachments": [{"filename",
"content_type", "data": base64}]}}`. Each file is checked by content (bot.intake.attachments)
and the accepted ones are stored on disk at once, staged: no report links them yet. Rasa then
sees only descriptions, `metadata.attachments` = `[{"filename", "content_type", "size",
"sha256", "stored_path"}]` and `metadata.rejected_attachments` = `[{"filename", "reason"}]`;
the base64 data never reaches the tracker store, and a client cannot slip in a `stored_path`
of its own because the list it sent is always replaced. Other metadata keys pass through.

Hostile input is stopped here, before Rasa or the disk sees it: a body that is not one JSON
object (broken, nested past Python's recursion limit, a list), a `message` that is not a
string, a missing or empty `sender` (Rasa would file it under the id "default", one
conversation shared by every such client), a `sender` that is not a string, is longer than the
tracker store's 255 characters or holds control, format or surrogate characters (a lone
surrogate or a NUL in the sender makes the SQL tracker store raise ValueError, on which Rasa
exits the whole server) get a JSON 400; so does a message with no visible character and no
files (an empty text is not an answer: NLU would take it for "yes"). These are checked before
any file is stored, so a refused request leaves no file behind. A message longer than
MAX_MESSAGE_CHARS is cut to it (no field takes half as much: the answer is refused with the
field's own error, and NLU's cost grows quadratically with the length, about 45 s of CPU for
100 KB). The client's `input_channel` and `metadata.channel` are ignored: a report filed here
has the channel `rest`.

Who is talking. REST is the integration and test channel: whoever holds `REST_TOKEN` vouches
for its users. When `REST_TOKEN` is set, every message must carry `Authorization: Bearer
<REST_TOKEN>` (401 otherwise); unset (a developer's machine), the channel is open and `make
run` says so. The `sender` a REST client names is an identity inside this channel only: Rasa
sees it as `rest:<sender>` (bot.intake.identity), so a client that calls itself `telegram:42`
or `web-…` reaches conversation `rest:telegram:42`, never the Telegram user's or the web
visitor's conversation, their reports or the personal data carried in them. Replies name the
recipient as the client did. The client's address (the TCP peer, or the address the trusted
proxy in `TRUSTED_PROXIES` put in `X-Forwarded-For`) goes into the message's metadata as
`client_address`, set by the server whatever the client sent, for the throttling of lookups
and one-time codes.

Faults (bot.channels.faults): a file that cannot be written (disk full …) refuses the whole
message: the files of that message already written are deleted, nothing reaches Rasa, and
the user is told so in the conversation's language (HTTP 200, one bot message). A message
that Rasa answered with nothing at all (a custom action failed: the action server is down)
gets a "temporary fault, send it again" reply instead of an empty list.
"""

from __future__ import annotations

import asyncio
import functools
import hmac
import ipaddress
import json
import logging
import os
import unicodedata
from asyncio import CancelledError
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

import rasa.utils.endpoints
import structlog
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse, ResponseStream

from bot.channels import faults
from bot.channels.faults import AttachmentStorageFailed
from bot.channels.uploads import check_and_store
from bot.intake.attachments import (
    MAX_ATTACHMENT_BYTES,
    MAX_ATTACHMENTS_PER_REPORT,
    AttachmentRejected,
    decode_base64_attachment,
)
from bot.intake.identity import REST_PREFIX, VERIFIED_CONTACT, client_sender, rest_sender_id
from bot.intake.text import MAX_ANSWER_LENGTH, clean_free_text
from bot.runtime import settings
from bot.store.files import discard_attachment, display_filename
from bot.store.uploads import keys as upload_keys

logger = logging.getLogger(__name__)
structlogger = structlog.get_logger()

# Intent payload for a message that carries files and no text, so NLU does not guess.
SEND_ATTACHMENT_PAYLOAD = "/send_attachment"
# Reason code, next to bot.intake.attachments.REASONS, for files past the per-message limit.
TOO_MANY_ATTACHMENTS = "too_many_attachments"
_BASE64_MAX_FILE = 4 * -(-MAX_ATTACHMENT_BYTES // 3)
# One more file than a report may hold, all at the size limit, plus room for the JSON around.
MAX_BODY_BYTES = (MAX_ATTACHMENTS_PER_REPORT + 1) * _BASE64_MAX_FILE + 64 * 1024
_METADATA_ATTRIBUTE = "balagh_metadata"
# A longer message is cut to this: twice the longest answer any field reads (bot.intake.text).
MAX_MESSAGE_CHARS = 2 * MAX_ANSWER_LENGTH
# Rasa's SQL tracker store keeps the sender id in a VARCHAR(255), and REST's own namespace
# prefix (`rest:`, bot.intake.identity) takes 5 of them.
MAX_SENDER_CHARS = 255 - len(REST_PREFIX)
# Control (NUL, ESC …), format (bidi overrides, zero-width …) and surrogate characters.
_FORBIDDEN_SENDER_CATEGORIES = frozenset({"Cc", "Cf", "Cs"})
# metadata key, set by the server: the client's address as this server sees it
CLIENT_ADDRESS = "client_address"
TRUSTED_PROXIES_ENV = "TRUSTED_PROXIES"


def trusted_proxies() -> frozenset[str]:
    """Addresses of the reverse proxies whose `X-Forwarded-For` is believed (TRUSTED_PROXIES,
    comma-separated; none by default)."""
    raw = os.environ.get(TRUSTED_PROXIES_ENV, "")
    return frozenset(_normal_address(part) for part in raw.split(",") if part.strip())


def _normal_address(value: str) -> str:
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return value.strip()


def client_address(request: Request) -> str:
    """The client's address: the TCP peer, or, when the peer is a trusted proxy, the nearest
    address in `X-Forwarded-For` that is not itself a trusted proxy."""
    peer = _normal_address(request.conn_info.client_ip if request.conn_info else request.ip)
    trusted = trusted_proxies()
    if peer not in trusted:
        return peer
    forwarded = [
        _normal_address(part)
        for header in request.headers.getall("x-forwarded-for", [])
        for part in header.split(",")
        if part.strip()
    ]
    for address in reversed(forwarded):
        if address not in trusted:
            return address
    return peer


def bearer_token_matches(request: Request, token: str) -> bool:
    """Whether the request carries `Authorization: Bearer <token>` (compared in constant
    time)."""
    scheme, _, sent = (request.headers.get("authorization") or "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(
        sent.strip().encode(), token.encode()
    )


class BadRequest(ValueError):
    """The posted JSON is not a message this channel can take (answered with 400)."""


class RequestTooLarge(Exception):
    """The posted body is over the channel's limit (answered with 413)."""


def process_metadata(metadata: Any, quota_keys: Sequence[str] = ()) -> dict[str, Any] | None:
    """The metadata Rasa gets: files checked, stored and described instead of their data.

    `quota_keys`: whose hourly upload quotas the files count against (bot.store.uploads).
    """
    if metadata is None:
        return None
    if not isinstance(metadata, Mapping):
        raise BadRequest("metadata must be a JSON object")
    processed = dict(metadata)
    processed.pop("channel", None)  # the server says where a message came from,
    processed.pop(CLIENT_ADDRESS, None)  # from which address,
    processed.pop(VERIFIED_CONTACT, None)  # and which number Telegram vouched for
    items = processed.pop("attachments", None)
    processed.pop("rejected_attachments", None)
    if items is None:
        return processed
    if not isinstance(items, list):
        raise BadRequest("metadata.attachments must be a list")
    accepted: list[dict[str, Any]] = []
    rejected: list[dict[str, str]] = []
    for index, item in enumerate(items):
        try:
            if index >= MAX_ATTACHMENTS_PER_REPORT:
                rejected.append({"filename": _sent_filename(item), "reason": TOO_MANY_ATTACHMENTS})
                continue
            accepted.append(_accept(item, quota_keys))
        except AttachmentRejected as exc:
            rejected.append({"filename": _sent_filename(item), "reason": exc.reason})
        except OSError as exc:  # disk full, read-only: keep none of this message's files
            _discard(accepted)
            names = [_sent_filename(item) for item in items[:MAX_ATTACHMENTS_PER_REPORT]]
            raise AttachmentStorageFailed(names) from exc
    processed["attachments"] = accepted
    processed["rejected_attachments"] = rejected
    return processed


def _accept(item: Any, quota_keys: Sequence[str]) -> dict[str, Any]:
    """Decode, check and store one file; its description for the tracker."""
    return check_and_store(decode_base64_attachment(item), _sent_filename(item), quota_keys)


def _discard(stored: list[dict[str, Any]]) -> None:
    for description in stored:
        try:
            discard_attachment(description["stored_path"])
        except OSError:
            logger.exception("A staged file could not be deleted.")


def _sent_filename(item: Any) -> str:
    name = item.get("filename") if isinstance(item, Mapping) else None
    return display_filename(name if isinstance(name, str) else "")


def _has_attachments(metadata: Mapping[str, Any] | None) -> bool:
    return bool(metadata and (metadata.get("attachments") or metadata.get("rejected_attachments")))


def _carries_files(payload: Mapping[str, Any]) -> bool:
    """Whether the posted metadata lists any file (before the files are processed)."""
    metadata = payload.get("metadata")
    return isinstance(metadata, Mapping) and bool(metadata.get("attachments"))


def is_blank(text: str) -> bool:
    """True for a text with no visible character (whitespace, zero-width, controls …)."""
    return not clean_free_text(text, multiline=False, max_length=1)


def check_sender(sender: Any) -> None:
    """Refuse a sender id the tracker store cannot take (None: the channel decides)."""
    if sender is None:
        return
    if not isinstance(sender, str):
        raise BadRequest("sender must be a string")
    if not sender.strip():
        raise BadRequest("sender must not be empty")
    if len(sender) > MAX_SENDER_CHARS:
        raise BadRequest(f"sender must be at most {MAX_SENDER_CHARS} characters")
    if any(unicodedata.category(char) in _FORBIDDEN_SENDER_CATEGORIES for char in sender):
        raise BadRequest("sender must not contain control or invisible characters")


def _error(status: int, error: str, **details: Any) -> HTTPResponse:
    return response.json({"error": error, **details}, status=status)


class RestWithFilesInput(RestInput):
    """The REST channel with file uploads; the body is read in a stream and capped."""

    def __init__(self, max_body_bytes: int = MAX_BODY_BYTES, token: str | None = None) -> None:
        self.max_body_bytes = max_body_bytes
        self.token = token

    @classmethod
    def name(cls) -> str:
        return "rest"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> RestWithFilesInput:
        """Optional credentials key: `max_body_bytes`. The token is `REST_TOKEN`'s."""
        limit = (credentials or {}).get("max_body_bytes") or MAX_BODY_BYTES
        return cls(max_body_bytes=int(limit), token=settings.rest_token())

    async def _extract_sender(self, request: Request) -> str:
        return rest_sender_id(request.json["sender"])

    def stream_response(
        self,
        on_new_message: Callable[[UserMessage], Awaitable[None]],
        text: str,
        sender_id: str,
        input_channel: str,
        metadata: dict[str, Any] | None,
    ) -> Callable[[Any], Awaitable[None]]:
        """Rasa's stream, with each message's recipient named as the client named itself."""
        stream = super().stream_response(
            on_new_message, text, sender_id, input_channel, metadata
        )

        async def renamed(resp: Any) -> None:
            class Renaming:
                async def write(self, data: str) -> None:
                    message = json.loads(data)
                    if isinstance(message, dict) and "recipient_id" in message:
                        message["recipient_id"] = client_sender(message["recipient_id"])
                    await resp.write(json.dumps(message) + "\n")

            await stream(Renaming())

        return renamed

    def get_metadata(self, request: Request) -> dict[str, Any] | None:
        """The processed metadata (computed once per request, see process_metadata)."""
        if not hasattr(request.ctx, _METADATA_ATTRIBUTE):
            metadata = process_metadata(request.json.get("metadata"))
            setattr(request.ctx, _METADATA_ATTRIBUTE, metadata)
        return getattr(request.ctx, _METADATA_ATTRIBUTE)

    async def _read_body(self, request: Request) -> bytes:
        """The body, refused as soon as it passes the limit (never buffered beyond it)."""
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_body_bytes:
            raise RequestTooLarge
        if request.body:
            chunks, total = [request.body], len(request.body)
        else:
            chunks, total = [], 0
            async for chunk in request.stream:  # type: ignore[union-attr]
                total += len(chunk)
                if total > self.max_body_bytes:
                    raise RequestTooLarge
                chunks.append(chunk)
        if total > self.max_body_bytes:
            raise RequestTooLarge
        return b"".join(chunks)

    async def _parse(self, request: Request) -> None:
        """Read and check the JSON, then process the files outside the event loop."""
        body = await self._read_body(request)
        try:
            payload = json.loads(body)
        except (ValueError, RecursionError) as exc:  # RecursionError: `[[[[…` nested deep
            raise BadRequest("the body is not valid JSON") from exc
        if not isinstance(payload, dict):
            raise BadRequest("the body must be a JSON object")
        message = payload.get("message")
        if message is None:
            message = ""
        if not isinstance(message, str):
            raise BadRequest("message must be a string")
        payload["message"] = message[:MAX_MESSAGE_CHARS]
        self._check_payload(payload)  # before any file is stored
        request.body, request.parsed_json = body, payload
        address = client_address(request)
        quota_keys = upload_keys(self._uploader(payload), address)
        loop = asyncio.get_running_loop()
        metadata = await loop.run_in_executor(
            None, functools.partial(process_metadata, payload.get("metadata"), quota_keys)
        )
        metadata = {**(metadata or {}), CLIENT_ADDRESS: address}
        setattr(request.ctx, _METADATA_ATTRIBUTE, metadata)

    def _uploader(self, payload: dict[str, Any]) -> str | None:
        """The conversation the files of `payload` count against (checked already)."""
        return rest_sender_id(payload["sender"])

    def _check_payload(self, payload: dict[str, Any]) -> None:
        """The sender and the message, checked before the files (raise BadRequest)."""
        self._check_sender(payload.get("sender"))
        if is_blank(payload["message"]) and not _carries_files(payload):
            raise BadRequest("the message is empty")

    def _check_sender(self, sender: Any) -> None:
        """A sender is required here.

        Rasa's REST channel files a message without one under the id "default": every client
        that left it out would share one conversation and read each other's answers.
        """
        if sender is None:
            raise BadRequest("sender is required: the conversation's id, one per user")
        check_sender(sender)

    def _extract_input_channel(self, request: Request) -> str:
        return self.name()  # never the client's `input_channel`: the report's channel

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[None]]) -> Blueprint:
        """Same routes as Rasa's REST channel; the webhook takes its body as a stream."""
        custom_webhook = Blueprint(f"custom_webhook_{type(self).__name__}", __name__)

        @custom_webhook.route("/", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @custom_webhook.route("/webhook", methods=["POST"], stream=True)
        async def receive(request: Request) -> ResponseStream | HTTPResponse:
            if self.token and not bearer_token_matches(request, self.token):
                return response.json(
                    {"error": "unauthorised", "detail": "Authorization: Bearer <REST_TOKEN>"},
                    status=401, headers={"WWW-Authenticate": 'Bearer realm="rest"'},
                )
            try:
                await self._parse(request)
            except RequestTooLarge:
                return _error(413, "request_too_large", max_bytes=self.max_body_bytes)
            except BadRequest as exc:
                return _error(400, "bad_request", detail=str(exc))
            except OSError as exc:
                logger.exception("Storing an uploaded file failed.")
                return await self._storage_failed(request, exc)
            return await self._handle(request, on_new_message)

        return custom_webhook

    async def _handle(
        self, request: Request, on_new_message: Callable[[UserMessage], Awaitable[None]]
    ) -> ResponseStream | HTTPResponse:
        """Hand the message to Rasa, as RestInput does."""
        sender_id = await self._extract_sender(request)
        text = self._extract_message(request)
        input_channel = self._extract_input_channel(request)
        metadata = self.get_metadata(request)
        if not (text or "").strip() and _has_attachments(metadata):
            text = SEND_ATTACHMENT_PAYLOAD
        if rasa.utils.endpoints.bool_arg(request, "stream", default=False):
            return response.stream(
                self.stream_response(on_new_message, text, sender_id, input_channel, metadata),
                content_type="text/event-stream",
            )
        collector = CollectingOutputChannel()
        try:
            await on_new_message(
                UserMessage(
                    text, collector, sender_id, input_channel=input_channel, metadata=metadata
                )
            )
        except CancelledError:  # the user's text is not logged: it may hold personal data
            structlogger.error("rest.message.received.timeout", text_length=len(text or ""))
        except Exception:
            structlogger.exception("rest.message.received.failure", text_length=len(text or ""))
        if not collector.messages and not await faults.conversation_with_an_agent(
            request.app, sender_id
        ):  # a failed action: Rasa went on silently (a message for an agent has no reply)
            structlogger.warning("rest.message.no_reply", text_length=len(text or ""))
            language = await faults.conversation_language(request.app, sender_id, text)
            collector.messages.append(
                faults.fault_message(faults.NO_REPLY, language, sender_id, retry_payload=text)
            )
        for message in collector.messages:
            if "recipient_id" in message:
                message["recipient_id"] = client_sender(message["recipient_id"])
        return response.json(collector.messages)

    async def _storage_failed(self, request: Request, error: OSError) -> HTTPResponse:
        """The message is not handed on: say so in the conversation's language."""
        payload = request.json
        sender = payload["sender"]  # checked by _check_payload before any file was stored
        files = getattr(error, "filenames", [])
        text = payload.get("message") or ""
        language = await faults.conversation_language(request.app, rest_sender_id(sender), text)
        return response.json(
            [faults.fault_message(faults.STORAGE_FAILED, language, sender, files=files)]
        )
