"""The REST channel with files: checked, stored, described to Rasa without their data.

The channel's blueprint runs on a small Sanic app driven in-process through ASGI (httpx), with
a fake `on_new_message` that records the UserMessage instead of a Rasa agent; one test runs it
on a real socket (a free port) to cover Sanic's HTTP/1 body streaming.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import socket
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
from PIL import Image
from rasa.core.channels.channel import UserMessage
from rasa.core.run import _create_single_channel
from sanic import Sanic

from bot.channels import uploads as uploads_module
from bot.channels.rest import (
    MAX_BODY_BYTES,
    MAX_MESSAGE_CHARS,
    SEND_ATTACHMENT_PAYLOAD,
    RestWithFilesInput,
)
from bot.channels.webchat import WebchatInput
from bot.intake.attachments import MAX_ATTACHMENT_BYTES, MAX_ATTACHMENTS_PER_REPORT

WEBHOOK = "/webhooks/rest/webhook"
CHANNEL_PATH = "bot.channels.rest.RestWithFilesInput"


def image_bytes(fmt: str, **options: Any) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (32, 16), (200, 30, 30)).save(out, format=fmt, **options)
    return out.getvalue()


def gps_exif() -> Image.Exif:
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    exif.get_ifd(0x8825).update({1: "N", 2: (24.0, 42.0, 50.0)})
    return exif


def item(filename: str, data: bytes, content_type: str = "image/png") -> dict[str, str]:
    encoded = base64.b64encode(data).decode()
    return {"filename": filename, "content_type": content_type, "data": encoded}


class Recorder:
    """Stands in for Rasa's agent: keeps each UserMessage and answers once."""

    def __init__(self) -> None:
        self.messages: list[UserMessage] = []

    async def __call__(self, message: UserMessage) -> None:
        self.messages.append(message)
        await message.output_channel.send_text_message(message.sender_id, "received")

    @property
    def last(self) -> UserMessage:
        assert self.messages, "on_new_message was not called"
        return self.messages[-1]


@pytest.fixture
def attachments_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    directory = tmp_path / "attachments"
    monkeypatch.setenv("ATTACHMENTS_DIR", str(directory))
    return directory


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


def make_app(recorder: Recorder, channel: RestWithFilesInput) -> Sanic:
    # As sanic-testing's client does (and leaves set): several apps in one process need it,
    # or Sanic 21.12's start-up rewrite of its request handler runs on its own output.
    Sanic.test_mode = True
    app = Sanic(f"rest_files_{uuid.uuid4().hex}")
    app.blueprint(channel.blueprint(recorder), url_prefix=f"/webhooks/{channel.url_prefix()}")
    return app


async def asgi_client(app: Sanic) -> httpx.AsyncClient:
    await app._startup()  # what Sanic's ASGI lifespan startup does: finalise the routes
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bot.test")


@pytest.fixture
async def client(recorder: Recorder, attachments_dir: Path) -> AsyncIterator[httpx.AsyncClient]:
    async with await asgi_client(make_app(recorder, RestWithFilesInput())) as http:
        yield http


@pytest.fixture
async def small_client(
    recorder: Recorder, attachments_dir: Path
) -> AsyncIterator[httpx.AsyncClient]:
    """A channel that takes at most 2 KB of body."""
    async with await asgi_client(make_app(recorder, RestWithFilesInput(2048))) as http:
        yield http


def stored_files(directory: Path) -> list[Path]:
    return sorted(path for path in directory.rglob("*") if path.is_file())


