"""Run-time settings, read from the environment (names fixed by shared/CONTRACT.md).

Relative paths are resolved against the project root so that every process (Rasa,
the action server, the CLI, the tests) agrees on one store whatever its working
directory.
"""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

from bot.clock import SYSTEM_CLOCK, Clock, OffsetClock

PROJECT_ROOT = Path(__file__).resolve().parents[2]
VAR_DIR = Path(os.environ.get("BALAGH_VAR_DIR", PROJECT_ROOT / "var"))
MODELS_DIR = PROJECT_ROOT / "models"


def _absolute_sqlite(url: str) -> str:
    """Turn `sqlite:///var/x.db` (relative) into an absolute path under the project."""
    prefix = "sqlite:///"
    if url.startswith(prefix) and not url.startswith(prefix + "/") and url != prefix:
        relative = url[len(prefix) :]
        if relative != ":memory:":
            return prefix + str((PROJECT_ROOT / relative).resolve())
    return url


def database_url() -> str:
    """The report store: `DATABASE_URL`, default SQLite under var/."""
    url = os.environ.get("DATABASE_URL") or "sqlite:///var/reports.db"
    return _absolute_sqlite(url)


def tracker_store_url() -> str:
    """Rasa's conversation store: `TRACKER_STORE_URL`, default the report database."""
    url = os.environ.get("TRACKER_STORE_URL") or database_url()
    return _absolute_sqlite(url)


def attachments_dir() -> Path:
    """Where uploaded screenshots and documents are kept (`ATTACHMENTS_DIR`)."""
    path = Path(os.environ.get("ATTACHMENTS_DIR") or VAR_DIR / "attachments")
    return path if path.is_absolute() else (PROJECT_ROOT / path).resolve()


DEFAULT_PRIVACY_RETENTION_DAYS = 30


def privacy_retention_days() -> int:
    """Days an idle conversation keeps its personal data (`PRIVACY_RETENTION_DAYS`, default
    30; see bot.store.privacy). ValueError for anything but a whole number of days, 1 or more.
    """
    text = (os.environ.get("PRIVACY_RETENTION_DAYS") or "").strip()
    if not text:
        return DEFAULT_PRIVACY_RETENTION_DAYS
    try:
        days = int(text)  # Arabic-Indic digits are read too
    except ValueError:
        days = 0
    if days < 1:
        raise ValueError(
            f"PRIVACY_RETENTION_DAYS must be a whole number of days (1 or more), got {text!r}"
        )
    return days


def redacted(url: str) -> str:
    """A database URL fit for logs and messages: the password replaced by ***."""
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 - only shown to people: never fail over it
        return "<unparseable database URL>"


def redis_url() -> str | None:
    return os.environ.get("REDIS_URL") or None


# conversations whose tracker each Rasa server keeps in memory (bot/runtime/tracker_store.py)
DEFAULT_TRACKER_CACHE = 256


def tracker_cache_size() -> int:
    """`BALAGH_TRACKER_CACHE`: how many conversations' trackers a Rasa server keeps in memory
    (0: none, every turn reads SQL; benchmarks compare the two)."""
    text = (os.environ.get("BALAGH_TRACKER_CACHE") or "").strip()
    if not text:
        return DEFAULT_TRACKER_CACHE
    if not text.isdigit():
        raise ValueError(f"BALAGH_TRACKER_CACHE={text!r}: a number of conversations (0 for none)")
    return int(text)


DEFAULT_CATALOGUE_REFRESH_S = 15.0


def catalogue_refresh_s() -> float:
    """`BALAGH_CATALOGUE_REFRESH_S`: how often (seconds) a process that talks to users looks
    for a newer imported catalogue (`python -m bot catalogue import`); 15 by default. A value
    that is not a positive number is an error."""
    text = (os.environ.get("BALAGH_CATALOGUE_REFRESH_S") or "").strip()
    if not text:
        return DEFAULT_CATALOGUE_REFRESH_S
    try:
        seconds = float(text)
    except ValueError:
        seconds = 0.0
    if not seconds > 0:
        raise ValueError(f"BALAGH_CATALOGUE_REFRESH_S={text!r}: a number of seconds above 0")
    return seconds


def rasa_token() -> str:
    """`RASA_TOKEN`, or a token generated once into var/rasa_token (mode 0600)."""
    from bot.runtime.secrets import generated_secret

    return generated_secret("RASA_TOKEN", "rasa_token")


def rest_token() -> str | None:
    """`REST_TOKEN`: when set, the REST channel requires `Authorization: Bearer <it>`.

    Unset on a developer's machine (the channel is open, and `make run` says so); the
    deployment files set it.
    """
    return (os.environ.get("REST_TOKEN") or "").strip() or None


TELEGRAM_API_DEFAULT = "https://api.telegram.org/bot"


def telegram_token() -> str | None:
    """The Telegram bot token (`TELEGRAM_TOKEN`); unset means no Telegram channel."""
    return (os.environ.get("TELEGRAM_TOKEN") or "").strip() or None


def telegram_api_url() -> str:
    """Base URL of the Bot API (`TELEGRAM_API_URL`), Telegram's own by default."""
    return (os.environ.get("TELEGRAM_API_URL") or "").strip() or TELEGRAM_API_DEFAULT


def telegram_webhook_url() -> str | None:
    """`TELEGRAM_WEBHOOK_URL`: the public HTTPS address Telegram posts updates to.

    Unset (the default): `make run` polls Telegram with the bridge instead.
    """
    return (os.environ.get("TELEGRAM_WEBHOOK_URL") or "").strip() or None


def clock() -> Clock:
    """The clock of the assistant's timed answers (whether agents are on duty, how long a
    request for a person has waited): the machine's, or — `BALAGH_NOW=2026-12-06T10:00+03:00`,
    for demonstrations and tests, like `python -m bot jobs --now` — one that starts at that
    moment when the process first asks and runs on at the real pace."""
    global _offset_clock
    text = (os.environ.get("BALAGH_NOW") or "").strip()
    if not text:
        return SYSTEM_CLOCK
    if _offset_clock is None or _offset_clock[0] != text:
        moment = datetime.fromisoformat(text)
        if moment.tzinfo is None:
            raise ValueError("BALAGH_NOW needs a time zone, e.g. 2026-12-06T10:00+03:00")
        _offset_clock = (text, OffsetClock(moment))
    return _offset_clock[1]


_offset_clock: tuple[str, OffsetClock] | None = None


ACTIONS_MODE_ENV = "BALAGH_ACTIONS"
IN_PROCESS = "in-process"
ACTION_SERVER = "server"
# the action endpoint Rasa is given when it runs the actions itself: never reached (the
# call is answered in the process, bot/runtime/rasa_tuning.py `inprocess`); a call that went
# out all the same would fail on the reserved .invalid name, not reach anything
IN_PROCESS_ACTIONS_URL = "http://in-process.invalid/webhook"


def actions_in_process() -> bool:
    """BALAGH_ACTIONS: `in-process` (the default) has the Rasa server run the custom actions
    itself, with no action server; `server` starts an action server and calls it over HTTP.
    Anything else is an error (ValueError) that says what to write."""
    value = os.environ.get(ACTIONS_MODE_ENV, "").strip().lower() or IN_PROCESS
    if value not in (IN_PROCESS, ACTION_SERVER):
        raise ValueError(
            f"{ACTIONS_MODE_ENV}={value!r}: write {IN_PROCESS} (the default: the Rasa server "
            f"runs the actions) or {ACTION_SERVER} (a separate action server)"
        )
    return value == IN_PROCESS
