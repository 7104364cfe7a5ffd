"""Changes to Rasa 3.6's server process, each measured (bench/results/HISTORY.md, "Where a
turn's time goes").

The Rasa server of `python -m bot serve` is started through bot/runtime/rasa_server.py,
which applies them before Rasa runs. Measured by bench/profile_turn.py, a turn of the
assistant cost the stock Rasa process about 84 ms of CPU:

* `validator`: Rasa checks every action-server reply with `jsonschema.validate()`, which
  checks the schema against its metaschema and builds a new validator each time (about
  12 ms a call, 38 % of the turn). Here the validators are built once, one per event type
  (the schema's `oneOf` of 23 event types made every event be checked 23 times: 7 ms for a
  reply of 30 events, 0.7 ms this way); a reply that breaks the schema is still refused
  with the same error.
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
* `domainjson`: Rasa sends the whole domain with every action call, the same dict each
  time, and aiohttp encodes it again each time (178 KB of JSON here, 1.6 ms). Here the
  domain's JSON is made once per domain object and the rest of the body (the tracker) is
  encoded per call; the action server receives the same JSON.
* `leandomain`: the domain each action call carries lacks the responses' texts (their
  names stay): Rasa renders responses from its own domain, and the texts were 163 of the
  178 KB the action server parsed for every call. It halved the action server's CPU a turn.

* `sequential`: Rasa runs the NLU pipeline and the policies of each turn as a dask task
  graph (`dask.get`), built and scheduled per run; here the same nodes are called in plain
  Python, dependencies first (bot/runtime/graph_runner.py). Rasa picks its runner by a
  name in `rasa.core.processor`, which this change rebinds. About 1.5 ms less CPU a turn.
* `states`: the policies' dialogue states come from a replay kept per conversation and
  extended with each new event (bot/runtime/policy_states.py), where Rasa replays the whole
  tracker for each policy at each prediction (and goes through every event again to find the
  applied ones). Rasa's own answer, checked prediction by prediction on recorded
  conversations; 1.56 → 0.26 ms CPU a prediction (bench/policy_states.py).
* `copy`: Rasa copies the tracker before every action it runs by applying every event of
  the conversation to a new tracker (`DialogueStateTracker.copy`); here the copy takes the
  tracker's state directly (bot/runtime/tracker_copy.py), checked against Rasa's copy after
  every event of recorded conversations.
* `inprocess` (not in "all"; added by bot/runtime/rasa_server.py when the endpoints file's
  action endpoint is the in-process one, as `bot serve` writes it by default): an action
  call is answered by rasa_sdk's executor with the project's actions in
  the Rasa process, instead of an HTTP call to the action server. The call still goes
  through JSON both ways (the action sees data of its own, Rasa gets back what JSON
  carries), and the server's refusals come back as the same HTTP errors (400 a rejection,
  404 an unknown action, 500 a failure), so Rasa's RemoteAction treats them as before. A
  quarter less CPU a turn on 2 cores (bench/results/HISTORY.md, "Stop 29").

The tracker cache that was a patch here is now a tracker store class Rasa builds from
endpoints.yml (bot/runtime/tracker_store.py), and the response filling an NLG class
(bot/runtime/nlg.py): Rasa has seams for those.

BALAGH_RASA_TUNING picks the changes (comma-separated names; "all" — the default — for all
of them, also inside a list such as "all,keepalive"; or "none"), so benchmarks can compare
them in one run.

Rasa 3.6 has no seam for these (they replace or wrap private methods), so each is guarded:
`TARGETS` records every Rasa function a change replaces or wraps, with the signature it was
written for, and `apply()` first checks the installed Rasa's version and those signatures.
On any difference it applies nothing and raises `RasaChanged`, so the server refuses to
start rather than run a patch against code it was not written for
(tests/unit/test_rasa_tuning.py checks the records against the installed Rasa).
"""

from __future__ import annotations

import asyncio
import importlib
import inspect
import json
import logging
import os
from collections.abc import Callable
from typing import Any

logger = logging.getLogger(__name__)

ENVIRONMENT = "BALAGH_RASA_TUNING"
LANGUAGE_ACTION = "action_detect_language"
# aiohttp's default; below the action server's keep-alive (SANIC_KEEP_ALIVE_TIMEOUT=75).
POOL_KEEPALIVE_S = 15.0


