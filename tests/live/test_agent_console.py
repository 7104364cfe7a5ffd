"""The call-centre console driven like an agent drives it: in a terminal, under tmux.

Each console runs `python -m bot agent` in its own tmux server (160x50), with its own
var/ and SQLite store; the test types with `send-keys` and reads the screen with
`capture-pane`, then reads the stored report back. The shaped console shows what a
terminal without bidi gets (presentation forms, visual order); the raw one, chosen by the
auto rule with BALAGH_TERMINAL_BIDI=1, leaves the logical text to the terminal.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.agent import calls, display
from bot.runtime.model import model_path
from bot.store.db import dispose_engine
from bot.store.repository import ReportRepository
from tests.live import ROOT, last_code

pytestmark = pytest.mark.servers

START_TIMEOUT_S = 300.0
TURN_TIMEOUT_S = 60.0
PROMPT = "caller>"
REFERENCE = re.compile(r"BR-[0-9A-HJKMNP-TV-Z]{8}")
PRESENTATION_FORMS = re.compile("[\ufe70-\ufeff]")


def shown(text: str) -> str:
    """`text` as the shaped console puts it on the screen."""
    return display.visual(text, "shaped")


class TmuxConsole:
    """`python -m bot agent …` in a private tmux server; type into it, read its screen."""

    def __init__(self, var_dir: Path, args: list[str], env: dict[str, str] | None = None) -> None:
        tmux = shutil.which("tmux")
        if tmux is None:
            pytest.fail(
                "these tests drive the console under tmux: install it (apt-get install tmux)",
                pytrace=False,
            )
        self.tmux_path = tmux
        self.var_dir = var_dir
        self.database_url = f"sqlite:///{var_dir / 'reports.db'}"
        self.socket = str(var_dir / "tmux.sock")  # a private server, gone with tmp_path
        self.env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("TMUX", "BALAGH_TERMINAL"))
        }
        self.env.pop("TRACKER_STORE_URL", None)
        self.env.update(
            {
                "BALAGH_VAR_DIR": str(var_dir),
                "DATABASE_URL": self.database_url,
                "ATTACHMENTS_DIR": str(var_dir / "attachments"),
                "LANG": "C.UTF-8",
                "LC_ALL": "C.UTF-8",
                **(env or {}),
            }
        )
        command = " ".join(shlex.quote(part) for part in [sys.executable, "-m", "bot", *args])
        config = var_dir / "tmux.conf"
        config.write_text("set -g history-limit 50000\n")
        self.tmux(
            "-u",
            "-f",
            str(config),
            "new-session",
            "-d",
            "-s",
            "console",
            "-x",
            "160",
            "-y",
            "50",
            "-c",
            str(ROOT),
            f'{command}; echo "[console exited with $?]"; sleep 600',
        )

    def tmux(self, *args: str) -> str:
        result = subprocess.run(
            [self.tmux_path, "-S", self.socket, *args],
            env=self.env,
            capture_output=True,
            text=True,
            check=True,
        )
        return result.stdout

    def screen(self) -> str:
        """Everything the console wrote: the scrollback and the visible pane."""
        return self.tmux("capture-pane", "-p", "-J", "-S", "-", "-t", "console")

    def prompts(self, text: str | None = None) -> int:
        lines = (self.screen() if text is None else text).splitlines()
        return sum(1 for line in lines if line.startswith(PROMPT))

    def wait_until(self, done, timeout: float, what: str) -> str:
        deadline = time.monotonic() + timeout
        while True:
            text = self.screen()
            if done(text):
                return text
            if "[console exited with" in text or time.monotonic() > deadline:
                logs = "\n".join(
                    f"--- {log.name}:\n{log.read_text(errors='replace')[-3000:]}"
                    for log in sorted((self.var_dir / "logs").glob("*.log"))
                )
                pytest.fail(f"{what}; the screen:\n{text[-6000:]}\n{logs}", pytrace=False)
            time.sleep(0.2)

    def ready(self) -> str:
        return self.wait_until(
            lambda text: self.prompts(text) >= 1,
            START_TIMEOUT_S,
            "the console did not show its prompt",
        )

    def say(self, text: str) -> str:
        """Type `text` and Enter; the console's answer (what follows the typed line)."""
        before = self.prompts()
        self.tmux("send-keys", "-t", "console", "-l", text)
        self.tmux("send-keys", "-t", "console", "Enter")
        screen = self.wait_until(
            lambda now: self.prompts(now) > before, TURN_TIMEOUT_S, f"no answer to {text!r}"
        )
        lines = screen.splitlines()
        starts = [index for index, line in enumerate(lines) if line.startswith(PROMPT)]
        return "\n".join(lines[starts[before - 1] : starts[before]])

    def last_code(self) -> str:
        """The one-time code in the latest message of the development sink (MESSAGE_SINK)."""
        return last_code(self.var_dir / "messages.jsonl")

    def stop(self) -> None:
        """/quit (the console stops its action server), then the tmux server goes."""
        try:
            if "[console exited with" not in self.screen():
                self.tmux("send-keys", "-t", "console", "-l", "/quit")
                self.tmux("send-keys", "-t", "console", "Enter")
                deadline = time.monotonic() + 30
                while "[console exited with" not in self.screen():
                    if time.monotonic() > deadline:
                        break
                    time.sleep(0.3)
            self.tmux("kill-server")
        except subprocess.CalledProcessError:
            pass
        dispose_engine(self.database_url)


