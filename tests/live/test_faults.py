"""Faults injected while a report is filed, against the real servers over REST.

One set of servers for the module, each started here on its own (not through `python -m bot
serve`) so that a test can kill and restart one of them, with the command lines and
environment `bot serve` gives them:

* the action server (`python -m rasa_sdk --actions actions`) is SIGKILLed at the summary;
* the report store is a throwaway PostgreSQL cluster (tests/postgres_server.py), stopped
  with `pg_ctl stop` while the user presses "Send" and started again. Rasa's tracker store is
  NOT on it: TRACKER_STORE_URL is a separate SQLite file, so the fault hits the report store
  only and Rasa itself keeps answering (with the tracker store down too, Rasa cannot answer
  at all; that is an outage, not this fault);
* the Rasa server (`python -m rasa run --enable-api`) is SIGKILLed in the middle of a form
  and started again: the conversation comes back from the SQL tracker store;
* the attachments directory is a tmpfs of 1 MiB mounted here (`mount -t tmpfs`, as root),
  filled up with a file to make the disk full. Where mounting is not allowed the test falls
  back to a read-only directory (not as root, where permissions do not stop writes), and is
  skipped if neither can be had.

Notification senders failing are tested in tests/unit/notify/test_notify_faults.py.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from postgres_server import PostgresServer, own_cluster
from sqlalchemy import create_engine, text

from bot.runtime.model import model_path
from bot.runtime.scripted_user import EN_ANSWERS, VALID_ID
from bot.store.db import dispose_engine
from bot.store.migrate import upgrade
from bot.store.models import Report
from bot.store.repository import ReportRepository
from tests.integration.test_live_intake import Chat, answer_until_summary, png_attachment
from tests.live import ROOT, conversation_id, free_port, last_code

pytestmark = pytest.mark.servers

TOKEN = "faults-token"
START_TIMEOUT_S = 300.0
ATTACHMENTS_FS_SIZE = "1m"
SERVICE = "Passport renewal"
OTHER_SERVICE = "Driving licence renewal"
# What the channel answers when Rasa said nothing (bot.channels.faults.NO_REPLY, English).
NO_REPLY = "a temporary fault on our side kept me from answering"
# actions/intake.py ActionFileReport on a database error: the domain's utter_filing_failed.
FILING_FAILED = "could not be saved just now because of a temporary fault, and nothing was stored"


# -- the servers ----------------------------------------------------------------------------


class Part:
    """One server process, in its own process group (killed with everything it started)."""

    def __init__(self, name: str, command: list[str], env: dict[str, str], log: Path) -> None:
        self.name, self.command, self.env, self.log = name, command, env, log
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                self.command, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def kill(self) -> None:
        """SIGKILL: no clean shutdown, as a crash or an OOM kill."""
        if self.running():
            assert self.process is not None
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(30)

    def stop(self) -> None:
        if self.running():
            assert self.process is not None
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.kill()

    def tail(self, lines: int = 40) -> str:
        text_ = self.log.read_text(encoding="utf-8", errors="replace") if self.log.exists() else ""
        return "\n".join(text_.splitlines()[-lines:])


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2):
            return True
    except (urllib.error.URLError, OSError):
        return False


class Servers:
    """The action server and the Rasa server as `bot serve` runs them, on fixed free ports
    (a restarted server comes back where the other one and the clients expect it)."""

    def __init__(
        self, var_dir: Path, model: Path, database_url: str, tracker_url: str, attachments: Path
    ) -> None:
        self.var_dir = var_dir
        self.database_url = database_url
        self.attachments = attachments
        self.rasa_port, self.actions_port = free_port(), free_port()
        env = dict(os.environ)
        env.pop("TELEGRAM_TOKEN", None)  # never the real Telegram from tests
        env.update(
            {
                "BALAGH_VAR_DIR": str(var_dir),
                "DATABASE_URL": database_url,
                "TRACKER_STORE_URL": tracker_url,
                "ATTACHMENTS_DIR": str(attachments),
                "RASA_TOKEN": TOKEN,
                "ACTIONS_SECRET": "faults-actions-secret",
                "MESSAGE_SINK": str(var_dir / "messages.jsonl"),
                "PYTHONUNBUFFERED": "1",
                "TF_CPP_MIN_LOG_LEVEL": "2",
                "SANIC_KEEP_ALIVE_TIMEOUT": "75",  # as `bot serve` sets it
                "PYTHONPATH": os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH")) if p),
            }
        )
        endpoints = var_dir / "endpoints.yml"
        endpoints.write_text(
            "action_endpoint:\n"
            f'  url: "http://127.0.0.1:{self.actions_port}/webhook"\n'
            "  headers:\n"
            "    X-Actions-Secret: ${ACTIONS_SECRET}\n"
            "tracker_store:\n"
            "  type: SQL\n"
            f'  url: "{tracker_url}"\n',
            encoding="utf-8",
        )
        credentials = var_dir / "credentials.yml"
        shutil.copyfile(ROOT / "credentials.yml", credentials)
        python = sys.executable
        self.actions = Part(
            "action server",
            [python, "-m", "bot.runtime.action_server", "--actions", "actions",
             "--port", str(self.actions_port)],
            env,
            var_dir / "actions.log",
        )
        self.rasa = Part(
            "Rasa server",
            [
                python, "-m", "bot.runtime.rasa_server", "run", "--model", str(model),
                "--port", str(self.rasa_port),
                "--enable-api", "--cors", "*",  # the token: RASA_TOKEN (bot.runtime.rasa_server)
                "--credentials", str(credentials), "--endpoints", str(endpoints),
            ],
            env,
            var_dir / "rasa.log",
        )

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.rasa_port}"

    def _wait(self, part: Part, url: str) -> float:
        started = time.monotonic()
        while time.monotonic() - started < START_TIMEOUT_S:
            if not part.running():
                raise RuntimeError(f"the {part.name} exited while starting:\n{part.tail()}")
            if _answers(url):
                return time.monotonic() - started
            time.sleep(0.5)
        raise RuntimeError(f"the {part.name} did not answer in {START_TIMEOUT_S} s:\n{part.tail()}")

    def start_actions(self) -> float:
        self.actions.start()
        return self._wait(self.actions, f"http://127.0.0.1:{self.actions_port}/health")

    def start_rasa(self) -> float:
        self.rasa.start()
        return self._wait(self.rasa, f"{self.base}/status?token={TOKEN}")

    def ensure_running(self) -> None:
        """Whatever an earlier test left stopped is started again."""
        if not self.actions.running():
            self.start_actions()
        if not self.rasa.running():
            self.start_rasa()

    def stop(self) -> None:
        self.rasa.stop()
        self.actions.stop()

    # AssistantProcess's interface, as tests.integration.test_live_intake.Chat uses it

    def say(self, sender: str, message: str, metadata: dict | None = None) -> list[dict]:
        body: dict[str, Any] = {"sender": sender, "message": message}
        if metadata:
            body["metadata"] = metadata
        request = urllib.request.Request(
            self.base + "/webhooks/rest/webhook", data=json.dumps(body).encode(), method="POST",
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=120) as answer:
            assert answer.status == 200
            return json.loads(answer.read().decode())

    def last_code(self, to: str | None = None) -> str:
        """The one-time code the action server just sent (its development sink)."""
        return last_code(self.var_dir / "messages.jsonl", to)

    def tracker(self, sender: str, *, all_events: bool = False) -> dict[str, Any]:
        events = "ALL" if all_events else "AFTER_RESTART"
        url = (
            f"{self.base}/conversations/{conversation_id(sender)}/tracker"
            f"?token={TOKEN}&include_events={events}"
        )
        with urllib.request.urlopen(url, timeout=60) as answer:
            return json.loads(answer.read().decode())


# -- fixtures -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def postgres() -> Iterator[PostgresServer]:
    """A cluster of this module's own: the tests stop and start it."""
    yield from own_cluster()


