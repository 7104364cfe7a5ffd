"""The privacy notice (PDPL): said once a conversation, in the user's language, right before
the first personal question (actions/intake.py `privacy_notice`, domain.yml
`utter_privacy_notice`). The action runs in process; Rasa renders the response."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from rasa.core.channels.channel import CollectingOutputChannel
from rasa.core.nlg import TemplatedNaturalLanguageGenerator
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import SlotSet
from rasa.shared.core.trackers import DialogueStateTracker
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.intake import ActionIntakeNext

ROOT = Path(__file__).resolve().parents[2]
# A development suggestion with everything but the personal data.
SUGGESTION = {
    "report_type": "development_suggestion",
    "service_is_digital": True,
    "platform": "أبشر",
    "service_name": "حجز المواعيد",
    "service_channel": "app",
    "description": "أقترح إظهار أقرب موعد متاح في أول صفحة",
}


def _after_the_form(**slots: Any) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """What action_intake_next says and does once the type's form is done."""
    tracker = Tracker("notice", {"language": "ar", **SUGGESTION, **slots}, {}, [], False,
                      None, {}, "action_listen")  # fmt: skip
    dispatcher = CollectingDispatcher()
    events = asyncio.run(ActionIntakeNext().run(dispatcher, tracker, {}))
    return dispatcher.messages, events


def test_the_notice_comes_before_the_first_personal_question_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("PRIVACY_RETENTION_DAYS", raising=False)
    messages, events = _after_the_form()
    assert [(m["response"], m.get("retention_days")) for m in messages] == [
        ("utter_privacy_notice", 30)
    ]
    assert [(e["name"], e["value"]) for e in events] == [
        ("privacy_notice_shown", True), ("intake_step", "personal_data")]  # fmt: skip

    # said once: not before the next report's personal questions
    messages, events = _after_the_form(privacy_notice_shown=True)
    assert messages == []
    assert [(e["name"], e["value"]) for e in events] == [("intake_step", "personal_data")]


def test_the_notice_gives_the_configured_retention_period(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PRIVACY_RETENTION_DAYS", "45")
    messages, _ = _after_the_form()
    assert messages[0]["retention_days"] == 45
    monkeypatch.setenv("PRIVACY_RETENTION_DAYS", "soon")  # a bad setting: the default
    messages, _ = _after_the_form()
    assert messages[0]["retention_days"] == 30


@pytest.mark.parametrize("language", ["ar", "en"])
def test_the_notice_says_what_why_how_long_and_whom_to_ask(domain: Domain, language: str) -> None:
    tracker = DialogueStateTracker.from_events(
        "notice", [SlotSet("language", language)], domain.slots
    )
    nlg = TemplatedNaturalLanguageGenerator(domain.responses)
    channel = CollectingOutputChannel.name()
    message = asyncio.run(nlg.generate("utter_privacy_notice", tracker, channel, retention_days=30))
    text = message["text"]
    if language == "ar":
        words = ("اسمك", "هويتك", "جوالك", "بريدك", "لتسجيل بلاغك", "30 يومًا",
                 "\u2066199099\u2069", "تصحيحها", "نسخة")  # fmt: skip
    else:
        words = ("name", "ID number", "mobile", "e-mail", "to file your report", "30 days",
                 "199099", "correction", "copy")  # fmt: skip
    for word in words:
        assert word in text, (word, text)
    assert "{" not in text
    assert len(text) < 400  # short
