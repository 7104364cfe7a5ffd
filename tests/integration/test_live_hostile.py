"""Bad and hostile input, sent to the running assistant over HTTP (`python -m bot serve`).

Every request gets an answer: a 200 with words in Arabic or English, or a JSON 4xx error
(bot/channels/rest.py says which), never a 5xx, and the server lives on. Nothing broken is
kept: no slot or stored report holds control, bidi or zero-width characters, SQL is stored
as text, no file is written for a refused upload or outside ATTACHMENTS_DIR, stored files
have random names, and nothing in ATTACHMENTS_DIR or var/ is served by any URL. Rasa's HTTP
API answers only with its token.

One server for the module (about 40 s to start); each case is a few turns.
"""

from __future__ import annotations

import base64
import http.client
import io
import json
import re
import socket
import struct
import time
import unicodedata
import uuid
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy
from PIL import Image

from bot.channels.rest import MAX_BODY_BYTES, MAX_SENDER_CHARS
from bot.channels.webchat import STATIC_DIR
from bot.intake.attachments import MAX_IMAGE_PIXELS
from bot.runtime import settings
from bot.store.repository import ReportRepository
from tests.live import ARABIC, AssistantProcess, conversation_id, texts

pytestmark = pytest.mark.servers

WEBHOOK = "/webhooks/rest/webhook"
VALID_ID = "1000000008"
STORED_NAME = re.compile(r"^([0-9a-f]{2})/\1[0-9a-f]{30}\.(png|jpg|webp|pdf)$")
# What must never survive into a slot, a stored value or a summary: controls (but the line
# break), format characters (bidi embeddings/overrides/isolates, zero-width …), surrogates.
_BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069\u200b-\u200f\u2060\ufeff\u061c]")
# The isolates the summary templates put around references, dates and numbers themselves.
_TEMPLATE_ISOLATE = re.compile("\u2066[^\u202a-\u202e\u2066-\u2069]*\u2069")


@pytest.fixture(scope="module")
def questions(assistant: AssistantProcess) -> dict[str, set[str]]:
    """Every response's texts (all languages), from the running server's domain."""
    status, _kind, domain = http_call(assistant, "GET", f"/domain?token={assistant.token}")
    assert status == 200, domain
    return {
        name: {variant.get("text", "") for variant in variants}
        for name, variants in domain["responses"].items()
    }


@pytest.fixture
def alive(assistant: AssistantProcess) -> Iterator[AssistantProcess]:
    """The assistant, checked to be still running after the test."""
    yield assistant
    assert assistant.process is not None and assistant.process.poll() is None, (
        assistant.var_dir / "serve.out"
    ).read_text()[-3000:]
    assert http_call(assistant, "GET", "/version")[0] == 200


# ---------------------------------------------------------------------------------------
# HTTP without a client library's help: raw bytes in, paths sent exactly as written.


def http_call(
    assistant: AssistantProcess,
    method: str,
    path: str,
    body: bytes | None = None,
    content_type: str | None = "application/json",
) -> tuple[int, str, Any]:
    """(status, content type, parsed JSON or the text) of one request."""
    connection = http.client.HTTPConnection("127.0.0.1", assistant.rasa_port, timeout=120)
    try:
        headers = {"Content-Type": content_type} if content_type else {}
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        raw = response.read()
        kind = response.getheader("Content-Type") or ""
    finally:
        connection.close()
    try:
        parsed: Any = json.loads(raw) if "json" in kind else raw.decode(errors="replace")
    except ValueError:
        parsed = raw.decode(errors="replace")
    return response.status, kind, parsed


def post_json(assistant: AssistantProcess, body: bytes | dict[str, Any]) -> tuple[int, Any]:
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    status, _kind, answer = http_call(assistant, "POST", WEBHOOK, data)
    return status, answer


def message_body(sender: str, message_json: str) -> bytes:
    """A webhook body whose message is given as JSON text (lone surrogates stay escapes)."""
    return f'{{"sender": {json.dumps(sender)}, "message": {message_json}}}'.encode()


def assert_answered(status: int, answer: Any) -> str:
    """A 200 with words (returned), or a JSON 4xx error (returns "")."""
    assert status < 500, answer
    if status != 200:
        assert status in (400, 413), (status, answer)
        assert isinstance(answer, dict) and answer.get("error"), answer
        return ""
    assert isinstance(answer, list) and answer, answer
    text = texts(answer)
    assert text.strip() and (ARABIC.search(text) or re.search("[A-Za-z]", text)), answer
    return text


