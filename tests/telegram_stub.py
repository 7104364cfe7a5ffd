"""A stand-in for Telegram's Bot API, for tests (point TELEGRAM_API_URL at `stub.url`).

It implements what python-telegram-bot calls for this assistant: getMe, getUpdates (long
polling over updates the test queues), sendMessage, sendPhoto, editMessageReplyMarkup,
answerCallbackQuery, sendChatAction, getFile and the file download path, setMyCommands,
deleteWebhook/setWebhook. Every call is recorded with its parameters and the HTTP status
given; a test can make the next calls of a method fail with 429 (`fail_next`) or make a chat
answer 403 as when the user blocked the bot (`block`).
"""

from __future__ import annotations

import itertools
import json
import threading
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

BOT_USER = {
    "id": 7000000001,
    "is_bot": True,
    "first_name": "Balagh Raqmi",
    "username": "balagh_test_bot",
    "can_join_groups": False,
    "can_read_all_group_messages": False,
    "supports_inline_queries": False,
}
MAX_POLL_WAIT_S = 2.0


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    status: int
    at: float = field(default_factory=time.monotonic)


def _decode_params(fields: dict[str, str]) -> dict[str, Any]:
    """PTB posts JSON-encoded values for lists and objects; plain strings stay as they are."""
    params: dict[str, Any] = {}
    for key, value in fields.items():
        if value[:1] in ("{", "["):
            try:
                params[key] = json.loads(value)
                continue
            except ValueError:
                pass
        params[key] = value
    return params


