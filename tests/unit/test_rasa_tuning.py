"""bot/runtime/rasa_tuning.py: each change to Rasa's server process keeps Rasa's behaviour.

Every test applies its change inside `monkeypatch`, so Rasa's classes are restored after it.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import subprocess
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

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
from bot.runtime import rasa_tuning


def test_setting_names_the_changes() -> None:
    default = ["validator", "keepalive", "language", "domainjson", "leandomain", "sequential",
               "states", "copy"]
    assert rasa_tuning.wanted(None) == default
    assert rasa_tuning.wanted("ALL") == default
    assert rasa_tuning.wanted("all, leandomain") == default
    assert rasa_tuning.wanted("leandomain,all,keepalive") == [
        "leandomain", "validator", "keepalive", "language", "domainjson", "sequential",
        "states", "copy"]
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
def test_replies_are_checked_without_a_new_validator_each(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    schema = RemoteAction.action_response_format_spec()
    whole_schema_check = jsonschema.validators.validator_for(schema)

    def no_whole_schema_check(*args: object, **kwargs: object) -> None:
        raise AssertionError("a valid reply went through the whole schema (the oneOf)")

    monkeypatch.setattr(whole_schema_check, "validate", no_whole_schema_check)
    action = RemoteAction("action_x", None)
    assert action._validate_action_result({"events": [{"event": "slot", "name": "a",
                                                        "value": 1}], "responses": []})
    assert action._validate_action_result({"events": _sdk_events(), "responses": []})


@pytest.mark.usefixtures("one_validator")
def test_a_reply_that_breaks_the_schema_is_still_refused() -> None:
    action = RemoteAction("action_x", None)
    with pytest.raises(jsonschema.ValidationError, match="Failed to validate Action server"):
        action._validate_action_result({"events": "not a list", "responses": []})


def _sdk_events() -> list[dict[str, Any]]:
    """One event of each kind the action server can send (rasa_sdk.events), as it sends it."""
    from datetime import datetime

    from rasa_sdk import events

    return [
        events.SlotSet("a", 1), events.SlotSet("b", None), events.SlotSet("c", {"x": [1]}),
        events.AllSlotsReset(), events.ActiveLoop("personal_form"), events.ActiveLoop(None),
        events.FollowupAction("action_x"), events.ActionExecuted("action_x", "rule", 1.0),
        events.BotUttered("hi", {"buttons": [{"title": "a", "payload": "/b"}]}),
        events.UserUttered("hello", {"intent": {"name": "greet", "confidence": 1.0}}),
        events.Restarted(), events.SessionStarted(), events.UserUtteranceReverted(),
        events.ActionReverted(), events.ConversationPaused(), events.ConversationResumed(),
        events.StoryExported(), events.ActionExecutionRejected("action_x"),
        events.LoopInterrupted(True), events.Form("f"), events.FormValidation(False),
        events.AgentUttered("x"), events.ReminderScheduled("i", datetime(2026, 1, 1)),
        events.ReminderCancelled("r"),
    ]


BROKEN_REPLIES: dict[str, Any] = {
    "not an object": [],
    "events not a list": {"events": {"event": "slot"}},
    "responses not a list": {"events": [], "responses": "hi"},
    "a response not an object": {"events": [], "responses": ["hi"]},
    "an event not an object": {"events": ["slot"]},
    "no event type": {"events": [{"name": "a", "value": 1}]},
    "an unknown event type": {"events": [{"event": "teleport"}]},
    "an event type not a string": {"events": [{"event": ["slot"]}]},
    "a slot without its name": {"events": [{"event": "slot", "value": 1}]},
    "a slot name not a string": {"events": [{"event": "slot", "name": 3, "value": 1}]},
    "a timestamp not a number": {"events": [{"event": "restart", "timestamp": "now"}]},
    "metadata not an object": {"events": [{"event": "restart", "metadata": "m"}]},
    "user text not a string": {"events": [{"event": "user", "text": 5}]},
    "action confidence not a number": {"events": [{"event": "action", "confidence": "1"}]},
    "entities not a list": {"events": [{"event": "entities", "entities": {}}]},
    "one bad event among good ones": {"events": [{"event": "slot", "name": "a", "value": 1},
                                                 {"event": "slot", "value": 2}]},
}


def test_the_per_event_check_agrees_with_rasas_schema() -> None:
    """Every reply the quick check accepts, Rasa's whole schema accepts, and the other way."""
    schema = RemoteAction.action_response_format_spec()
    whole = jsonschema.validators.validator_for(schema)(schema)
    by_event = rasa_tuning.event_validators(schema["properties"]["events"])
    sent = _sdk_events()
    good = [{"events": sent, "responses": [{"text": "hi"}]}, {"events": []}, {},
            *({"events": [event]} for event in sent)]
    for reply in good:
        assert whole.is_valid(reply), reply
        assert rasa_tuning.plainly_valid(reply, by_event), reply
    for name, reply in BROKEN_REPLIES.items():
        assert not whole.is_valid(reply), name
        assert not rasa_tuning.plainly_valid(reply, by_event), name
    # every event type of the schema has its own validator, from the sdk's events too
    assert {event["event"] for event in sent} <= set(by_event)
    assert len(by_event) == len(schema["properties"]["events"]["items"]["oneOf"])