async def test_files_are_checked_stored_and_described(
    client: httpx.AsyncClient, recorder: Recorder, attachments_dir: Path
) -> None:
    png = image_bytes("PNG")
    jpeg = image_bytes("JPEG", exif=gps_exif())
    posted = {
        "sender": "web-123",
        "message": "",
        "metadata": {
            "language": "ar",
            "attachments": [
                item("خطأ.png", png),
                item("photo.png", jpeg),  # a JPEG under a PNG name
                item("notes.png", b"just text\n"),
                {"filename": "broken.png", "content_type": "image/png", "data": "%%%"},
            ],
        },
    }
    answer = await client.post(WEBHOOK, json=posted)

    assert answer.status_code == 200
    assert answer.json() == [{"recipient_id": "web-123", "text": "received"}]
    message = recorder.last
    assert message.text == SEND_ATTACHMENT_PAYLOAD
    assert message.sender_id == "rest:web-123"  # REST's own namespace, never the widget's
    assert message.input_channel == "rest"
    metadata = message.metadata
    assert metadata["language"] == "ar"
    assert metadata["rejected_attachments"] == [
        {"filename": "notes.png", "reason": "unsupported_type"},
        {"filename": "broken.png", "reason": "bad_base64"},
    ]
    first, second = metadata["attachments"]
    assert set(first) == {"filename", "content_type", "size", "sha256", "stored_path"}
    assert (first["filename"], first["content_type"]) == ("خطأ.png", "image/png")
    assert (second["filename"], second["content_type"]) == ("photo.jpg", "image/jpeg")
    assert stored_files(attachments_dir) == sorted(
        attachments_dir / entry["stored_path"] for entry in (first, second)
    )
    for entry in (first, second):
        data = (attachments_dir / entry["stored_path"]).read_bytes()
        assert entry["size"] == len(data)
        assert entry["sha256"] == hashlib.sha256(data).hexdigest()
    stored_jpeg = Image.open(attachments_dir / second["stored_path"])
    assert stored_jpeg.format == "JPEG" and not stored_jpeg.getexif()
    assert Path(second["stored_path"]).suffix == ".jpg"
    assert "data" not in json.dumps(metadata)
    assert base64.b64encode(png).decode()[:40] not in json.dumps(metadata)


async def test_text_sent_with_files_is_kept(client: httpx.AsyncClient, recorder: Recorder) -> None:
    posted = {
        "sender": "u1",
        "message": "هذه صورة الخطأ",
        "metadata": {"attachments": [item("a.webp", image_bytes("WEBP"))]},
    }
    assert (await client.post(WEBHOOK, json=posted)).status_code == 200
    assert recorder.last.text == "هذه صورة الخطأ"
    assert recorder.last.metadata["attachments"][0]["content_type"] == "image/webp"


async def test_only_rejected_files_still_reach_the_assistant(
    client: httpx.AsyncClient, recorder: Recorder, attachments_dir: Path
) -> None:
    posted = {"sender": "u1", "metadata": {"attachments": [item("x.png", b"<html></html>")]}}
    assert (await client.post(WEBHOOK, json=posted)).status_code == 200
    assert recorder.last.text == SEND_ATTACHMENT_PAYLOAD
    assert recorder.last.metadata["attachments"] == []
    assert recorder.last.metadata["rejected_attachments"] == [
        {"filename": "x.png", "reason": "unsupported_type"}
    ]
    assert stored_files(attachments_dir) == []


async def test_clients_cannot_forge_stored_files(
    client: httpx.AsyncClient, recorder: Recorder, attachments_dir: Path
) -> None:
    forged = {
        "filename": "other.png",
        "content_type": "image/png",
        "size": 10,
        "sha256": "a" * 64,
        "stored_path": "../../etc/passwd",
    }
    posted = {
        "sender": "u1",
        "message": "hello",
        "metadata": {
            "attachments": [forged],
            "rejected_attachments": [{"filename": "z", "reason": "none"}],
        },
    }
    assert (await client.post(WEBHOOK, json=posted)).status_code == 200
    assert recorder.last.metadata == {
        "attachments": [],
        "rejected_attachments": [{"filename": "other.png", "reason": "bad_base64"}],
        "client_address": "127.0.0.1",
    }
    assert "passwd" not in json.dumps(recorder.last.metadata)


async def test_files_past_the_limit_are_refused(
    client: httpx.AsyncClient, recorder: Recorder, attachments_dir: Path
) -> None:
    png = image_bytes("PNG")
    files = [item(f"{n}.png", png) for n in range(MAX_ATTACHMENTS_PER_REPORT + 2)]
    posted = {"sender": "u1", "message": "", "metadata": {"attachments": files}}
    assert (await client.post(WEBHOOK, json=posted)).status_code == 200
    metadata = recorder.last.metadata
    assert len(metadata["attachments"]) == MAX_ATTACHMENTS_PER_REPORT
    assert [entry["reason"] for entry in metadata["rejected_attachments"]] == [
        "too_many_attachments"
    ] * 2
    assert len(stored_files(attachments_dir)) == MAX_ATTACHMENTS_PER_REPORT