def event_validators(events_schema: dict[str, Any]) -> dict[str, Any]:
    """One compiled validator per event type of Rasa's events schema.

    The schema's events are a `oneOf` of 23 subschemas, one per event type, each fixing
    `event` to its own constant: an event can only match the subschema of its own type, so
    checking it against the shared part and that one subschema gives the same verdict as
    the `oneOf`, which checks all 23 (7 ms for a reply of 30 events, 0.7 ms this way).
    """
    import jsonschema

    items = events_schema["items"]
    shared = {key: value for key, value in items.items() if key != "oneOf"}
    validators = {}
    for subschema in items["oneOf"]:
        schema = {"allOf": [shared, subschema]}
        validators[subschema["properties"]["event"]["const"]] = (
            jsonschema.validators.validator_for(schema)(schema)
        )
    return validators


def plainly_valid(result: Any, by_event: dict[str, Any]) -> bool:
    """True only for a reply the full schema accepts; anything else gets the full check."""
    if not isinstance(result, dict):
        return False
    responses = result.get("responses", [])
    if not isinstance(responses, list) or not all(isinstance(r, dict) for r in responses):
        return False
    events = result.get("events", [])
    if not isinstance(events, list):
        return False
    for event in events:
        if not isinstance(event, dict) or not isinstance(event.get("event"), str):
            return False
        validator = by_event.get(event["event"])
        if validator is None or not validator.is_valid(event):
            return False
    return True


def use_one_validator() -> None:
    """RemoteAction checks action-server replies with validators built once.

    A reply is checked event by event against its own type's schema (`plainly_valid`);
    only a reply that fails there goes through the whole schema, which raises Rasa's error.
    """
    import jsonschema
    from rasa.core.actions.action import RemoteAction
    from rasa.shared.constants import DOCS_BASE_URL

    schema = RemoteAction.action_response_format_spec()
    validator = jsonschema.validators.validator_for(schema)(schema)
    by_event = event_validators(schema["properties"]["events"])

    def _validate_action_result(self: RemoteAction, result: dict[str, Any]) -> bool:
        if plainly_valid(result, by_event):
            return True
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


def lean_domain(domain: dict[str, Any]) -> dict[str, Any]:
    """The domain as an action server uses it: every response's name, none of its texts.

    Rasa renders the responses an action asks for from its own domain; rasa_sdk reads the
    forms, slots and other parts, and an action may ask whether a response exists
    (`name in domain["responses"]`), which the names still answer.
    """
    responses = domain.get("responses")
    if not isinstance(responses, dict):
        return domain
    return {**domain, "responses": {name: [] for name in responses}}


def request_body(body: dict[str, Any], encoded: dict[int, tuple[Any, str]],
                 lean: bool = False) -> str:
    """`json.dumps(body)` with the domain's JSON made once per domain object.

    Rasa sends the whole domain with every action call (`domain.as_dict()`, the same dict
    object each time): here 178 KB of JSON, 1.6 ms to encode. The rest (the tracker) is
    encoded each call as before; the text parses to the same JSON as Rasa's own body, but
    for the responses' texts when `lean` (`lean_domain`).
    """
    domain = body.get("domain")
    if not isinstance(domain, dict):
        return json.dumps(body)
    known = encoded.get(id(domain))
    if known is None or known[0] is not domain:
        encoded.clear()  # one model's domain at a time
        sent = lean_domain(domain) if lean else domain
        known = encoded[id(domain)] = (domain, json.dumps(sent))
    rest = json.dumps({key: value for key, value in body.items() if key != "domain"})
    return ("{" if rest == "{}" else rest[:-1] + ", ") + '"domain": ' + known[1] + "}"


# whether action calls carry the lean domain (`leandomain`)
_lean_domain = {"on": False}


def encode_domain_once() -> None:
    """EndpointConfig.request sends an action call's body with the domain encoded once."""
    from rasa.utils.endpoints import EndpointConfig

    if getattr(EndpointConfig.request, "encodes_domain_once", False):
        return  # `domainjson` and `leandomain` share this change
    original = EndpointConfig.request
    encoded: dict[bool, dict[int, tuple[Any, str]]] = {}

    async def request(self: EndpointConfig, *args: Any, **kwargs: Any) -> Any:
        body = kwargs.get("json")
        if isinstance(body, dict) and "domain" in body and not kwargs.get("compress"):
            lean = _lean_domain["on"]
            kwargs["data"] = request_body(kwargs.pop("json"), encoded.setdefault(lean, {}),
                                          lean).encode("utf-8")
        return await original(self, *args, **kwargs)

    request.encodes_domain_once = True  # type: ignore[attr-defined]
    EndpointConfig.request = request  # type: ignore[method-assign]


