"""The web widget's channel: pages, session ids, files, language and history.

As in test_rest_channel.py, the blueprint runs on a small Sanic app driven in-process through
ASGI (httpx). A fake agent stands in for Rasa: it answers, records each UserMessage and keeps
a real Rasa tracker in an in-memory tracker store, so the language and the history are read
as on the real server.
"""

from __future__ import annotations

import base64
import io
import json
import re
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
from rasa.core.tracker_store import InMemoryTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SlotSet, UserUttered
from sanic import Sanic

from bot.channels import webchat
from bot.channels.rest import SEND_ATTACHMENT_PAYLOAD
from bot.channels.webchat import (
    STATIC_DIR,
    STATIC_FILES,
    WIDGET_TEXTS_LINE,
    WebchatInput,
    history_messages,
    is_sender_id,
)
from bot.intake import attachments
from bot.intake.filing import channel_of
from bot.store.db import dispose_engine

WEBHOOK = "/webhooks/webchat/webhook"
HISTORY = "/webhooks/webchat/history"
CHANNEL_PATH = "bot.channels.webchat.WebchatInput"
DOMAIN = Domain.from_dict(
    {
        "slots": {
            "language": {
                "type": "categorical",
                "values": ["ar", "en"],
                "initial_value": "ar",
                "influence_conversation": False,
                "mappings": [{"type": "custom"}],
            }
        }
    }
)
ARABIC_REPLY = "تم تسجيل بلاغك برقم \u2066BR-7K3Q9PX2\u2069."
BUTTONS = [
    {"title": "نعم، تصعيد شكوى", "payload": "/affirm"},
    {"title": "لا، شيء آخر", "payload": "/deny"},
]


def png_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (32, 16), (200, 30, 30)).save(out, format="PNG")
    return out.getvalue()


def png_item(name: str = "خطأ.png") -> dict[str, str]:
    data = "data:image/png;base64," + base64.b64encode(png_bytes()).decode()
    return {"filename": name, "content_type": "image/png", "data": data}


class FakeAgent:
    """Answers like the assistant would and keeps the conversation in a tracker store.

    An English message switches the language slot to `en`; "buttons" gets a reply with quick
    replies; "boom" fails.
    """

    def __init__(self) -> None:
        self.tracker_store = InMemoryTrackerStore(DOMAIN)
        self.messages: list[UserMessage] = []

    async def __call__(self, message: UserMessage) -> None:
        self.messages.append(message)
        if message.text == "boom":
            raise RuntimeError("the model fell over")
        if message.text == "silent":  # Rasa says nothing when a custom action fails
            return
        tracker = await self.tracker_store.get_or_create_tracker(message.sender_id)
        tracker.update(
            UserUttered(
                message.text,
                input_channel=message.input_channel,
                metadata=message.metadata,
            )
        )
        if re.search("[A-Za-z]", message.text) and not message.text.startswith("/"):
            tracker.update(SlotSet("language", "en"))
        if message.text == "buttons":
            await message.output_channel.send_text_with_buttons(
                message.sender_id, "فهمت أن لديك شكوى سابقة. هل هذا صحيح؟", BUTTONS
            )
            tracker.update(BotUttered("فهمت أن لديك شكوى سابقة. هل هذا صحيح؟",
                                      data={"buttons": BUTTONS}))
        else:
            await message.output_channel.send_text_message(message.sender_id, ARABIC_REPLY)
            tracker.update(BotUttered(ARABIC_REPLY))
        tracker.update(ActionExecuted("action_listen"))
        await self.tracker_store.save(tracker)

    @property
    def last(self) -> UserMessage:
        assert self.messages, "on_new_message was not called"
        return self.messages[-1]


@pytest.fixture
def attachments_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    directory = tmp_path / "attachments"
    monkeypatch.setenv("ATTACHMENTS_DIR", str(directory))
    return directory