async def test_over_size_file_is_refused_not_stored(
    client: httpx.AsyncClient, recorder: Recorder, attachments_dir: Path
) -> None:
    big = image_bytes("PNG") + b"\0" * MAX_ATTACHMENT_BYTES
    posted = {"sender": "u1", "metadata": {"attachments": [item("big.png", big)]}}
    assert (await client.post(WEBHOOK, json=posted)).status_code == 200
    assert recorder.last.metadata["rejected_attachments"] == [
        {"filename": "big.png", "reason": "file_too_large"}
    ]
    assert stored_files(attachments_dir) == []


@pytest.mark.parametrize(
    ("metadata", "expected"),
    [
        (None, {"client_address": "127.0.0.1"}),
        ({"language": "en"}, {"language": "en", "client_address": "127.0.0.1"}),
        # the client cannot name its own address, nor claim a number Telegram vouched for
        ({"client_address": "10.9.9.9", "verified_contact": {"phone": "+966551234567"}},
         {"client_address": "127.0.0.1"}),
    ],
)
async def test_messages_without_files_pass_unchanged(
    client: httpx.AsyncClient,
    recorder: Recorder,
    metadata: dict[str, Any] | None,
    expected: dict[str, Any] | None,
) -> None:
    posted = {"sender": "u1", "message": "hello", "metadata": metadata}
    assert (await client.post(WEBHOOK, json=posted)).status_code == 200
    assert (recorder.last.text, recorder.last.metadata) == ("hello", expected)


@pytest.mark.parametrize(
    "body",
    [
        b"{not json",
        b"\xff\xfe\x00garbage",
        b'["a", "list"]',
        b'{"sender": "u1", "message": 42}',
        b'{"sender": "u1", "message": "hi", "metadata": "text"}',
        b'{"sender": "u1", "message": "hi", "metadata": {"attachments": {"a": 1}}}',
        b"[" * 100_000 + b"]" * 100_000,
        b'{"sender": "u1", "message": false}',
        b'{"sender": 42, "message": "hi"}',
        b'{"sender": {"id": "u1"}, "message": "hi"}',
        b'{"sender": true, "message": "hi"}',
        b'{"sender": "' + b"s" * 256 + b'", "message": "hi"}',
        b'{"sender": "u\\u0000", "message": "hi"}',
        b'{"sender": "u\\ud800", "message": "hi"}',
        b'{"sender": "u\\u202e1", "message": "hi"}',
        b'{"sender": "u1"}',
        b'{"sender": "u1", "message": null}',
        b'{"sender": "u1", "message": " \\n\\t "}',
        b'{"sender": "u1", "message": "\\u200b\\u200d\\ufeff\\u202e"}',
        b'{"sender": "u1", "message": "\\ud800"}',
        b'{"sender": "u1", "message": "", "metadata": {"attachments": []}}',
        b'{"message": "hi"}',
        b'{"sender": null, "message": "hi"}',
        b'{"sender": "", "message": "hi"}',
        b'{"sender": "   ", "message": "hi"}',
    ],
    ids=[
        "broken", "not-utf8", "array", "number-text", "metadata-text", "attachments-object",
        "nested-deep", "false-text", "number-sender", "object-sender", "bool-sender",
        "long-sender", "nul-sender", "surrogate-sender", "bidi-sender", "no-text", "null-text",
        "blank-text", "invisible-text", "surrogate-text", "no-files", "no-sender",
        "null-sender", "empty-sender", "blank-sender",
    ],
)
async def test_bad_requests_get_a_json_400(
    client: httpx.AsyncClient, recorder: Recorder, body: bytes
) -> None:
    answer = await client.post(WEBHOOK, content=body, headers={"content-type": "application/json"})
    assert answer.status_code == 400
    assert answer.json()["error"] == "bad_request"
    assert recorder.messages == []