def send_lean_domain() -> None:
    """Action calls carry the domain without the responses' texts (`lean_domain`): 15 KB
    of JSON instead of 178 KB for the action server to parse (0.4 ms a call instead of 2.3)."""
    _lean_domain["on"] = True
    encode_domain_once()


def latest_text(tracker: Any) -> str:
    """The latest user message as typed (bot.nlu.normalise.typed_text)."""
    from bot.nlu.normalise import typed_text

    message = tracker.latest_message
    return "" if message is None else typed_text(message.parse_data, message.text)


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


ACTION_CALL_KEYS = frozenset({"next_action", "sender_id", "tracker", "domain"})


def is_action_call(body: Any) -> bool:
    """Whether a request body is Rasa's call of a custom action (RemoteAction's format)."""
    return isinstance(body, dict) and body.keys() >= ACTION_CALL_KEYS


class InProcessActions:
    """rasa_sdk's executor with the project's actions, called as the action server would
    call it for one request: the same JSON in (the call as text, parsed; the domain without
    the responses' texts), the same JSON out, its refusals as the server's HTTP errors."""

    def __init__(self, package: str = "actions") -> None:
        from rasa_sdk.executor import ActionExecutor

        self.executor = ActionExecutor()
        self.executor.register_package(package)
        self._encoded: dict[int, tuple[Any, str]] = {}

    async def call(self, body: dict[str, Any]) -> Any:
        from rasa.utils.endpoints import ClientResponseError
        from rasa_sdk.interfaces import ActionExecutionRejection, ActionNotFoundException

        # a JSON round trip, as over HTTP: the action gets data of its own, never objects
        # of Rasa's tracker, and Rasa gets back only what JSON can carry
        action_call = json.loads(request_body(body, self._encoded, lean=True))
        try:
            result = await self.executor.run(action_call)
        except ActionExecutionRejection as error:  # rasa_sdk's endpoint: 400
            text = json.dumps({"error": error.message, "action_name": error.action_name})
            raise ClientResponseError(400, "Bad Request", text) from error
        except ActionNotFoundException as error:  # 404
            text = json.dumps({"error": error.message, "action_name": error.action_name})
            raise ClientResponseError(404, "Not Found", text) from error
        except Exception as error:  # the server's 500, logged as the action server logs it
            logger.exception("custom action %s failed", action_call.get("next_action"))
            raise ClientResponseError(500, "Internal Server Error", "") from error
        return json.loads(json.dumps(result)) if result is not None else None


def run_actions_in_process() -> None:
    """Custom actions run inside the Rasa process: no HTTP call, no second parse."""
    from rasa.utils.endpoints import EndpointConfig

    original = EndpointConfig.request
    # the actions are imported now, at start-up, not during the first user's turn
    actions = InProcessActions()

    async def request(self: EndpointConfig, *args: Any, **kwargs: Any) -> Any:
        body = kwargs.get("json")
        if not is_action_call(body):
            return await original(self, *args, **kwargs)
        return await actions.call(body)

    EndpointConfig.request = request  # type: ignore[method-assign]


def run_graphs_without_dask() -> None:
    """The processor loads the model's graph with bot.runtime.graph_runner's runner."""
    import rasa.core.processor

    from bot.runtime.graph_runner import SequentialGraphRunner

    rasa.core.processor.DaskGraphRunner = SequentialGraphRunner  # type: ignore[misc]


def keep_policy_states() -> None:
    """The policies' states are replayed once per conversation and extended with each new
    event (bot/runtime/policy_states.py), not rebuilt from scratch for every policy and every
    prediction."""
    from rasa.shared.core.domain import Domain

    from bot.runtime.policy_states import IncrementalStates

    states = IncrementalStates(Domain.states_for_tracker_history)

    def states_for_tracker_history(
        self: Domain, tracker: Any, omit_unset_slots: bool = False,
        ignore_rule_only_turns: bool = False, rule_only_data: dict[str, Any] | None = None,
    ) -> list[dict[str, Any]]:
        return states(self, tracker, omit_unset_slots, ignore_rule_only_turns, rule_only_data)

    states_for_tracker_history.incremental = states  # type: ignore[attr-defined]
    Domain.states_for_tracker_history = states_for_tracker_history  # type: ignore[method-assign]