@pytest.fixture(autouse=True)
def report_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The history also reads the web inbox (test_webchat_inbox.py): a store of the test's
    own (empty: no notices), never the developer's var/."""
    url = f"sqlite:///{tmp_path / 'reports.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    yield url
    dispose_engine(url)


@pytest.fixture
def agent() -> FakeAgent:
    return FakeAgent()


def make_app(agent: FakeAgent, channel: WebchatInput) -> Sanic:
    Sanic.test_mode = True  # see test_rest_channel.make_app
    app = Sanic(f"webchat_{uuid.uuid4().hex}")
    app.ctx.agent = agent
    app.blueprint(channel.blueprint(agent), url_prefix=f"/webhooks/{channel.url_prefix()}")
    return app


@pytest.fixture
async def client(agent: FakeAgent, attachments_dir: Path) -> AsyncIterator[httpx.AsyncClient]:
    app = make_app(agent, WebchatInput())
    await app._startup()
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://bot.test") as http:
        yield http


async def say(client: httpx.AsyncClient, body: dict[str, Any]) -> dict[str, Any]:
    answer = await client.post(WEBHOOK, json=body)
    assert answer.status_code == 200, answer.text
    return answer.json()


# ---- the widget's files ----


async def test_demo_page_and_widget_files_are_served(client: httpx.AsyncClient) -> None:
    page = await client.get("/webchat/")
    assert page.status_code == 200
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    assert "default-src 'self'" in page.headers["content-security-policy"]
    assert '<script src="widget.js"' in page.text
    script = await client.get("/webchat/widget.js")
    assert script.status_code == 200
    assert script.headers["content-type"].startswith("text/javascript")
    assert script.headers["x-content-type-options"] == "nosniff"
    assert "BalaghWebchat" in script.text
    style = await client.get("/webchat/widget.css")
    assert style.headers["content-type"].startswith("text/css")
    redirect = await client.get("/webchat", follow_redirects=False)
    assert redirect.status_code == 308 and redirect.headers["location"] == "/webchat/"


@pytest.mark.parametrize(
    "path", ["/webchat/secret.py", "/webchat/..%2Fwebchat.py", "/webchat/../webchat.py"]
)
async def test_nothing_else_is_served_from_the_package(
    client: httpx.AsyncClient, path: str
) -> None:
    answer = await client.get(path)
    assert answer.status_code == 404
    assert "import" not in answer.text


def test_static_files_are_package_data() -> None:
    assert sorted(path.name for path in STATIC_DIR.iterdir()) == sorted(STATIC_FILES)
    pyproject = (Path(__file__).resolve().parents[3] / "pyproject.toml").read_text()
    assert '"channels/webchat_static/*"' in pyproject


def test_widget_limits_match_the_servers() -> None:
    script = (STATIC_DIR / "widget.js").read_text(encoding="utf-8")
    assert f"MAX_FILE_BYTES = {attachments.MAX_ATTACHMENT_BYTES};" in script
    assert f"MAX_FILES = {attachments.MAX_ATTACHMENTS_PER_REPORT};" in script
    for kind in attachments.KINDS:
        assert f'"{kind.content_type}"' in script
        for extension in kind.aliases - {".jpe", ".jfif"}:
            assert f'"{extension}"' in script