def tracker(assistant: AssistantProcess, sender: str) -> dict[str, Any]:
    return assistant.tracker(sender)


def assert_clean(value: str, *, multiline: bool = True) -> None:
    for char in value:
        if char == "\n" and multiline:
            continue
        assert unicodedata.category(char) not in ("Cc", "Cf", "Cs"), (char, value[:200])


def assert_slots_clean(assistant: AssistantProcess, sender: str) -> None:
    for name, value in tracker(assistant, sender)["slots"].items():
        if isinstance(value, str):
            assert_clean(value)
            assert len(value) <= 4096, name


class Chat:
    """One user's conversation over REST; `say` returns the replies' text."""

    def __init__(self, assistant: AssistantProcess, prefix: str = "hostile") -> None:
        self.assistant = assistant
        self.sender = f"{prefix}-{uuid.uuid4().hex[:10]}"
        self.last: list[dict[str, Any]] = []

    def say(self, text: str, **metadata: Any) -> str:
        self.last = self.assistant.say(self.sender, text, metadata or None)
        return texts(self.last)

    @property
    def question(self) -> str:
        """The last message of the last reply: what the assistant asks now."""
        return self.last[-1].get("text", "") if self.last else ""

    def slots(self) -> dict[str, Any]:
        return tracker(self.assistant, self.sender)["slots"]

    def loop(self) -> str | None:
        return (tracker(self.assistant, self.sender).get("active_loop") or {}).get("name")


def answer_until(chat: Chat, reply: str, answers: list[tuple[str, str]], stop: str) -> str:
    """Answer as a cooperative user until the last message contains `stop`."""
    for _ in range(15):
        if stop in chat.question:
            return reply
        answer = next((a for marker, a in answers if marker in chat.question), None)
        assert answer is not None, f"unexpected question: {reply}"
        reply = chat.say(chat.assistant.last_code() if answer == "{code}" else answer)
    raise AssertionError(f"never asked {stop!r}: {reply}")


EN_ANSWERS = [
    ("name of the service", "visit visa"),
    ("Do you mean", "no"),
    ("among the platforms", "yes"),
    ("Is that the right name", "yes"),
    ("Through which channel", "website"),
    ("short title", "Visa page"),
    ("Is the service a paper one", "no"),
    ("digital alternative", "no"),
]
AR_ANSWERS = [
    ("هل قدمت شكوى للجهة", "نعم"),
    ("هل أغلقت الجهة شكواك", "لا"),
    ("هل حددت الجهة مدة للرد", "لا"),
    ("متى قدّمتها", "قبل ثلاث اسابيع"),
    ("ما اسم الخدمة", "تجديد جواز السفر"),
    ("هل تقصد", "لا"),
    ("ضمن المنصات والخدمات المسجلة", "نعم"),
    ("عبر أي قناة", "الموقع"),
    ("رقم الهوية", VALID_ID),
    ("رقم جوالك", "0551234567"),
    ("رمز تحقق", "{code}"),
    ("بريدك الإلكتروني", "تخطي"),
]


# ---------------------------------------------------------------------------------------
# 1. Hostile messages at three points of a conversation

