"""No personal data in the logs: national IDs, mobiles and e-mail addresses are masked.

Every log record of a process that called `install()` is masked before any handler sees
it, whoever created the handler (ours, Rasa's coloredlogs and structlog set-up, sanic's
access and error loggers, a library's own): `install()` wraps `logging.Logger.callHandlers`,
the one place every record passes on its way from a logger to its handlers. The message
(after `%` formatting), the traceback of an exception, the stack and any `extra` strings
are masked; dict and list arguments are masked before formatting, so a tracker or a slot
dict logged by our code shows no personal values.

What is masked, wherever it stands in the text (also in Arabic-Indic or Persian digits,
and in JSON's `\\u0661` escapes of them):

- Saudi national ID / iqama numbers, 10 digits from 1 or 2: `1*******34`;
- Saudi mobiles: `05XXXXXXXX`, `9665XXXXXXXX`, `+9665XXXXXXXX`, `009665…`, `5XXXXXXXX`,
  with spaces or dashes: `05******67`, `+9665******67`;
- e-mail addresses: `s***@e***.com`;
- the `[parameters: …]` that SQLAlchemy puts in its error messages (row values).

The last two digits stay visible so that support can still tell two people apart.

Names cannot be found by a pattern. They are kept out of the logs by what is logged: the
values of the name and other personal slots (`PII_SLOTS`) and of the free-text slots
(`FREE_TEXT_SLOTS`) are masked wherever a slot dict, a tracker state or a `SlotSet` is
logged, and in a process that runs Rasa, `install()` puts `mask_structlog_event` in
Rasa's structlog processors (in the place of its `_anonymizer`, a Rasa Pro hook): user and
bot texts in Rasa's structured debug events are replaced by their length, and tracebacks
are written without the local variables of their frames.

The servers run by `python -m bot serve` (Rasa and the action server) load this module
through Rasa's `--logging-config-file` option (`write_logging_config`); the CLI, the
scheduler, the Telegram bridge and the call-centre console call `install()` themselves.
"""

from __future__ import annotations

import contextlib
import copy
import logging
import os
import re
import sys
import tempfile
import threading
import unicodedata
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Any

__all__ = [
    "FREE_TEXT_SLOTS",
    "PII_SLOTS",
    "SENSITIVE_SLOTS",
    "PiiFilter",
    "install",
    "installed",
    "installed_filter",
    "logging_config_args",
    "mask_record",
    "mask_slot_value",
    "mask_slots",
    "mask_structlog_event",
    "mask_text",
    "redact_text",
    "scrub",
    "uninstall",
    "write_logging_config",
]

# The reporter's personal data (domain.yml; names fixed by CONTRACT.md).
PII_SLOTS = frozenset({"full_name", "national_id", "mobile", "email"})
# What the reporter typed freely: may hold anything, a name included.
FREE_TEXT_SLOTS = frozenset({"title", "description"})
SENSITIVE_SLOTS = PII_SLOTS | FREE_TEXT_SLOTS
# Slots whose whole value is hidden (a name cannot be masked by a pattern).
_REDACTED_SLOTS = FREE_TEXT_SLOTS | {"full_name"}
# Keys whose value is what a person wrote (user or bot text).
TEXT_KEYS = frozenset(
    {
        "text", "user_text", "parse_data_text", "message", "user_message", "json_message",
        "response_text", "token_text", "response",
    }
)  # fmt: skip
_MAX_DEPTH = 8
_KEEP_TAIL = 2

# -- patterns ------------------------------------------------------------------------------


def _digit(values: str = "0123456789") -> str:
    """One digit among `values`: ASCII, Arabic-Indic, Persian, or a JSON escape of those."""
    native = "".join(chr(base + int(v)) for base in (0x0660, 0x06F0) for v in values)
    return rf"(?:[{values}{native}]|\\u06[6fF][{values}])"