class TelegramStub:
    """The fake Bot API server; `start()` it, queue updates, read `calls`."""

    def __init__(self, token: str) -> None:
        self.token = token
        self.calls: list[Call] = []
        self.files: dict[str, bytes] = {}
        self.messages: dict[int, dict[str, Any]] = {}
        self.blocked: set[int] = set()
        self._failures: dict[str, list[int]] = {}
        self._updates: list[dict[str, Any]] = []
        self._update_ids = itertools.count(1000)
        self._message_ids = itertools.count(1)
        self._callback_ids = itertools.count(1)
        self._condition = threading.Condition()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    # -- lifecycle ---------------------------------------------------------------------

    @property
    def root(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def url(self) -> str:
        """The value for TELEGRAM_API_URL."""
        return f"{self.root}/bot"

    def start(self) -> TelegramStub:
        self._thread.start()
        return self

    def stop(self) -> None:
        with self._condition:
            self._condition.notify_all()
        self._server.shutdown()
        self._server.server_close()

    # -- what tests do -----------------------------------------------------------------

    def fail_next(self, method: str, *, retry_after: int = 1, times: int = 1) -> None:
        """The next `times` calls of `method` answer 429 with `retry_after`."""
        with self._condition:
            self._failures.setdefault(method, []).extend([retry_after] * times)

    def block(self, chat_id: int) -> None:
        """Messages to `chat_id` answer 403, as for a user who blocked the bot."""
        self.blocked.add(int(chat_id))

    def add_file(self, file_id: str, data: bytes) -> None:
        self.files[file_id] = data

    def queue(self, update: dict[str, Any]) -> dict[str, Any]:
        """Hand an update to the next getUpdates (an update_id is given when missing)."""
        with self._condition:
            update.setdefault("update_id", next(self._update_ids))
            self._updates.append(update)
            self._condition.notify_all()
        return update

    def new_update_id(self) -> int:
        return next(self._update_ids)

    def user(self, chat_id: int, language_code: str = "ar") -> dict[str, Any]:
        return {"id": chat_id, "is_bot": False, "first_name": "مستخدم",
                "language_code": language_code}

    def message(self, chat_id: int, **content: Any) -> dict[str, Any]:
        """An update with a user's message (`text=…`, `photo=[…]`, `document={…}`, …)."""
        message = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": content.pop("chat_type", "private"),
                     "first_name": "مستخدم"},
            "from": self.user(chat_id),
            **content,
        }
        text = content.get("text")
        if isinstance(text, str) and text.startswith("/"):
            length = len(text.split()[0])
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": length}]
        return {"update_id": next(self._update_ids), "message": message}

    def photo_sizes(self, images: list[tuple[int, int, bytes]]) -> list[dict[str, Any]]:
        """PhotoSize objects for (width, height, data) images; the files become available."""
        sizes = []
        for width, height, data in images:
            file_id = f"photo-{width}x{height}-{next(self._message_ids)}"
            self.add_file(file_id, data)
            sizes.append({"file_id": file_id, "file_unique_id": file_id, "width": width,
                          "height": height, "file_size": len(data)})
        return sizes

    def callback(self, chat_id: int, bot_message_id: int, data: str) -> dict[str, Any]:
        """An update with a press on a button of the bot's message `bot_message_id`."""
        message = dict(self.messages[bot_message_id])
        return {
            "update_id": next(self._update_ids),
            "callback_query": {
                "id": f"cq-{next(self._callback_ids)}",
                "from": self.user(chat_id),
                "chat_instance": f"ci-{chat_id}",
                "message": message,
                "data": data,
            },
        }

    # -- reading what happened ---------------------------------------------------------

    def calls_of(self, method: str, chat_id: int | None = None) -> list[Call]:
        return [
            call for call in list(self.calls)
            if call.method == method
            and (chat_id is None or str(call.params.get("chat_id")) == str(chat_id))
        ]

    def sent(self, chat_id: int | None = None) -> list[dict[str, Any]]:
        """The messages delivered (sendMessage answered 200), oldest first."""
        return [call.params for call in self.calls_of("sendMessage", chat_id)
                if call.status == 200]

    def wait_for(self, condition: Callable[[], Any], timeout: float = 30.0) -> Any:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            result = condition()
            if result:
                return result
            time.sleep(0.05)
        raise AssertionError(f"not seen within {timeout} s; calls: "
                             f"{[(c.method, c.status) for c in self.calls[-20:]]}")

    # -- the Bot API -------------------------------------------------------------------

    def _answer(self, method: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        if method == "getUpdates":
            return 200, {"ok": True, "result": self._get_updates(params)}
        with self._condition:
            failures = self._failures.get(method)
            if failures:
                retry_after = failures.pop(0)
                return 429, {"ok": False, "error_code": 429,
                             "description": f"Too Many Requests: retry after {retry_after}",
                             "parameters": {"retry_after": retry_after}}
        chat_id = params.get("chat_id")
        if chat_id is not None and int(chat_id) in self.blocked:
            return 403, {"ok": False, "error_code": 403,
                         "description": "Forbidden: bot was blocked by the user"}
        handler = getattr(self, f"_m_{method}", None)
        if handler is None:
            return 404, {"ok": False, "error_code": 404, "description": "Not Found"}
        return 200, {"ok": True, "result": handler(params)}

    def _get_updates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        offset = int(params.get("offset") or 0)
        wait = min(float(params.get("timeout") or 0), MAX_POLL_WAIT_S)
        deadline = time.monotonic() + wait
        with self._condition:
            while True:
                self._updates = [u for u in self._updates if u["update_id"] >= offset]
                if self._updates or time.monotonic() >= deadline:
                    return list(self._updates)
                self._condition.wait(max(0.0, deadline - time.monotonic()))

    def _bot_message(self, params: dict[str, Any], **content: Any) -> dict[str, Any]:
        message = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": {"id": int(params["chat_id"]), "type": "private",
                     "first_name": "مستخدم"},
            "from": BOT_USER,
            **content,
        }
        if params.get("reply_markup"):
            message["reply_markup"] = params["reply_markup"]
        self.messages[message["message_id"]] = message
        params["message_id"] = message["message_id"]  # recorded with the call
        markup = message.get("reply_markup")
        if markup and "inline_keyboard" not in markup:
            # as the Bot API: a sent Message carries only an inline keyboard (a reply keyboard,
            # the contact button's, is kept here for the tests but not returned)
            return {key: value for key, value in message.items() if key != "reply_markup"}
        return message

    def _m_getMe(self, _params: dict[str, Any]) -> dict[str, Any]:
        return BOT_USER

    def _m_sendMessage(self, params: dict[str, Any]) -> dict[str, Any]:
        return self._bot_message(params, text=params["text"])

    def _m_sendPhoto(self, params: dict[str, Any]) -> dict[str, Any]:
        return self._bot_message(params, photo=[{"file_id": "p", "file_unique_id": "p",
                                                 "width": 1, "height": 1}])

    def _m_editMessageReplyMarkup(self, params: dict[str, Any]) -> dict[str, Any]:
        message = self.messages[int(params["message_id"])]
        if params.get("reply_markup"):
            message["reply_markup"] = params["reply_markup"]
        else:
            message.pop("reply_markup", None)
        return message

    def _m_getFile(self, params: dict[str, Any]) -> dict[str, Any]:
        file_id = params["file_id"]
        return {"file_id": file_id, "file_unique_id": file_id,
                "file_size": len(self.files[file_id]), "file_path": f"photos/{file_id}.jpg"}

    def _true(self, _params: dict[str, Any]) -> bool:
        return True

    _m_answerCallbackQuery = _true
    _m_sendChatAction = _true
    _m_setMyCommands = _true
    _m_deleteWebhook = _true
    _m_setWebhook = _true

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        stub = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *_args: Any) -> None:
                pass

            def _reply(self, status: int, body: bytes, content_type: str) -> None:
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", content_type)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    self.close_connection = True  # the client is gone (a stopped bridge)

            def _params(self) -> dict[str, Any]:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                kind = self.headers.get("Content-Type", "")
                query = urllib.parse.urlsplit(self.path).query
                fields = dict(urllib.parse.parse_qsl(query))
                if kind.startswith("application/json") and raw:
                    return {**fields, **json.loads(raw)}
                if kind.startswith("multipart/form-data"):
                    message = BytesParser(policy=HTTP).parsebytes(
                        f"Content-Type: {kind}\r\n\r\n".encode() + raw
                    )
                    for part in message.iter_parts():
                        name = part.get_param("name", header="content-disposition")
                        if name and not part.get_filename():
                            fields[name] = part.get_content()
                elif raw:
                    fields.update(urllib.parse.parse_qsl(raw.decode()))
                return _decode_params(fields)

            def _serve(self) -> None:
                path = urllib.parse.unquote(urllib.parse.urlsplit(self.path).path)
                file_prefix = f"/file/bot{stub.token}/"
                if path.startswith(file_prefix):
                    file_id = path[len(file_prefix):].rsplit("/", 1)[-1].removesuffix(".jpg")
                    data = stub.files.get(file_id)
                    stub.calls.append(Call("download", {"file_id": file_id},
                                           200 if data else 404))
                    if data is None:
                        self._reply(404, b"not found", "text/plain")
                    else:
                        self._reply(200, data, "application/octet-stream")
                    return
                prefix = f"/bot{stub.token}/"
                if not path.startswith(prefix):
                    body = {"ok": False, "error_code": 401, "description": "Unauthorized"}
                    self._reply(401, json.dumps(body).encode(), "application/json")
                    return
                method = path[len(prefix):]
                params = self._params()
                status, body = stub._answer(method, params)
                stub.calls.append(Call(method, params, status))
                self._reply(status, json.dumps(body, ensure_ascii=False).encode(),
                            "application/json")

            do_GET = _serve
            do_POST = _serve

        return Handler