def copy_without_replay() -> None:
    """`DialogueStateTracker.copy()` takes the tracker's state instead of applying every
    event again (bot/runtime/tracker_copy.py)."""
    from rasa.shared.core.trackers import DialogueStateTracker

    from bot.runtime.tracker_copy import fast_copy

    original = DialogueStateTracker.copy

    def copy(self: DialogueStateTracker) -> DialogueStateTracker:
        return fast_copy(self)

    copy.original = original  # type: ignore[attr-defined]
    DialogueStateTracker.copy = copy  # type: ignore[method-assign]


CHANGES: dict[str, Callable[[], None]] = {
    "validator": use_one_validator,
    "keepalive": keep_sessions_alive,
    "language": detect_language_in_process,
    "domainjson": encode_domain_once,
    "leandomain": send_lean_domain,
    "inprocess": run_actions_in_process,
    "sequential": run_graphs_without_dask,
    "states": keep_policy_states,
    "copy": copy_without_replay,
}


# what "all" (the default) means: the changes that measurably pay (bench/results/HISTORY.md,
# "Where a turn's time goes")
DEFAULT = ("validator", "keepalive", "language", "domainjson", "leandomain", "sequential",
           "states", "copy")


# The Rasa release the changes were written and measured for.
RASA_VERSION = "3.6.21"
_ACTION = "rasa.core.actions.action"
_ENDPOINTS = "rasa.utils.endpoints"
_REQUEST = (
    _ENDPOINTS,
    "EndpointConfig.request",
    "(self, method: str = 'post', subpath: Optional[str] = None, content_type: "
    "Optional[str] = 'application/json', compress: bool = False, **kwargs: Any) "
    "-> Optional[Any]",
)
_DOMAIN, _TRACKERS = "rasa.shared.core.domain", "rasa.shared.core.trackers"
_STATE = "Dict[str, MutableMapping[str, Union[str, Tuple[Union[float, str], ...]]]]"
# Every Rasa function a change replaces, wraps or calls on, with its signature in RASA_VERSION.
TARGETS: dict[str, tuple[tuple[str, str, str], ...]] = {
    "copy": (
        (_TRACKERS, "DialogueStateTracker.copy", "(self) -> 'DialogueStateTracker'"),
        # what Rasa's copy does, and the state it rebuilds (set up by __init__ and _reset)
        (_TRACKERS, "DialogueStateTracker.travel_back_in_time",
         "(self, target_time: float) -> 'DialogueStateTracker'"),
        (_TRACKERS, "DialogueStateTracker.__init__",
         "(self, sender_id: str, slots: Optional[Iterable[rasa.shared.core.slots.Slot]], "
         "max_event_history: Optional[int] = None, sender_source: Optional[str] = None, "
         "is_rule_tracker: bool = False) -> None"),
        (_TRACKERS, "DialogueStateTracker._reset", "(self) -> None"),
        (_TRACKERS, "DialogueStateTracker._create_events",
         "(self, evts: List[rasa.shared.core.events.Event]) -> "
         "Deque[rasa.shared.core.events.Event]"),
    ),
    "states": (
        (_DOMAIN, "Domain.states_for_tracker_history",
         "(self, tracker: 'DialogueStateTracker', omit_unset_slots: bool = False, "
         "ignore_rule_only_turns: bool = False, rule_only_data: Optional[Dict[str, Any]] = "
         f"None) -> List[{_STATE}]"),
        (_DOMAIN, "Domain.get_active_state",
         "(self, tracker: 'DialogueStateTracker', omit_unset_slots: bool = False) -> "
         + _STATE),
        (_DOMAIN, "Domain._get_prev_action_sub_state",
         "(tracker: 'DialogueStateTracker') -> Optional[Dict[str, str]]"),
        (_DOMAIN, "Domain._remove_rule_only_features",
         f"(state: {_STATE}, rule_only_data: Optional[Dict[str, Any]]) -> None"),
        (_DOMAIN, "Domain._substitute_rule_only_user_input",
         f"(state: {_STATE}, last_ml_state: {_STATE}) -> None"),
        (_DOMAIN, "Domain._clean_state", f"(state: {_STATE}) -> {_STATE}"),
        # the replay policy_states.py repeats, one event at a time
        (_TRACKERS, "DialogueStateTracker.generate_all_prior_trackers",
         "(self) -> Generator[Tuple[ForwardRef('DialogueStateTracker'), bool], NoneType, "
         "NoneType]"),
        (_TRACKERS, "DialogueStateTracker.init_copy", "(self) -> 'DialogueStateTracker'"),
    ),
    "validator": (
        (_ACTION, "RemoteAction._validate_action_result",
         "(self, result: Dict[str, Any]) -> bool"),
        (_ACTION, "RemoteAction.action_response_format_spec", "() -> Dict[str, Any]"),
    ),
    "keepalive": (
        (_ENDPOINTS, "EndpointConfig.session", "(self) -> aiohttp.client.ClientSession"),
    ),
    "language": (
        (_ACTION, "ActionExtractSlots._run_custom_action",
         "(self, custom_action: str, output_channel: 'OutputChannel', nlg: "
         "'NaturalLanguageGenerator', tracker: 'DialogueStateTracker', domain: 'Domain') "
         "-> List[rasa.shared.core.events.Event]"),
    ),
    "domainjson": (_REQUEST,),
    "leandomain": (_REQUEST,),
    "inprocess": (_REQUEST,),
    "sequential": (
        # the name the processor loads the model with (the class, by its constructor)
        ("rasa.core.processor", "DaskGraphRunner",
         "(graph_schema: 'GraphSchema', model_storage: 'ModelStorage', execution_context: "
         "'ExecutionContext', hooks: 'Optional[List[GraphNodeHook]]' = None) -> 'None'"),
        ("rasa.engine.runner.dask", "DaskGraphRunner.run",
         "(self, inputs: 'Optional[Dict[Text, Any]]' = None, targets: "
         "'Optional[List[Text]]' = None) -> 'Dict[Text, Any]'"),
        ("rasa.engine.runner.dask", "DaskGraphRunner._build_dask_graph",
         "(self, schema: 'GraphSchema') -> 'Dict[Text, Any]'"),
        ("rasa.engine.runner.dask", "DaskGraphRunner._add_inputs_to_graph",
         "(inputs: 'Optional[Dict[Text, Any]]', graph: 'Any') -> 'None'"),
    ),
}