LATIN_100KB = ("Lorem ipsum dolor sit amet " * 4000)[:100_000]
ARABIC_100KB = ("نص طويل جدا عن الخدمة " * 3000)[:50_000]  # two bytes a letter
HOSTILE_MESSAGES = {
    "empty": json.dumps(""),
    "spaces": json.dumps("   "),
    "newline-tab": json.dumps("\n\t"),
    "latin-100kb": json.dumps(LATIN_100KB),
    "arabic-100kb": json.dumps(ARABIC_100KB, ensure_ascii=False),
    "one-word-100kb": json.dumps("x" * 100_000),
    "rlo-name": json.dumps("Ahmed\u202eRAFIQ"),
    "zero-width-only": json.dumps("\u200b\u200c\u200d\u2060\ufeff"),
    "zero-width-inside": json.dumps("Ab\u200dsher da\u200brk mo\u200cde"),
    "emoji-only": json.dumps("😀🔥👍"),
    "mixed-scripts": json.dumps("أبي dark mode في Absher пожалуйста 你好", ensure_ascii=False),
    "sql": json.dumps("'; DROP TABLE reports; --"),
    "jinja": json.dumps("{{7*7}}"),
    "format-field": json.dumps("{reference}"),
    "jndi": json.dumps("${jndi:ldap://x}"),
    "script": json.dumps("<script>alert(1)</script>"),
    "restart-broken": json.dumps('/restart{"a":'),
    "confirm-broken": json.dumps("/confirm_report{broken"),
    "c0-controls": json.dumps("\x00\x01\x07\x1b[31mred\x1b[0m\x7f"),
    "lone-surrogates": '"\\ud800 hi \\udfff"',
    "lone-surrogate-only": '"\\ud800"',
}
# No visible character and no file: refused by the channel with a JSON 400 (NLU would take
# an empty text for `affirm`, a yes to a yes/no question).
BLANK = {"empty", "spaces", "newline-tab", "zero-width-only", "lone-surrogate-only"}
# What NLU makes of a message without any word ("😀", "--") or of "DROP TABLE" depends on the
# training run: one model took the first for `affirm` (0.454, over the fallback threshold)
# and the second for `cancel`. The yes/no cases catch a garbage yes or no. "DROP TABLE
# reports" is also how one might say "drop the report" ("drop it" is a `cancel` example):
# taken as `cancel`, the draft is cancelled with the usual message, which is allowed.
COMMANDS = {"restart-broken"}  # the user asked to start over: the form may end
MAY_CANCEL = {"sql"}


def _at_the_start(chat: Chat) -> None:
    pass


def _at_a_yes_no_question(chat: Chat) -> None:
    # "my complaint … no reply" would tell that it was lodged (bot.intake.volunteered)
    chat.say("I want to escalate a complaint about Absher")
    chat.say("/affirm")
    assert chat.slots()["requested_slot"] == "prior_complaint_lodged", chat.last


def _at_the_description(chat: Chat) -> None:
    reply = chat.say("I have a suggestion to improve Absher")
    reply = chat.say("/affirm")
    answer_until(chat, reply, EN_ANSWERS, "describe it in detail")
    assert chat.slots()["requested_slot"] == "description", chat.last


POINTS = {"start": _at_the_start, "yes_no": _at_a_yes_no_question,
          "description": _at_the_description}


@pytest.mark.parametrize(
    ("point", "message", "name"),
    [
        pytest.param(point, message, name, id=f"{point}-{name}")
        for point in POINTS
        for name, message in HOSTILE_MESSAGES.items()
    ],
)
def test_hostile_messages_are_answered_and_the_question_stays_open(
    alive: AssistantProcess, questions: dict[str, set[str]], point: str, message: str, name: str
) -> None:
    chat = Chat(alive)
    POINTS[point](chat)
    asked, slot = chat.question, chat.slots()["requested_slot"]
    loop = chat.loop()

    started = time.monotonic()
    status, answer = post_json(alive, message_body(chat.sender, message))
    assert time.monotonic() - started < 15  # 100 KB took 45 s of NLU before it was cut
    text = assert_answered(status, answer)
    assert status == (400 if name in BLANK else 200), answer
    assert not _BIDI_CONTROLS.search(_TEMPLATE_ISOLATE.sub("", text)), ascii(text)
    assert_slots_clean(alive, chat.sender)
    now = chat.slots()
    if slot is None:  # a new conversation: nothing open, any clear answer will do
        pass
    elif status != 200:  # refused before Rasa: the conversation is as it was
        assert now["requested_slot"] == slot and now[slot] is None
    elif name in COMMANDS:
        assert now["requested_slot"] is None, text
    elif name in MAY_CANCEL and answer[-1]["text"] in questions["utter_cancelled_draft"]:
        assert now["requested_slot"] is None and chat.loop() is None, text
        assert now["cancelled_draft"]["slots"]["report_type"], now  # it can be resumed
    elif now["requested_slot"] == slot:  # not an answer: the question again (in the language
        # the user now writes in, when that changed), the second time explained differently
        again = questions[f"utter_ask_{slot}"] | questions.get(f"utter_explain_{slot}", set())
        assert answer[-1]["text"] in again | {asked}, text
    else:  # taken as the answer to a free-text question: kept clean, next question asked
        assert slot == "description" and now[slot], (slot, now)
        assert_clean(now[slot])
        assert now["requested_slot"] is not None and chat.loop() is not None, text

    # the same conversation goes on normally
    if point == "start" or name in COMMANDS or chat.loop() is None:
        reply = chat.say("hello")
        assert "Balagh Raqmi" in reply or "بلاغ رقمي" in reply, reply
    elif chat.slots()["requested_slot"] == "prior_complaint_lodged":
        chat.say("yes")
        assert chat.slots()["prior_complaint_lodged"] is True, chat.last
        assert chat.loop() == loop
    elif chat.slots()["requested_slot"] == "description":
        chat.say("A clear page that lists the documents a visit visa needs would help a lot.")
        assert chat.slots()["description"], chat.last
        assert chat.slots()["requested_slot"] not in (None, "description"), chat.last
    else:
        assert chat.say("help").strip()