@pytest.mark.usefixtures("one_validator")
@pytest.mark.parametrize("name", sorted(BROKEN_REPLIES))
def test_every_broken_reply_gets_rasas_error(name: str) -> None:
    with pytest.raises(jsonschema.ValidationError, match="Failed to validate Action server"):
        RemoteAction("action_x", None)._validate_action_result(BROKEN_REPLIES[name])


# --------------------------------------------------------------------------- keepalive


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.asynccontextmanager
async def _local_webhook(handler: Callable[[web.Request], Awaitable[web.Response]],
                         ) -> AsyncIterator[str]:
    """An aiohttp server on a free loopback port answering POST /webhook; its URL."""
    app = web.Application(client_max_size=10 * 2**20)
    app.router.add_post("/webhook", handler)
    runner = web.AppRunner(app)
    await runner.setup()
    port = _free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        yield f"http://127.0.0.1:{port}/webhook"
    finally:
        await runner.cleanup()


async def _peers_seen(calls: list[EndpointConfig]) -> list[tuple[int, str | None]]:
    """Sends one request per endpoint to a local server; the client port and header seen."""
    seen: list[tuple[int, str | None]] = []

    async def handler(request: web.Request) -> web.Response:
        peer = request.transport.get_extra_info("peername") if request.transport else None
        seen.append((peer[1] if peer else 0, request.headers.get("X-Tag")))
        return web.json_response({"ok": True})

    async with _local_webhook(handler) as url:
        for endpoint in calls:
            endpoint.url = url
            assert await endpoint.request(json={"n": 1}) == {"ok": True}
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


# --------------------------------------------------------------------------- domainjson

CALL = {
    "next_action": "validate_suggestion_form",
    "sender_id": "u1",
    "tracker": {"sender_id": "u1", "slots": {"service_name": "تجديد رخصة القيادة"},
                "events": [{"event": "user", "text": "أبغى أقدم \"اقتراح\"\n"}]},
    "version": "3.6.21",
    "domain": {"responses": {"utter_x": [{"text": "مرحبا {name}", "condition": []}]},
               "forms": {"suggestion_form": {"required_slots": ["service_name"]}}},
}


@pytest.mark.parametrize("body", [
    CALL,
    {"domain": CALL["domain"]},
    {key: value for key, value in CALL.items() if key != "domain"},
])
def test_the_body_is_the_same_json_as_rasas(body: dict[str, Any]) -> None:
    encoded: dict[int, tuple[Any, str]] = {}
    assert json.loads(rasa_tuning.request_body(body, encoded)) == body
    assert json.loads(rasa_tuning.request_body(body, encoded)) == body


def test_the_domain_is_encoded_once(monkeypatch: pytest.MonkeyPatch) -> None:
    encoded: dict[int, tuple[Any, str]] = {}
    domain_encodings = []
    dumps = json.dumps

    def counting(value: Any, *args: Any, **kwargs: Any) -> str:
        if value is CALL["domain"]:
            domain_encodings.append(1)
        return dumps(value, *args, **kwargs)

    monkeypatch.setattr(json, "dumps", counting)
    for n in range(3):
        body = dict(CALL, sender_id=f"u{n}")
        assert json.loads(rasa_tuning.request_body(body, encoded)) == body
    assert len(domain_encodings) == 1
    other = dict(CALL, domain={"responses": {}})  # another model's domain
    assert json.loads(rasa_tuning.request_body(other, encoded)) == other


