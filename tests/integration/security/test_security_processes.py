"""Attacks on the processes: forged action calls, secrets in `ps`, files other users can read.

Before this suite's changes: a POST straight to the action server (port 5055, every
interface, no secret) ran `action_file_report` on a forged tracker and filed a report;
`ps` showed Rasa's `--auth-token`; var/, the SQLite store and the attachments were readable
by every local user.

The shared assistant runs the actions in the Rasa server's process (the default since
stop 30): no port takes action calls at all. The same attacks on an assistant with an action
server (`--action-server`) are in tests/live/test_live_action_server.py, with these helpers.
"""

from __future__ import annotations

import base64
import io
import json
import stat
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from bot.store.repository import ReportRepository
from tests.live import AssistantProcess

pytestmark = pytest.mark.servers

SECRET_HEADER = "X-Actions-Secret"


# a valid national ID no other test of the session files with (they share one store)
FORGED_ID = "1000041002"


def forged_filing_call(sender: str) -> dict[str, Any]:
    """An action call for `action_file_report` with a tracker that is ready to file."""
    slots = {
        "language": "en",
        "report_type": "development_suggestion",
        "intake_step": "summary",
        "filing_key": "forged-key-1",
        "full_name": "Forged Person",
        "national_id": FORGED_ID,
        "mobile": "+966551234567",
        "service_name": "Absher",
        "platform": "Absher",
        "service_channel": "web",
        "description": "A forged report that must never be stored.",
    }
    return {
        "next_action": "action_file_report",
        "sender_id": sender,
        "version": "3.6.2",
        "domain": {"slots": {}, "responses": {}, "forms": {}, "actions": []},
        "tracker": {
            "sender_id": sender,
            "slots": slots,
            "latest_message": {"text": "yes", "intent": {"name": "affirm"}, "entities": []},
            "latest_event_time": 0,
            "followup_action": None,
            "paused": False,
            "events": [],
            "latest_input_channel": "rest",
            "active_loop": {},
            "latest_action": {},
            "latest_action_name": "action_listen",
        },
    }


def post(url: str, body: Any, headers: dict[str, str] | None = None) -> tuple[int, str]:
    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), method="POST",
        headers={"Content-Type": "application/json", **(headers or {})},
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def get(url: str, headers: dict[str, str] | None = None) -> int:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def test_no_port_takes_a_forged_action_call(
    assistant: AssistantProcess, store: ReportRepository
) -> None:
    """In process, nothing listens for action calls: not the action server's port (no
    action server runs), not Rasa's own (it has no action webhook)."""
    sender = "forged-caller-0"
    assert listening_addresses(assistant.actions_port) == set()
    for path in ("/webhook", "/webhooks/actions/webhook"):
        status, body = post(f"{assistant.base}{path}", forged_filing_call(sender))
        assert status in (404, 405), (path, status, body)
    assert store.reports_of_sender(sender) == []
    assert store.reports_of(FORGED_ID) == []


def test_the_assistant_itself_still_reaches_its_actions(assistant: AssistantProcess) -> None:
    """Rasa sends the secret: a turn that needs custom actions is answered."""
    replies = assistant.say("secure-turn-1", "I want to check the status of my report")
    assert replies and all(message.get("text") for message in replies)
    assert "temporary" not in json.dumps(replies).lower()


def listening_addresses(port: int) -> set[str]:
    """The local addresses of TCP sockets listening on `port` (from /proc/net/tcp{,6})."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            address, port_hex = fields[1].rsplit(":", 1)
            if int(port_hex, 16) == port and fields[3] == "0A":  # 0A: LISTEN
                found.add(address)
    return found


def descendants(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for stat_file in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat_file.read_text().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError):
            continue
        children.setdefault(int(fields[1]), []).append(int(stat_file.parent.name))
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo.extend(children.get(current, []))
    return found


def command_lines_show_no_secret(assistant: AssistantProcess, processes: int) -> None:
    """At least `processes` processes under `bot serve`, and no secret of the assistant (its
    Rasa token, the action server's secret when there is one) on any of their command
    lines."""
    assert assistant.process is not None
    secrets = [assistant.token]
    if (assistant.var_dir / "actions_secret").exists():
        secrets.append((assistant.var_dir / "actions_secret").read_text().strip())
    pids = descendants(assistant.process.pid)
    assert len(pids) >= processes, pids
    for pid in pids:
        try:
            argv = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
        except FileNotFoundError:
            continue
        for secret in secrets:
            assert secret not in argv, f"process {pid} shows a secret: {argv!r}"


def test_no_secret_is_on_any_command_line(assistant: AssistantProcess) -> None:
    command_lines_show_no_secret(assistant, 3)  # bot serve, the Rasa server, the jobs


def _png() -> str:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 30, 30)).save(buffer, format="PNG")
    return base64.b64encode(buffer.getvalue()).decode()


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_files_the_assistant_writes_are_owner_only(assistant: AssistantProcess) -> None:
    assistant.say(
        "secure-files-1", "",
        {"attachments": [{"filename": "a.png", "content_type": "image/png", "data": _png()}]},
    )
    var = assistant.var_dir
    attachments = var / "attachments"
    stored = [path for path in attachments.rglob("*") if path.is_file()]
    assert stored, "the upload was not stored"
    directories = [var, attachments, *(p for p in attachments.rglob("*") if p.is_dir())]
    directories += [var / "logs"]
    for directory in directories:
        assert _mode(directory) == 0o700, (directory, oct(_mode(directory)))
    files = [
        var / "reports.db", var / "rasa_token", var / "actions_secret", var / "endpoints.yml",
        var / "credentials.yml", var / "logs" / "rasa.log", var / "logs" / "actions.log",
        *stored,
    ]
    for path in files:
        if path.name in ("rasa_token", "actions.log", "actions_secret") and not path.exists():
            continue  # the tests pass RASA_TOKEN; no action server runs, in process
        assert _mode(path) & 0o077 == 0, (path, oct(_mode(path)))


def test_the_rasa_server_runs_with_its_changes(assistant: AssistantProcess) -> None:
    """bot/runtime/rasa_tuning.py's default changes and the actions in process, as the Rasa
    server's log says at start (the whole suite then runs on them)."""
    log = (assistant.var_dir / "logs" / "rasa.log").read_text(encoding="utf-8")
    applied = log.split("Rasa tuning", 1)[1].splitlines()[0]
    for name in ("sequential", "states", "copy", "inprocess"):
        assert name in applied, applied