_D = _digit()
_SEP = r"[ \-\u00a0\u2010-\u2015\u2212]?"
# Not inside a longer number, nor the decimals of one (a timestamp 1718000000.25).
_START = r"(?<![0-9\u0660-\u0669\u06f0-\u06f9])(?<!\\u06[6fF][0-9])(?<![0-9]\.)"
_END = r"(?![0-9\u0660-\u0669\u06f0-\u06f9])(?!\\u06[6fF][0-9])(?!\.[0-9])"
_MOBILE_INTL = (
    rf"(?:\+{_SEP}|{_digit('0')}{{2}}{_SEP})?"
    rf"{_digit('9')}{_SEP}{_digit('6')}{_SEP}{_digit('6')}{_SEP}"
    rf"(?:{_digit('0')}{_SEP})?{_digit('5')}(?:{_SEP}{_D}){{8}}"
)
_MOBILE_LOCAL = rf"{_digit('0')}{_SEP}{_digit('5')}(?:{_SEP}{_D}){{8}}"
_MOBILE_BARE = rf"{_digit('5')}{_D}{{8}}"
_NATIONAL_ID = rf"{_digit('12')}{_D}{{9}}"
# Starts only where a run of address characters starts: linear on long tokens (base64).
_EMAIL = (
    r"(?<![\w.%+\-])[\w.%+\-]{1,64}(?:@|%40)"
    r"[A-Za-z0-9\-]{1,63}(?:\.[A-Za-z0-9\-]{1,63}){0,8}\.[A-Za-z]{2,24}"
)
_PII = re.compile(
    rf"(?P<email>{_EMAIL})"
    rf"|{_START}(?:(?P<mobile>{_MOBILE_INTL}|{_MOBILE_LOCAL}|{_MOBILE_BARE})"
    rf"|(?P<nid>{_NATIONAL_ID})){_END}"
)
_DIGIT_UNIT = re.compile(_D)
# SQLAlchemy's "[parameters: (...)]" line of a failed statement: the row's values.
_SQL_PARAMETERS = re.compile(r"\[parameters: [^\n]*\]")
_SQL_PARAMETERS_HIDDEN = "[parameters: hidden]"


def _unit_value(unit: str) -> str:
    return unit[-1] if unit.startswith("\\") else str(unicodedata.digit(unit))


def _mask_digits(text: str, head: int, tail: int = _KEEP_TAIL) -> str:
    """`text` with its digits starred, but the first `head` and the last `tail`."""
    units = list(_DIGIT_UNIT.finditer(text))
    pieces: list[str] = []
    last = 0
    for index, unit in enumerate(units):
        pieces.append(text[last : unit.start()])
        keep = index < head or index >= len(units) - tail
        pieces.append(unit.group() if keep else "*")
        last = unit.end()
    pieces.append(text[last:])
    return "".join(pieces)


def _mobile_head(text: str) -> int:
    """How many leading digits say nothing about the person: 05, 9665, 009665, 5."""
    digits = "".join(_unit_value(unit.group()) for unit in _DIGIT_UNIT.finditer(text))
    if digits.startswith("00966"):
        head = 5
    elif digits.startswith("966"):
        head = 3
    else:
        head = 0
    if head and digits[head] == "0":
        head += 1
    return head + 1 if head else (2 if digits.startswith("0") else 1)


def _mask_email(text: str) -> str:
    at = "@" if "@" in text else "%40"
    local, _, domain = text.partition(at)
    host, _, tld = domain.rpartition(".")
    return f"{local[:1]}***{at}{host[:1]}***.{tld}"


def _mask_match(match: re.Match[str]) -> str:
    text = match.group()
    if match.group("email"):
        return _mask_email(text)
    if match.group("mobile"):
        return _mask_digits(text, _mobile_head(text))
    return _mask_digits(text, 1)


def mask_text(text: str) -> str:
    """`text` with national IDs, mobiles, e-mail addresses and SQL parameters masked."""
    if not text:
        return text
    masked = _PII.sub(_mask_match, text)
    if "[parameters: " in masked:
        masked = _SQL_PARAMETERS.sub(_SQL_PARAMETERS_HIDDEN, masked)
    return masked