# ---------------------------------------------------------------------------------------
# 2. Transport-level abuse at the REST webhook


def png_bytes(width: int = 64, height: int = 48) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (200, 30, 30)).save(buffer, format="PNG")
    return buffer.getvalue()


def bomb_png(width: int = 20_000, height: int = 20_000) -> bytes:
    """A real grey PNG of width x height zero pixels: some 400 KB for 400 megapixels."""
    deflate = zlib.compressobj(9)
    row = b"\x00" * (width + 1)  # filter byte + pixels
    data = b"".join(deflate.compress(row) for _ in range(height)) + deflate.flush()

    def chunk(kind: bytes, payload: bytes) -> bytes:
        crc = zlib.crc32(kind + payload) & 0xFFFFFFFF
        return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", data)
        + chunk(b"IEND", b"")
    )


def upload(name: str, data: bytes, content_type: str = "image/png") -> dict[str, str]:
    return {
        "filename": name,
        "content_type": content_type,
        "data": base64.b64encode(data).decode(),
    }


def with_files(*files: dict[str, Any]) -> dict[str, Any]:
    return {"message": "", "metadata": {"attachments": list(files)}}


@pytest.fixture(scope="module")
def bomb() -> bytes:
    data = bomb_png()
    assert MAX_IMAGE_PIXELS < 20_000 * 20_000 and len(data) < 1024 * 1024
    return data


BAD_BODIES: dict[str, tuple[bytes, str | None]] = {
    "malformed-json": (b'{"sender": "t", "message": ', "application/json"),
    "json-list": (b'["sender", "message"]', "application/json"),
    "json-string": (b'"hello"', "application/json"),
    "json-null": (b"null", "application/json"),
    "nested-deep": (b"[" * 100_000 + b"]" * 100_000, "application/json"),
    "empty-body": (b"", "application/json"),
    "not-utf8": (b'{"sender": "t", "message": "\xff\xfe"}', "application/json"),
    "multipart": (
        b"--x\r\nContent-Disposition: form-data; name=\"message\"\r\n\r\nhi\r\n--x--\r\n",
        "multipart/form-data; boundary=x",
    ),
    "form-urlencoded": (b"sender=t&message=hi", "application/x-www-form-urlencoded"),
    "no-content-type": (b"sender=t&message=hi", None),
    "missing-message": (b'{"sender": "t-missing"}', "application/json"),
    "message-number": (b'{"sender": "t", "message": 42}', "application/json"),
    "message-false": (b'{"sender": "t", "message": false}', "application/json"),
    "message-object": (b'{"sender": "t", "message": {"text": "hi"}}', "application/json"),
    "sender-number": (b'{"sender": 42, "message": "hi"}', "application/json"),
    "sender-object": (b'{"sender": {"id": "t"}, "message": "hi"}', "application/json"),
    "sender-list": (b'{"sender": ["t"], "message": "hi"}', "application/json"),
    "sender-10kb": (
        json.dumps({"sender": "s" * 10_240, "message": "hi"}).encode(), "application/json"
    ),
    "sender-nul": (b'{"sender": "t\\u0000x", "message": "hi"}', "application/json"),
    "sender-surrogate": (b'{"sender": "t\\ud800", "message": "hi"}', "application/json"),
    "sender-rlo": (b'{"sender": "t\\u202ex", "message": "hi"}', "application/json"),
    "metadata-list": (b'{"sender": "t", "message": "hi", "metadata": [1]}', "application/json"),
    "metadata-string": (b'{"sender": "t", "message": "hi", "metadata": "x"}', "application/json"),
    "metadata-number": (b'{"sender": "t", "message": "hi", "metadata": 5}', "application/json"),
    "attachments-object": (
        b'{"sender": "t", "message": "", "metadata": {"attachments": {"a": 1}}}',
        "application/json",
    ),
}