@pytest.mark.parametrize(
    ("channel", "sender"),
    [(RestWithFilesInput, 42), (RestWithFilesInput, "u\x00"), (RestWithFilesInput, None),
     (WebchatInput, "telegram:5551234")],
    ids=["rest-number", "rest-nul", "rest-none", "webchat-guessable"],
)
async def test_a_refused_sender_leaves_no_file(
    recorder: Recorder, attachments_dir: Path, channel: type[RestWithFilesInput], sender: Any
) -> None:
    """The sender is checked before the files are stored: nothing is left to clean up."""
    posted = {"sender": sender, "message": "", "metadata": {"attachments": [
        item("a.png", image_bytes("PNG"))]}}
    async with await asgi_client(make_app(recorder, channel())) as http:
        answer = await http.post(f"/webhooks/{channel.name()}/webhook", json=posted)
    assert answer.status_code == 400 and answer.json()["error"] == "bad_request"
    assert recorder.messages == []
    assert stored_files(attachments_dir) == []


async def test_a_long_message_is_cut_and_the_client_cannot_name_the_channel(
    client: httpx.AsyncClient, recorder: Recorder
) -> None:
    posted = {
        "sender": "u1",
        "message": "ع" * 60_000 + "x" * 60_000,
        "input_channel": {"name": "telegram"},
        "metadata": {"channel": "call_centre", "language": "ar"},
    }
    assert (await client.post(WEBHOOK, json=posted)).status_code == 200
    assert recorder.last.text == "ع" * MAX_MESSAGE_CHARS
    assert recorder.last.input_channel == "rest"
    assert recorder.last.metadata == {"language": "ar", "client_address": "127.0.0.1"}
    posted = {"sender": "u1", "message": "hi", "input_channel": "telegram"}
    assert (await client.post(WEBHOOK, json=posted)).status_code == 200
    assert recorder.last.input_channel == "rest"


async def test_too_large_bodies_get_a_json_413(
    small_client: httpx.AsyncClient, recorder: Recorder, attachments_dir: Path
) -> None:
    posted = {"sender": "u1", "metadata": {"attachments": [item("a.png", b"\0" * 4096)]}}
    answer = await small_client.post(WEBHOOK, json=posted)
    assert answer.status_code == 413
    assert answer.json() == {"error": "request_too_large", "max_bytes": 2048}

    async def chunks() -> AsyncIterator[bytes]:  # no Content-Length: counted while read
        for _ in range(10):
            yield b" " * 512

    answer = await small_client.post(WEBHOOK, content=chunks())
    assert answer.status_code == 413
    assert recorder.messages == []
    assert stored_files(attachments_dir) == []


