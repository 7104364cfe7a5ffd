"""`bot serve --action-server` (BALAGH_ACTIONS=server): the custom actions in an action server
of their own, called over HTTP, the layout where Rasa servers share action servers (#21 made
running them inside the Rasa server the default). The assistant files, answers the status of
a report and refuses a stranger as it does in process, and the action server answers only
Rasa: a forged call is refused, it listens on loopback only, its secret is on no command line.

Before the security suite's changes: a POST straight to the action server (port 5055, every
interface, no secret) ran `action_file_report` on a forged tracker and filed a report; `ps`
showed Rasa's `--auth-token`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from bot.runtime.scripted_user import AR_ANSWERS, VALID_ID
from bot.store.repository import ReportRepository
from tests.integration.security.test_security_processes import (
    FORGED_ID,
    SECRET_HEADER,
    command_lines_show_no_secret,
    forged_filing_call,
    get,
    listening_addresses,
    post,
)
from tests.integration.test_live_intake import Chat, answer_until_summary
from tests.live import ON_DUTY, AssistantProcess, is_arabic, processes_of, running_assistant
from tests.log_leaks import file_a_report, leaks_in, log_files

pytestmark = pytest.mark.servers

REFERENCE = re.compile(r"BR-[0-9A-Z]{8}")


@pytest.fixture(scope="module")
def assistant(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AssistantProcess]:
    # at DEBUG, so that the action server's log is checked for personal data at its fullest
    yield from running_assistant(
        tmp_path_factory, {"BALAGH_NOW": ON_DUTY, "BALAGH_ACTIONS": "server",
                           "LOG_LEVEL": "DEBUG"})


def actions_base(assistant: AssistantProcess) -> str:
    return f"http://127.0.0.1:{assistant.actions_port}"


def test_an_action_server_runs_and_rasa_calls_it(assistant: AssistantProcess) -> None:
    assert len(processes_of(assistant.var_dir, "bot.runtime.action_server")) == 1
    assert len(processes_of(assistant.var_dir, "bot.runtime.rasa_server")) == 1
    assert f"http://localhost:{assistant.actions_port}/health" in assistant.output
    log = (assistant.var_dir / "logs" / "rasa.log").read_text(encoding="utf-8")
    assert "inprocess" not in log.split("Rasa tuning", 1)[1].splitlines()[0]
    assert (assistant.var_dir / "logs" / "actions.log").stat().st_size > 0


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


def test_forged_action_calls_are_refused_and_file_nothing(assistant: AssistantProcess) -> None:
    store = ReportRepository(assistant.env["DATABASE_URL"])
    sender = "forged-caller-1"
    base = actions_base(assistant)
    for headers in ({}, {SECRET_HEADER: "guessed"}, {SECRET_HEADER: ""}):
        status, body = post(f"{base}/webhook", forged_filing_call(sender), headers)
        assert status == 401, body
    assert store.reports_of_sender(sender) == []
    assert store.reports_of(FORGED_ID) == []
    assert get(f"{base}/actions") == 401
    assert get(f"{base}/health") == 200


def test_the_action_server_listens_on_loopback_only(assistant: AssistantProcess) -> None:
    addresses = listening_addresses(assistant.actions_port)
    assert addresses == {"0100007F"}, addresses  # 127.0.0.1, nothing else


def test_no_secret_is_on_any_command_line(assistant: AssistantProcess) -> None:
    assert (assistant.var_dir / "actions_secret").exists()  # so it is among those checked
    # bot serve, the action server, the Rasa server, the jobs
    command_lines_show_no_secret(assistant, 4)


def test_no_personal_data_in_the_action_servers_log(assistant: AssistantProcess) -> None:
    """tests/live/test_live_logs.py's filing, its person's data in every form it could take,
    against this layout's logs: the action server's own actions.log at DEBUG included."""
    file_a_report(assistant)
    files = log_files(assistant.var_dir)
    assert "actions.log" in {path.name for path in files}
    logs = {path: path.read_text(encoding="utf-8", errors="replace") for path in files}
    leaks = leaks_in(logs)
    assert not leaks, "\n\n".join(leaks)
    actions_log = logs[assistant.var_dir / "logs" / "actions.log"]
    assert " DEBUG " in actions_log and "rasa_sdk" in actions_log