class FullDisk:
    """Makes the attachments directory refuse new files: a full tmpfs, or read-only."""

    def __init__(self, directory: Path, how: str) -> None:
        self.directory, self.how = directory, how
        self._filler = directory / "filler.bin"

    def fill(self) -> None:
        if self.how == "read-only":
            os.chmod(self.directory, 0o555)
            for sub in self.directory.iterdir():
                if sub.is_dir():
                    os.chmod(sub, 0o555)
            return
        chunk = b"\0" * 65536
        with self._filler.open("wb", buffering=0) as filler:  # nothing left to flush at close
            try:
                while True:
                    filler.write(chunk)
            except OSError:
                pass
        assert shutil.disk_usage(self.directory).free < 4096

    def free(self) -> None:
        if self.how == "read-only":
            os.chmod(self.directory, 0o755)
            for sub in self.directory.iterdir():
                if sub.is_dir():
                    os.chmod(sub, 0o755)
            return
        self._filler.unlink(missing_ok=True)

    def files(self) -> set[str]:
        """Every file under the directory but the filler, relative."""
        return {
            path.relative_to(self.directory).as_posix()
            for path in self.directory.rglob("*")
            if path.is_file() and path != self._filler
        }


@pytest.fixture(scope="module")
def attachments(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FullDisk]:
    directory = tmp_path_factory.mktemp("attachments")
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={ATTACHMENTS_FS_SIZE},mode=0755", "tmpfs",
         str(directory)],
        capture_output=True, text=True, check=False,
    ).returncode == 0
    if mounted:
        yield FullDisk(directory, "tmpfs")
        subprocess.run(["umount", "-l", str(directory)], capture_output=True, check=False)
    else:
        yield FullDisk(directory, "read-only" if os.geteuid() != 0 else "none")