async def test_storage_failure_is_told_and_keeps_no_file(
    client: httpx.AsyncClient,
    recorder: Recorder,
    attachments_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The second file hits a full disk: the first one, already written, is deleted, Rasa
    never sees the message, and the user is told in the message's language."""
    real_store = uploads_module.store_attachment
    calls: list[str] = []

    def full_after_one(data: bytes, filename: str, content_type: str) -> Any:
        calls.append(filename)
        if len(calls) > 1:
            raise OSError(28, "No space left on device")
        return real_store(data, filename, content_type)

    monkeypatch.setattr(uploads_module, "store_attachment", full_after_one)
    files = [item("a.png", image_bytes("PNG")), item("b.png", image_bytes("PNG"))]
    posted = {"sender": "u1", "message": "here are the screenshots", "metadata": {
        "attachments": files}}
    answer = await client.post(WEBHOOK, json=posted)
    assert answer.status_code == 200
    [message] = answer.json()
    assert message["recipient_id"] == "u1"
    assert '"a.png", "b.png" could not be saved' in message["text"]
    assert "not received" in message["text"]
    assert calls == ["a.png", "b.png"]
    assert recorder.messages == []
    assert stored_files(attachments_dir) == []
    posted = {"sender": "u2", "metadata": {"attachments": [item("خطأ.png", image_bytes("PNG"))]}}
    [message] = (await client.post(WEBHOOK, json=posted)).json()
    assert "تعذّر حفظ «خطأ.png»" in message["text"]  # no words to go on: Arabic


async def test_a_turn_without_any_reply_gets_a_try_again(
    attachments_dir: Path,
) -> None:
    """Rasa answers nothing when a custom action fails (the action server is down)."""
    seen: list[UserMessage] = []

    async def silent(message: UserMessage) -> None:
        seen.append(message)

    async with await asgi_client(make_app(silent, RestWithFilesInput())) as http:  # type: ignore[arg-type]
        answer = await http.post(WEBHOOK, json={"sender": "u1", "message": "/confirm_report"})
        [message] = answer.json()
        assert "temporary fault" not in message["text"]  # no words to go on: Arabic
        assert "خلل مؤقت" in message["text"]
        assert message["buttons"] == [{"title": "إعادة المحاولة", "payload": "/confirm_report"}]
        answer = await http.post(WEBHOOK, json={"sender": "u1", "message": "what now?"})
        [message] = answer.json()
        assert "temporary fault" in message["text"] and "buttons" not in message
    assert [m.text for m in seen] == ["/confirm_report", "what now?"]


async def test_health_and_streamed_answers_work_as_in_rasa(
    client: httpx.AsyncClient, recorder: Recorder
) -> None:
    assert (await client.get("/webhooks/rest/")).json() == {"status": "ok"}
    posted = {"sender": "u1", "metadata": {"attachments": [item("a.png", image_bytes("PNG"))]}}
    answer = await client.post(WEBHOOK + "?stream=true", json=posted)
    assert answer.status_code == 200
    assert json.loads(answer.text.splitlines()[0]) == {"recipient_id": "u1", "text": "received"}
    assert recorder.last.text == SEND_ATTACHMENT_PAYLOAD
    assert len(recorder.last.metadata["attachments"]) == 1


def test_get_metadata_processes_once(attachments_dir: Path) -> None:
    channel = RestWithFilesInput()
    posted = {"metadata": {"k": "v", "attachments": [item("a.png", image_bytes("PNG"))]}}
    request = SimpleNamespace(ctx=SimpleNamespace(), json=posted)
    metadata = channel.get_metadata(request)  # type: ignore[arg-type]
    assert metadata is not None and metadata["k"] == "v"
    assert channel.get_metadata(request) is metadata  # type: ignore[arg-type]
    assert len(stored_files(attachments_dir)) == 1


def test_channel_loads_from_its_credentials_key() -> None:
    channel = _create_single_channel(CHANNEL_PATH, None)
    assert isinstance(channel, RestWithFilesInput)
    assert channel.name() == "rest" and channel.url_prefix() == "rest"
    assert channel.max_body_bytes == MAX_BODY_BYTES
    assert MAX_BODY_BYTES >= (MAX_ATTACHMENTS_PER_REPORT + 1) * MAX_ATTACHMENT_BYTES * 4 // 3
    limited = _create_single_channel(CHANNEL_PATH, {"max_body_bytes": 5000})
    assert limited.max_body_bytes == 5000


@pytest.fixture
def free_socket() -> Iterator[socket.socket]:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    yield sock
    sock.close()


async def test_over_a_real_socket(
    recorder: Recorder, attachments_dir: Path, free_socket: socket.socket
) -> None:
    app = make_app(recorder, RestWithFilesInput(64 * 1024))
    server = await app.create_server(sock=free_socket, return_asyncio_server=True)
    assert server is not None
    await server.startup()
    port = free_socket.getsockname()[1]
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as http:
            posted = {
                "sender": "u1",
                "metadata": {"attachments": [item("a.png", image_bytes("PNG"))]},
            }
            answer = await http.post(WEBHOOK, json=posted)
            assert answer.status_code == 200
            assert recorder.last.text == SEND_ATTACHMENT_PAYLOAD
            stored = recorder.last.metadata["attachments"][0]["stored_path"]
            assert (attachments_dir / stored).is_file()
            answer = await http.post(WEBHOOK, content=b"x" * (128 * 1024))
            assert answer.status_code == 413
            assert answer.json()["error"] == "request_too_large"
    finally:
        await server.close()


# -- who is talking: REST_TOKEN, the channel's own namespace, the client's address -------------


@pytest.fixture
async def token_client(recorder: Recorder) -> AsyncIterator[httpx.AsyncClient]:
    channel = RestWithFilesInput(token="integration-token")
    async with await asgi_client(make_app(recorder, channel)) as http:
        yield http


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer wrong"}, {"Authorization": "integration-token"},
     {"Authorization": "Basic integration-token"}],
)
async def test_with_rest_token_set_a_message_without_it_is_refused(
    token_client: httpx.AsyncClient, recorder: Recorder, headers: dict[str, str]
) -> None:
    answer = await token_client.post(
        WEBHOOK, json={"sender": "u1", "message": "hi"}, headers=headers
    )
    assert answer.status_code == 401
    assert answer.headers["www-authenticate"].startswith("Bearer")
    assert recorder.messages == []
    assert (await token_client.get("/webhooks/rest/")).status_code == 200  # health stays open


