"""Agent ids and the Rasa sender ids of the calls an agent takes (pure).

The report store has no column for the agent, and needs none: every report keeps the
sender id of the conversation that filed it (`reports.sender_id`), and the console names
each call `call_centre:<agent id>:<call id>`. So the agent who took a report is
`agent_of(report.sender_id)`, and `channel` is `call_centre` (the console's messages
carry `metadata.channel`, read by `bot.intake.filing.channel_of`). The call id is the
time the call started (UTC) and a random suffix: a new console never resumes an old
call's conversation from the tracker store.
"""

from __future__ import annotations

import re
import secrets
from datetime import UTC, datetime

__all__ = ["AGENT_ID", "CHANNEL", "agent_of", "check_agent_id", "metadata", "new_sender_id"]

CHANNEL = "call_centre"
AGENT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$")
_SENDER = re.compile(rf"^{CHANNEL}:(?P<agent>[A-Za-z0-9][A-Za-z0-9_.-]{{0,31}}):(?P<call>.+)$")


def check_agent_id(agent_id: str) -> str:
    """The agent id, or ValueError: 1-32 letters, digits, `_ . -`, starting alphanumeric."""
    agent_id = (agent_id or "").strip()
    if not AGENT_ID.match(agent_id):
        raise ValueError(
            f"invalid agent id {agent_id!r}: 1-32 letters, digits, '_', '.' or '-', "
            "starting with a letter or digit (e.g. A17)"
        )
    return agent_id


def new_sender_id(agent_id: str, now: datetime | None = None) -> str:
    """A fresh conversation for the agent's next caller."""
    started = (now or datetime.now(UTC)).astimezone(UTC)
    return f"{CHANNEL}:{check_agent_id(agent_id)}:{started:%Y%m%dT%H%M%S}-{secrets.token_hex(3)}"


def agent_of(sender_id: str | None) -> str | None:
    """The agent id in a console call's sender id; None for other channels."""
    found = _SENDER.match(sender_id or "")
    return found.group("agent") if found else None


def metadata(agent_id: str) -> dict[str, str]:
    """What every message of the console carries (see bot.intake.filing.channel_of)."""
    return {"channel": CHANNEL, "agent_id": agent_id}