@pytest.fixture(scope="module")
def servers(
    tmp_path_factory: pytest.TempPathFactory, postgres: PostgresServer, attachments: FullDisk
) -> Iterator[Servers]:
    assert model_path().exists(), "no model: run `make test` (it trains one) first"
    var_dir = tmp_path_factory.mktemp("var")
    model = var_dir / "model.tar.gz"  # a copy: a retraining meanwhile cannot change it
    shutil.copyfile(model_path(), model)
    database_url = postgres.create_database()
    upgrade(database_url)
    live = Servers(
        var_dir, model, database_url, f"sqlite:///{var_dir / 'tracker.db'}", attachments.directory
    )
    try:
        timings = (live.start_actions(), live.start_rasa())
        print(f"\n[faults] action server up in {timings[0]:.1f} s, Rasa in {timings[1]:.1f} s")
        yield live
    finally:
        live.stop()
        dispose_engine(database_url)
        model.unlink(missing_ok=True)


@pytest.fixture
def running(servers: Servers) -> Servers:
    servers.ensure_running()
    return servers


@pytest.fixture(scope="module")
def store(servers: Servers) -> ReportRepository:
    return ReportRepository(servers.database_url)


# -- helpers --------------------------------------------------------------------------------


def _complaint_until(chat: Chat, marker: str) -> str:
    """An English complaint escalation about Absher, answered up to the question `marker`."""
    chat.say("I want to escalate my complaint about Absher, nobody replied")
    reply = chat.say("/affirm")
    values = {"prior_ref": f"C-{chat.sender[-8:]}", "service": SERVICE}
    for _ in range(30):
        last = reply.split("\n")[-1]
        if marker in last:
            return reply
        answer = next((a for m, a in EN_ANSWERS if m in last), None)
        assert answer is not None, f"unexpected question: {reply}"
        for key, value in values.items():
            answer = answer.replace("{" + key + "}", value)
        reply = chat.say(answer)
    raise AssertionError(f"no {marker!r} after 30 answers: {reply}")


def _suggestion_until_summary(chat: Chat) -> str:
    chat.say("I have a suggestion to improve Absher")
    reply = chat.say("/affirm")
    return answer_until_summary(chat, reply, EN_ANSWERS, service=SERVICE, prior_ref="")