async def test_with_rest_token_set_the_bearer_gets_through(
    token_client: httpx.AsyncClient, recorder: Recorder
) -> None:
    answer = await token_client.post(
        WEBHOOK, json={"sender": "u1", "message": "hi"},
        headers={"Authorization": "Bearer integration-token"},
    )
    assert answer.status_code == 200
    assert recorder.last.sender_id == "rest:u1"


def test_the_token_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REST_TOKEN", "from-env")
    assert RestWithFilesInput.from_credentials(None).token == "from-env"
    monkeypatch.delenv("REST_TOKEN")
    assert RestWithFilesInput.from_credentials(None).token is None


@pytest.mark.parametrize("claimed", ["telegram:5551234", "call_centre:A17:1-2", "rest:x"])
async def test_a_client_naming_another_channels_user_gets_its_own_conversation(
    client: httpx.AsyncClient, recorder: Recorder, claimed: str
) -> None:
    answer = await client.post(WEBHOOK, json={"sender": claimed, "message": "my reports"})
    assert answer.status_code == 200
    assert recorder.last.sender_id == "rest:" + claimed
    assert answer.json()[0]["recipient_id"] == claimed


async def test_the_client_address_is_the_peer_unless_a_trusted_proxy_forwards(
    client: httpx.AsyncClient, recorder: Recorder, monkeypatch: pytest.MonkeyPatch
) -> None:
    forwarded = {"X-Forwarded-For": "198.51.100.7, 203.0.113.9"}
    await client.post(WEBHOOK, json={"sender": "u1", "message": "hi"}, headers=forwarded)
    assert recorder.last.metadata["client_address"] == "127.0.0.1"  # no proxy is trusted
    monkeypatch.setenv("TRUSTED_PROXIES", "127.0.0.1, 203.0.113.9")
    await client.post(WEBHOOK, json={"sender": "u1", "message": "hi"}, headers=forwarded)
    assert recorder.last.metadata["client_address"] == "198.51.100.7"


# -- hourly upload quotas (bot.store.uploads) --------------------------------------------------


async def test_uploads_past_the_hourly_quota_are_refused_and_not_written(
    client: httpx.AsyncClient, recorder: Recorder, attachments_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from bot.store import uploads

    monkeypatch.setitem(uploads.LIMITS, "sender", uploads.Quota(files=3, bytes=10**9, pixels=10**9))
    png = image_bytes("PNG")
    for n in range(3):
        posted = {"sender": "u1", "metadata": {"attachments": [item(f"{n}.png", png)]}}
        assert (await client.post(WEBHOOK, json=posted)).status_code == 200
        assert len(recorder.last.metadata["attachments"]) == 1
    posted = {"sender": "u1", "metadata": {"attachments": [item("4.png", png)]}}
    assert (await client.post(WEBHOOK, json=posted)).status_code == 200
    assert recorder.last.metadata["attachments"] == []
    assert recorder.last.metadata["rejected_attachments"] == [
        {"filename": "4.png", "reason": "upload_quota"}
    ]
    assert len(stored_files(attachments_dir)) == 3
    # another conversation has its own quota...
    posted = {"sender": "u2", "metadata": {"attachments": [item("5.png", png)]}}
    await client.post(WEBHOOK, json=posted)
    assert len(recorder.last.metadata["attachments"]) == 1


async def test_new_conversations_from_one_address_share_its_quota(
    client: httpx.AsyncClient, recorder: Recorder, attachments_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from bot.store import uploads

    monkeypatch.setitem(uploads.LIMITS, "addr", uploads.Quota(files=10**6, bytes=10**9,
                                                              pixels=32 * 16 * 2))
    png = image_bytes("PNG")  # 32x16 pixels
    accepted = []
    for n in range(4):
        posted = {"sender": f"new-{n}", "metadata": {"attachments": [item(f"{n}.png", png)]}}
        await client.post(WEBHOOK, json=posted)
        accepted.append(len(recorder.last.metadata["attachments"]))
    assert accepted == [1, 1, 0, 0]  # two images' pixels fill the address's hour
