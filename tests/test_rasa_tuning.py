"""bot/rasa_tuning.py: each change to Rasa's server process keeps Rasa's behaviour.

Every test applies its change inside `monkeypatch`, so Rasa's classes are restored after it.
"""

from __future__ import annotations

import asyncio
import socket

import jsonschema
import pytest
from aiohttp import web
from rasa.core.actions.action import ActionExtractSlots, RemoteAction
from rasa.shared.core.events import SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.language import ActionDetectLanguage
from bot import rasa_tuning


def test_setting_names_the_changes() -> None:
    assert rasa_tuning.wanted(None) == ["validator", "keepalive", "language"]
    assert rasa_tuning.wanted("ALL") == ["validator", "keepalive", "language"]
    assert rasa_tuning.wanted("none") == []
    assert rasa_tuning.wanted(" keepalive, language ") == ["keepalive", "language"]
    with pytest.raises(ValueError, match=r"unknown change.*cache.*all, none"):
        rasa_tuning.wanted("validator,cache")


# --------------------------------------------------------------------------- validator


@pytest.fixture
def one_validator(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(RemoteAction, "_validate_action_result",
                        RemoteAction._validate_action_result)
    rasa_tuning.CHANGES["validator"]()

    def no_per_call_validation(*args: object, **kwargs: object) -> None:
        raise AssertionError("jsonschema.validate() called for a reply")

    monkeypatch.setattr(jsonschema, "validate", no_per_call_validation)


@pytest.mark.usefixtures("one_validator")
def test_replies_are_checked_without_a_new_validator_each() -> None:
    action = RemoteAction("action_x", None)
    assert action._validate_action_result({"events": [{"event": "slot", "name": "a",
                                                        "value": 1}], "responses": []})


@pytest.mark.usefixtures("one_validator")
def test_a_reply_that_breaks_the_schema_is_still_refused() -> None:
    action = RemoteAction("action_x", None)
    with pytest.raises(jsonschema.ValidationError, match="Failed to validate Action server"):
        action._validate_action_result({"events": "not a list", "responses": []})


# --------------------------------------------------------------------------- keepalive


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def _peers_seen(calls: list[EndpointConfig]) -> list[tuple[int, str | None]]:
    """Sends one request per endpoint to a local server; the client port and header seen."""
    seen: list[tuple[int, str | None]] = []

    async def handler(request: web.Request) -> web.Response:
        peer = request.transport.get_extra_info("peername") if request.transport else None
        seen.append((peer[1] if peer else 0, request.headers.get("X-Tag")))
        return web.json_response({"ok": True})

    app = web.Application()
    app.router.add_post("/webhook", handler)
    runner = web.AppRunner(app)
    await runner.setup()
    port = _free_port()
    site = web.TCPSite(runner, "127.0.0.1", port)
    await site.start()
    try:
        for endpoint in calls:
            endpoint.url = f"http://127.0.0.1:{port}/webhook"
            assert await endpoint.request(json={"n": 1}) == {"ok": True}
    finally:
        await runner.cleanup()
    return seen


def test_calls_reuse_one_connection(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(EndpointConfig, "session", EndpointConfig.session)
    rasa_tuning.CHANGES["keepalive"]()
    endpoint = EndpointConfig("http://placeholder/webhook")
    seen = asyncio.run(_peers_seen([endpoint, endpoint, endpoint]))
    assert len(seen) == 3
    assert len({port for port, _ in seen}) == 1, seen


def test_stock_rasa_opens_a_connection_per_call() -> None:
    """The baseline the change is measured against (and proof the test above can fail)."""
    endpoint = EndpointConfig("http://placeholder/webhook")
    seen = asyncio.run(_peers_seen([endpoint, endpoint]))
    assert len({port for port, _ in seen}) == 2, seen


def test_endpoints_with_other_headers_get_their_own_session(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(EndpointConfig, "session", EndpointConfig.session)
    rasa_tuning.CHANGES["keepalive"]()
    first = EndpointConfig("http://placeholder/webhook", headers={"X-Tag": "one"})
    second = EndpointConfig("http://placeholder/webhook", headers={"X-Tag": "two"})
    seen = asyncio.run(_peers_seen([first, second, first]))
    assert [tag for _, tag in seen] == ["one", "two", "one"]


# --------------------------------------------------------------------------- language


def _tracker(language: str | None, text: str, requested_slot: str | None = None,
             ) -> DialogueStateTracker:
    events = []
    if language:
        events.append(SlotSet("language", language))
    if requested_slot:
        events.append(SlotSet("requested_slot", requested_slot))
    # the normaliser rewrites the text; the text as typed is kept under original_text
    events.append(UserUttered(text.lower(), parse_data={"original_text": text}))
    return DialogueStateTracker.from_events("tuning-test", events)


CASES = [
    ("ar", "English please"),
    ("en", "كلمني عربي"),
    ("ar", "I want to file a complaint about Absher"),
    ("en", "ابي اقدم بلاغ"),
    ("ar", "ok"),
    ("en", "/confirm_report"),
    ("ar", "John Smith"),  # a name while full_name is asked for: stays Arabic
    ("en", "١٢٣٤٥"),
    (None, "hello"),
]


@pytest.mark.parametrize(("language", "text"), CASES)
def test_in_process_language_equals_the_action_servers(language: str | None, text: str) -> None:
    tracker = _tracker(language, text, "full_name" if text == "John Smith" else None)
    sdk_tracker = Tracker.from_dict(tracker.current_state())
    expected = asyncio.run(ActionDetectLanguage().run(CollectingDispatcher(), sdk_tracker, {}))
    got = rasa_tuning.language_events(tracker)
    assert [(e.key, e.value) for e in got] == [(e["name"], e["value"]) for e in expected]


def test_language_examples() -> None:
    assert rasa_tuning.language_events(_tracker("ar", "English please")) == [
        SlotSet("language", "en")]
    assert rasa_tuning.language_events(_tracker("en", "/confirm_report")) == []
    assert rasa_tuning.language_events(_tracker("ar", "John Smith", "full_name")) == []


def test_slot_extraction_runs_the_language_rule_without_the_action_server(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(ActionExtractSlots, "_run_custom_action",
                        ActionExtractSlots._run_custom_action)
    rasa_tuning.CHANGES["language"]()
    # nothing listens here: any HTTP call would fail and fill no slot
    nowhere = EndpointConfig(f"http://127.0.0.1:{_free_port()}/webhook")
    action = ActionExtractSlots(nowhere)
    events = asyncio.run(action._run_custom_action(
        "action_detect_language", None, None, _tracker("ar", "English please"), None))
    assert events == [SlotSet("language", "en")]
