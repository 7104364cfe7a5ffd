"""A person asked for with the call centre closed: the hours and 199099, nothing queued.

The assistant of this module runs on a Friday (`BALAGH_NOW`), so it boots on its own; the
shared one of tests/conftest.py runs on a Sunday morning, with agents on duty
(tests/integration/test_live_dialogue.py).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.store import handoffs
from tests.integration.test_live_intake import Chat
from tests.live import AssistantProcess, conversation_id, running_assistant

pytestmark = pytest.mark.servers

OFF_DUTY = "2026-12-11T10:00:00+03:00"  # Friday morning in Riyadh


@pytest.fixture(scope="module")
def assistant(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AssistantProcess]:
    yield from running_assistant(tmp_path_factory, {"BALAGH_NOW": OFF_DUTY})


@pytest.mark.parametrize(
    "ask", ["I want to talk to a person", "ابي اكلم موظف", "أريد التحدث مع موظف"],
    ids=["en", "gulf", "msa"],
)
def test_asking_for_a_person_gives_the_hours_and_the_number(
    assistant: AssistantProcess, ask: str
) -> None:
    chat = Chat(assistant)
    reply = chat.say(ask)
    assert "199099" in reply and "2026-12-13" in reply, reply  # back on Sunday at 8
    assert chat.slots()["report_type"] is None and chat.slots()["handoff_return"] is None
    queued = handoffs.current(assistant.env["DATABASE_URL"], conversation_id(chat.sender))
    assert queued is None  # nobody to queue for
