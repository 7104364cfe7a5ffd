"""A running assistant as a child process: `python -m bot serve` on free loopback ports,
with its own var/ directory and store, and a small REST client to talk to it.

`make run` starts the same command; the tests (tests/live.py), the benchmarks (bench/) and
scripts/transcript.py start it through this class, so every one of them runs the assistant
exactly as a user's `make run` does.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from bot.runtime.settings import PROJECT_ROOT

__all__ = [
    "AssistantProcess",
    "client_address_of",
    "conversation_id",
    "free_port",
    "free_ports",
    "last_code",
    "sent_messages",
]

ROOT = PROJECT_ROOT


# Conversation ids that channels other than REST vouch for, kept as they are.
CHANNEL_PREFIXES = ("web-", "telegram:", "call_centre:", "rest:")


def conversation_id(sender: str) -> str:
    """The id Rasa keeps for `sender`: a REST client's name lives in REST's own namespace
    (bot.channels.rest.rest_sender_id); other channels' ids are kept as they are."""
    return sender if sender.startswith(CHANNEL_PREFIXES) else "rest:" + sender


def client_address_of(sender: str) -> str:
    """A documentation-range address (198.18.0.0/15) of the conversation's own."""
    digest = hashlib.sha256(sender.encode()).digest()
    return f"198.18.{digest[0]}.{digest[1]}"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def free_ports(count: int) -> int:
    """The first of `count` consecutive free loopback ports (`bot cluster` numbers its
    servers from one port on)."""
    for _ in range(200):
        first = random.randint(20000, 45000)
        probes = []
        try:
            for port in range(first, first + count):
                probe = socket.socket()
                probes.append(probe)
                probe.bind(("127.0.0.1", port))
            return first
        except OSError:
            continue
        finally:
            for probe in probes:
                probe.close()
    raise RuntimeError("no free ports")


class AssistantProcess:
    """The Rasa server and action server on free ports, with their own store and var/."""

    def __init__(self, var_dir: Path, database_url: str, token: str = "test-token") -> None:
        self.var_dir = var_dir
        self.token = token
        self.env = dict(os.environ)
        self.env.update(
            {
                "BALAGH_VAR_DIR": str(var_dir),
                "DATABASE_URL": database_url,
                "RASA_TOKEN": token,
                "ATTACHMENTS_DIR": str(var_dir / "attachments"),
            }
        )
        self.env.pop("TRACKER_STORE_URL", None)
        self.env.pop("REST_TOKEN", None)  # the tests talk to an open REST channel
        # The tests' messages come through "a proxy" on loopback that names a client address
        # of each conversation's own (see say()), so one test's wrong codes are not counted
        # against the next test's address (bot.store.throttle).
        self.env["TRUSTED_PROXIES"] = "127.0.0.1"
        self.env.pop("TELEGRAM_TOKEN", None)  # never a bridge to the real Telegram from tests
        self.env.pop("BALAGH_NOW", None)  # the machine's clock unless a module sets one
        self.process: subprocess.Popen[str] | None = None
        self.rasa_port = 0
        self.actions_port = 0
        self.output = ""

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.rasa_port}"

    def start(self, timeout: float = 300.0) -> None:
        self.rasa_port, self.actions_port = free_port(), free_port()
        log = (self.var_dir / "serve.out").open("w")
        self.process = subprocess.Popen(
            [
                sys.executable, "-m", "bot", "serve",
                "--rasa-port", str(self.rasa_port), "--actions-port", str(self.actions_port),
            ],
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            text=True,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.output = (self.var_dir / "serve.out").read_text()
            if "is running" in self.output:
                return
            if self.process.poll() is not None:
                raise RuntimeError(f"serve exited {self.process.returncode}:\n{self.output}")
            time.sleep(1)
        self.stop()
        raise RuntimeError(f"assistant did not start in {timeout} s:\n{self.output}")

    def stop(self) -> int | None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(2)  # Ctrl-C
            try:
                self.process.wait(60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        code = self.process.returncode if self.process else None
        self.output = (self.var_dir / "serve.out").read_text()
        return code

    def request(
        self, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None
    ) -> tuple[int, Any]:
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(
            self.base + path, data=data, method=method,
            headers={"Content-Type": "application/json", **(headers or {})},
        )
        try:
            with urllib.request.urlopen(req, timeout=60) as response:
                raw = response.read().decode()
                return response.status, json.loads(raw) if raw else None
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    def say(self, sender: str, text: str, metadata: dict | None = None) -> list[dict[str, Any]]:
        body: dict[str, Any] = {"sender": sender, "message": text}
        if metadata:
            body["metadata"] = metadata
        status, messages = self.request(
            "POST", "/webhooks/rest/webhook", body,
            headers={"X-Forwarded-For": client_address_of(sender)},
        )
        assert status == 200, messages
        return messages

    def sent_messages(self) -> list[dict[str, Any]]:
        """What the assistant sent by SMS or e-mail (the development sink, MESSAGE_SINK)."""
        return sent_messages(self.var_dir / "messages.jsonl")

    def last_code(self, to: str | None = None) -> str:
        """The one-time code in the latest SMS or e-mail (to `to`, when given)."""
        return last_code(self.var_dir / "messages.jsonl", to)

    def tracker(self, sender: str, *, all_events: bool = False) -> dict[str, Any]:
        """The tracker; Rasa leaves out what came before a restart unless asked for ALL."""
        events = "ALL" if all_events else "AFTER_RESTART"
        status, tracker = self.request(
            "GET",
            f"/conversations/{conversation_id(sender)}/tracker"
            f"?token={self.token}&include_events={events}",
        )
        assert status == 200, tracker
        return tracker


def sent_messages(sink: Path) -> list[dict[str, Any]]:
    """The messages in a development sink (MESSAGE_SINK: one JSON object a line)."""
    if not sink.exists():
        return []
    return [json.loads(line) for line in sink.read_text(encoding="utf-8").splitlines()]


def last_code(sink: Path, to: str | None = None) -> str:
    """The one-time code in the sink's latest message (to `to`, when given)."""
    for message in reversed(sent_messages(sink)):
        if to is None or message["to"] == to:
            found = re.search(r"\b\d{6}\b", message["text"])
            if found:
                return found.group(0)
    raise AssertionError(f"no code was sent{' to ' + to if to else ''}")
