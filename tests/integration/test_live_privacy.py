"""Privacy (PDPL) on the running assistant: the notice before the first personal question,
in the user's language and once; and the retention, whose redaction the running Rasa server
sees at once (it keeps trackers in memory, bot.runtime.tracker_store)."""

from __future__ import annotations

import json
import subprocess
import sys
import uuid

import pytest
import sqlalchemy as sa

from bot.store.repository import ReportRepository
from tests.live import ROOT, AssistantProcess, conversation_id, texts

pytestmark = pytest.mark.servers

NAME, NATIONAL_ID, MOBILE = "محمد بن سعد العتيبي", "1000000008", "0551234567"
NOTICE = {"ar": "قبل أن أسألك عن بياناتك", "en": "Before I ask for your details"}
QUESTION = {"ar": "ما اسمك الكامل", "en": "What is your full name"}
# what a cooperative user answers, by a piece of the question (the reply's last line)
ANSWERS = [
    ("هل الخدمة التي", "رقمية"),
    ("ما اسم المنصة", "أبشر"),
    ("ما اسم الخدمة", "حجز المواعيد"),
    ("عبر أي قناة", "الموقع"),
    ("هل تقصد", "لا"),
    ("ضمن المنصات والخدمات المسجلة", "نعم"),
    ("صف", "أقترح إظهار أقرب موعد متاح في أول صفحة بدل البحث يوما بعد يوم"),
    ("a digital one", "/affirm"),
    ("name of the platform", "Absher"),
    ("name of the service", "appointment booking"),
    ("Through which channel", "website"),
    ("Do you mean", "no"),
    ("among the platforms and services", "yes"),
    ("describe", "Please show the nearest free appointment on the first page."),
]


class Chat:
    def __init__(self, assistant: AssistantProcess) -> None:
        self.assistant = assistant
        self.sender = f"privacy-{uuid.uuid4().hex[:10]}"
        self.last: list[dict] = []

    def say(self, text: str) -> str:
        self.last = self.assistant.say(self.sender, text)
        return texts(self.last)


def up_to_the_first_personal_question(chat: Chat, opening: str, language: str) -> None:
    reply = chat.say(opening)
    reply = chat.say("/affirm")
    for _ in range(20):
        if QUESTION[language] in reply:
            return
        last_line = reply.split("\n")[-1]
        answer = next((a for marker, a in ANSWERS if marker in last_line), None)
        assert answer is not None, f"unexpected question: {reply}"
        reply = chat.say(answer)
    raise AssertionError(f"the name was never asked: {reply}")


def notices(assistant: AssistantProcess, sender: str, language: str) -> int:
    events = assistant.tracker(sender, all_events=True)["events"]
    return sum(
        1 for e in events if e["event"] == "bot" and NOTICE[language] in (e.get("text") or "")
    )


@pytest.mark.parametrize(
    ("language", "opening"),
    [
        ("ar", "لدي اقتراح لتحسين خدمة في منصة أبشر"),
        ("en", "I have a suggestion to improve a service on the Absher platform"),
    ],
)
def test_the_notice_comes_once_right_before_the_first_personal_question(
    assistant: AssistantProcess, language: str, opening: str
) -> None:
    chat = Chat(assistant)
    up_to_the_first_personal_question(chat, opening, language)
    *_, notice, question = [message.get("text", "") for message in chat.last]
    assert QUESTION[language] in question
    assert notice.startswith(NOTICE[language]), chat.last
    assert ("\u2066199099\u2069" if language == "ar" else "199099") in notice
    assert "30" in notice
    chat.say(NAME if language == "ar" else "Sarah Al Qahtani")
    chat.say(NATIONAL_ID)
    chat.say(MOBILE)
    chat.say(assistant.last_code())  # the code that proves the mobile
    chat.say("/deny")
    assert notices(assistant, chat.sender, language) == 1


def _events_text(url: str, sender: str) -> str:
    """The stored events of the conversation of REST client `sender`, as text."""
    sender = conversation_id(sender)
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        rows = connection.execute(
            sa.text("SELECT data FROM events WHERE sender_id = :s"), {"s": sender}
        ).scalars()
        text = "\n".join(str(json.loads(row)) for row in rows)
    engine.dispose()
    return text


def test_a_redacted_conversation_is_not_served_from_memory(assistant: AssistantProcess) -> None:
    """A draft at its summary, idle for 40 days (its events moved back in time), is redacted
    by `privacy purge`; the server that kept its tracker must not file it with the data."""
    url = assistant.env["DATABASE_URL"]
    store = ReportRepository(url)
    chat = Chat(assistant)
    up_to_the_first_personal_question(chat, "لدي اقتراح لتحسين خدمة في منصة أبشر", "ar")
    chat.say(NAME)
    chat.say(NATIONAL_ID)
    chat.say(MOBILE)
    chat.say(assistant.last_code())
    assert "ملخص بلاغك" in chat.say("/deny")
    assert NATIONAL_ID in _events_text(url, chat.sender)

    engine = sa.create_engine(url)
    with engine.begin() as connection:
        connection.execute(
            sa.text("UPDATE events SET timestamp = timestamp - :d WHERE sender_id = :s"),
            {"d": 40 * 86400, "s": conversation_id(chat.sender)},
        )
    engine.dispose()
    result = subprocess.run(
        [sys.executable, "-m", "bot", "privacy", "purge", "--older-than", "30", "--json"],
        cwd=ROOT, env=assistant.env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["conversations"] == 1, result.stdout
    for value in (NATIONAL_ID, NAME, MOBILE[1:]):
        assert value not in _events_text(url, chat.sender)

    filed = len(store.list_reports())
    reply = chat.say("/confirm_report")  # "send" on the old summary
    assert len(store.list_reports()) == filed, reply
    for value in (NATIONAL_ID, NAME, MOBILE[1:]):
        assert value not in reply
    tracker = assistant.tracker(chat.sender, all_events=True)
    assert tracker["slots"]["national_id"] is None and tracker["slots"]["full_name"] is None
    assert tracker["slots"]["privacy_redacted_at"]
    assert NATIONAL_ID not in json.dumps(tracker, ensure_ascii=False)
