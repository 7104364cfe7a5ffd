"""`python -m bot chat`: the terminal client of a running assistant, against the session's
shared one: a greeting, a button pressed by its number, leaving; and a server that is not
there gets a clear error and a new prompt, not a crash."""

from __future__ import annotations

import subprocess
import sys
import uuid

import pytest

from bot.runtime.process import AssistantProcess, free_port
from tests.live import ROOT

pytestmark = pytest.mark.servers


def chat(url: str, *lines: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", "chat", "--url", url,
         "--sender", f"chat-{uuid.uuid4().hex[:8]}"],
        input="\n".join(lines) + "\n", cwd=ROOT, capture_output=True, text=True, timeout=120,
        check=False,
    )  # fmt: skip


def test_a_conversation_with_numbered_buttons(assistant: AssistantProcess) -> None:
    done = chat(f"{assistant.base}/webhooks/rest/webhook", "hello", "1", "/quit")
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "Balagh Raqmi" in out and "[1] " in out, out
    # the first button's payload was sent: its answer follows the second prompt
    first, second = out.split("you> ")[1:3]
    assert second.strip() and second.strip() != first.strip(), out


def test_an_unreachable_assistant_is_an_error_and_a_new_prompt() -> None:
    done = chat(f"http://127.0.0.1:{free_port()}/webhooks/rest/webhook", "hello")
    assert done.returncode == 0  # Ctrl-D after the error: left cleanly
    assert "cannot reach the assistant" in done.stderr and "make run" in done.stderr
    assert done.stdout.count("you> ") == 2
