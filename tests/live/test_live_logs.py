"""No personal data in the logs of a full run: the real servers at DEBUG, one filing.

`python -m bot serve` runs with LOG_LEVEL=DEBUG (Rasa, the custom actions and the scheduler
log everything they log), with the actions in the Rasa server's process (the default; the
action server's own actions.log is checked the same way by
tests/live/test_live_action_server.py). A
report is filed with a national ID, a mobile typed in Arabic-Indic digits, an e-mail address
and a distinctive Arabic name, its status is then asked from another conversation with the ID
and the mobile; after the servers stop, no log file of the run may hold any of those values,
in any form they could take there: as typed, in ASCII digits, in E.164, or JSON-escaped
(Rasa's structured events are JSON lines).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from bot.runtime.model import model_path
from tests.live import AssistantProcess
from tests.log_leaks import (
    MOBILE,
    NATIONAL_ID,
    file_a_report,
    leaks_in,
    log_files,
    say,
)

pytestmark = pytest.mark.servers


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AssistantProcess]:
    assert model_path().exists(), "no model: run `make test` (it trains one) first"
    var_dir = tmp_path_factory.mktemp("var")
    live = AssistantProcess(var_dir, f"sqlite:///{var_dir / 'reports.db'}")
    live.env["LOG_LEVEL"] = "DEBUG"  # Rasa, the action server (--debug) and the scheduler
    live.env["BALAGH_ACTIONS"] = "in-process"
    live.start()
    try:
        yield live
    finally:
        live.stop()


def test_no_personal_data_in_any_log_of_a_full_filing(run: AssistantProcess) -> None:
    ref = file_a_report(run)
    # the status, asked from another conversation: the ID again, and the code sent to the mobile
    other = f"logs-{uuid.uuid4().hex[:10]}"
    assert "check who you are" in say(run, other, f"what is the status of {ref}?")
    say(run, other, NATIONAL_ID)
    reply = say(run, other, run.last_code())
    assert ref in reply, reply
    assert run.stop() == 0, run.output[-3000:]

    files = log_files(run.var_dir)
    names = {p.name for p in files}
    assert {"rasa.log", "jobs.log", "serve.out"} <= names and "actions.log" not in names, names
    logs = {p: p.read_text(encoding="utf-8", errors="replace") for p in files}
    leaks = leaks_in(logs)
    assert not leaks, "\n\n".join(leaks)

    rasa_log = logs[run.var_dir / "logs" / "rasa.log"]
    # the run really was at DEBUG, the actions' own loggers included (rasa_sdk's executor)
    assert " DEBUG " in rasa_log and "rasa_sdk" in rasa_log
    # the personal slots were logged, masked: the masking ran, not just nothing was logged
    assert f"1*******{NATIONAL_ID[-2:]}" in rasa_log
    assert f"+9665******{MOBILE[-2:]}" in rasa_log
    assert "full_name: <redacted" in rasa_log