def _buttons(chat: Chat) -> list[dict[str, str]]:
    return [button for message in chat.last for button in message.get("buttons", [])]


def _rows(database_url: str, sql: str, **params: Any) -> list[tuple]:
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            return [tuple(row) for row in connection.execute(text(sql), params)]
    finally:
        engine.dispose()


def _check_attachments(report: Report, directory: Path) -> None:
    """Every attachment row of the report has its file, whole (the recorded SHA-256)."""
    for attachment in report.attachments:
        stored = directory / attachment.stored_path
        assert hashlib.sha256(stored.read_bytes()).hexdigest() == attachment.sha256
        assert stored.stat().st_size == attachment.size


def _no_temporary_files(directory: Path) -> None:
    assert not [p for p in directory.rglob(".upload-*")], "a half-written upload was left"


# -- the faults -----------------------------------------------------------------------------


def test_action_server_killed_at_the_summary(running: Servers, store: ReportRepository) -> None:
    chat = Chat(running)
    _suggestion_until_summary(chat)
    running.actions.kill()

    started = time.monotonic()
    reply = chat.say("/confirm_report")
    waited = time.monotonic() - started
    # Rasa alone would answer []: the channel says what happened and offers to send again.
    assert NO_REPLY in reply and "send your last message again" in reply, chat.last
    assert _buttons(chat) == [{"title": "Try again", "payload": "/confirm_report"}]
    assert store.reports_of_sender(conversation_id(chat.sender)) == []

    print(f"\n[faults] silent turn answered in {waited:.1f} s; "
          f"action server back in {running.start_actions():.1f} s")
    reply = chat.say(_buttons(chat)[0]["payload"])
    ref = chat.slots()["report_ref"]
    assert ref and ref in reply and "filed" in reply, reply
    reply = chat.say("/confirm_report")
    assert ref in reply and "not filed a second time" in reply, reply
    [report] = store.reports_of_sender(conversation_id(chat.sender))
    assert report.reference == ref and report.service_name == SERVICE
    assert report.idempotency_key.startswith(f"{conversation_id(chat.sender)}:")


def test_report_store_down_while_sending(
    running: Servers, store: ReportRepository, postgres: PostgresServer, attachments: FullDisk
) -> None:
    chat = Chat(running)
    reply = _complaint_until(chat, "Send any screenshots")
    reply = chat.say("", attachments=[png_attachment("error.png")])
    assert 'Received "error.png"' in reply, reply
    reply = chat.say("/affirm")  # done
    reply = answer_until_summary(chat, reply, EN_ANSWERS, service=SERVICE, prior_ref="")
    assert "error.png" in reply, reply

    postgres.pause()
    try:
        started = time.monotonic()
        reply = chat.say("/confirm_report")
        waited = time.monotonic() - started
        assert FILING_FAILED in reply, chat.last
        assert _buttons(chat) == [{"title": "Send", "payload": "/confirm_report"}]
        assert chat.slots()["report_ref"] is None and chat.slots()["intake_step"] == "summary"
    finally:
        postgres.resume()
    print(f"\n[faults] 'try again' with the store down answered in {waited:.1f} s")
    assert store.reports_of_sender(conversation_id(chat.sender)) == []  # nothing half-written

    reply = chat.say("/confirm_report")
    ref = chat.slots()["report_ref"]
    assert ref and ref in reply and "filed" in reply, reply
    assert "not filed a second time" in chat.say("/confirm_report")
    [report] = store.reports_of_sender(conversation_id(chat.sender))
    assert report.reference == ref and report.reporter.national_id == VALID_ID
    [attachment] = report.attachments
    assert attachment.filename == "error.png" and attachment.content_type == "image/png"
    _check_attachments(report, attachments.directory)
    rows = _rows(
        running.database_url,
        "SELECT (SELECT count(*) FROM reporters WHERE national_id = :id),"
        " (SELECT count(*) FROM attachments WHERE report_id = :report),"
        " (SELECT count(*) FROM status_history WHERE report_id = :report)",
        id=VALID_ID,
        report=report.id,
    )
    assert rows == [(1, 1, 1)]  # one reporter row for the ID, whatever came before
    _no_temporary_files(attachments.directory)