@pytest.mark.parametrize("name", list(BAD_BODIES))
def test_bad_bodies_get_a_json_400(alive: AssistantProcess, name: str) -> None:
    body, content_type = BAD_BODIES[name]
    before, stored = files_outside(alive), stored_files(alive)
    status, kind, answer = http_call(alive, "POST", WEBHOOK, body, content_type)
    assert status == 400 and "json" in kind, (status, answer)
    assert answer["error"] == "bad_request" and answer["detail"], answer
    assert files_outside(alive) == before and stored_files(alive) == stored


def test_the_content_type_is_not_trusted(alive: AssistantProcess) -> None:
    """JSON sent as text/plain is read as JSON, the only thing this webhook takes."""
    body = json.dumps({"sender": f"ct-{uuid.uuid4().hex[:8]}", "message": "hello"}).encode()
    status, _kind, answer = http_call(alive, "POST", WEBHOOK, body, "text/plain")
    assert "Balagh Raqmi" in assert_answered(status, answer)


def test_odd_metadata_values_do_no_harm(alive: AssistantProcess) -> None:
    sender = f"meta-{uuid.uuid4().hex[:8]}"
    metadata = {"language": {"x": 1}, "display": 5, "channel": {"x": 1}, "k": "\u202e\x00",
                "rejected_attachments": "x", "stream": True}
    status, answer = post_json(alive, {"sender": sender, "message": "hello",
                                       "metadata": metadata})
    assert "Balagh Raqmi" in assert_answered(status, answer)
    kept = tracker(alive, sender)["latest_message"]["metadata"]
    assert "channel" not in kept and "rejected_attachments" not in kept


WEBCHAT = "/webhooks/webchat/webhook"


def test_the_web_widget_endpoint_refuses_the_same(alive: AssistantProcess) -> None:
    """The widget's webhook reads its body the same way (bot/channels/webchat.py)."""
    status, _kind, answer = http_call(
        alive, "POST", WEBCHAT, json.dumps({"message": "hello"}).encode()
    )
    session = answer["sender"]  # a session id the server issued (and signed)
    before, stored = files_outside(alive), stored_files(alive)
    for body in (
        b"[" * 100_000 + b"]" * 100_000,
        json.dumps({"sender": session, "message": "\u200b \n"}).encode(),
        json.dumps({"sender": session, "message": {"x": 1}}).encode(),
        # a file with an id the widget never issued: refused before the file is stored
        json.dumps({"sender": "telegram:5551234", **with_files(upload("a.png", png_bytes()))})
        .encode(),
    ):
        status, _kind, answer = http_call(alive, "POST", WEBCHAT, body)
        assert status == 400 and answer["error"] == "bad_request", answer
    assert files_outside(alive) == before and stored_files(alive) == stored
    started = time.monotonic()
    status, _kind, answer = http_call(
        alive, "POST", WEBCHAT, json.dumps({"sender": session, "message": LATIN_100KB}).encode()
    )
    assert status == 200 and answer["messages"], answer
    assert time.monotonic() - started < 15


def test_senders_at_the_limit_and_odd_but_valid_ones_work(alive: AssistantProcess) -> None:
    for sender in ("s" * MAX_SENDER_CHARS, "عميل ١٢٣", "user@example.com/../x", "😀"):
        status, answer = post_json(alive, {"sender": sender, "message": "hello"})
        assert "Balagh Raqmi" in assert_answered(status, answer), sender
        assert answer[0]["recipient_id"] == sender
    assert tracker(alive, "s" * MAX_SENDER_CHARS)["slots"]["language"] == "en"


def test_an_over_size_body_is_refused_before_it_is_read(alive: AssistantProcess) -> None:
    declared = str(MAX_BODY_BYTES + 1).encode()
    answer = b""
    with socket.create_connection(("127.0.0.1", alive.rasa_port), timeout=30) as raw:
        raw.sendall(
            b"POST " + WEBHOOK.encode() + b" HTTP/1.1\r\nHost: x\r\n"
            b"Content-Type: application/json\r\nContent-Length: " + declared + b"\r\n\r\n{"
        )
        while b"}" not in answer and len(answer) < 65536:
            chunk = raw.recv(4096)
            if not chunk:
                break
            answer += chunk
    assert answer.startswith(b"HTTP/1.1 413"), answer
    assert b'"request_too_large"' in answer, answer


