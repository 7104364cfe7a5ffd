"""The running assistant, end to end over its REST channel and HTTP API.

Starts `python -m bot serve` (the Rasa server with the trained model, the action server,
an SQL tracker store) on free ports, as `make run` does, and talks to it.
"""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from tests.live import AssistantProcess, is_arabic, is_english, processes_of, texts

pytestmark = pytest.mark.servers


def sender() -> str:
    return f"test-{uuid.uuid4().hex[:10]}"


def test_arabic_greeting_gets_an_arabic_answer_with_buttons(assistant: AssistantProcess) -> None:
    reply = assistant.say(sender(), "السلام عليكم")
    assert is_arabic(reply), texts(reply)
    assert "بلاغ رقمي" in texts(reply)
    assert any(m.get("buttons") for m in reply)


@pytest.mark.parametrize(
    ("greeting", "answer"),
    [("السلام عليكم ورحمة الله", "وعليكم السلام"), ("مرحبا", "أهلًا"), ("هلا والله", "أهلًا")],
)
def test_a_greeting_is_answered_in_kind(
    assistant: AssistantProcess, greeting: str, answer: str
) -> None:
    """A salam gets a salam back; «مرحبا» and «هلا» get «أهلًا», never «وعليكم السلام»."""
    reply = texts(assistant.say(sender(), greeting))
    assert reply.startswith(answer), reply
    if answer != "وعليكم السلام":
        assert "وعليكم السلام" not in reply


def test_a_one_word_yes_keeps_an_arabic_conversation_arabic(assistant: AssistantProcess) -> None:
    user = sender()
    assistant.say(user, "ابي اشتكي على ابشر محد رد علي")
    reply = assistant.say(user, "yes")
    assert is_arabic(reply), texts(reply)
    assert assistant.tracker(user)["slots"]["language"] == "ar"


def test_english_greeting_gets_an_english_answer(assistant: AssistantProcess) -> None:
    reply = assistant.say(sender(), "hello")
    assert is_english(reply), texts(reply)
    assert "Balagh Raqmi" in texts(reply)


def test_dialect_help_request(assistant: AssistantProcess) -> None:
    reply = assistant.say(sender(), "وش تقدر تسوي؟")
    assert is_arabic(reply) and "تقديم شكوى" in texts(reply), texts(reply)


def test_switch_to_english_on_request_and_stay_there(assistant: AssistantProcess) -> None:
    user = sender()
    assert is_arabic(assistant.say(user, "مرحبا"))
    switched = assistant.say(user, "ممكن تكلمني بالانجليزي؟")
    assert is_english(switched) and "English" in texts(switched), texts(switched)
    assert assistant.tracker(user)["slots"]["language"] == "en"
    assert is_english(assistant.say(user, "/ask_help"))


def test_switch_to_arabic_on_request(assistant: AssistantProcess) -> None:
    user = sender()
    assert is_english(assistant.say(user, "hi"))
    switched = assistant.say(user, "can we continue in Arabic please")
    assert is_arabic(switched), texts(switched)
    assert assistant.tracker(user)["slots"]["language"] == "ar"


def test_writing_in_the_other_language_switches(assistant: AssistantProcess) -> None:
    user = sender()
    assert is_english(assistant.say(user, "good morning"))
    reply = assistant.say(user, "ايش انواع البلاغات عندكم؟")
    assert is_arabic(reply), texts(reply)
    reply = assistant.say(user, "what can you help me with?")
    assert is_english(reply), texts(reply)


@pytest.mark.parametrize(
    ("text", "check", "marker"),
    [
        ("وش اخبار الطقس اليوم في الرياض", is_arabic, "خارج"),
        ("can you book me a flight to Dubai", is_english, "outside"),
    ],
)
def test_out_of_scope_says_what_it_can_do(
    assistant: AssistantProcess, text: str, check: object, marker: str
) -> None:
    reply = assistant.say(sender(), text)
    assert check(reply) and marker in texts(reply), texts(reply)  # type: ignore[operator]
    assert any(m.get("buttons") for m in reply)


def test_gibberish_gets_a_rephrase_prompt_with_buttons(assistant: AssistantProcess) -> None:
    reply = assistant.say(sender(), "zqxv blorf wemp")
    assert "other words" in texts(reply), texts(reply)
    assert any(m.get("buttons") for m in reply)


def test_restart_keeps_the_language_and_forgets_the_rest(assistant: AssistantProcess) -> None:
    user = sender()
    assistant.say(user, "hello")
    reply = assistant.say(user, "start over")
    assert is_english(reply) and "starting over" in texts(reply), texts(reply)
    assert len(reply) == 1, reply  # no fallback message after the restart
    tracker = assistant.tracker(user, all_events=True)
    assert tracker["slots"]["language"] == "en"
    assert any(e["event"] == "restart" for e in tracker["events"])
    assert tracker["latest_action_name"] == "action_listen"


def test_cancel_at_any_point(assistant: AssistantProcess) -> None:
    user = sender()
    reply = assistant.say(user, "الغ الطلب")
    assert is_arabic(reply) and "الإلغاء" in texts(reply), texts(reply)


def test_http_api_needs_the_token(assistant: AssistantProcess) -> None:
    status, _ = assistant.request("GET", "/status")
    assert status == 401
    status, body = assistant.request("GET", f"/status?token={assistant.token}")
    assert status == 200 and body["model_file"].endswith("balagh.tar.gz")


def test_parse_api_shows_normalised_text_and_language(assistant: AssistantProcess) -> None:
    status, parsed = assistant.request(
        "POST", f"/model/parse?token={assistant.token}", {"text": "أبغى أشتكي على أبشر"}
    )
    assert status == 200
    languages = [e["value"] for e in parsed["entities"] if e["entity"] == "language"]
    assert languages == ["ar"], parsed["entities"]


def test_a_restarted_server_continues_the_conversation(assistant: AssistantProcess) -> None:
    """The tracker store is SQL: after a restart the conversation (and its language) goes on."""
    user = sender()
    assistant.say(user, "hello")
    assistant.say(user, "English please")
    assert assistant.stop() == 0
    assert "stopped" in assistant.output
    assistant.start()
    # A button payload carries no language: the reply's language comes from the stored slot.
    reply = assistant.say(user, "/ask_report_types")
    assert is_english(reply), texts(reply)
    events = assistant.tracker(user)["events"]
    assert sum(1 for e in events if e["event"] == "user") == 3


def test_the_rasa_server_runs_without_tensorflow(assistant: AssistantProcess) -> None:
    """The model needs no TensorFlow (#21), so the Rasa server never loads it: about 300 MiB
    of memory and 2 s of start-up saved (bot/runtime/no_tensorflow.py)."""
    pids = processes_of(assistant.var_dir, "bot.runtime.rasa_server")
    assert len(pids) == 1
    maps = Path(f"/proc/{pids[0]}/maps").read_text()
    assert "tensorflow" not in maps
    log = (assistant.var_dir / "logs" / "rasa.log").read_text(encoding="utf-8")
    assert "TensorFlow (BALAGH_TENSORFLOW): kept out" in log
    # and it answers
    assert is_english(assistant.say(sender(), "hello"))