def test_rasa_server_restarted_in_the_middle_of_a_form(
    running: Servers, store: ReportRepository
) -> None:
    chat = Chat(running)  # another service: not the same suggestion as the first test's
    chat.say("I have a suggestion to improve Absher")
    assert "name of the service" in chat.say("/affirm")
    reply = chat.say(OTHER_SERVICE)
    assert reply.split("\n")[-1].startswith("Through which channel"), reply

    running.rasa.kill()
    restart = running.start_rasa()
    print(f"\n[faults] Rasa server back in {restart:.1f} s")
    tracker = running.tracker(chat.sender)
    assert tracker["active_loop"]["name"] == "suggestion_form"
    assert tracker["slots"]["requested_slot"] == "service_channel"

    reply = chat.say("website")  # the answer to the question asked before the restart
    slots = chat.slots()
    assert slots["service_channel"] == "web" and slots["service_name"] == OTHER_SERVICE, slots
    assert "Through which channel" not in reply, reply
    answer_until_summary(chat, reply, EN_ANSWERS, service=OTHER_SERVICE, prior_ref="")
    reply = chat.say("/confirm_report")
    [report] = store.reports_of_sender(conversation_id(chat.sender))
    assert report.reference in reply
    assert (report.platform, report.service_name, report.service_channel) == (
        "Absher", OTHER_SERVICE, "web"
    )
    assert report.language == "en"


def test_disk_full_for_attachments(
    running: Servers, store: ReportRepository, attachments: FullDisk
) -> None:
    if attachments.how == "none":
        pytest.skip("cannot mount a tmpfs here, and root ignores a read-only directory")
    chat = Chat(running)
    _complaint_until(chat, "Send any screenshots")
    before = attachments.files()
    events_before = len(running.tracker(chat.sender, all_events=True)["events"])

    attachments.fill()
    try:
        reply = chat.say("", attachments=[png_attachment("fault.png")])
        assert '"fault.png" could not be saved just now' in reply, chat.last
        assert "carry on without the file" in reply
        assert attachments.files() == before  # no half file
        _no_temporary_files(attachments.directory)
    finally:
        attachments.free()
    # The message never reached the assistant: the conversation is where it was.
    tracker = running.tracker(chat.sender, all_events=True)
    assert len(tracker["events"]) == events_before
    assert tracker["slots"]["requested_slot"] == "attachments_done"
    assert not tracker["slots"]["attachments"]

    reply = chat.say("", attachments=[png_attachment("fault.png")])  # sent again: kept
    assert 'Received "fault.png" (1 attached so far)' in reply, reply
    reply = chat.say("/affirm")
    answer_until_summary(chat, reply, EN_ANSWERS, service=SERVICE, prior_ref="")
    reply = chat.say("/confirm_report")
    [report] = store.reports_of_sender(conversation_id(chat.sender))
    assert report.reference in reply
    [attachment] = report.attachments
    _check_attachments(report, attachments.directory)
    assert attachments.files() - before == {attachment.stored_path}  # nothing else was left
    orphans = _rows(
        running.database_url,
        "SELECT count(*) FROM attachments a LEFT JOIN reports r ON r.id = a.report_id"
        " WHERE r.id IS NULL",
    )
    assert orphans == [(0,)]


def test_silence_in_a_chat_with_an_agent_is_no_fault() -> None:
    from types import SimpleNamespace

    from bot.channels.faults import with_an_agent

    assert with_an_agent(SimpleNamespace(active_loop_name="handoff_form"))
    assert not with_an_agent(SimpleNamespace(active_loop_name="complaint_form"))
    assert not with_an_agent(SimpleNamespace(active_loop_name=None))
    assert not with_an_agent(None)