def files_outside(assistant: AssistantProcess) -> set[str]:
    """What lies in the test's var/ outside ATTACHMENTS_DIR (but the logs and databases that
    change by themselves), and beside var/, where a traversal from it would land."""
    root = assistant.var_dir
    attachments = Path(assistant.env["ATTACHMENTS_DIR"])
    found = {f"../{path.name}" for path in root.parent.iterdir()}
    for path in root.rglob("*"):
        if not path.is_file() or path.is_relative_to(attachments):
            continue
        if path.is_relative_to(root / "logs") or path.name.startswith("reports.db"):
            continue
        found.add(path.relative_to(root).as_posix())
    return found


def stored_files(assistant: AssistantProcess) -> set[str]:
    directory = Path(assistant.env["ATTACHMENTS_DIR"])
    if not directory.exists():
        return set()
    return {p.relative_to(directory).as_posix() for p in directory.rglob("*") if p.is_file()}


UPLOADS: dict[str, tuple[Any, int, list[str]]] = {
    # name: (files, or a callable of the bomb giving them; accepted; rejection reasons)
    "not-base64": (
        [{"filename": "a.png", "content_type": "image/png", "data": "!!not base64!!"}], 0,
        ["bad_base64"],
    ),
    "data-not-a-string": ([{"filename": "a.png", "data": 5}], 0, ["bad_base64"]),
    "junk-items": ([1, "x", None], 0, ["bad_base64"] * 3),
    "text-named-png": ([upload("notes.png", b"just some text\n")], 0, ["unsupported_type"]),
    "html-named-png": (
        [upload("shot.png", b"<html><script>alert(1)</script></html>")], 0, ["unsupported_type"]
    ),
    "png-wrong-content-type": ([upload("x.png", png_bytes(), "application/x-msdownload")], 1, []),
    "png-named-exe": ([upload("setup.exe", png_bytes(), "application/octet-stream")], 1, []),
    "truncated-png": ([upload("t.png", png_bytes()[:60])], 0, ["corrupt_image"]),
    "png-then-garbage": ([upload("g.png", png_bytes()[:-20] + b"\0" * 20)], 0, ["corrupt_image"]),
    "fake-pdf": ([upload("a.pdf", b"%PDF-1.4 no trailer", "application/pdf")], 0, ["corrupt_pdf"]),
    "empty-file": ([upload("e.png", b"")], 0, ["empty_file"]),
    "decompression-bomb": ("bomb", 0, ["image_too_large_in_pixels"]),
    "12mb": (
        [upload("big.png", png_bytes() + b"\0" * (12 * 1024 * 1024))], 0, ["file_too_large"]
    ),
    "six-files": ([upload(f"{n}.png", png_bytes()) for n in range(6)], 5,
                  ["too_many_attachments"]),
    "traversal-posix": ([upload("../../etc/passwd", png_bytes())], 1, []),
    "traversal-windows": ([upload("..\\..\\x.png", png_bytes())], 1, []),
    "directory": ([upload("a/b.png", png_bytes())], 1, []),
    "absolute": ([upload("/etc/cron.d/job.png", png_bytes())], 1, []),
    "dot-dot": ([upload("..", png_bytes())], 1, []),
    "nul-in-name": ([upload("a\x00b.png", png_bytes())], 1, []),
    "rlo-in-name": ([upload("photo\u202egnp.exe", png_bytes())], 1, []),
    "300-chars": ([upload("n" * 300 + ".png", png_bytes())], 1, []),
    "name-not-a-string": (
        [{"filename": {"a": 1}, "content_type": ["x"], "data": upload("", png_bytes())["data"]}],
        1, [],
    ),
}


@pytest.mark.parametrize("name", list(UPLOADS))
def test_uploads_are_checked_and_stored_under_random_names(
    alive: AssistantProcess, bomb: bytes, name: str
) -> None:
    files, accepted, reasons = UPLOADS[name]
    if files == "bomb":
        files = [upload("bomb.png", bomb)]
    sender = f"upload-{uuid.uuid4().hex[:10]}"
    before_outside, before = files_outside(alive), stored_files(alive)

    status, answer = post_json(alive, {"sender": sender, **with_files(*files)})
    text = assert_answered(status, answer)
    assert status == 200, answer

    metadata = tracker(alive, sender)["latest_message"]["metadata"]
    described = metadata["attachments"]
    assert [r["reason"] for r in metadata["rejected_attachments"]] == reasons
    assert len(described) == accepted
    new = stored_files(alive) - before
    assert new == {d["stored_path"] for d in described}, (new, described)
    assert files_outside(alive) == before_outside  # nothing written anywhere else
    for description in described:
        assert STORED_NAME.match(description["stored_path"]), description
        assert description["content_type"] == "image/png"
        shown = description["filename"]
        assert 0 < len(shown) <= 255 and "/" not in shown and "\\" not in shown
        assert shown not in ("..", ".") and not shown.startswith("../")
        assert_clean(shown, multiline=False)
        assert shown in text  # the user is told which file was taken
        stored = Path(alive.env["ATTACHMENTS_DIR"]) / description["stored_path"]
        assert Image.open(stored).format == "PNG"
    for rejected in metadata["rejected_attachments"]:
        assert rejected["filename"] in text, text  # … and which one was not
    assert not _BIDI_CONTROLS.search(text), text