def test_widget_never_writes_html() -> None:
    script = (STATIC_DIR / "widget.js").read_text(encoding="utf-8")
    code = script.split("*/", 1)[1]
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("):
        assert sink not in code


# ---- messages ----


async def test_first_message_gets_a_session_id_and_is_marked_web(
    client: httpx.AsyncClient, agent: FakeAgent
) -> None:
    reply = await say(client, {"message": "السلام عليكم", "input_channel": "telegram"})
    assert is_sender_id(reply["sender"])
    assert reply["language"] == "ar"
    assert reply["messages"] == [{"text": ARABIC_REPLY}]
    message = agent.last
    assert message.sender_id == reply["sender"]
    assert message.input_channel == "webchat"
    assert message.metadata == {"channel": "web", "client_address": "127.0.0.1"}
    assert channel_of(message.input_channel, message.metadata) == "web"
    again = await say(client, {"sender": reply["sender"], "message": "ok"})
    assert again["sender"] == reply["sender"]
    assert len({m.sender_id for m in agent.messages}) == 1


async def test_reply_carries_buttons_and_the_conversation_language(
    client: httpx.AsyncClient,
) -> None:
    reply = await say(client, {"message": "buttons"})
    (shown,) = reply["messages"]
    assert shown["buttons"] == BUTTONS
    assert reply["language"] == "en"  # "buttons" is Latin script in the fake agent
    reply = await say(client, {"message": "what can you help me with?"})
    assert reply["language"] == "en"


async def test_files_are_checked_and_stored_as_on_rest(
    client: httpx.AsyncClient, agent: FakeAgent, attachments_dir: Path
) -> None:
    posted = {
        "message": "",
        "metadata": {"attachments": [png_item(), png_item("notes.png") | {"data": "aGVsbG8="}]},
    }
    await say(client, posted)
    message = agent.last
    assert message.text == SEND_ATTACHMENT_PAYLOAD
    (stored,) = message.metadata["attachments"]
    assert stored["filename"] == "خطأ.png" and stored["content_type"] == "image/png"
    assert (attachments_dir / stored["stored_path"]).is_file()
    assert message.metadata["rejected_attachments"] == [
        {"filename": "notes.png", "reason": "unsupported_type"}
    ]
    assert message.metadata["channel"] == "web"


async def test_clients_cannot_claim_another_channel(
    client: httpx.AsyncClient, agent: FakeAgent
) -> None:
    await say(client, {"message": "hello", "metadata": {"channel": "call_centre", "k": 1}})
    assert agent.last.metadata == {"channel": "web", "k": 1, "client_address": "127.0.0.1"}
    assert channel_of(agent.last.input_channel, agent.last.metadata) == "web"


@pytest.mark.parametrize(
    "body",
    [
        {"sender": "telegram:5551234", "message": "hi"},
        {"sender": "web-123", "message": "hi"},
        {"sender": 42, "message": "hi"},
        {"message": "   "},
        {"message": "", "metadata": {"attachments": []}},
        {"message": 42},
        {"message": "hi", "metadata": "text"},
    ],
    ids=["guessable-id", "short-id", "number-id", "blank", "no-files", "number-text", "metadata"],
)
async def test_bad_messages_get_a_json_400(
    client: httpx.AsyncClient, agent: FakeAgent, body: dict[str, Any]
) -> None:
    answer = await client.post(WEBHOOK, json=body)
    assert answer.status_code == 400
    assert answer.json()["error"] == "bad_request"
    assert agent.messages == []


async def test_too_large_bodies_get_a_json_413(agent: FakeAgent, attachments_dir: Path) -> None:
    app = make_app(agent, WebchatInput(max_body_bytes=2048))
    await app._startup()
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://bot.test") as http:
        answer = await http.post(WEBHOOK, json={"message": "x" * 4096})
    assert answer.status_code == 413
    assert answer.json() == {"error": "request_too_large", "max_bytes": 2048}


async def test_a_failing_assistant_is_a_json_500(
    client: httpx.AsyncClient, agent: FakeAgent
) -> None:
    answer = await client.post(WEBHOOK, json={"message": "boom"})
    assert answer.status_code == 500
    assert answer.json() == {"error": "assistant_failed"}


async def test_without_an_agent_the_language_is_unknown(attachments_dir: Path) -> None:
    agent = FakeAgent()
    app = make_app(agent, WebchatInput())
    del app.ctx.agent
    await app._startup()
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://bot.test") as http:
        reply = (await http.post(WEBHOOK, json={"message": "hi"})).json()
        history = (await http.get(HISTORY, params={"sender": reply["sender"]})).json()
    assert reply["language"] is None and reply["messages"] == [{"text": ARABIC_REPLY}]
    assert history == {"sender": reply["sender"], "language": None, "messages": []}


# ---- history ----


async def test_history_restores_the_conversation(client: httpx.AsyncClient) -> None:
    first = await say(client, {"message": "buttons"})
    sender = first["sender"]
    await say(
        client,
        {"sender": sender, "message": "/affirm", "metadata": {"display": "نعم، تصعيد شكوى"}},
    )
    await say(client, {"sender": sender, "message": "buttons"})
    await say(client, {"sender": sender, "message": "/deny"})
    await say(client, {"sender": sender, "message": "", "metadata": {"attachments": [png_item()]}})
    answer = await client.get(HISTORY, params={"sender": sender})
    assert answer.status_code == 200
    assert answer.headers["cache-control"] == "no-store"
    history = answer.json()
    assert history["sender"] == sender and history["language"] == "en"
    question = {"from": "bot", "text": "فهمت أن لديك شكوى سابقة. هل هذا صحيح؟", "buttons": BUTTONS}
    reply = {"from": "bot", "text": ARABIC_REPLY}
    png_size = history["messages"][-2]["attachments"][0]["size"]
    assert history["messages"] == [
        {"from": "user", "text": "buttons"},
        question,
        {"from": "user", "text": "نعم، تصعيد شكوى"},  # as the widget showed the click
        reply,
        {"from": "user", "text": "buttons"},
        question,
        {"from": "user", "text": "لا، شيء آخر"},  # the title of the button clicked
        reply,
        {
            "from": "user",
            "text": "",
            "attachments": [{"filename": "خطأ.png", "content_type": "image/png", "size": png_size}],
        },
        reply,
    ]
    assert "stored_path" not in json.dumps(history)


async def test_history_of_an_unknown_conversation_is_empty(client: httpx.AsyncClient) -> None:
    sender = webchat.new_sender_id()
    history = (await client.get(HISTORY, params={"sender": sender})).json()
    assert history == {"sender": sender, "language": None, "messages": []}


# ids a page script could make up: other channels', the old unsigned form, a forged signature
MADE_UP_IDS = [
    "", "telegram:5551234", "web-" + "0" * 31, "WEB-" + "a" * 32, "web-" + "a" * 32,
    "web-" + "a" * 32 + "-" + "b" * 32,
]


@pytest.mark.parametrize("sender", MADE_UP_IDS)
async def test_history_takes_only_web_session_ids(client: httpx.AsyncClient, sender: str) -> None:
    answer = await client.get(HISTORY, params={"sender": sender})
    assert answer.status_code == 400
    assert answer.json()["error"] == "bad_request"


def test_history_of_rejected_files_and_long_conversations() -> None:
    events = [
        UserUttered(
            SEND_ATTACHMENT_PAYLOAD,
            metadata={
                "attachments": [],
                "rejected_attachments": [{"filename": "x.png", "reason": "unsupported_type"}],
            },
        ),
        BotUttered("not accepted"),
    ]
    assert history_messages(events) == [
        {"from": "user", "text": "", "attachments": [{"filename": "x.png", "rejected": True}]},
        {"from": "bot", "text": "not accepted"},
    ]
    many = [BotUttered(str(n)) for n in range(webchat.HISTORY_LIMIT + 10)]
    shown = history_messages(many)
    assert len(shown) == webchat.HISTORY_LIMIT and shown[-1]["text"] == str(len(many) - 1)


def test_session_ids_are_random_and_checked() -> None:
    ids = {webchat.new_sender_id() for _ in range(100)}
    assert len(ids) == 100 and all(is_sender_id(i) for i in ids)
    assert not is_sender_id("web-" + "g" * 32)
    assert not is_sender_id(None)


def test_session_ids_are_signed_so_a_page_cannot_choose_one() -> None:
    issued = webchat.new_sender_id()
    random_part, signature = issued.removeprefix("web-").split("-")
    assert not is_sender_id(f"web-{random_part}-{'0' * 32}")
    other = "f" * 32 if random_part != "f" * 32 else "e" * 32
    assert not is_sender_id(f"web-{other}-{signature}")  # a signature is not reusable
    for made_up in MADE_UP_IDS:
        assert not is_sender_id(made_up)


@pytest.mark.parametrize("sender", MADE_UP_IDS[1:])
async def test_a_made_up_session_id_cannot_post(
    client: httpx.AsyncClient, agent: Any, sender: str
) -> None:
    answer = await client.post(WEBHOOK, json={"sender": sender, "message": "my reports"})
    assert answer.status_code == 400


def test_request_without_metadata_still_gets_the_web_mark(attachments_dir: Path) -> None:
    channel = WebchatInput()
    request = SimpleNamespace(ctx=SimpleNamespace(), json={"message": "hi"})
    metadata = channel.get_metadata(request)  # type: ignore[arg-type]
    assert metadata == {"channel": "web"}
    assert channel.get_metadata(request) is metadata  # type: ignore[arg-type]


def test_channel_loads_from_its_credentials_key() -> None:
    channel = _create_single_channel(CHANNEL_PATH, None)
    assert isinstance(channel, WebchatInput)
    assert channel.name() == "webchat" and channel.url_prefix() == "webchat"
    limited = _create_single_channel(CHANNEL_PATH, {"max_body_bytes": 5000})
    assert isinstance(limited, WebchatInput) and limited.max_body_bytes == 5000
    credentials = (Path(__file__).resolve().parents[3] / "credentials.yml").read_text()
    assert re.search(rf"^{re.escape(CHANNEL_PATH)}:", credentials, re.MULTILINE)


async def test_a_turn_without_any_reply_gets_a_try_again(client: httpx.AsyncClient) -> None:
    reply = await say(client, {"message": "silent"})
    [message] = reply["messages"]
    assert "خلل مؤقت" in message["text"]  # a new conversation: Arabic


async def test_a_full_disk_is_told_and_keeps_no_file(
    client: httpx.AsyncClient,
    agent: FakeAgent,
    attachments_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from bot.channels import uploads as uploads_module
    def full(data: bytes, filename: str, content_type: str) -> Any:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(uploads_module, "store_attachment", full)
    answer = await client.post(
        WEBHOOK, json={"message": "", "metadata": {"attachments": [png_item("خطأ.png")]}}
    )
    assert answer.status_code == 200
    body = answer.json()
    assert webchat.is_sender_id(body["sender"])
    [message] = body["messages"]
    assert "تعذّر حفظ «خطأ.png»" in message["text"]
    assert agent.messages == []  # the message never reached the assistant
    assert not attachments_dir.exists() or not any(attachments_dir.rglob("*.png"))


async def test_the_widget_is_served_with_the_catalogues_texts(client: httpx.AsyncClient) -> None:
    """The widget's sentences live in bot/texts/catalogue.yml (#18), not in widget.js."""
    from bot.texts import text

    served = (await client.get("/webchat/widget.js")).text
    assert WIDGET_TEXTS_LINE not in served
    start = served.index("var CATALOGUE = ") + len("var CATALOGUE = ")
    texts = json.loads(served[start:served.index(";\n", start)])
    assert texts["ar"]["welcome"] == text("webchat.welcome", "ar")
    assert texts["en"]["placeholder"] == text("webchat.placeholder", "en")
    assert set(texts["ar"]) == set(texts["en"]) and len(texts["ar"]) >= 20
    source = (STATIC_DIR / "widget.js").read_text(encoding="utf-8")
    assert "اكتب رسالتك" not in source and "Type your message" not in source