def test_the_action_server_receives_rasas_body(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(EndpointConfig, "request", EndpointConfig.request)
    rasa_tuning.CHANGES["domainjson"]()
    received: list[tuple[str, Any]] = []

    async def go() -> None:
        async def handler(request: web.Request) -> web.Response:
            received.append((request.content_type, await request.json()))
            return web.json_response({"events": [], "responses": []})

        async with _local_webhook(handler) as url:
            endpoint = EndpointConfig(url)
            for _ in range(2):
                answer = await endpoint.request(json=dict(CALL), method="post")
                assert answer == {"events": [], "responses": []}

    asyncio.run(go())
    assert received == [("application/json", CALL), ("application/json", CALL)]


# --------------------------------------------------------------------------- leandomain

ROOT = Path(__file__).resolve().parents[2]


def test_the_lean_domain_keeps_every_part_but_the_response_texts() -> None:
    encoded: dict[int, tuple[Any, str]] = {}
    sent = json.loads(rasa_tuning.request_body(CALL, encoded, lean=True))
    assert sent == dict(CALL, domain=dict(CALL["domain"], responses={"utter_x": []}))
    assert rasa_tuning.lean_domain({"slots": {}}) == {"slots": {}}  # nothing to leave out


def test_the_action_server_receives_the_lean_domain(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(EndpointConfig, "request", EndpointConfig.request)
    monkeypatch.setitem(rasa_tuning._lean_domain, "on", False)
    rasa_tuning.CHANGES["domainjson"]()
    rasa_tuning.CHANGES["leandomain"]()  # after domainjson: the one change, now lean
    received: list[Any] = []

    async def go() -> None:
        async def handler(request: web.Request) -> web.Response:
            received.append(await request.json())
            return web.json_response({"events": [], "responses": []})

        async with _local_webhook(handler) as url:
            await EndpointConfig(url).request(json=dict(CALL), method="post")

    asyncio.run(go())
    assert received == [dict(CALL, domain=dict(CALL["domain"], responses={"utter_x": []}))]


def _action_call(action: str, domain: dict[str, Any], intent: str, text: str) -> dict[str, Any]:
    tracker = {
        "sender_id": "lean", "slots": {"language": "en"}, "latest_message": {
            "text": text, "intent": {"name": intent, "confidence": 0.99}, "entities": []},
        "events": [], "paused": False, "followup_action": None, "active_loop": {},
        "latest_action_name": "action_listen",
    }
    return {"next_action": action, "sender_id": "lean", "tracker": tracker,
            "version": "3.6.21", "domain": domain}


@pytest.mark.parametrize(("intent", "text", "response"), [
    ("suggest_development", "I have a suggestion to improve Absher",
     "utter_propose_development_suggestion_platform"),
    ("report_complaint", "my complaint about Absher was closed without a solution",
     ["utter_noted_facts", "utter_propose_complaint_escalation_platform"]),
    ("suggest_development", "I have an idea", "utter_propose_development_suggestion"),
])
def test_the_actions_answer_the_same_with_the_lean_domain(intent: str, text: str,
                                                          response: str, domain: Any) -> None:
    """The one action that looks at the domain's responses (which `_platform` variant to
    use) picks the same response from the names alone."""
    from rasa_sdk.executor import ActionExecutor

    executor = ActionExecutor()
    executor.register_package("actions")
    as_dict = domain.as_dict()
    answers = []
    for lean in (False, True):
        body = rasa_tuning.request_body(
            _action_call("action_propose_report_type", as_dict, intent, text), {}, lean)
        answers.append(asyncio.run(executor.run(json.loads(body))))
    full, lean_answer = answers
    assert lean_answer == full
    expected = response if isinstance(response, list) else [response]
    assert [answer.get("response") for answer in full["responses"]] == expected


# --------------------------------------------------------------------------- inprocess


def test_an_action_call_runs_in_process_with_the_servers_answer(
    monkeypatch: pytest.MonkeyPatch, domain: Any
) -> None:
    """The same action call, over HTTP to rasa_sdk's own server code and in process: the
    same answer; nothing reaches the URL in process; other requests still go out."""
    from rasa_sdk.executor import ActionExecutor

    executor = ActionExecutor()
    executor.register_package("actions")
    call = _action_call("action_propose_report_type", domain.as_dict(), "suggest_development",
                        "I have a suggestion to improve Absher")
    over_http = asyncio.run(executor.run(json.loads(rasa_tuning.request_body(call, {}, True))))

    monkeypatch.setattr(EndpointConfig, "request", EndpointConfig.request)
    rasa_tuning.CHANGES["inprocess"]()
    received: list[Any] = []

    async def go() -> tuple[Any, Any]:
        async def handler(request: web.Request) -> web.Response:
            received.append(await request.json())
            return web.json_response({"other": True})

        async with _local_webhook(handler) as url:
            endpoint = EndpointConfig(url)
            in_process = await endpoint.request(json=call, method="post")
            other = await endpoint.request(json={"n": 1}, method="post")
            return in_process, other

    in_process, other = asyncio.run(go())
    assert in_process == over_http
    assert [r.get("response") for r in in_process["responses"]] == [
        "utter_propose_development_suggestion_platform"]
    assert other == {"other": True} and received == [{"n": 1}]


@pytest.mark.parametrize(("action", "status"), [
    ("action_that_does_not_exist", 404),
    ("validate_personal_form", 500),  # a tracker it cannot read: the action fails
])
def test_in_process_failures_are_the_servers_http_errors(
    monkeypatch: pytest.MonkeyPatch, action: str, status: int
) -> None:
    """Rasa reacts to the action server's 400/404/500 (RemoteAction.run); in process the
    same errors reach it."""
    from rasa.utils.endpoints import ClientResponseError

    monkeypatch.setattr(EndpointConfig, "request", EndpointConfig.request)
    rasa_tuning.CHANGES["inprocess"]()
    call = _action_call(action, {"responses": {}}, "greet", "hi")
    if status == 500:
        call["tracker"]["events"] = [{"event": "slot", "name": None}]

    with pytest.raises(ClientResponseError) as raised:
        asyncio.run(EndpointConfig("http://127.0.0.1:9/webhook").request(json=call))
    assert raised.value.status == status


def test_a_rejection_in_process_is_rasas_action_execution_rejection(
    monkeypatch: pytest.MonkeyPatch
) -> None:
    """rasa_sdk's ActionExecutionRejection (a form that cannot use the message) becomes the
    400 whose body names the action, which RemoteAction turns into its own rejection."""
    from rasa.utils.endpoints import ClientResponseError
    from rasa_sdk.interfaces import ActionExecutionRejection

    async def rejecting(self: Any, action_call: dict[str, Any]) -> None:
        raise ActionExecutionRejection("validate_x_form", "no slot filled")

    monkeypatch.setattr(EndpointConfig, "request", EndpointConfig.request)
    monkeypatch.setattr("rasa_sdk.executor.ActionExecutor.run", rejecting)
    rasa_tuning.CHANGES["inprocess"]()
    call = _action_call("validate_x_form", {"responses": {}}, "greet", "hi")
    with pytest.raises(ClientResponseError) as raised:
        asyncio.run(EndpointConfig("http://127.0.0.1:9/webhook").request(json=call))
    assert raised.value.status == 400
    assert json.loads(raised.value.text) == {
        "error": "no slot filled", "action_name": "validate_x_form"}


# --------------------------------------------------------------------------- sequential


def test_the_processor_loads_models_with_the_sequential_runner(
    monkeypatch: pytest.MonkeyPatch
) -> None:
    import rasa.core.processor
    from rasa.engine.runner.dask import DaskGraphRunner

    from bot.runtime.graph_runner import SequentialGraphRunner

    monkeypatch.setattr(rasa.core.processor, "DaskGraphRunner", DaskGraphRunner)
    rasa_tuning.CHANGES["sequential"]()
    assert rasa.core.processor.DaskGraphRunner is SequentialGraphRunner


# --------------------------------------------------------------------------- guards


def test_every_patched_rasa_function_is_as_the_changes_expect() -> None:
    """Fails when Rasa changes one of the functions a change replaces or wraps (or its
    version): checked in a fresh interpreter, before anything was patched."""
    script = (
        "from bot.runtime import rasa_tuning\n"
        "print('|'.join(rasa_tuning.mismatches(list(rasa_tuning.CHANGES))) or 'none')\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120,
        check=True,
    )
    assert done.stdout.strip().splitlines()[-1] == "none", done.stdout + done.stderr
    assert set(rasa_tuning.TARGETS) == set(rasa_tuning.CHANGES)


def test_a_changed_signature_refuses_every_change(monkeypatch: pytest.MonkeyPatch) -> None:
    module, qualname, _ = rasa_tuning.TARGETS["keepalive"][0]
    monkeypatch.setitem(
        rasa_tuning.TARGETS, "keepalive", ((module, qualname, "(self, timeout: float)"),)
    )
    monkeypatch.setattr(rasa_tuning, "_applied", set())
    monkeypatch.setattr(rasa_tuning, "_patched", set())
    called: list[str] = []
    for name in ("validator", "keepalive"):
        monkeypatch.setitem(rasa_tuning.CHANGES, name, lambda name=name: called.append(name))
    with pytest.raises(rasa_tuning.RasaChanged, match=r"EndpointConfig\.session"):
        rasa_tuning.apply(["validator", "keepalive"])
    assert called == [] and rasa_tuning._applied == set()  # nothing half-applied


def test_another_rasa_version_refuses(monkeypatch: pytest.MonkeyPatch) -> None:
    import rasa

    monkeypatch.setattr(rasa, "__version__", "3.7.0")
    found = rasa_tuning.mismatches([])
    assert found and "3.7.0" in found[0] and rasa_tuning.RASA_VERSION in found[0]


def test_the_rasa_server_refuses_to_start_on_a_mismatch(monkeypatch: pytest.MonkeyPatch) -> None:
    from bot.runtime import rasa_server

    def refuse(names: list[str] | None = None) -> list[str]:
        raise rasa_tuning.RasaChanged("refusing to change Rasa: test")

    monkeypatch.setattr(rasa_tuning, "apply", refuse)
    with pytest.raises(SystemExit, match="refusing to change Rasa"):
        rasa_server.main()
