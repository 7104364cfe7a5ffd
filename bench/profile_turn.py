"""Where the time of one assistant turn goes (issue "Benchmarks ... Serving speed").

    .venv/bin/python bench/profile_turn.py [--model M] [--repeats 3] [--store sql,memory]
        [--fast-validate] [--keepalive] [--selective-domain] [--cached-store] [--sqlite-wal]
        [--inprocess-language] [--domain-json] [--all-fixes] [--cprofile 30] [--json OUT]
        [--single-turns]
    .venv/bin/python bench/profile_turn.py --threads [--model M] [--repeats 3]

Runs whole filing conversations (the one of bench/serve.py: a greeting, a suggestion, the
form up to the summary, `/confirm_report`, a status question; an English and an Arabic
user per repeat; `--single-turns`: bench/serve.py's single turns instead, each message the
first turn of a new conversation) in-process: the model is loaded with
`rasa.core.agent.load_agent` (as `rasa run` does) with endpoints like the ones `python -m
bot serve` writes (the real action server, started here on a free port, and the SQL
tracker store in the report database, SQLite), and each turn goes through
`Agent.handle_message` with a CollectingOutputChannel (what the REST channel does, without
HTTP). Rasa's methods are wrapped with timers, so that every turn is split into a tree of
spans:

* tracker store load (SQL query + JSON, then the event replay that rebuilds the tracker)
  and save; with `--store memory` the same for Rasa's InMemoryTrackerStore;
* NLU (`parse_message`) and each graph node of the NLU pipeline (ArabicNormaliser, the
  tokenizer and featurizers, DIETClassifier, ResponseSelector, UnknownWordsGuard, ...);
* the policies' prediction (each node: MemoizationPolicy, RulePolicy, the ensemble);
* every call to the action server (the custom slot mapping `action_detect_language` in
  action_extract_slots, form validation, custom actions): the payload built (tracker +
  domain as JSON; its size is reported), the HTTP round trip, and, from the action
  server's own timers (this file runs it, `--serve-actions`, as rasa_sdk does), the time
  spent there in Tracker.from_dict and in the action's code;
* tracker copies (Rasa replays all events for each `tracker.copy()`), NLG, the rest.

It prints the spans as a tree, then a flat, disjoint table (self time of each span given
to its category: component, calls per turn, median ms per turn, share of the turn), the
action-server calls per action, and the turn-by-turn growth. Each number is the median of
`--repeats` repeats; the load average is printed beside each repeat.

Options that try changes without touching the project (patches in this process only;
nothing is written outside a temporary directory): `--fast-validate` builds Rasa's
jsonschema validator of action-server responses once instead of per call, `--keepalive`
reuses one aiohttp session (kept-alive connections) for the action server instead of one
per call (both from bench/speedups/rasa_speedups.py, which bench/speedups/sitecustomize.py
also applies to `bench/serve.py`), `--selective-domain` sends the domain only to the
actions that read it (Rasa's `enable_selective_domain`; as if domain.yml marked every
action but action_detect_language with `send_domain: true`), `--cached-store` keeps each
tracker in memory in front of the SQL store (bot/runtime/tracker_store.py's class: checked
against the SQL store's newest event id before use, so several servers stay correct),
`--sqlite-wal` opens SQLite in WAL mode with synchronous=NORMAL, `--inprocess-language`
computes the `language` slot's custom mapping in the Rasa process (the upper bound of
dropping that action-server call);
`--all-fixes` is the first five together. TensorFlow's thread variables are read from the
environment as `rasa run` reads them (TF_INTRA_OP_PARALLELISM_THREADS, ...).

`--threads` measures TensorFlow's thread settings: for each setting it starts
`rasa run --enable-api` with the model (NLU only is asked for) and measures
`/model/parse` latency with 1 client and the throughput with 2 and 4 concurrent clients;
"2 procs" runs two such servers with one TF thread each and splits the clients.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import importlib.util
import inspect
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")

sys.path.insert(0, str(ROOT / "bench" / "speedups"))
from rasa_speedups import fast_validate, keepalive_sessions, sqlite_wal_engine  # noqa: E402

MODEL = ROOT / "models" / "balagh.tar.gz"
perf = time.perf_counter
cpu_time = time.process_time  # all threads of the process (TensorFlow's pools too)


def loadavg() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def rss_mib(field: str = "VmRSS", pid: int | str = "self") -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) // 1024
    return 0


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_http(url: str, timeout: float, process: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"{url}: process exited {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"{url} did not answer in {timeout:.0f} s")


def stop_process(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGINT)
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


# ------------------------------------------------------------------ the timed action server


def serve_actions(port: int, logging_config: str | None) -> None:
    """rasa_sdk's action server (as `python -m rasa_sdk --actions actions` runs it), with
    timers: per request the handler's time, Tracker.from_dict, the action's code and the
    body size; GET /bench/timings returns them (and forgets them)."""
    import logging

    from rasa_sdk import utils
    from rasa_sdk.constants import APPLICATION_ROOT_LOGGER_NAME
    from rasa_sdk.endpoint import create_app
    from rasa_sdk.executor import ActionExecutor
    from rasa_sdk.interfaces import Tracker
    from rasa_sdk.plugin import plugin_manager
    from sanic import response

    utils.configure_colored_logging("INFO")
    utils.configure_file_logging(logging.getLogger(APPLICATION_ROOT_LOGGER_NAME), None,
                                 "INFO", logging_config)
    utils.update_sanic_log_level()

    timings: list[dict[str, Any]] = []
    current: dict[str, Any] = {}

    original_run = ActionExecutor.run
    original_from_dict = Tracker.from_dict.__func__

    async def run(self: ActionExecutor, action_call: dict[str, Any]) -> Any:
        started = perf()
        try:
            return await original_run(self, action_call)
        finally:
            current["executor_s"] = perf() - started
            current["action"] = action_call.get("next_action")

    def from_dict(cls: type, state: dict[str, Any]) -> Any:
        started = perf()
        try:
            return original_from_dict(cls, state)
        finally:
            current["from_dict_s"] = current.get("from_dict_s", 0.0) + perf() - started

    ActionExecutor.run = run  # type: ignore[method-assign]
    Tracker.from_dict = classmethod(from_dict)  # type: ignore[method-assign]

    app = create_app("actions", cors_origins="*", auto_reload=False)

    @app.middleware("request")
    async def before(request: Any) -> None:
        current.clear()
        current["t0"] = perf()
        current["c0"] = cpu_time()
        current["bytes_in"] = len(request.body or b"")

    @app.middleware("response")
    async def after(request: Any, resp: Any) -> None:
        if request.path != "/webhook" or "t0" not in current:
            return
        timings.append({
            "action": current.get("action"),
            "handler_s": perf() - current["t0"],
            "handler_cpu_s": cpu_time() - current["c0"],
            "executor_s": current.get("executor_s", 0.0),
            "from_dict_s": current.get("from_dict_s", 0.0),
            "bytes_in": current["bytes_in"],
            "bytes_out": len(resp.body or b""),
        })

    @app.get("/bench/timings")
    async def get_timings(_: Any) -> Any:
        out = list(timings)
        timings.clear()
        return response.json(out)

    plugin_manager().hook.attach_sanic_app_extensions(app=app)
    app.run("127.0.0.1", port, workers=1, access_log=False)


class ActionServer:
    def __init__(self, work: Path, database_url: str, env_extra: dict[str, str]) -> None:
        self.port = free_port()
        self.log = work / "actions.log"
        from bot.runtime.logmask import write_logging_config

        logging_config = write_logging_config(work / "logging.yml")
        env = dict(os.environ)
        env.update({
            "BALAGH_VAR_DIR": str(work),
            "DATABASE_URL": database_url,
            "TRACKER_STORE_URL": database_url,
            "ATTACHMENTS_DIR": str(work / "attachments"),
            "PYTHONUNBUFFERED": "1",
            "PYTHONPATH": str(ROOT),
        })
        env.update(env_extra)
        env.pop("TELEGRAM_TOKEN", None)
        self.process = subprocess.Popen(
            [sys.executable, str(Path(__file__).resolve()), "--serve-actions", str(self.port),
             "--logging-config", str(logging_config)],
            cwd=ROOT, env=env, stdout=self.log.open("wb"), stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            wait_http(f"{self.base}/health", 120, self.process)
        except RuntimeError:
            print(self.log.read_text(errors="replace")[-3000:])
            raise

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def timings(self) -> list[dict[str, Any]]:
        with urllib.request.urlopen(f"{self.base}/bench/timings", timeout=10) as response:
            return json.loads(response.read())

    def stop(self) -> None:
        stop_process(self.process)


# --------------------------------------------------------------------------- the recorder


class Recorder:
    """Spans by path ("turn/handle_message/..."): per turn {path: [seconds, calls]}."""

    def __init__(self) -> None:
        self.active = False
        self.stack: list[str] = []
        self.turn: dict[str, list[float]] = {}
        self.remote: list[dict[str, Any]] = []   # per action-server call of the turn

    def begin(self) -> None:
        self.active, self.stack, self.turn, self.remote = True, ["turn"], {}, []

    def end(self, total_s: float, cpu_s: float) -> dict[str, list[float]]:
        self.active = False
        self.turn["turn"] = [total_s, 1, cpu_s]
        return self.turn

    def push(self, name: str) -> str | None:
        if not self.active:
            return None
        self.stack.append(name)
        return "/".join(self.stack)

    def pop(self, path: str | None, seconds: float, cpu: float) -> None:
        if path is None:
            return
        self.stack.pop()
        entry = self.turn.setdefault(path, [0.0, 0, 0.0])
        entry[0] += seconds
        entry[1] += 1
        entry[2] += cpu


REC = Recorder()


def patch(owner: type, attr: str, label: str | Callable[..., str]) -> None:
    """Wrap owner.attr (function, coroutine function, classmethod) with a span."""
    raw = inspect.getattr_static(owner, attr)
    kind = type(raw) if isinstance(raw, (classmethod, staticmethod)) else None
    func = raw.__func__ if kind else raw
    name_of = label if callable(label) else (lambda *a, **k: label)

    if inspect.iscoroutinefunction(func):
        @functools.wraps(func)
        async def wrapper(*args: Any, **kwargs: Any) -> Any:
            path = REC.push(name_of(*args, **kwargs))
            started, cpu = perf(), cpu_time()
            try:
                return await func(*args, **kwargs)
            finally:
                REC.pop(path, perf() - started, cpu_time() - cpu)
    else:
        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            path = REC.push(name_of(*args, **kwargs))
            started, cpu = perf(), cpu_time()
            try:
                return func(*args, **kwargs)
            finally:
                REC.pop(path, perf() - started, cpu_time() - cpu)

    setattr(owner, attr, kind(wrapper) if kind else wrapper)


def node_label(node: Any, *args: Any, **kwargs: Any) -> str:
    name = node._node_name
    if name.startswith("run_"):
        name = name[4:].rstrip("0123456789")
    return "node " + name.split(".")[-1]


def action_label(action: Any, *args: Any, **kwargs: Any) -> str:
    from rasa.core.actions.action import (
        ActionBotResponse,
        ActionExtractSlots,
        ActionListen,
        RemoteAction,
    )
    from rasa.core.actions.forms import FormAction

    if isinstance(action, RemoteAction):
        return f"remote {action.name()}"
    if isinstance(action, FormAction):
        return f"form {action.name()}"
    if isinstance(action, ActionExtractSlots):
        return "action_extract_slots"
    if isinstance(action, ActionBotResponse):
        return "utter action"
    if isinstance(action, ActionListen):
        return "action_listen"
    return f"action {action.name()}"


def install_timers() -> None:
    """Wrap the Rasa methods a turn goes through (once per process)."""
    from rasa.core.actions import action as action_module
    from rasa.core.actions.action import Action, RemoteAction
    from rasa.core.nlg.response import TemplatedNaturalLanguageGenerator
    from rasa.core.processor import MessageProcessor
    from rasa.core.tracker_store import InMemoryTrackerStore, SQLTrackerStore
    from rasa.engine.graph import GraphNode
    from rasa.shared.core.trackers import DialogueStateTracker
    from rasa.utils.endpoints import EndpointConfig

    for name in ("handle_message", "log_message", "get_tracker", "_update_tracker_session",
                 "_handle_message_with_tracker", "parse_message", "_parse_message_with_graph",
                 "run_action_extract_slots", "_run_prediction_loop",
                 "_predict_next_with_tracker", "_run_action", "_log_action_on_tracker",
                 "execute_side_effects", "run_anonymization_pipeline", "save_tracker",
                 "_check_for_unseen_features"):
        patch(MessageProcessor, name, name)
    patch(GraphNode, "__call__", node_label)
    seen: set[type] = set()
    todo = [Action]
    while todo:
        cls = todo.pop()
        todo += cls.__subclasses__()
        if "run" in cls.__dict__ and cls not in seen:
            seen.add(cls)
            patch(cls, "run", action_label)
    patch(RemoteAction, "_action_call_format", "build payload (tracker+domain)")
    patch(RemoteAction, "_validate_action_result", "validate response (jsonschema)")
    patch(EndpointConfig, "request", "HTTP round trip")
    for store in (SQLTrackerStore, InMemoryTrackerStore):
        patch(store, "retrieve", "store.retrieve")
        patch(store, "save", "store.save")
    patch(DialogueStateTracker, "from_dict", "tracker replay (from_dict)")
    patch(DialogueStateTracker, "from_events", "tracker replay (from_events)")
    patch(DialogueStateTracker, "copy", "tracker.copy (replay)")
    patch(DialogueStateTracker, "current_state", "tracker.current_state (to JSON dict)")
    patch(TemplatedNaturalLanguageGenerator, "generate", "NLG generate")
    # inside the SQL tracker store: connection (SQLAlchemy 1.4 gives file SQLite a NullPool:
    # a new connection per session), queries, commit (an fsync in SQLite's default mode)
    import sqlalchemy.orm
    import sqlalchemy.pool

    patch(sqlalchemy.pool.NullPool, "_do_get", "SQL connect")
    patch(sqlalchemy.orm.Session, "commit", "SQL commit")
    patch(sqlalchemy.orm.Query, "count", "SQL count")
    patch(sqlalchemy.orm.Query, "all", "SQL select")
    patch(sqlalchemy.orm.Query, "scalar", "SQL select")
    # the payload: keep a reference, measure its size after the turn
    original_format = RemoteAction._action_call_format

    def keep_payload(self: Any, tracker: Any, domain: Any) -> Any:
        result = original_format(self, tracker, domain)
        if REC.active:
            REC.remote.append({"action": self.name(), "payload": result,
                               "events": len(tracker.events),
                               "path": "/".join(REC.stack[:-1])})
        return result

    RemoteAction._action_call_format = keep_payload  # type: ignore[method-assign]
    del action_module


# ------------------------------------------------------------------ variants (no project edits)


def enable_selective_domain(agent: Any) -> None:
    """Rasa's `enable_selective_domain`, as if domain.yml said `send_domain: true` for
    every custom action except action_detect_language (the one that runs every turn)."""
    from rasa.shared.core.domain import Domain

    agent.action_endpoint.kwargs["enable_selective_domain"] = True
    if agent.processor is not None:
        agent.processor.action_endpoint = agent.action_endpoint
    Domain.does_custom_action_explicitly_need_domain = (  # type: ignore[method-assign]
        lambda self, name: name != "action_detect_language")


def inprocess_language() -> None:
    """Upper bound of "no action-server call for the language slot": the custom slot
    mapping's rule (actions/language.py: requested_language or decide_language) computed in
    the Rasa process from the Rasa tracker; the other actions still go to the server."""
    from rasa.core.actions.action import RemoteAction
    from rasa.shared.core.events import SlotSet

    from bot.nlu.language import decide_language, requested_language

    original = RemoteAction.run

    async def run(self: Any, output_channel: Any, nlg: Any, tracker: Any, domain: Any) -> Any:
        if self.name() != "action_detect_language":
            return await original(self, output_channel, nlg, tracker, domain)
        message = tracker.latest_message
        text = ((message.parse_data or {}).get("original_text") or message.text or "") \
            if message else ""
        if text.startswith("/"):
            return []
        previous = tracker.get_slot("language")
        language = requested_language(text) or decide_language(
            previous, text, tracker.get_slot("requested_slot"))
        return [] if language == previous else [SlotSet("language", language)]

    RemoteAction.run = run  # type: ignore[method-assign]


def product_tuning(name: str) -> None:
    """One of bot/runtime/rasa_tuning.py's changes, for this process (apply once: it patches
    Rasa)."""
    from bot.runtime import rasa_tuning

    rasa_tuning.apply([name])


def sqlite_wal(store: Any) -> None:
    sqlite_wal_engine(getattr(store, "_tracker_store", store).engine)


# ------------------------------------------------------------------ the conversation driver


def load_serve_module() -> Any:
    spec = importlib.util.spec_from_file_location("bench_serve", ROOT / "bench" / "serve.py")
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    sys.modules["bench_serve"] = module
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


class FakeResponse:
    status_code = 200

    def __init__(self, messages: list[dict[str, Any]]) -> None:
        self._messages = messages
        self.text = json.dumps(messages)[:200]

    def json(self) -> list[dict[str, Any]]:
        return self._messages


class InProcessClient:
    """Stands in for httpx.AsyncClient in bench/serve.py: each POST is one turn through
    Agent.handle_message (what the REST channel does), timed span by span."""

    def __init__(self, agent: Any, actions: ActionServer, record: bool) -> None:
        self.agent = agent
        self.actions = actions
        self.record = record
        self.turns: list[dict[str, Any]] = []
        self.index = 0

    async def post(self, url: str, json: dict[str, Any]) -> FakeResponse:
        from rasa.core.channels.channel import CollectingOutputChannel, UserMessage

        tracker = await self.agent.tracker_store.retrieve(json["sender"]) if self.record else None
        events_before = len(tracker.events) if tracker else 0
        message = UserMessage(json["message"], CollectingOutputChannel(), json["sender"],
                              input_channel="rest", metadata=json.get("metadata"))
        self.index += 1
        if self.record:
            REC.begin()
        cpu = time.process_time()
        started = perf()
        messages = await self.agent.handle_message(message)
        total = perf() - started
        cpu = time.process_time() - cpu
        server = self.actions.timings()
        if self.record and not server:  # actions in process (--tuning inprocess): no server
            server = [{"action": call["action"], "handler_s": 0.0, "handler_cpu_s": 0.0,
                       "executor_s": 0.0, "from_dict_s": 0.0, "bytes_in": 0,
                       "bytes_out": 0}
                      for call in REC.remote]
        if self.record:
            spans = REC.end(total, cpu)
            remote = REC.remote
            for call, timing in zip(remote, server, strict=True):
                if call["action"] != timing["action"]:
                    raise RuntimeError(f"action server timing mismatch: {call} {timing}")
                payload = call.pop("payload")
                call["bytes"] = len(_json.dumps(payload, ensure_ascii=False).encode())
                call["domain_bytes"] = (len(_json.dumps(payload["domain"], ensure_ascii=False)
                                            .encode()) if "domain" in payload else 0)
                call.update(timing)
                base = f"{call['path']}/remote {call['action']}/HTTP round trip"
                # another process: its wall time is part of the round trip; its CPU time
                # is the action server's (the handler's share is split like the wall time)
                cpu_share = timing["handler_cpu_s"] / max(timing["handler_s"], 1e-9)
                for name, seconds in (
                    ("action server: request handling (sanic, JSON)",
                     timing["handler_s"] - timing["executor_s"]),
                    ("action server: Tracker.from_dict",
                     timing["from_dict_s"]),
                    ("action server: action code",
                     timing["executor_s"] - timing["from_dict_s"]),
                ):
                    entry = spans.setdefault(f"{base}/{name}", [0.0, 0, 0.0, 0.0])
                    entry[0] += max(0.0, seconds)
                    entry[1] += 1
                    entry[3] += max(0.0, seconds) * min(1.0, cpu_share)
            self.turns.append({"text": json["message"], "sender": json["sender"],
                               "events_before": events_before, "total_s": total,
                               "cpu_s": cpu, "spans": spans, "remote": remote})
        return FakeResponse(messages or [])


_json = json


async def run_conversations(agent: Any, actions: ActionServer, serve: Any, first_n: int,
                            count: int, record: bool) -> InProcessClient:
    client = InProcessClient(agent, actions, record)
    result = serve.Result()
    for n in range(first_n, first_n + count):
        try:
            await serve.assistant_conversation(client, "in-process", n, result)
        except serve.ConversationError as error:
            raise RuntimeError(f"conversation {n} failed: {error}") from error
    return client


async def run_single_turns(agent: Any, actions: ActionServer, serve: Any, first_n: int,
                           count: int, record: bool) -> InProcessClient:
    """`count` rounds of bench/serve.py's single turns (SINGLE_TURNS["assistant"]): each
    message from a new sender, the first and only turn of its conversation."""
    client = InProcessClient(agent, actions, record)
    messages = serve.SINGLE_TURNS["assistant"]
    for n in range(first_n, first_n + count):
        for i, text in enumerate(messages):
            await client.post("in-process", {"sender": f"single-{n}-{i}", "message": text})
    return client


# ------------------------------------------------------------------ analysis


def category(path: str) -> str:
    """The flat-table row that the self time of the span at `path` belongs to."""
    parts = path.split("/")
    last = parts[-1]
    inside = set(parts[:-1])
    if last.startswith("action server: "):
        return "action server process: " + last[len("action server: "):]
    if last == "HTTP round trip":
        return "action-server call, Rasa side: HTTP client + transport (aiohttp, JSON encode)"
    if last == "build payload (tracker+domain)" or (
            last.startswith("tracker.current_state") and "build payload (tracker+domain)" in parts):
        return "action-server call, Rasa side: build payload (tracker.current_state + domain)"
    if last == "validate response (jsonschema)":
        return "action-server call, Rasa side: validate response (jsonschema)"
    if last.startswith("remote "):
        return "action-server call, Rasa side: response handling, events"
    if last.startswith("node ") and "parse_message" in inside:
        return "NLU: " + last[5:]
    if last.startswith("node "):
        return "policy: " + last[5:]
    if last in ("parse_message", "_parse_message_with_graph", "_check_for_unseen_features"):
        return "NLU: Rasa around the graph"
    if last == "_predict_next_with_tracker":
        return "policy: Rasa around the graph"
    if last.startswith("SQL ") and "store.save" in inside:
        return f"tracker store save: {last}"
    if last.startswith("SQL ") and "store.retrieve" in inside:
        return f"tracker store load: {last}"
    if last.startswith("tracker replay (from_dict)") and "store.retrieve" in inside:
        return "tracker store load: rebuild tracker (replay all events)"
    if last == "store.retrieve":
        return "tracker store load: Rasa side (JSON decode, ORM/dict)"
    if last == "store.save":
        return "tracker store save: Rasa side (events to JSON, ORM)"
    if last.startswith("tracker replay") or last.startswith("tracker.copy"):
        return "tracker copies in Rasa (replay all events)"
    if last.startswith("tracker.current_state"):
        return "tracker.current_state (other)"
    if last == "NLG generate":
        return "NLG (responses, conditions on `language`)"
    if last == "action_extract_slots":
        return "action_extract_slots (Rasa side)"
    if last.startswith("form ") or last.startswith("action ") or last in ("utter action",
                                                                          "action_listen"):
        return "Rasa actions: forms, utter, listen (Rasa side)"
    return "Rasa: rest of the turn (lock, session, events, logging)"


def self_times(spans: dict[str, list[float]]) -> dict[str, tuple[float, float, float]]:
    """path -> (wall, Rasa CPU, action-server CPU) not spent in a child span."""
    children: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0])
    for path, entry in spans.items():
        if "/" in path:
            parent = children[path.rsplit("/", 1)[0]]
            parent[0] += entry[0]
            parent[1] += entry[2]
    out = {}
    for path, entry in spans.items():
        child = children.get(path, [0.0, 0.0])
        server_cpu = entry[3] if len(entry) > 3 else 0.0
        out[path] = (entry[0] - child[0], entry[2] - child[1], server_cpu)
    return out


def flat(turn: dict[str, Any]) -> dict[str, tuple[float, int, float]]:
    """category -> (seconds, calls, CPU seconds of either process) for one turn; the
    seconds add up to the turn."""
    out: dict[str, list[float]] = defaultdict(lambda: [0.0, 0, 0.0])
    spans = turn["spans"]
    for path, (seconds, cpu, server_cpu) in self_times(spans).items():
        cat = category(path)
        out[cat][0] += seconds
        out[cat][1] += int(spans[path][1])
        out[cat][2] += server_cpu if path.rsplit("/", 1)[-1].startswith("action server: ") \
            else max(0.0, cpu)
    return {k: (v[0], int(v[1]), v[2]) for k, v in out.items()}


def summarise(turns: list[dict[str, Any]]) -> dict[str, Any]:
    n = len(turns)
    totals = [t["total_s"] for t in turns]
    flats = [flat(t) for t in turns]
    cats = sorted({c for f in flats for c in f})
    rows = {}
    cpu_total = sum(sum(v[2] for v in f.values()) for f in flats)
    for cat in cats:
        per_turn = [f.get(cat, (0.0, 0, 0.0))[0] for f in flats]
        calls = sum(f.get(cat, (0.0, 0, 0.0))[1] for f in flats)
        cpu = [f.get(cat, (0.0, 0, 0.0))[2] for f in flats]
        rows[cat] = {"calls": calls / n, "median_ms": 1000 * statistics.median(per_turn),
                     "mean_ms": 1000 * statistics.mean(per_turn),
                     "share": sum(per_turn) / sum(totals),
                     "cpu_ms": 1000 * statistics.mean(cpu),
                     "cpu_share": sum(cpu) / cpu_total}
    tree: dict[str, dict[str, float]] = {}
    for path in sorted({p for t in turns for p in t["spans"]}):
        values = [t["spans"].get(path, [0.0, 0, 0.0]) for t in turns]
        tree[path] = {"calls": sum(v[1] for v in values) / n,
                      "mean_ms": 1000 * statistics.mean(v[0] for v in values),
                      "cpu_ms": 1000 * statistics.mean(
                          (v[3] if len(v) > 3 else v[2]) for v in values),
                      "share": sum(v[0] for v in values) / sum(totals)}
    remote: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    for t in turns:
        for call in t["remote"]:
            r = remote[call["action"]]
            r["bytes"].append(call["bytes"])
            r["domain_bytes"].append(call["domain_bytes"])
            r["events"].append(call["events"])
            r["handler_ms"].append(1000 * call["handler_s"])
            r["from_dict_ms"].append(1000 * call["from_dict_s"])
            r["code_ms"].append(1000 * (call["executor_s"] - call["from_dict_s"]))
    for t in turns:
        rt = [s for p, s in t["spans"].items() if p.endswith("/HTTP round trip")]
        t["http_ms"] = 1000 * sum(s[0] for s in rt)
    calls_per_turn = [len(t["remote"]) for t in turns]
    return {
        "turns": n,
        "p50_ms": 1000 * statistics.median(totals),
        "mean_ms": 1000 * statistics.mean(totals),
        "p95_ms": 1000 * sorted(totals)[min(n - 1, int(0.95 * n))],
        "cpu_ms": 1000 * statistics.mean(t["cpu_s"] for t in turns),
        "server_cpu_ms": 1000 * statistics.mean(
            sum(c["handler_cpu_s"] for c in t["remote"]) for t in turns),
        "action_calls_per_turn": statistics.mean(calls_per_turn),
        "action_calls_max": max(calls_per_turn),
        "rows": rows,
        "tree": tree,
        "remote": {a: {k: statistics.median(v) for k, v in d.items()} | {"calls": len(d["bytes"])}
                   for a, d in remote.items()},
    }


def median_of(runs: list[dict[str, Any]], *keys: str) -> float:
    values = []
    for run in runs:
        value: Any = run
        for key in keys:
            value = value.get(key, {}) if isinstance(value, dict) else {}
        values.append(value if isinstance(value, (int, float)) else 0.0)
    return statistics.median(values)


def print_report(label: str, runs: list[dict[str, Any]], turns: list[dict[str, Any]]) -> None:
    print(f"\n=== {label}: {runs[0]['turns']} turns per repeat, median of {len(runs)} repeats")
    for i, run in enumerate(runs, 1):
        print(f"  repeat {i}: p50 {run['p50_ms']:.0f} ms, mean {run['mean_ms']:.0f} ms, "
              f"p95 {run['p95_ms']:.0f} ms, CPU/turn: Rasa {run['cpu_ms']:.0f} ms, "
              f"action server {run['server_cpu_ms']:.0f} ms, "
              f"action-server calls {run['action_calls_per_turn']:.2f}/turn "
              f"(max {run['action_calls_max']}), load avg {run['loadavg']}")
    p50 = median_of(runs, "p50_ms")
    mean = median_of(runs, "mean_ms")
    print(f"  turn: p50 {p50:.0f} ms, mean {mean:.0f} ms, p95 {median_of(runs, 'p95_ms'):.0f} ms,"
          f" CPU per turn: Rasa process {median_of(runs, 'cpu_ms'):.0f} ms, action server "
          f"{median_of(runs, 'server_cpu_ms'):.0f} ms")

    cats = sorted({c for r in runs for c in r["rows"]},
                  key=lambda c: -median_of(runs, "rows", c, "mean_ms"))
    print("\n  wall = elapsed time in the span (not in a child span); CPU = CPU time of the "
          "process doing the work (Rasa, or the action server for its rows)")
    print(f"  {'component (self time, disjoint)':74} {'calls/turn':>10} {'median ms':>9} "
          f"{'mean ms':>8} {'share':>6} {'CPU ms':>7} {'CPU sh':>6}")
    for cat in cats:
        print(f"  {cat:74} {median_of(runs, 'rows', cat, 'calls'):10.2f} "
              f"{median_of(runs, 'rows', cat, 'median_ms'):9.2f} "
              f"{median_of(runs, 'rows', cat, 'mean_ms'):8.2f} "
              f"{100 * median_of(runs, 'rows', cat, 'share'):5.1f}% "
              f"{median_of(runs, 'rows', cat, 'cpu_ms'):7.2f} "
              f"{100 * median_of(runs, 'rows', cat, 'cpu_share'):5.1f}%")
    groups: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0])
    for cat in cats:
        head = cat.split(":")[0] if ":" in cat else cat
        groups[head][0] += median_of(runs, "rows", cat, "mean_ms")
        groups[head][1] += median_of(runs, "rows", cat, "cpu_ms")
    cpu_all = sum(g[1] for g in groups.values())
    print("\n  grouped (mean ms per turn, share of the mean turn; CPU ms, share of all CPU):")
    for head, (ms, cpu) in sorted(groups.items(), key=lambda kv: -kv[1][0]):
        print(f"    {head:60} {ms:8.1f} ms {100 * ms / mean:5.1f}%   CPU {cpu:7.1f} ms "
              f"{100 * cpu / cpu_all:5.1f}%")

    print(f"\n  {'span tree (inclusive)':92} {'calls/turn':>10} {'mean ms':>8} {'share':>6} "
          f"{'CPU ms':>7}")
    for path in sorted({p for r in runs for p in r["tree"]}):
        depth = path.count("/")
        name = path.rsplit("/", 1)[-1]
        ms = median_of(runs, "tree", path, "mean_ms")
        if ms < 0.05 and depth > 1:
            continue
        print(f"  {'  ' * depth + name:92} {median_of(runs, 'tree', path, 'calls'):10.2f} "
              f"{ms:8.2f} {100 * median_of(runs, 'tree', path, 'share'):5.1f}% "
              f"{median_of(runs, 'tree', path, 'cpu_ms'):7.2f}")

    print(f"\n  {'action-server call':28} {'calls/rep':>9} {'payload KB':>10} {'domain KB':>9} "
          f"{'events':>6} {'server ms':>9} {'from_dict':>9} {'code ms':>7}")
    for action in sorted({a for r in runs for a in r["remote"]}):
        get = functools.partial(median_of, runs, "remote", action)
        print(f"  {action:28} {get('calls'):9.0f} {get('bytes') / 1024:10.1f} "
              f"{get('domain_bytes') / 1024:9.1f} {get('events'):6.0f} {get('handler_ms'):9.2f} "
              f"{get('from_dict_ms'):9.2f} {get('code_ms'):7.2f}")

    print("\n  turn by turn (last repeat, English then Arabic user):")
    print(f"  {'#':>3} {'events':>6} {'total':>7} {'NLU':>6} {'load':>6} {'save':>6} "
          f"{'policy':>6} {'calls':>5} {'HTTP':>6} {'max KB':>6}  text")
    for i, t in enumerate(turns, 1):
        spans = t["spans"]

        def ms(suffix: str, spans: dict[str, list[float]] = spans) -> float:
            return 1000 * sum(s[0] for p, s in spans.items() if p.endswith(suffix))

        kb = max((c["bytes"] for c in t["remote"]), default=0) / 1024
        print(f"  {i:3d} {t['events_before']:6d} {1000 * t['total_s']:7.1f} "
              f"{ms('/parse_message'):6.1f} {ms('/store.retrieve'):6.1f} {ms('/store.save'):6.1f} "
              f"{ms('/_predict_next_with_tracker'):6.1f} {len(t['remote']):5d} {t['http_ms']:6.1f} "
              f"{kb:6.1f}  {t['text'][:40]}")


async def profile(args: argparse.Namespace, store_kind: str, serve: Any) -> dict[str, Any]:
    from rasa.core.agent import load_agent
    from rasa.core.utils import AvailableEndpoints
    from rasa.utils.endpoints import EndpointConfig

    from bot.runtime.serve import TRACKER_STORE_CLASS
    from bot.store.migrate import upgrade

    with tempfile.TemporaryDirectory(prefix="profile-turn-") as tmp:
        work = Path(tmp)
        database_url = f"sqlite:///{work / 'reports.db'}"
        upgrade(database_url)
        actions = ActionServer(work, database_url, {})
        if "inprocess" in (args.tuning or ""):  # the actions run here: the server's settings
            os.environ.update({"BALAGH_VAR_DIR": str(work), "DATABASE_URL": database_url,
                               "TRACKER_STORE_URL": database_url,
                               "ATTACHMENTS_DIR": str(work / "attachments"),
                               "MESSAGE_SINK": str(work / "messages.jsonl")})
        serve.SINK["path"] = work / "messages.jsonl"  # the codes the action server sends
        try:
            endpoints = AvailableEndpoints(
                action=EndpointConfig(url=f"{actions.base}/webhook"),
                tracker_store=(EndpointConfig(type=(TRACKER_STORE_CLASS if args.cached_store
                                                    else "SQL"), url=database_url)
                               if store_kind == "sql" else None),
            )
            started = perf()
            agent = await load_agent(model_path=str(args.model), endpoints=endpoints)
            load_s = perf() - started
            variants = list(args.process_variants)
            if args.selective_domain:
                enable_selective_domain(agent)
                variants.append("selective domain")
            if store_kind == "sql" and args.sqlite_wal:
                sqlite_wal(agent.tracker_store)
                variants.append("SQLite WAL")
            if store_kind == "sql" and args.cached_store:  # the store class built above
                variants.append("tracker cache over SQL")
            label = (f"{args.model.name}, tracker store "
                     f"{'SQL (SQLite)' if store_kind == 'sql' else 'in memory'}"
                     + (f", {', '.join(variants)}" if variants else ""))
            print(f">> {label}: model loaded in {load_s:.1f} s, RSS {rss_mib()} MiB; "
                  "warm-up conversation ...", flush=True)
            n = 1000
            run = run_single_turns if args.single_turns else run_conversations
            await run(agent, actions, serve, n, 2, record=False)
            n += 2
            runs, last = [], []
            profiler = None
            for repeat in range(args.repeats):
                if args.cprofile and repeat == args.repeats - 1:
                    import cProfile

                    profiler = cProfile.Profile()
                    profiler.enable()
                client = await run(agent, actions, serve, n, args.conversations, record=True)
                if profiler:
                    profiler.disable()
                n += args.conversations
                summary = summarise(client.turns)
                summary["loadavg"] = loadavg()
                runs.append(summary)
                last = client.turns
                print(f"   repeat {repeat + 1}: p50 {summary['p50_ms']:.0f} ms, mean "
                      f"{summary['mean_ms']:.0f} ms, load avg {summary['loadavg']}", flush=True)
            print_report(label, runs, last)
            print(f"  memory: Rasa process peak RSS {rss_mib('VmHWM')} MiB (this process, model "
                  f"and profiler), action server {rss_mib('VmHWM', actions.process.pid)} MiB")
            if profiler:
                import pstats

                print(f"\n  cProfile of the last repeat (top {args.cprofile} by cumulative; "
                      "timings with the profiler on are inflated):")
                stats = pstats.Stats(profiler)
                stats.sort_stats("cumulative").print_stats(args.cprofile)
                stats.sort_stats("tottime").print_stats(args.cprofile)
                if os.environ.get("PROFILE_TURN_PSTATS"):  # for pstats callers/callees
                    stats.dump_stats(os.environ["PROFILE_TURN_PSTATS"])
            return {"label": label, "load_s": load_s, "runs": runs,
                    "rss_mib": rss_mib("VmHWM")}
        finally:
            actions.stop()


# ------------------------------------------------------------------ TF thread settings

THREAD_SETTINGS: dict[str, dict[str, str]] = {
    "default (no thread variables)": {},
    "TF_NUM_INTRAOP=1 TF_NUM_INTEROP=1": {"TF_NUM_INTRAOP_THREADS": "1",
                                          "TF_NUM_INTEROP_THREADS": "1"},
    "TF_NUM_INTRAOP=2 TF_NUM_INTEROP=1": {"TF_NUM_INTRAOP_THREADS": "2",
                                          "TF_NUM_INTEROP_THREADS": "1"},
    "OMP_NUM_THREADS=1": {"OMP_NUM_THREADS": "1"},
    "Rasa TF_*_PARALLELISM_THREADS=1": {"TF_INTRA_OP_PARALLELISM_THREADS": "1",
                                        "TF_INTER_OP_PARALLELISM_THREADS": "1"},
}
PARSE_TEXTS = [
    "hello", "I have a suggestion to improve Absher", "yes", "Absher", "visit visa",
    "website", "An error message appears when I complete the request.", "Fatimah Al Harbi",
    "0551234567", "what is the status of BR-2026-000123?",
    "السلام عليكم", "لدي اقتراح لتحسين خدمة في منصة أبشر", "نعم", "أبشر", "تجديد رخصة القيادة",
    "الموقع", "تظهر رسالة خطأ عند إكمال الطلب منذ أسبوع ولم تحل المشكلة",
    "عبدالله بن فهد الدوسري", "ما حالة البلاغ BR-2026-000123؟",
]


def start_rasa(model: Path, env_extra: dict[str, str], work: Path, name: str
               ) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = dict(os.environ)
    for key in ("TF_NUM_INTRAOP_THREADS", "TF_NUM_INTEROP_THREADS", "OMP_NUM_THREADS",
                "TF_INTRA_OP_PARALLELISM_THREADS", "TF_INTER_OP_PARALLELISM_THREADS"):
        env.pop(key, None)
    env.update(env_extra)
    env["PYTHONPATH"] = str(ROOT)
    process = subprocess.Popen(
        [sys.executable, "-m", "rasa", "run", "--enable-api", "--model", str(model),
         "--port", str(port), "--interface", "127.0.0.1"],
        cwd=work, env=env, stdout=(work / f"{name}.log").open("wb"), stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    wait_http(f"{base}/status", 300, process)
    return process, base


async def parse_load(bases: list[str], clients: int, requests: int) -> tuple[float, float]:
    import httpx

    latencies: list[float] = []
    queue = list(range(requests))
    async with httpx.AsyncClient(timeout=120) as client:

        async def worker(k: int) -> None:
            base = bases[k % len(bases)]
            while queue:
                i = queue.pop()
                started = perf()
                response = await client.post(f"{base}/model/parse",
                                             json={"text": PARSE_TEXTS[i % len(PARSE_TEXTS)]})
                response.raise_for_status()
                latencies.append(perf() - started)

        for i in range(len(PARSE_TEXTS)):  # warm-up
            await client.post(f"{bases[i % len(bases)]}/model/parse",
                              json={"text": PARSE_TEXTS[i]})
        started = perf()
        await asyncio.gather(*(worker(k) for k in range(clients)))
        wall = perf() - started
    return 1000 * statistics.median(latencies), requests / wall


def threads(args: argparse.Namespace) -> None:
    settings = [*THREAD_SETTINGS.items(), ("2 procs, TF_NUM_*=1 each", {})]
    print(f"TF thread settings: /model/parse of `rasa run` with {args.model.name}; "
          f"{args.requests} requests per measurement, median of {args.repeats}; "
          f"{os.cpu_count()} CPUs")
    print(f"{'setting':36} {'p50 1 client':>12} {'req/s 1':>8} {'req/s 2':>8} {'req/s 4':>8}"
          f" {'p50 4 clients':>13} {'threads':>7}  load avg (start / end)")
    with tempfile.TemporaryDirectory(prefix="profile-threads-") as tmp:
        work = Path(tmp)
        for name, env in settings:
            processes = []
            try:
                if name.startswith("2 procs"):
                    one = {"TF_NUM_INTRAOP_THREADS": "1", "TF_NUM_INTEROP_THREADS": "1"}
                    processes = [start_rasa(args.model, one, work, f"t{i}") for i in range(2)]
                else:
                    processes = [start_rasa(args.model, env, work, "t")]
                bases = [base for _, base in processes]
                before = loadavg()
                asyncio.run(parse_load(bases, 1, 2))
                threads_n = [next(int(line.split()[1]) for line in
                                  Path(f"/proc/{p.pid}/status").read_text().splitlines()
                                  if line.startswith("Threads:")) for p, _ in processes]
                results: dict[int, list[tuple[float, float]]] = defaultdict(list)
                for _ in range(args.repeats):
                    for clients in (1, 2, 4):
                        results[clients].append(
                            asyncio.run(parse_load(bases, clients, args.requests)))
                med = {c: (statistics.median(r[0] for r in v), statistics.median(r[1] for r in v))
                       for c, v in results.items()}
                print(f"{name:36} {med[1][0]:10.1f}ms {med[1][1]:8.1f} {med[2][1]:8.1f} "
                      f"{med[4][1]:8.1f} {med[4][0]:11.1f}ms {'+'.join(map(str, threads_n)):>7}"
                      f"  {before} / {loadavg()}", flush=True)
            finally:
                for process, _ in processes:
                    stop_process(process)


# --------------------------------------------------------------------------- main


def configure_like_rasa_run(work: Path) -> None:
    """What `rasa run` sets up before serving: logging (bot/runtime/logmask.py's config, as
    `python -m bot serve` passes it), TensorFlow's environment, structlog."""
    import logging

    from rasa.utils.common import configure_logging_and_warnings
    from rasa.utils.log_utils import configure_structlog
    from rasa.utils.tensorflow import environment

    from bot.runtime.logmask import write_logging_config

    configure_logging_and_warnings(None, str(write_logging_config(work / "logging.yml")),
                                   warn_only_once=True, filter_repeated_logs=True)
    environment.setup_tf_environment()
    configure_structlog(None)
    for name in ("tensorflow", "absl"):
        logging.getLogger(name).setLevel(logging.ERROR)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench/profile_turn.py", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", type=Path, default=MODEL)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--conversations", type=int, default=2,
                        help="conversations per repeat (English and Arabic alternate)")
    parser.add_argument("--store", default="sql,memory", help="sql, memory or both")
    parser.add_argument("--single-turns", action="store_true",
                        help="bench/serve.py's single turns (each message the first turn of a "
                             "new conversation) instead of whole conversations; "
                             "--conversations rounds of them")
    parser.add_argument("--selective-domain", action="store_true")
    parser.add_argument("--cached-store", action="store_true")
    parser.add_argument("--sqlite-wal", action="store_true")
    parser.add_argument("--fast-validate", action="store_true")
    parser.add_argument("--keepalive", action="store_true")
    parser.add_argument("--inprocess-language", action="store_true")
    parser.add_argument("--domain-json", action="store_true",
                        help="bot/runtime/rasa_tuning.py's `domainjson`: the domain's JSON "
                        "made once")
    parser.add_argument("--all-fixes", action="store_true",
                        help="--fast-validate --keepalive --selective-domain --cached-store "
                        "--sqlite-wal")
    parser.add_argument("--tuning", metavar="NAMES",
                        help="bot/runtime/rasa_tuning.py's changes, as BALAGH_RASA_TUNING "
                        "names them (\"all\", \"all,inprocess\"): what the server runs")
    parser.add_argument("--cprofile", type=int, default=0, metavar="N")
    parser.add_argument("--json", type=Path, help="write the summaries here")
    parser.add_argument("--threads", action="store_true", help="TF thread settings (see above)")
    parser.add_argument("--requests", type=int, default=60, help="--threads: per measurement")
    parser.add_argument("--serve-actions", type=int, metavar="PORT", help=argparse.SUPPRESS)
    parser.add_argument("--logging-config", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve_actions:
        serve_actions(args.serve_actions, args.logging_config)
        return 0
    args.model = args.model.resolve()
    if args.all_fixes:
        args.fast_validate = args.keepalive = args.selective_domain = True
        args.cached_store = args.sqlite_wal = True
    if args.threads:
        threads(args)
        return 0
    with tempfile.TemporaryDirectory(prefix="profile-turn-log-") as tmp:
        configure_like_rasa_run(Path(tmp))
        serve = load_serve_module()
        args.process_variants = []
        if args.fast_validate:
            fast_validate()
            args.process_variants.append("cached jsonschema validator")
        if args.keepalive:
            keepalive_sessions()
            args.process_variants.append("kept-alive action-server connections")
        if args.inprocess_language:
            inprocess_language()
            args.process_variants.append("language slot in-process")
        if args.domain_json:
            product_tuning("domainjson")
            args.process_variants.append("domain JSON made once")
        if args.tuning:
            from bot.runtime import rasa_tuning

            names = rasa_tuning.apply(rasa_tuning.wanted(args.tuning))
            args.process_variants.append("rasa_tuning " + ",".join(names))
        install_timers()
        results = []
        for store_kind in [s.strip() for s in args.store.split(",") if s.strip()]:
            results.append(asyncio.run(profile(args, store_kind, serve)))
    print("\nSUMMARY (median of repeats; load average per repeat)")
    for result in results:
        runs = result["runs"]
        print(f"  {result['label']}: turn p50 {median_of(runs, 'p50_ms'):.1f} ms, mean "
              f"{median_of(runs, 'mean_ms'):.1f} ms, p95 {median_of(runs, 'p95_ms'):.1f} ms, "
              f"CPU/turn Rasa {median_of(runs, 'cpu_ms'):.1f} ms + action server "
              f"{median_of(runs, 'server_cpu_ms'):.1f} ms, action-server calls "
              f"{median_of(runs, 'action_calls_per_turn'):.2f}/turn; load "
              + " | ".join(r["loadavg"] for r in runs))
    if args.json:
        args.json.write_text(json.dumps(results, indent=1, default=str), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
