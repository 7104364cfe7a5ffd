"""Helpers for tests that talk to the real assistant (`python -m bot serve`) over REST.

The process itself is `bot.runtime.process.AssistantProcess` (the benchmarks start it the
same way); here: reading its replies, and `running_assistant`, the body of an `assistant`
fixture. Most tests share one assistant for the whole session (`shared_assistant` in
tests/conftest.py); a module that needs the servers started differently (another clock,
debug logs, faults) starts its own.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from bot.runtime.process import (
    ROOT,
    AssistantProcess,
    client_address_of,
    conversation_id,
    free_port,
    free_ports,
    last_code,
    sent_messages,
)

__all__ = [
    "ARABIC",
    "ON_DUTY",
    "ROOT",
    "AssistantProcess",
    "client_address_of",
    "conversation_id",
    "free_port",
    "free_ports",
    "is_arabic",
    "is_english",
    "last_code",
    "processes_of",
    "running_assistant",
    "sent_messages",
    "texts",
]

ARABIC = re.compile(r"[\u0600-\u06FF]")
# A Sunday morning in Riyadh: the call centre's agents are on duty (a person: the queue).
ON_DUTY = "2026-12-06T10:00:00+03:00"


def texts(messages: list[dict[str, Any]]) -> str:
    return "\n".join(m.get("text", "") for m in messages)


def is_arabic(messages: list[dict[str, Any]]) -> bool:
    text = texts(messages)
    return bool(text) and len(ARABIC.findall(text)) > len(re.findall(r"[A-Za-z]", text))


def is_english(messages: list[dict[str, Any]]) -> bool:
    text = texts(messages)
    return bool(text) and not ARABIC.search(text)


def processes_of(var_dir: Path, module: str) -> list[int]:
    """The pids of the processes running `module` (`python -m …`) for this var dir."""
    found = []
    for proc in Path("/proc").iterdir():
        try:
            command = (proc / "cmdline").read_bytes().split(b"\0")
            environ = (proc / "environ").read_bytes().split(b"\0")
        except OSError:  # not a process, gone, or not ours
            continue
        if module.encode() in command and f"BALAGH_VAR_DIR={var_dir}".encode() in environ:
            found.append(int(proc.name))
    return found


def running_assistant(
    tmp_path_factory: Any, env: dict[str, str] | None = None
) -> Iterator[AssistantProcess]:
    """The body of a module's `assistant` fixture: one server, its own store, stopped after.
    `env`: more of the servers' environment (e.g. BALAGH_NOW)."""
    from bot.runtime.model import model_path

    assert model_path().exists(), "no model: run `make test` (it trains one) first"
    var_dir = tmp_path_factory.mktemp("var")
    live = AssistantProcess(var_dir, f"sqlite:///{var_dir / 'reports.db'}")
    live.env.update(env or {})
    live.start()
    try:
        yield live
    finally:
        live.stop()