class RasaChanged(RuntimeError):
    """The installed Rasa is not the one a change was written for: nothing was applied."""


def _resolve(module: str, qualname: str) -> Any:
    target: Any = importlib.import_module(module)
    for part in qualname.split("."):
        target = getattr(target, part)
    return target


def mismatches(names: list[str]) -> list[str]:
    """What differs between the installed Rasa and the one the named changes were written
    for (its version, the signatures in TARGETS); functions a change already applied in
    this process replaced are not checked again."""
    import rasa

    found: list[str] = []
    if rasa.__version__ != RASA_VERSION:
        found.append(f"Rasa {rasa.__version__} is installed, the changes are for {RASA_VERSION}")
    for name in names:
        for module, qualname, expected in TARGETS[name]:
            if (module, qualname) in _patched:
                continue
            try:
                signature = str(inspect.signature(_resolve(module, qualname)))
            except (ImportError, AttributeError) as error:
                found.append(f"{name}: {module}.{qualname} is gone ({error})")
                continue
            if signature != expected:
                found.append(f"{name}: {module}.{qualname}{signature}, written for {expected}")
    return found


def wanted(setting: str | None) -> list[str]:
    """The change names a BALAGH_RASA_TUNING value asks for (unknown names are an error).

    "all" (the default) stands for DEFAULT, also inside a list: "keepalive,all".
    """
    setting = (setting or "all").strip().lower()
    if setting == "none":
        return []
    names: list[str] = []
    for name in (part.strip() for part in setting.split(",")):
        for one in DEFAULT if name == "all" else (name,) if name else ():
            if one not in names:
                names.append(one)
    unknown = [name for name in names if name not in CHANGES]
    if unknown:
        raise ValueError(
            f"{ENVIRONMENT}: unknown change(s) {', '.join(unknown)}; "
            f"use all, none or some of {', '.join(CHANGES)}"
        )
    return names


def apply(names: list[str] | None = None) -> list[str]:
    """Applies the named changes (default: those BALAGH_RASA_TUNING asks for), once each,
    after checking that Rasa is the one they were written for (else `RasaChanged`, and
    nothing applied)."""
    names = wanted(os.environ.get(ENVIRONMENT)) if names is None else names
    todo = [name for name in names if name not in _applied]
    found = mismatches(todo)
    if found:
        raise RasaChanged(
            "refusing to change Rasa: " + "; ".join(found)
            + f". Update bot/runtime/rasa_tuning.py for this Rasa, or set {ENVIRONMENT}=none "
            "to run it unchanged."
        )
    for name in todo:
        CHANGES[name]()
        _applied.add(name)
        _patched.update((module, qualname) for module, qualname, _ in TARGETS[name])
    return names


_applied: set[str] = set()
# (module, qualified name) of the Rasa functions the applied changes replaced
_patched: set[tuple[str, str]] = set()