def redact_text(text: Any) -> Any:
    """What a person wrote, replaced by its length (None and "" stay as they are)."""
    if not isinstance(text, str) or not text:
        return text
    return f"<redacted: {len(text)} chars>"


def mask_slot_value(name: str, value: Any) -> Any:
    """The value of slot `name` fit for a log: personal and free-text values hidden."""
    if value is None or name not in SENSITIVE_SLOTS:
        return value
    if name in _REDACTED_SLOTS or not isinstance(value, str):
        return redact_text(value) if isinstance(value, str) else "<redacted>"
    masked = mask_text(value)
    if masked == value:  # not in a form the patterns know (a typo): hide all but the end
        masked = "*" * max(len(value) - _KEEP_TAIL, 0) + value[-_KEEP_TAIL:]
    return masked


def mask_slots(slots: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of a slot dict (name → value) with the personal values masked."""
    return {name: mask_slot_value(name, value) for name, value in slots.items()}


_SLOT_LINE = re.compile(r"\n(?=\t[A-Za-z_]\w*: )")
_SLOT_ENTRY = re.compile(r"(\t?)([A-Za-z_]\w*): (.*)", re.DOTALL)


def _mask_slot_lines(text: str) -> str:
    """Rasa's "\\tname: value" lines (processor.slots.log) with personal values masked."""
    entries = []
    for entry in _SLOT_LINE.split(text):
        match = _SLOT_ENTRY.fullmatch(entry)
        if match and match.group(2) in SENSITIVE_SLOTS and match.group(3) != "None":
            tab, name, value = match.groups()
            entry = f"{tab}{name}: {mask_slot_value(name, value)}"
        entries.append(mask_text(entry))
    return "\n".join(entries)


def _is_event(value: Any) -> bool:
    """A Rasa or Rasa SDK event object (SlotSet, UserUttered, BotUttered, …)."""
    module = type(value).__module__ or ""
    return module.startswith(("rasa.shared.core.events", "rasa_sdk.events"))


def _scrub_event(event: Any) -> str:
    """A Rasa event as text, its personal values masked and its texts redacted."""
    try:
        masked = copy.copy(event)
        attributes = list(vars(event).items())
    except Exception:  # noqa: BLE001 - an event without a __dict__
        return mask_text(f"<{type(event).__name__}>")
    key = getattr(event, "key", None)
    for attribute, value in attributes:
        if attribute == "value" and isinstance(key, str):
            new = mask_slot_value(key, value)
        elif attribute in TEXT_KEYS:
            new = redact_text(value)
        elif attribute == "metadata":
            new = _redact_metadata(value)
        else:
            new = scrub(value)
        if new is not value:
            setattr(masked, attribute, new)
    try:
        own_repr = type(masked).__repr__ is not object.__repr__  # SlotSet: only a __repr__
        return mask_text(repr(masked) if own_repr else str(masked))
    except Exception:  # noqa: BLE001 - an event that cannot print itself with masked values
        return f"<{type(event).__name__}>"


def _redact_metadata(value: Any) -> Any:
    if isinstance(value, Mapping) and value:
        return f"<redacted metadata: {', '.join(sorted(map(str, value)))}>"
    return value


def _scrub_dict(value: Mapping[Any, Any], depth: int) -> dict[Any, Any]:
    event_kind = value.get("event")
    slot_name = value.get("name") if event_kind == "slot" else None
    result: dict[Any, Any] = {}
    for key, item in value.items():
        if isinstance(key, str) and key in SENSITIVE_SLOTS:
            result[key] = mask_slot_value(key, item)
        elif key == "value" and isinstance(slot_name, str):
            result[key] = mask_slot_value(slot_name, item)
        elif key in TEXT_KEYS and isinstance(item, str):
            result[key] = redact_text(item)
        elif key == "metadata":
            result[key] = _redact_metadata(item)
        else:
            result[key] = _scrub(item, depth + 1)
    return result


def _scrub(value: Any, depth: int) -> Any:
    if depth > _MAX_DEPTH:
        return value
    if isinstance(value, str):
        return mask_text(value)
    if isinstance(value, Mapping):
        return _scrub_dict(value, depth)
    if isinstance(value, list | tuple | set | frozenset):
        items = [_scrub(item, depth + 1) for item in value]
        return tuple(items) if isinstance(value, tuple) else items
    if _is_event(value):
        return _scrub_event(value)
    return value


def scrub(value: Any) -> Any:
    """A copy of `value` (dicts, lists, events, text) fit for a log.

    Slot dicts, tracker states and events get their personal slot values masked and their
    user and bot texts redacted; every other string gets `mask_text`. Other objects are
    returned as they are (their text is masked once the message is formatted).
    """
    return _scrub(value, 0)


# -- log records ---------------------------------------------------------------------------

_MASKED_FLAG = "_pii_masked"
_RECORD_ATTRIBUTES = frozenset(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {
    "message",
    "asctime",
    "taskName",
    _MASKED_FLAG,
}
_FORMATTER = logging.Formatter()


def _scrub_args(args: Any) -> Any:
    if isinstance(args, Mapping):
        return scrub(args)
    if isinstance(args, tuple) and any(
        isinstance(arg, Mapping | list | tuple | set) or _is_event(arg) for arg in args
    ):
        return tuple(
            arg if isinstance(arg, str | int | float) or arg is None else scrub(arg) for arg in args
        )
    return args


def mask_record(record: logging.LogRecord) -> logging.LogRecord:
    """Mask `record` in place (once): message, arguments, traceback, stack, extras."""
    if getattr(record, _MASKED_FLAG, False):
        return record
    _patch_rasa_if_loaded()
    if isinstance(record.msg, Mapping) and not record.args:
        record.msg = scrub(record.msg)  # structlog's ProcessorFormatter style: a dict
    else:
        try:
            record.args = _scrub_args(record.args)
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - bad arguments: logging would print them raw with the error
            message = f"{record.msg!s} (arguments: {record.args!r})"
        record.msg = mask_text(message)
        record.args = None
    if record.exc_info:
        record.exc_text = _FORMATTER.formatException(record.exc_info)
        record.exc_info = None  # so that no formatter prints the raw exception again
    if record.exc_text:
        record.exc_text = mask_text(record.exc_text)
    if record.stack_info:
        record.stack_info = mask_text(record.stack_info)
    for name, value in list(vars(record).items()):
        if name in _RECORD_ATTRIBUTES:
            continue
        if isinstance(value, str):
            setattr(record, name, mask_text(value))
        elif isinstance(value, Mapping | list | tuple):
            setattr(record, name, scrub(value))
    if isinstance(getattr(record, "message", None), str):
        record.message = mask_text(record.message)
    setattr(record, _MASKED_FLAG, True)
    return record


class PiiFilter(logging.Filter):
    """A logging filter that masks each record it sees (and lets it through)."""

    def filter(self, record: logging.LogRecord) -> bool:
        mask_record(record)
        return True


# -- installing ----------------------------------------------------------------------------

_lock = threading.RLock()
_installed = False
_rasa_patched = False
# What `logging.Logger.callHandlers` was before `install()` (kept after `uninstall()`, for
# a call already under way in another thread).
_original_call_handlers: Any = logging.Logger.callHandlers


def _masking_call_handlers(self: logging.Logger, record: logging.LogRecord) -> None:
    mask_record(record)
    _original_call_handlers(self, record)


# The keys of Rasa's structlog events that carry what people wrote or slot values
# (rasa/utils/log_utils.py `_anonymizer`, Rasa 3.6).
RASA_EVENT_KEYS = frozenset(
    {
        "text", "response_text", "user_text", "slot_values", "parse_data_text",
        "parse_data_entities", "prediction_events", "tracker_latest_message", "prefilled_slots",
        "message", "response", "slot_candidates", "rasa_event", "rasa_events", "tracker_states",
        "current_states", "old_states", "successes", "current_entity", "next_entity", "states",
        "entity", "token_text", "user_message", "json_message",
    }
)  # fmt: skip


# Policies' dialogue states: intents, actions and featurised slots, kept (for debugging
# the rules); a user text there (end-to-end featurisation) is redacted.
_STATE_KEYS = frozenset({"tracker_states", "current_states", "old_states", "states"})
_STATE_TEXT = re.compile(r"""(['"]text['"]: )(?:'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")""")
# Policy.format_tracker_states: "[state 3] user text: … | user intent: … | slots: …"
_FORMATTED_STATE_TEXT = re.compile(
    r"((?:user|previous action) text: ).*?"
    r"(?= \| (?:user |previous action |active loop: |slots: )|$)",
    re.MULTILINE,
)


def _mask_states(text: str) -> str:
    text = _STATE_TEXT.sub(r"\1'<redacted>'", text)
    return mask_text(_FORMATTED_STATE_TEXT.sub(r"\1<redacted>", text))


def _mask_rasa_value(value: Any) -> Any:
    if isinstance(value, str):
        if value.startswith("\t") and _SLOT_ENTRY.match(value):
            return _mask_slot_lines(value)  # processor.slots.log: "\tname: value" lines
        return redact_text(value)  # a text a user or the bot wrote
    return scrub(value)


def mask_structlog_event(logger: Any, method: str, event_dict: dict[str, Any]) -> dict[str, Any]:
    """A structlog processor: Rasa's events with their texts and personal slot values masked.

    Takes the place of Rasa's own `_anonymizer` (which does nothing without Rasa Pro) in
    Rasa's structlog set-up; it runs Rasa's first, so a Rasa Pro pipeline would still run.
    """
    event_dict = _rasa_anonymizer(logger, method, event_dict)
    _render_exception(method, event_dict)
    for key, value in list(event_dict.items()):
        if key in _STATE_KEYS and isinstance(value, str):
            event_dict[key] = _mask_states(value)
        elif key in RASA_EVENT_KEYS:
            event_dict[key] = _mask_rasa_value(value)
        elif key != "event":
            event_dict[key] = scrub(value)
    return event_dict


def _render_exception(method: str, event_dict: dict[str, Any]) -> None:
    """The event's exception as a plain, masked traceback, here and now.

    Rasa renders exceptions with structlog's `dict_tracebacks`, which writes the local
    variables of every frame: the user's text, a tracker, a name. `exc_info` is set to
    False so that neither it nor `set_exc_info` renders the exception again.
    """
    exc_info = event_dict.get("exc_info", True if method == "exception" else None)
    if not exc_info:
        return
    if isinstance(exc_info, BaseException):
        exc_info = (type(exc_info), exc_info, exc_info.__traceback__)
    elif not isinstance(exc_info, tuple):
        exc_info = sys.exc_info()
    if exc_info[0] is not None:
        event_dict["exception"] = mask_text(_FORMATTER.formatException(exc_info))
    event_dict["exc_info"] = False


def _rasa_anonymizer(logger: Any, method: str, event_dict: dict[str, Any]) -> dict[str, Any]:
    return event_dict  # replaced by Rasa's `_anonymizer` once Rasa is loaded


def _patch_rasa_structlog() -> bool:
    """Put `mask_structlog_event` in Rasa's structlog processors, if Rasa is loaded here.

    Rasa builds its processor list from `rasa.utils.log_utils._anonymizer` when it
    configures structlog; that name is replaced, and so is the entry of a list already
    configured (structlog's loggers share that list).
    """
    global _rasa_patched, _rasa_anonymizer
    log_utils = sys.modules.get("rasa.utils.log_utils")
    original = getattr(log_utils, "_anonymizer", None)
    if original is None:
        return False
    with _lock:
        if _rasa_patched:
            return True
        if original is not mask_structlog_event:
            _rasa_anonymizer = original
            log_utils._anonymizer = mask_structlog_event  # type: ignore[union-attr]
        import structlog

        processors = structlog.get_config()["processors"]
        if isinstance(processors, list):
            for index, processor in enumerate(processors):
                if processor is original:
                    processors[index] = mask_structlog_event
        _rasa_patched = True
        return True


def _patch_rasa_if_loaded() -> None:
    if not _rasa_patched and "rasa.utils.log_utils" in sys.modules:
        with contextlib.suppress(Exception):  # never let logging fail over this
            _patch_rasa_structlog()


def _masking_showwarning(
    message: Warning | str,
    category: type[Warning],
    filename: str,
    lineno: int,
    file: Any = None,
    line: str | None = None,
) -> None:
    """`warnings.showwarning`, the message masked first: Rasa reports a `/intent{…}` message
    it cannot parse with `warnings.warn`, the whole message (an ID, a mobile) quoted, and
    warnings are written to stderr without passing through logging."""
    text = str(message)
    masked = mask_text(text)
    if masked != text:
        try:
            message = category(masked)
        except Exception:  # noqa: BLE001 - a category that takes other arguments
            message = UserWarning(masked)
    _original_showwarning(message, category, filename, lineno, file, line)


_original_showwarning: Any = warnings.showwarning


def install() -> None:
    """Mask every log record (and warning) of this process from now on (idempotent).

    Wraps `logging.Logger.callHandlers`, so that handlers added later (Rasa's, sanic's,
    a `logging.config.dictConfig`) get masked records too; adds `PiiFilter` to the root
    logger's handlers of now, for records handed to a handler directly; and, where Rasa
    is loaded, puts `mask_structlog_event` in its structlog processors.
    """
    global _installed, _original_call_handlers, _original_showwarning
    with _lock:
        if not _installed:
            _original_call_handlers = logging.Logger.callHandlers
            logging.Logger.callHandlers = _masking_call_handlers  # type: ignore[method-assign]
            _original_showwarning = warnings.showwarning
            warnings.showwarning = _masking_showwarning
            _installed = True
        for handler in logging.getLogger().handlers:
            if not any(isinstance(f, PiiFilter) for f in handler.filters):
                handler.addFilter(PiiFilter())
    _patch_rasa_if_loaded()


def uninstall() -> None:
    """Undo `install()` (for tests); Rasa's structlog processors keep the masking."""
    global _installed
    with _lock:
        if _installed:
            logging.Logger.callHandlers = _original_call_handlers  # type: ignore[method-assign]
            warnings.showwarning = _original_showwarning
            _installed = False
        for handler in logging.getLogger().handlers:
            for found in [f for f in handler.filters if isinstance(f, PiiFilter)]:
                handler.removeFilter(found)


def installed() -> bool:
    """Whether `install()` is in effect in this process."""
    return _installed


def installed_filter() -> PiiFilter:
    """The `()` factory of the logging config file: installs the masking, returns a filter."""
    install()
    return PiiFilter()


# -- the logging config file of the servers -----------------------------------------------

LOGGING_CONFIG = """\
# Written by `python -m bot serve` (bot/runtime/logmask.py); edits are overwritten.
# Given to `rasa run` and `rasa_sdk` as their logging config file: loading the filter below
# masks national IDs, mobiles, e-mail addresses and personal slot values in every log
# record of the process. It adds no handler: Rasa's own output is kept.
version: 1
disable_existing_loggers: false
filters:
  mask_personal_data:
    "()": bot.runtime.logmask.installed_filter
"""


def write_logging_config(path: Path) -> Path:
    """The logging config file for `--logging-config-file`, written atomically to `path`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists() and path.read_text(encoding="utf-8") == LOGGING_CONFIG:
        return path
    fd, temporary = tempfile.mkstemp(prefix=".logging-", suffix=".yml", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(LOGGING_CONFIG)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path


def logging_config_args(path: Path, *, rasa_sdk: bool = False) -> list[str]:
    """The command-line option that makes `rasa run` (or `rasa_sdk`) load the masking.

    Rasa SDK 3.6 spells the option `--logging-config_file`.
    """
    option = "--logging-config_file" if rasa_sdk else "--logging-config-file"
    return [option, str(write_logging_config(path))]