@pytest.fixture(scope="module")
def consoles(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, TmuxConsole]]:
    """Both consoles start at once (loading a model takes a while), each with its store."""
    assert model_path().exists(), "no model: run `make test` (it trains one) first"
    started = {
        "shaped": TmuxConsole(
            tmp_path_factory.mktemp("agent-shaped"),
            ["agent", "--agent-id", "A17", "--arabic-display=shaped", "--panel-language", "en"],
        ),
        "raw": TmuxConsole(
            tmp_path_factory.mktemp("agent-raw"),
            ["agent", "--agent-id", "B-204"],  # auto, told that the terminal does bidi
            env={"BALAGH_TERMINAL_BIDI": "1"},
        ),
    }
    try:
        yield started
    finally:
        for console in started.values():
            console.stop()


@pytest.fixture(scope="module")
def shaped(consoles: dict[str, TmuxConsole]) -> TmuxConsole:
    consoles["shaped"].ready()
    return consoles["shaped"]


@pytest.fixture(scope="module")
def raw(consoles: dict[str, TmuxConsole]) -> TmuxConsole:
    consoles["raw"].ready()
    return consoles["raw"]


def test_an_agent_files_an_arabic_complaint_end_to_end(shaped: TmuxConsole) -> None:
    assert "Arabic display: shaped (--arabic-display=shaped)" in shaped.screen()
    turn = shaped.say("السلام عليكم، رفعت شكوى على منصة قوى من ثلاث اسابيع وللحين محد رد علي")
    assert shown("هل هذا صحيح") in turn and shown("[1] نعم، تصعيد شكوى") in turn, turn
    assert "Report type: Complaint escalation (proposed)" in turn
    turn = shaped.say("1")  # the numbered choice: yes, escalate a complaint
    # lodged three weeks ago and no reply, as the caller said: not asked again
    assert shown("مدة للرد") in turn, turn
    assert "▶ Asking now: Did the entity give a time?" in turn
    assert "✓ Digital service" in turn and "? A ground to escalate" in turn
    turn = shaped.say("لا")
    assert shown("رقم الشكوى") in turn and "✓ A ground to escalate" in turn, turn
    turn = shaped.say("Q-77410")
    assert shown("فيحق لك التصعيد") in turn, turn
    assert "Decision: Eligible" in turn and "✓ Not escalated to Amer before" in turn
    assert "✓ Earlier complaint no.: Q-77410" in turn and "▶ Service: —" in turn
    assert "✓ Platform: " + shown("قوى") in turn
    shaped.say("نقل خدمات")
    assert "✓ Service channel: App" in shaped.say("التطبيق")
    assert "▶ Asking now: Description" in shaped.say("تعذر نقل الخدمات")
    turn = shaped.say("أحاول نقل خدمات عامل منذ شهر وتظهر رسالة خطأ في كل مرة")
    assert "▶ Asking now: Attachments" in turn and shown("[2] لا توجد مرفقات") in turn, turn
    assert "▶ Asking now: Full name" in shaped.say("2")  # no attachments on the phone
    shaped.say("محمد بن سعد العتيبي")
    shaped.say("1000000008")
    # the caller reads out the code the SMS brought (the development sink here)
    assert "▶ Asking now: Code sent to the mobile" in shaped.say("0551234567")
    assert "▶ Asking now: E-mail" in shaped.say(shaped.last_code())
    turn = shaped.say("1")  # skip the e-mail
    assert shown("ملخص بلاغك") in turn and "Q-77410" in turn and "✓ E-mail: skipped" in turn
    turn = shaped.say("1")  # send
    (reference,) = set(REFERENCE.findall(turn))
    assert f"✓ Filed as: {reference}" in turn and shown("5 أيام عمل") in turn, turn
    screen = shaped.screen()
    assert PRESENTATION_FORMS.search(screen)
    assert "رفعت شكوى" not in screen  # the typed Arabic was redrawn shaped, too
    assert shown("رفعت شكوى على منصة قوى") in screen

    repository = ReportRepository(shaped.database_url)
    report = repository.require(reference)
    assert report.channel == "call_centre" and report.language == "ar"
    assert report.sender_id.startswith("call_centre:A17:")
    assert calls.agent_of(report.sender_id) == "A17"
    assert report.type == "complaint_escalation" and report.prior_complaint_ref == "Q-77410"
    assert report.platform == "قوى" and report.service_channel == "app"
    assert report.reporter.national_id == "1000000008"
    assert report.reporter.mobile == "+966551234567"

    turn = shaped.say(f"/status {reference.lower()}")
    assert f"status {reference} (ar)" in turn and reference in turn
    assert "Check the caller first: reporter " + shown("محمد بن سعد العتيبي") in turn
    assert shown("الحالة: تم الاستلام") in turn, turn


