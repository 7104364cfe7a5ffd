"""The agent's side of "talk to a person": the queue, taking a chat, answering, handing back.

Users who ask for a person while agents are on duty wait in a queue (bot.store.handoffs).
An agent at the console sees it (`/queue`), takes one (`/take N`: the transcript and the
answers so far are shown), and from then on what they type goes to that user, in the same
chat: pushed at once on Telegram, given with the user's next message elsewhere. The user's
messages come to the console as they arrive (`incoming`). `/back` hands the chat back to
the assistant, which resumes the report where it was.

Plain Python over the store and a push function, so that tests drive it without a terminal.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from bot.clock import Clock
from bot.intake import handoff
from bot.notify import relay
from bot.runtime import settings
from bot.store import handoffs
from bot.store.db import resolve_engine
from bot.store.handoffs import Line, Request

__all__ = ["Desk", "age_text", "request_lines"]


def age_text(since: datetime, now: datetime) -> str:
    """'45 s', '3 min' — how long a request has waited."""
    seconds = max(0, int((now - since).total_seconds()))
    return f"{seconds} s" if seconds < 120 else f"{seconds // 60} min"


def request_lines(request: Request) -> list[str]:
    """What the agent reads when taking a chat: who, the answers so far, the transcript."""
    lines = [
        f"#{request.id} · {request.channel} · {request.language} · {request.sender_id}",
        f"report type: {request.report_type or '—'}",
    ]
    if request.answers:
        lines.append("answers so far:")
        lines += [f"  {name}: {value}" for name, value in request.answers.items()]
    lines.append("transcript:")
    for entry in request.transcript:
        who = "user" if entry.get("who") == "user" else "bot "
        lines.append(f"  {who} › {entry.get('text', '')}")
    return lines


class Desk:
    """One agent's queue and the chat they have taken (at most one at a time)."""

    def __init__(
        self,
        agent_id: str,
        bind: object = None,
        *,
        clock: Clock | None = None,
        push: relay.Push = relay.push,
    ) -> None:
        self.agent_id = agent_id
        self.engine = resolve_engine(bind)  # type: ignore[arg-type]
        self.clock = clock or settings.clock()  # the assistant's (BALAGH_NOW in tests)
        self.push = push
        self.chat: Request | None = None
        self._seen = 0  # the last line id shown to the agent

    # -- the queue ----------------------------------------------------------------------

    def waiting(self) -> list[Request]:
        """Requests nobody took yet, oldest first (the ones that waited too long are ended
        first, so the queue never offers a user who was already told to call)."""
        handoffs.expire_unanswered(self.engine, now=self.clock.now(), wait=handoff.PICKUP_WAIT)
        return [r for r in handoffs.queue(self.engine) if r.state == "waiting"]

    def queue_lines(self) -> list[str]:
        now = self.clock.now()
        requests = self.waiting()
        if not requests:
            return ["Nobody is waiting."]
        return [
            f"#{r.id}  waiting {age_text(r.requested_at, now)}  {r.channel}/{r.language}  "
            f"{r.report_type or 'no report yet'}  «{_last_user_text(r)}»"
            for r in requests
        ]

    def take(self, handoff_id: int) -> Request | None:
        """Take a waiting request: None when someone else took it, or it ended meanwhile."""
        if self.chat is not None:
            raise RuntimeError("hand the current chat back first (/back)")
        request = handoffs.take(
            self.engine, handoff_id, agent_id=self.agent_id, now=self.clock.now()
        )
        if request is None:
            return None
        self.chat = request
        self._seen = 0
        self._push_system(handoff.text("agent_joined", request.language, agent=self.agent_id))
        return request

    # -- the chat -----------------------------------------------------------------------

    def say(self, text: str) -> bool:
        """Send one line to the user; False when the chat has ended (the user left)."""
        chat = self._require_chat()
        line = handoffs.add_line(
            self.engine,
            chat.id,
            author="agent",
            text=text,
            now=self.clock.now(),
            agent_id=self.agent_id,
        )
        if line is None:
            self.chat = None
            return False
        shown = handoff.text("agent_line", chat.language, text=line.text)
        if self.push(chat.channel, chat.sender_id, shown):
            handoffs.mark_delivered(self.engine, line.id, now=self.clock.now())
        return True

    def incoming(self) -> tuple[list[Line], bool]:
        """The user's lines since last asked, and whether the chat is still open (the user
        may have gone back to the assistant)."""
        chat = self._require_chat()
        new = handoffs.lines(self.engine, chat.id, after=self._seen)
        if new:
            self._seen = new[-1].id
        current = handoffs.get(self.engine, chat.id)
        still_open = current is not None and current.is_open
        if not still_open:
            self.chat = None
        return [line for line in new if line.author == "user"], still_open

    def hand_back(self) -> Request | None:
        """End the chat: the assistant takes over again (the user is told)."""
        chat = self._require_chat()
        self.chat = None
        ended = handoffs.end(
            self.engine, chat.id, by="agent", now=self.clock.now(), agent_id=self.agent_id
        )
        if ended is not None and self._push_to(ended, handoff.text("handed_back", ended.language)):
            handoffs.mark_told(self.engine, ended.id, now=self.clock.now())
        return ended

    # -- helpers ------------------------------------------------------------------------

    def _require_chat(self) -> Request:
        if self.chat is None:
            raise RuntimeError("no chat taken: /queue, then /take N")
        return self.chat

    def _push_system(self, text: str) -> bool:
        return self._push_to(self._require_chat(), text)

    def _push_to(self, request: Request, text: str) -> bool:
        return self.push(request.channel, request.sender_id, text)


def _last_user_text(request: Request, limit: int = 60) -> str:
    said: Sequence[str] = [e.get("text", "") for e in request.transcript if e.get("who") == "user"]
    text = said[-1] if said else ""
    return text if len(text) <= limit else text[: limit - 1] + "…"
