"""A store that cannot be reached, on SQLite and on PostgreSQL alike: the status question and
the one-time-code steps answer in words (a temporary fault, try again, or 199099), never a
crash of the action, and change nothing. The actions run in process (rasa-sdk's
CollectingDispatcher and a built Tracker)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

import actions.common
import actions.status
import actions.verification
from actions.status import ActionCheckStatus
from actions.verification import ActionAskFollowCode, ActionAskMobileCode, check_mobile_code
from bot.store.repository import ReportRepository

UNREACHABLE = {
    # a file that is a directory: SQLite cannot open it
    "sqlite": lambda tmp: f"sqlite:///{tmp}",
    # nothing listens on port 1
    "postgres": lambda tmp: "postgresql+psycopg2://balagh:x@127.0.0.1:1/balagh",
}


@pytest.fixture(params=sorted(UNREACHABLE))
def broken_store(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repository = ReportRepository(UNREACHABLE[request.param](tmp_path))
    for module in (actions.common, actions.status, actions.verification):
        monkeypatch.setattr(module, "repository", lambda: repository)


def _tracker(text: str, intent: str, **slots: Any) -> Tracker:
    message = {"text": text, "intent": {"name": intent}, "entities": [], "metadata": {}}
    return Tracker("rest:faulty", {"language": "en", **slots}, message, [], False, None, {},
                   "action_listen")


def _run(action: Any, tracker: Tracker) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, tracker, {}))
    return dispatcher.messages, events


@pytest.mark.usefixtures("broken_store")
def test_a_status_question_gets_a_temporary_fault_answer() -> None:
    for text in ("what is the status of BR-7K3Q9PX2?", "my reports"):
        messages, events = _run(ActionCheckStatus(), _tracker(text, "check_status"))
        assert [m["response"] for m in messages] == ["utter_status_unavailable"], text
        assert {"event": "slot", "name": "status_step", "value": "answered",
                "timestamp": None} in events


@pytest.mark.usefixtures("broken_store")
def test_the_code_steps_say_so_and_keep_the_question_open() -> None:
    mobile = _tracker("0551234567", "inform", mobile="+966551234567")
    messages, events = _run(ActionAskMobileCode(), mobile)
    assert [m["response"] for m in messages] == ["utter_code_unavailable"] and events == []
    follow = _tracker("1000000008", "inform", status_reference="BR-7K3Q9PX2",
                      national_id="1000000008")
    messages, events = _run(ActionAskFollowCode(), follow)
    assert [m["response"] for m in messages] == ["utter_code_unavailable"] and events == []
    dispatcher = CollectingDispatcher()
    typed = _tracker("123456", "inform", mobile="+966551234567")
    assert check_mobile_code(dispatcher, typed) == {"mobile_code": None}
    assert [m["response"] for m in dispatcher.messages] == ["utter_code_unavailable"]