def test_status_lookup_reads_the_history_to_the_caller(shaped: TmuxConsole, make_draft) -> None:
    repository = ReportRepository(shaped.database_url)
    filed = repository.file_report(make_draft(prior_complaint_ref="CMP-9"), uuid.uuid4().hex)
    # The life cycle (bot/store/lifecycle.py) goes through review and referral first.
    repository.set_status(filed.reference, "under_review")
    repository.set_status(filed.reference, "referred")
    repository.set_status(filed.reference, "in_progress", note="أحيل إلى فريق أبشر")
    shaped.say("/new")
    turn = shaped.say("/lang en")
    assert "say to the caller (en)" in turn
    turn = shaped.say(f"/status {filed.reference}")
    assert f"Report {filed.reference} — Complaint escalation" in turn, turn
    assert "Status: In progress" in turn and "The entity is working on it." in turn
    assert "— Received" in turn and "— In progress: " + shown("أحيل إلى فريق أبشر") in turn
    turn = shaped.say("/status BR-00000000")
    assert "No report BR-00000000" in turn or "not a report reference" in turn


def test_raw_display_leaves_the_logical_text_to_the_terminal(raw: TmuxConsole) -> None:
    assert "Arabic display: raw (auto: BALAGH_TERMINAL_BIDI=1)" in raw.screen()
    turn = raw.say("ابي اشتكي على أبشر")
    assert "هل هذا صحيح" in turn and "[1] نعم، تصعيد شكوى" in turn, turn
    assert "نوع البلاغ: تقديم شكوى (مقترح)" in turn
    assert not PRESENTATION_FORMS.search(raw.screen())
    turn = raw.say("/faq 199099")
    assert "utter_help" in turn and "199099" in turn, turn
    turn = raw.say("/new")
    assert "call 2 · call_centre:B-204:" in turn and "نوع البلاغ: —" in turn
    raw.tmux("send-keys", "-t", "console", "-l", "/quit")
    raw.tmux("send-keys", "-t", "console", "Enter")
    raw.wait_until(lambda text: "[console exited with 0]" in text, 30, "/quit did not end it")