def test_stored_names_are_random(alive: AssistantProcess) -> None:
    """The same file under the same name twice: two files, neither named after the user's."""
    paths = []
    for _ in range(2):
        sender = f"random-{uuid.uuid4().hex[:10]}"
        status, answer = post_json(
            alive, {"sender": sender, **with_files(upload("my-passport.png", png_bytes()))}
        )
        assert status == 200, answer
        (description,) = tracker(alive, sender)["latest_message"]["metadata"]["attachments"]
        paths.append(description["stored_path"])
    assert paths[0] != paths[1]
    assert not any("passport" in path for path in paths)


def test_attachments_are_kept_outside_the_served_directory(
    alive: AssistantProcess, monkeypatch: pytest.MonkeyPatch
) -> None:
    static = STATIC_DIR.resolve()
    monkeypatch.delenv("ATTACHMENTS_DIR", raising=False)
    for attachments in (Path(alive.env["ATTACHMENTS_DIR"]), settings.attachments_dir()):
        assert not attachments.resolve().is_relative_to(static), attachments
        assert not static.is_relative_to(attachments.resolve()), attachments


# ---------------------------------------------------------------------------------------
# 3. A whole filing with hostile values


def test_a_filing_with_bidi_and_zero_width_text_stores_and_shows_clean_values(
    alive: AssistantProcess, store: ReportRepository
) -> None:
    engine = sqlalchemy.create_engine(alive.env["DATABASE_URL"])
    tables = set(sqlalchemy.inspect(engine).get_table_names())
    filed_before = len(store.list_reports())
    chat = Chat(alive)
    reply = chat.say("أرغب في تصعيد شكوى قدمتها على منصة أبشر ولم يتم الرد عليها")
    reply = chat.say("/affirm")
    reply = answer_until(chat, reply, AR_ANSWERS, "ما رقم الشكوى")
    reply = chat.say("C-77\u202e410\u2069")
    reply = answer_until(chat, reply, AR_ANSWERS, "عنوانًا قصيرًا")
    chat.say("تعطل\u200b الخدمة \u202eعند الدفع\u2066")
    assert "صف" in chat.question, chat.last
    description = "تظهر رسالة خطأ\u200d عند إكمال الطلب \u202eمنذ أسبوع\n'; DROP TABLE reports; --"
    reply = chat.say(description + " {{7*7}} {reference} <script>alert(1)</script>")
    reply = chat.say("", attachments=[upload("shot\u202egnp.exe", png_bytes())])
    assert "shotgnp.exe.png" in reply and "\u202e" not in reply, reply
    chat.say("انتهيت")
    assert "اسمك الكامل" in chat.question, chat.last
    reply = chat.say("Ahmed\u202eRAFIQ Ali")
    summary = answer_until(chat, reply, AR_ANSWERS, "ملخص بلاغك")

    assert "AhmedRAFIQ Ali" in summary and "\u2066C-77410\u2069" in summary, summary
    assert "تعطل الخدمة عند الدفع" in summary, summary
    assert "'; DROP TABLE reports; -- {{7*7}} {reference}" in summary, summary
    assert not _BIDI_CONTROLS.search(_TEMPLATE_ISOLATE.sub("", summary)), ascii(summary)

    # the client claims another channel: the report still says it came over REST
    status, answer = post_json(alive, {
        "sender": chat.sender, "message": "/confirm_report", "input_channel": "telegram",
        "metadata": {"channel": "call_centre"},
    })
    assert_answered(status, answer)
    ref = chat.slots()["report_ref"]
    assert ref and f"\u2066{ref}\u2069" in texts(answer), answer
    report = store.require(ref)
    assert report.channel == "rest"
    assert report.contact_name == "AhmedRAFIQ Ali"
    assert report.prior_complaint_ref == "C-77410"
    assert report.title == "تعطل الخدمة عند الدفع"
    assert report.description.startswith("تظهر رسالة خطأ عند إكمال الطلب منذ أسبوع\n")
    assert "'; DROP TABLE reports; -- {{7*7}} {reference} <script>alert(1)</script>" in (
        report.description
    )
    for value in (report.title, report.description, report.contact_name):
        assert_clean(value)
    (attachment,) = report.attachments
    assert attachment.filename == "shotgnp.exe.png"
    assert STORED_NAME.match(attachment.stored_path)
    # the SQL was text: every table is still there, and the report with the others
    assert set(sqlalchemy.inspect(engine).get_table_names()) == tables
    assert len(store.list_reports()) == filed_before + 1
    engine.dispose()


