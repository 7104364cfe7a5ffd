"""Three changes to Rasa 3.6's server process, each measured (README "Where a turn's time goes").

The Rasa server of `python -m bot serve` is started through bot/rasa_server.py, which applies
them before Rasa runs. Measured by bench/profile_turn.py, a turn of the assistant cost the
stock Rasa process about 84 ms of CPU:

* `validator`: Rasa checks every action-server reply with `jsonschema.validate()`, which
  checks the schema against its metaschema and builds a new validator each time (about
  12 ms a call, 38 % of the turn). Here the validator is built once; a reply that breaks the
  schema is still refused with the same error.
* `keepalive`: Rasa opens a new aiohttp session, and TCP connection, for every call to the
  action server (13 % of the turn). Here each endpoint keeps one session per event loop, so
  connections are reused. The pool closes an idle connection after 15 s, before the action
  server does (`bot serve` sets SANIC_KEEP_ALIVE_TIMEOUT=75 there), so a request never goes
  out on a connection the server has just closed.
* `language`: the `language` slot's custom mapping, `action_detect_language`, used to be an
  HTTP call to the action server after every user message (with the whole tracker and
  domain, 130-190 KB of JSON). Here Rasa runs the same rule (bot.nlu.language
  .language_after_message) in its own process. The action server keeps the action, so a
  plain `rasa run` behaves the same, only slower.

BALAGH_RASA_TUNING picks the changes (comma-separated names, "all" — the default — or
"none"), so benchmarks can compare them in one run.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Callable
from typing import Any

logger = logging.getLogger(__name__)

ENVIRONMENT = "BALAGH_RASA_TUNING"
LANGUAGE_ACTION = "action_detect_language"
# aiohttp's default; below the action server's keep-alive (SANIC_KEEP_ALIVE_TIMEOUT=75).
POOL_KEEPALIVE_S = 15.0


def use_one_validator() -> None:
    """RemoteAction checks action-server replies with a validator built once."""
    import jsonschema
    from rasa.core.actions.action import RemoteAction
    from rasa.shared.constants import DOCS_BASE_URL

    schema = RemoteAction.action_response_format_spec()
    validator = jsonschema.validators.validator_for(schema)(schema)

    def _validate_action_result(self: RemoteAction, result: dict[str, Any]) -> bool:
        try:
            validator.validate(result)
        except jsonschema.ValidationError as error:  # Rasa's own message, as in 3.6
            error.message += (
                ". Failed to validate Action server response from API, "
                "make sure your response from the Action endpoint is valid. "
                f"For more information about the format visit {DOCS_BASE_URL}/custom-actions"
            )
            raise
        return True

    RemoteAction._validate_action_result = _validate_action_result  # type: ignore[method-assign]


class _Borrowed:
    """`async with endpoint.session() as session` on a session that outlives the block."""

    def __init__(self, session: Any) -> None:
        self.session = session

    async def __aenter__(self) -> Any:
        return self.session

    async def __aexit__(self, *exc_info: object) -> bool:
        return False


def keep_sessions_alive() -> None:
    """EndpointConfig.session() hands out one kept-alive session per endpoint and loop."""
    import aiohttp
    from rasa.utils.endpoints import DEFAULT_REQUEST_TIMEOUT, EndpointConfig

    sessions: dict[tuple[str, str, int], aiohttp.ClientSession] = {}

    def session(self: EndpointConfig) -> _Borrowed:
        # what the session carries (the URL goes with each request), and the loop it runs on
        key = (
            repr(sorted((self.headers or {}).items())),
            repr(self.basic_auth),
            id(asyncio.get_running_loop()),
        )
        shared = sessions.get(key)
        if shared is None or shared.closed:
            auth = None
            if self.basic_auth:
                auth = aiohttp.BasicAuth(self.basic_auth["username"], self.basic_auth["password"])
            shared = sessions[key] = aiohttp.ClientSession(
                headers=self.headers,
                auth=auth,
                timeout=aiohttp.ClientTimeout(total=DEFAULT_REQUEST_TIMEOUT),
                connector=aiohttp.TCPConnector(keepalive_timeout=POOL_KEEPALIVE_S),
            )
        return _Borrowed(shared)

    EndpointConfig.session = session  # type: ignore[method-assign,assignment]


def latest_text(tracker: Any) -> str:
    """The latest user message as typed (the normaliser keeps it under `original_text`)."""
    message = tracker.latest_message
    if message is None:
        return ""
    return (message.parse_data or {}).get("original_text") or message.text or ""


def language_events(tracker: Any) -> list[Any]:
    """What `action_detect_language` returns, computed from Rasa's own tracker."""
    from rasa.shared.core.events import SlotSet

    from bot.nlu.language import language_after_message

    language = language_after_message(
        tracker.get_slot("language"), latest_text(tracker), tracker.get_slot("requested_slot")
    )
    return [] if language is None else [SlotSet("language", language)]


def detect_language_in_process() -> None:
    """ActionExtractSlots runs the `language` slot's custom mapping without an HTTP call."""
    from rasa.core.actions.action import ActionExtractSlots

    original = ActionExtractSlots._run_custom_action

    async def _run_custom_action(
        self: ActionExtractSlots, custom_action: str, output_channel: Any, nlg: Any,
        tracker: Any, domain: Any,
    ) -> list[Any]:
        if custom_action == LANGUAGE_ACTION:
            return language_events(tracker)
        return await original(self, custom_action, output_channel, nlg, tracker, domain)

    ActionExtractSlots._run_custom_action = _run_custom_action  # type: ignore[method-assign]


CHANGES: dict[str, Callable[[], None]] = {
    "validator": use_one_validator,
    "keepalive": keep_sessions_alive,
    "language": detect_language_in_process,
}


def wanted(setting: str | None) -> list[str]:
    """The change names a BALAGH_RASA_TUNING value asks for (unknown names are an error)."""
    setting = (setting or "all").strip().lower()
    if setting == "all":
        return list(CHANGES)
    if setting == "none":
        return []
    names = [name.strip() for name in setting.split(",") if name.strip()]
    unknown = [name for name in names if name not in CHANGES]
    if unknown:
        raise ValueError(
            f"{ENVIRONMENT}: unknown change(s) {', '.join(unknown)}; "
            f"use all, none or some of {', '.join(CHANGES)}"
        )
    return names


def apply(names: list[str] | None = None) -> list[str]:
    """Applies the named changes (default: those BALAGH_RASA_TUNING asks for), once each."""
    names = wanted(os.environ.get(ENVIRONMENT)) if names is None else names
    for name in names:
        if name not in _applied:
            CHANGES[name]()
            _applied.add(name)
    return names


_applied: set[str] = set()
