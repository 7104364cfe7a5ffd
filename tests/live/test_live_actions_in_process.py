"""`bot serve` with BALAGH_ACTIONS=in-process (#21): the Rasa server runs the custom actions
itself. No action server is started, and the assistant files, answers the status of a report
and refuses a stranger as it does with one.

(Run in this mode, `BALAGH_ACTIONS=in-process bash scripts/run_tests.sh`, the integration
and live suites pass but for the five tests of the action server itself: its shared secret,
its loopback address, its log file, and killing it; 436 of 441 on 2026-12-07.)
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from bot.runtime.scripted_user import AR_ANSWERS, VALID_ID
from tests.integration.test_live_intake import Chat, answer_until_summary
from tests.live import ON_DUTY, AssistantProcess, is_arabic, processes_of, running_assistant

pytestmark = pytest.mark.servers

REFERENCE = re.compile(r"BR-[0-9A-Z]{8}")


@pytest.fixture(scope="module")
def assistant(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AssistantProcess]:
    yield from running_assistant(
        tmp_path_factory, {"BALAGH_NOW": ON_DUTY, "BALAGH_ACTIONS": "in-process"})


def test_no_action_server_runs_and_rasa_says_where_the_actions_are(
    assistant: AssistantProcess,
) -> None:
    assert processes_of(assistant.var_dir, "bot.runtime.action_server") == []
    assert len(processes_of(assistant.var_dir, "bot.runtime.rasa_server")) == 1
    assert "in the Rasa server's process" in assistant.output
    log = (assistant.var_dir / "logs" / "rasa.log").read_text(encoding="utf-8")
    assert "inprocess" in log.split("Rasa tuning", 1)[1].splitlines()[0]


def test_an_arabic_report_is_filed_and_only_its_owner_reads_it(
    assistant: AssistantProcess,
) -> None:
    owner = Chat(assistant)
    reply = owner.say("لدي اقتراح لتحسين خدمة في منصة أبشر")
    assert "هل هذا صحيح" in reply, reply
    reply = answer_until_summary(owner, owner.say("/affirm"), AR_ANSWERS,
                                 service="تجديد رخصة القيادة", prior_ref="")
    assert "تجديد رخصة القيادة" in reply
    reply = owner.say("/confirm_report")
    refs = REFERENCE.findall(reply)
    assert refs and is_arabic(owner.last), reply
    assert owner.slots()["report_ref"] == refs[0]
    assert "تم استلام بلاغك" in owner.say(f"ما حالة البلاغ {refs[0]}؟")
    # another conversation naming the reference must prove who it is first
    stranger = Chat(assistant)
    asked = stranger.say(f"ما حالة البلاغ {refs[0]}؟")
    assert "أحتاج للتحقق من هويتك" in asked, asked
    assert "استلام" not in asked and VALID_ID not in asked, asked