# ---------------------------------------------------------------------------------------
# 4. Nothing is served that should not be; Rasa's HTTP API wants its token


def test_stored_files_and_var_are_not_served(alive: AssistantProcess) -> None:
    sender = f"expose-{uuid.uuid4().hex[:10]}"
    status, _answer = post_json(alive, {"sender": sender, **with_files(upload("a.png",
                                                                             png_bytes()))})
    assert status == 200
    (description,) = tracker(alive, sender)["latest_message"]["metadata"]["attachments"]
    stored = description["stored_path"]
    name = stored.split("/")[1]
    absolute = str(Path(alive.env["ATTACHMENTS_DIR"]) / stored)
    prefixes = ["/", "/webchat/", "/webhooks/rest/", "/webhooks/webchat/", "/attachments/",
                "/static/", "/var/attachments/", "/files/", "/webhooks/rest/webhook/"]
    paths = [prefix + tail for prefix in prefixes for tail in (stored, name)]
    paths += [
        absolute,
        "/webchat/" + absolute.lstrip("/"),
        "/webchat/../var/reports.db",
        "/webchat/../../var/reports.db",
        "/webchat/..%2f..%2fvar%2freports.db",
        "/webchat/%2e%2e/%2e%2e/var/reports.db",
        "/webchat/..%2fwebchat.py",
        "/webchat/widget.js/../../rest.py",
        "/webchat/rest.py",
        "/webchat/%2e%2e%2fwebchat.py",
        "/var/reports.db",
        "/reports.db",
        "/var/rasa_token",
        "/credentials.yml",
        "/webhooks/webchat/history?sender=" + sender,
    ]
    for path in paths:
        for query in ("", "?token=" + alive.token):
            full = path + (query if "?" not in path else query.replace("?", "&"))
            status, _kind, body = http_call(alive, "GET", full, content_type=None)
            assert status in (400, 404), (full, status)
            assert b"PNG" not in str(body).encode()
    assert http_call(alive, "GET", "/webchat/widget.js", content_type=None)[0] == 200


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", "/status", None),
        ("GET", "/conversations/{sender}/tracker", None),
        ("GET", "/conversations/{sender}/story", None),
        ("GET", "/domain", None),
        ("POST", "/model/parse", b'{"text": "hello"}'),
        ("POST", "/conversations/{sender}/messages", b'{"text": "hi", "sender": "user"}'),
        ("POST", "/conversations/{sender}/trigger_intent", b'{"name": "greet"}'),
        ("POST", "/conversations/{sender}/execute", b'{"name": "action_restart"}'),
        ("PUT", "/conversations/{sender}/tracker/events", b"[]"),
        ("POST", "/model/predict", b"[]"),
    ],
)
def test_rasa_http_api_requires_its_token(
    alive: AssistantProcess, method: str, path: str, body: bytes | None
) -> None:
    chat = Chat(alive, "api")
    chat.say("hello")
    path = path.format(sender=conversation_id(chat.sender))  # Rasa's id of a REST client
    events_before = len(tracker(alive, chat.sender)["events"])
    for query in ("", "?token=", "?token=wrong-" + alive.token, "?token=" + alive.token[:-1]):
        status, _kind, answer = http_call(alive, method, path + query, body)
        assert status in (401, 403), (path + query, status, answer)
    assert len(tracker(alive, chat.sender)["events"]) == events_before  # nothing happened
    status, _kind, answer = http_call(alive, method, f"{path}?token={alive.token}", body)
    assert status == 200, (path, status, answer)
