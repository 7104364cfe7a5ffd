"""`python -m bot agent`: the call-centre console, the assistant as the agent's script.

The agent types what the caller says (or the number of a choice) and reads out what the
assistant answers. Each turn shows the assistant's messages in the caller's language, the
buttons as numbered choices, and a panel: report type, eligibility conditions, fields
collected so far. The conversation is the same Rasa dialogue as on every other channel;
its messages carry `metadata.channel = "call_centre"` and the agent's id, so a report filed
here has the channel `call_centre` and the sender id `call_centre:<agent id>:<call id>`
(see bot/agent/calls.py).

Plain line-by-line output and the standard `input()` line editor (readline: history with
the arrow keys, Ctrl-A/E …): nothing to click, the scrollback keeps the whole call, and
it works in any terminal and over SSH. A full-screen library (prompt-toolkit) would
not help with what is hard here, Arabic in terminals that cannot shape it, which
`display.py` handles for the output either way.

Commands (everything else is the caller's answer):
  /status REF   a report's status and history, to read to the caller (also /ref)
  /faq WORDS    search the assistant's answers in the caller's language
  /new          next caller: a fresh conversation
  /lang [ar|en] switch the caller's language (no argument: the other one)
  /queue        users who asked for a person in a chat (Telegram, widget, REST)
  /take N       take one: its transcript and answers; what you type then goes to that user
  /back         hand that chat back to the assistant (the report resumes where it was)
  /help         the commands;  /quit (or Ctrl-D) leaves;  Ctrl-C clears the typed line
  =TEXT         send TEXT as typed (e.g. "=2" when the choices would take 2 as a number)
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import signal
import sys
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TextIO

from bot.agent import calls, display, faq, lookup, panel
from bot.agent.desk import Desk, request_lines
from bot.agent.display import Mode
from bot.digits import to_ascii_digits
from bot.intake.workdays import saudi_today
from bot.runtime import settings
from bot.store.access import Principal
from bot.store.reference import parse_reference

__all__ = ["Console", "Screen", "build_parser", "main"]

PROMPT = "caller> "
SIDE_BY_SIDE_MIN_COLUMNS = 100
GUTTER = " │ "
HELP = """Commands (anything else is what the caller said):
  <number>       pick that numbered choice
  /status REF    look up a report, read its status and history to the caller (also /ref)
  /faq WORDS     search the assistant's answers in the caller's language
  /new           next caller: start a fresh conversation
  /lang [ar|en]  switch the caller's language (no argument: the other one)
  /queue         chat users waiting for a person;  /take N  take one (you then write to them)
  /back          hand the chat you took back to the assistant
  /quit          leave (also Ctrl-D); Ctrl-C clears the line being typed
  =TEXT          send TEXT exactly as typed (e.g. =2 when 2 is an answer, not a choice)"""


class Screen:
    """Writes turns and notes to the terminal in one Arabic display mode."""

    def __init__(
        self,
        mode: Mode,
        out: TextIO = sys.stdout,
        columns: Callable[[], int] | None = None,
    ) -> None:
        self.mode = mode
        self.out = out
        self._columns = columns or (lambda: shutil.get_terminal_size((120, 40)).columns)

    @property
    def columns(self) -> int:
        return max(self._columns() - 1, 40)  # never the last column: no surprise wraps

    def write(self, lines: Sequence[str]) -> None:
        self.out.write("".join(line.rstrip() + "\n" for line in lines))
        self.out.flush()

    def _lines(self, text: str, cells: int, indent: str = "") -> list[str]:
        if self.mode == "raw":  # the terminal wraps and places the text itself
            return [indent + line for line in text.split("\n")]
        return display.block(text, cells, self.mode, indent=indent)

    @staticmethod
    def rule(title: str, cells: int) -> str:
        head = f"── {title} " if title else ""
        return head + "─" * max(cells - display.width(head), 0)

    def note(self, title: str, lines: Sequence[str], *, verbatim: bool = False) -> None:
        """A block outside the dialogue: a look-up, FAQ answers, help, an error.

        `verbatim` lines (the help's table) are written as they are.
        """
        cells = self.columns
        body: list[str] = [self.rule(title, cells)]
        for line in lines:
            body.extend([line] if verbatim else self._lines(line, cells))
        self.write(body)

    def turn(self, script: Sequence[str], side: Sequence[str], language: str) -> None:
        """What to say (messages and numbered choices) beside the panel."""
        cells = self.columns
        title = f"say to the caller ({language})"
        if self.mode == "raw" or cells < SIDE_BY_SIDE_MIN_COLUMNS:
            # One block under the other: a terminal that reorders Arabic itself reorders
            # each whole line, and would mix two columns sharing a line.
            body = [self.rule(title, cells)]
            for text in script:
                body.extend(self._lines(text, cells))
            body.append(self.rule("call", cells))
            for text in side:
                body.extend(self._lines(text, cells, indent=""))
            body.append(self.rule("", cells))
            self.write(body)
            return
        right = min(max(36, cells * 3 // 8), 64)
        left = cells - right - display.width(GUTTER)
        script_lines = [line for text in script for line in self._lines(text, left)]
        side_lines = [line for text in side for line in self._lines(text, right)]
        rows = max(len(script_lines), len(side_lines))
        script_lines += [" " * left] * (rows - len(script_lines))
        side_lines += [""] * (rows - len(side_lines))
        header = self.rule(title, left) + "─┬─" + self.rule("call", right)
        body = [header]
        body.extend(a + GUTTER + b for a, b in zip(script_lines, side_lines, strict=True))
        body.append("─" * left + "─┴─" + "─" * right)
        self.write(body)

    def echo(self, prompt: str, text: str) -> None:
        """Redraw the line just typed, shaped (the terminal showed its letters unjoined)."""
        if self.mode != "shaped" or not display.has_rtl(text):
            return
        if not (sys.stdin.isatty() and self.out.isatty()):
            return
        total = max(self._columns(), 1)
        rows = max(1, -(-display.width(prompt + text) // total))
        shown = display.visual(text, self.mode)
        self.out.write(f"\x1b[{rows}F\x1b[J{prompt}{shown}\n")
        self.out.flush()


def script_of(messages: Sequence[dict[str, Any]]) -> tuple[list[str], list[str]]:
    """The texts to show (messages, then `[n] title` per button) and the buttons' payloads."""
    texts: list[str] = []
    payloads: list[str] = []
    for message in messages:
        if message.get("text"):
            texts.append(str(message["text"]))
        for button in message.get("buttons") or []:
            payloads.append(str(button.get("payload") or button.get("title") or ""))
            texts.append(f"[{len(payloads)}] {button.get('title', '')}")
        if message.get("image"):
            texts.append(f"[image] {message['image']}")
    return texts, payloads


class Console:
    """The loop: read a line, run a command or send it to the assistant, show the turn."""

    def __init__(
        self,
        assistant: Any,
        screen: Screen,
        agent_id: str,
        *,
        panel_language: str = "ar",
        repository: Any = None,
        desk: Desk | None = None,
    ) -> None:
        self.assistant = assistant
        self.screen = screen
        self.agent_id = agent_id
        self.panel_language = panel_language
        self._repository = repository
        self._desk = desk
        self._desk_lock = threading.Lock()
        self.sender_id = ""
        self.payloads: list[str] = []
        self.language = "ar"
        self.calls = 0

    # -- calls ------------------------------------------------------------------------

    def new_call(self) -> None:
        self.calls += 1
        self.sender_id = calls.new_sender_id(self.agent_id)
        self.payloads = []
        self.language = "ar"
        today = saudi_today()
        side = panel.build_panel({}, today=today, language=self.panel_language).lines()
        self.screen.note(f"call {self.calls} · {self.sender_id}", [*side])

    def _send(self, text: str) -> None:
        try:
            messages = self.assistant.send(self.sender_id, text, calls.metadata(self.agent_id))
            slots = self.assistant.slots(self.sender_id)
        except Exception as error:  # noqa: BLE001 - the call goes on; the log has the details
            self.screen.note("error", [f"The assistant failed on this message: {error}"])
            return
        self.language = "en" if slots.get("language") == "en" else "ar"
        script, self.payloads = script_of(messages)
        if not script:
            script = ["(no reply: ask the caller to go on, or /help)"]
        side = panel.build_panel(slots, today=saudi_today(), language=self.panel_language)
        self.screen.turn(script, side.lines(), self.language)

    # -- commands ---------------------------------------------------------------------

    def repository(self) -> Any:
        if self._repository is None:
            from bot.store.repository import ReportRepository

            self._repository = ReportRepository(settings.database_url())
        return self._repository

    def _status(self, argument: str) -> None:
        reference = parse_reference(argument)
        if reference is None:
            self.screen.note(
                "status",
                [
                    f"{argument!r} is not a report reference (BR- and 8 letters/digits): "
                    "/status BR-XXXXXXXX"
                ],
            )
            return
        # a call-centre agent reads any report, as the back office does (bot.store.access)
        report = self.repository().get_for(Principal.back_office("agent"), reference)
        if report is None:
            self.screen.note("status", [f"No report {reference}."])
            return
        from bot.store.serialize import report_to_dict

        document = report_to_dict(report)
        lines = [lookup.identity_hint(document), *lookup.status_lines(document, self.language)]
        self.screen.note(f"status {reference} ({self.language})", lines)

    def _faq(self, query: str) -> None:
        if not query.strip():
            self.screen.note("faq", ["Type words to search for: /faq <words>"])
            return
        hits = faq.search(self.assistant.responses(), query, self.language)
        if not hits:
            self.screen.note(f"faq ({self.language})", [f"Nothing found for {query!r}."])
            return
        lines: list[str] = []
        for number, hit in enumerate(hits, 1):
            lines += [f"({number}) {hit.name}", hit.text]
        self.screen.note(f"faq ({self.language}): {query}", lines)

    def _lang(self, argument: str) -> None:
        target = argument.strip().lower() or ("en" if self.language == "ar" else "ar")
        if target not in ("ar", "en"):
            self.screen.note("lang", ["/lang ar or /lang en"])
            return
        payload = "/switch_language" + json.dumps({"target_language": target})
        self._send(payload)

    # -- chats handed over by the assistant (bot.agent.desk) -----------------------------

    def desk(self) -> Desk:
        if self._desk is None:
            self._desk = Desk(self.agent_id, self.repository().engine)
        return self._desk

    def _queue(self, _argument: str = "") -> None:
        with self._desk_lock:
            self.screen.note("queue", self.desk().queue_lines())

    def _take(self, argument: str) -> None:
        number = to_ascii_digits(argument).strip().lstrip("#")
        if not number.isdigit():
            self.screen.note("take", ["/take N, N from /queue"])
            return
        with self._desk_lock:
            desk = self.desk()
            if desk.chat is not None:
                self.screen.note("take", [f"You are in chat #{desk.chat.id}: /back first."])
                return
            request = desk.take(int(number))
        if request is None:
            self.screen.note("take", [f"#{number} is not waiting any more (taken or ended)."])
            return
        lines = request_lines(request)
        lines.append("What you type now goes to this user; /back hands the chat back.")
        self.screen.note(f"chat #{request.id}", lines)

    def _back(self, _argument: str = "") -> None:
        with self._desk_lock:
            desk = self.desk()
            if desk.chat is None:
                self.screen.note("back", ["No chat taken."])
                return
            ended = desk.hand_back()
        if ended is None:
            self.screen.note("back", ["The user had already gone back to the assistant."])
        else:
            self.screen.note("back", [f"Chat #{ended.id} handed back to the assistant."])

    def _chat_say(self, text: str) -> None:
        with self._desk_lock:
            desk = self.desk()
            chat_id = desk.chat.id if desk.chat else 0
            sent = desk.say(text)
        if not sent:
            self.screen.note("chat", [f"Chat #{chat_id} has ended: the user went back."])

    def in_chat(self) -> bool:
        return self._desk is not None and self._desk.chat is not None

    def show_incoming(self) -> None:
        """Print the user's new lines of the chat taken (called before each prompt and by
        the poller while the agent waits)."""
        with self._desk_lock:
            if not self.in_chat():
                return
            chat_id = self.desk().chat.id  # type: ignore[union-attr]
            lines, still_open = self.desk().incoming()
        for line in lines:
            self.screen.note(f"user #{chat_id}", [line.text])
        if not still_open:
            self.screen.note(
                "chat", [f"Chat #{chat_id} has ended: the user is back with the assistant."]
            )

    def _help(self, first: str = "") -> None:
        lines = [first] if first else []
        lines += [*HELP.splitlines(), "Panel: " + panel.legend("en")]
        self.screen.note("help", lines, verbatim=True)

    def handle(self, line: str) -> bool:
        """Act on one typed line; False when the agent leaves."""
        text = line.strip()
        self.show_incoming()
        if not text:
            return True
        if self.in_chat() and not text.startswith("/"):
            self._chat_say(text[1:] if text.startswith("=") else text)
            return True
        if text.startswith("="):
            self._send(text[1:].strip())
            return True
        if text.startswith("/"):
            name, _, argument = text[1:].partition(" ")
            name = name.lower()
            if name in ("quit", "exit", "q"):
                return False
            commands: dict[str, Callable[[str], None]] = {
                "status": self._status,
                "ref": self._status,
                "lookup": self._status,
                "faq": self._faq,
                "lang": self._lang,
                "new": lambda _argument: self.new_call(),
                "help": lambda _argument: self._help(),
                "queue": self._queue,
                "take": self._take,
                "back": self._back,
            }
            if name in commands:
                commands[name](argument.strip())
                return True
            intent = name.split("{", 1)[0]
            if intent in self.assistant.intents():  # a Rasa payload such as /deny
                self._send(text)
                return True
            self._help(f"Unknown command /{name}.")
            return True
        number = to_ascii_digits(text)
        if number.isdigit() and 0 < int(number) <= len(self.payloads):
            self._send(self.payloads[int(number) - 1])
            return True
        self._send(text)
        return True

    def poll_chat(self, stop: threading.Event, every: float = 2.0) -> None:
        """Show a taken chat's new lines while the agent waits at the prompt."""
        while not stop.wait(every):
            try:
                self.show_incoming()
            except Exception as error:  # noqa: BLE001 - the store may be busy: the next poll tries again
                self.screen.note("chat", [f"Reading the chat failed: {error}"])

    def run(self, read: Callable[[str], str] = input) -> int:
        self.new_call()
        stop = threading.Event()
        threading.Thread(target=self.poll_chat, args=(stop,), daemon=True).start()
        try:
            return self._loop(read)
        finally:
            stop.set()

    def _loop(self, read: Callable[[str], str]) -> int:
        while True:
            try:
                line = read(PROMPT)
            except EOFError:
                self.screen.write([""])
                return 0
            except KeyboardInterrupt:
                self.screen.write(["^C"])
                continue
            self.screen.echo(PROMPT, line)
            if not self.handle(line):
                return 0


# -- program ----------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    from bot.runtime.model import model_path

    parser = argparse.ArgumentParser(
        prog="python -m bot agent",
        description="Call-centre console: the assistant as the agent's script. Type what "
        "the caller says; a number picks a choice; /help lists the commands.",
        epilog="Arabic display, auto rule: raw when BALAGH_TERMINAL_BIDI=1; shaped when "
        "BALAGH_TERMINAL_BIDI=0 or inside tmux/screen; raw in a terminal known to do bidi "
        "(VTE >= 0.58, mlterm, Konsole, mintty); shaped otherwise.",
    )
    parser.add_argument(
        "--agent-id", required=True, help="your agent id (recorded with every report you file)"
    )
    parser.add_argument(
        "--arabic-display",
        choices=display.CHOICES,
        default="auto",
        help="shaped: Arabic shaped and reordered here, for terminals that cannot; raw: "
        "left to the terminal; auto (default): see below",
    )
    parser.add_argument(
        "--panel-language",
        choices=("ar", "en"),
        default="ar",
        help="language of the side panel (default ar); the script follows the caller",
    )
    parser.add_argument("--model", type=Path, default=model_path(), help="trained Rasa model")
    parser.add_argument(
        "--actions-url",
        help="use this running action server (e.g. http://127.0.0.1:5055) instead of starting one",
    )
    parser.add_argument("--actions-port", type=int, help="port of the action server started")
    return parser


def _readline() -> None:
    if sys.stdin.isatty():
        with contextlib.suppress(ImportError):  # pragma: no cover
            import readline  # noqa: F401  (line editing and history for input())


def _stop_on_signals() -> None:
    def on_signal(signum: int, _frame: object) -> None:
        raise SystemExit(128 + signum)

    for name in ("SIGTERM", "SIGHUP"):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), on_signal)


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        agent_id = calls.check_agent_id(args.agent_id)
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    mode, why = display.resolve_mode(args.arabic_display, os.environ)
    screen = Screen(mode)
    from bot.agent.runtime import Assistant, StartError

    assistant = Assistant(
        args.model,
        log_dir=settings.VAR_DIR / "logs",
        name=agent_id,
        actions_url=args.actions_url,
        actions_port=args.actions_port,
    )
    _stop_on_signals()
    screen.write(
        [
            f"Balagh Raqmi call-centre console · agent {agent_id}",
            f"Arabic display: {mode} ({why}) · store: {settings.redacted(settings.database_url())}",
            "Starting the assistant (model and action server, about half a minute) ...",
        ]
    )
    started = time.monotonic()
    try:
        assistant.start()
        screen.write(
            [
                f"Ready in {time.monotonic() - started:.0f} s. Type what the caller says and "
                "press Enter; a number picks a choice; /help lists the commands.",
                f"Logs: {assistant.console_log}",
            ]
        )
        _readline()
        return Console(assistant, screen, agent_id, panel_language=args.panel_language).run()
    except StartError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    finally:
        assistant.stop()


if __name__ == "__main__":
    sys.exit(main())
