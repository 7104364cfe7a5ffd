"""Scale-out: two Rasa servers behind the proxy, sharing PostgreSQL and Redis.

Starts the documented topology (`python -m bot cluster`, README "Several servers") with a
throwaway PostgreSQL database (tests/postgres_server.py) and its own redis-server: two Rasa
servers, each with its own action server, one scheduler, the round-robin proxy. Then:

* an Arabic filing through the proxy, whose turns the proxy alternates between the servers;
* an English filing plus a status question, turn i sent straight to Rasa server i mod 2;
* a status question from another conversation (ID and mobile checked), alternating too;
* two turns of one conversation sent to both servers at the same moment (the Redis lock);
* Rasa server 2 killed: a filing through the proxy goes on on server 1, and the cluster
  starts server 2 again.

Every turn must get the expected reply, each filed report must be in PostgreSQL exactly
once, and each conversation's tracker in PostgreSQL must hold every turn, in order. Skipped
when redis-server or the PostgreSQL binaries are missing (`.ci/run` installs both).

Two action servers rather than one shared, as `python -m bot cluster` starts by default:
an action server takes about 100 MB and starts in 3 to 10 s, while the two Rasa servers
load their models side by side (1 to 2½ minutes on 2 cores, 1.7 GB each), so the second one
costs no measurable start-up time (one shared: 105 s; two: 62 to 143 s, the spread being
the machine's other load), and it shows that a report is filed once whichever action server
runs the "send". The conversations themselves take a few seconds.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from postgres_server import PostgresUnavailable, find_bin_dir
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine

from bot.runtime.model import model_path
from bot.runtime.scripted_user import AR_ANSWERS, EN_ANSWERS, VALID_ID
from tests.integration.test_live_intake import answer_until_summary
from tests.live import conversation_id, free_ports, is_arabic, is_english, last_code, texts

pytestmark = pytest.mark.servers

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "scale-out-token"
REFERENCE = re.compile(r"BR-[0-9A-HJKMNP-TV-Z]{8}")
START_TIMEOUT_S = 420
UPSTREAM_HEADER = "X-Balagh-Upstream"


def _skip_reason() -> str | None:
    if not shutil.which("redis-server"):
        return (
            "redis-server is not installed: install Debian's `redis-server` package "
            "(apt-get install redis-server; .ci/run does it) to run the scale-out test"
        )
    if os.environ.get("BALAGH_SKIP_POSTGRES", "").strip() in ("1", "true", "yes"):
        return "scale-out test skipped because BALAGH_SKIP_POSTGRES=1"
    if not os.environ.get("TEST_POSTGRES_URL"):
        try:
            find_bin_dir()
        except PostgresUnavailable as error:
            return f"scale-out test needs PostgreSQL: {error}"
    return None


@dataclass
class Cluster:
    process: subprocess.Popen[bytes]
    var_dir: Path
    database_url: str
    proxy: str
    servers: list[str]
    redis_port: int
    started_in: float
    engine: Engine = field(init=False)

    def __post_init__(self) -> None:
        self.engine = create_engine(self.database_url, future=True)

    def output(self) -> str:
        return (self.var_dir / "cluster.out").read_text(errors="replace")

    def scalar(self, sql: str, **params: Any) -> Any:
        with self.engine.connect() as connection:
            return connection.execute(text(sql), params).scalar_one()

    def user_turns(self, sender: str) -> list[str]:
        """The texts of the conversation's user events in the tracker store, in order."""
        with self.engine.connect() as connection:
            rows = connection.execute(
                text("SELECT data FROM events WHERE sender_id = :s AND type_name = 'user' "
                     "ORDER BY id"),
                {"s": conversation_id(sender)},
            ).scalars()
            return [json.loads(row)["text"] for row in rows]

    def event_types(self, sender: str) -> list[str]:
        with self.engine.connect() as connection:
            return list(connection.execute(
                text("SELECT type_name FROM events WHERE sender_id = :s ORDER BY id"),
                {"s": conversation_id(sender)},
            ).scalars())


def _start_cluster(var_dir: Path, database_url: str) -> Cluster:
    proxy_port, rasa_port, actions_port, redis_port = (
        free_ports(1), free_ports(2), free_ports(2), free_ports(1)
    )
    env = dict(os.environ)
    for name in ("REDIS_URL", "TRACKER_STORE_URL", "TELEGRAM_TOKEN", "TELEGRAM_WEBHOOK_URL",
                 "REST_CALLBACK_URL"):
        env.pop(name, None)
    env.update({
        "BALAGH_VAR_DIR": str(var_dir),
        "DATABASE_URL": database_url,
        "RASA_TOKEN": TOKEN,
        "ATTACHMENTS_DIR": str(var_dir / "attachments"),
        "PYTHONUNBUFFERED": "1",
        "TF_CPP_MIN_LOG_LEVEL": "2",
    })
    started = time.monotonic()
    with (var_dir / "cluster.out").open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "bot", "cluster", "--port", str(proxy_port),
             "--rasa-servers", "2", "--action-servers", "2",
             "--rasa-port", str(rasa_port), "--actions-port", str(actions_port),
             "--redis-port", str(redis_port)],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
            # started with SIGINT ignored, as from a script's background or a test runner's
            # worker can: the Ctrl-C of the teardown must stop it all the same ("stopped.")
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN),
        )
    cluster = Cluster(
        process, var_dir, database_url, f"http://127.0.0.1:{proxy_port}",
        [f"http://127.0.0.1:{rasa_port}", f"http://127.0.0.1:{rasa_port + 1}"],
        redis_port, 0.0,
    )
    deadline = started + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if "cluster is running" in cluster.output():
            cluster.started_in = time.monotonic() - started
            print(f"\n[scale-out] cluster up in {cluster.started_in:.0f} s", flush=True)
            return cluster
        if process.poll() is not None:
            break
        time.sleep(1)
    _stop_cluster(cluster)
    logs = "\n".join(
        f"--- {path}\n" + path.read_text(errors="replace")[-3000:]
        for path in sorted((var_dir / "logs").rglob("*.log"))
    )
    raise AssertionError(f"cluster did not start:\n{cluster.output()}\n{logs}")


def _stop_cluster(cluster: Cluster) -> None:
    cluster.engine.dispose()
    if cluster.process.poll() is None:
        cluster.process.send_signal(signal.SIGINT)  # Ctrl-C
        try:
            cluster.process.wait(150)
        except subprocess.TimeoutExpired:
            cluster.process.kill()
            cluster.process.wait()


@pytest.fixture(scope="module")
def cluster(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Cluster]:
    reason = _skip_reason()
    if reason:
        pytest.skip(reason)
    assert model_path().exists(), "no model: run `make test` (it trains one) first"
    server = request.getfixturevalue("postgres_server")
    database_url = server.create_database("balagh_scale")
    running = _start_cluster(tmp_path_factory.mktemp("var"), database_url)
    Chat.sink = running.var_dir / "messages.jsonl"
    try:
        yield running
    finally:
        _stop_cluster(running)
        assert "stopped." in running.output(), running.output()[-3000:]
        server.drop_database(database_url)


def post(url: str, body: dict[str, Any]) -> tuple[list[dict[str, Any]], str | None]:
    """POST a REST message; the replies and the proxy's upstream header (if any)."""
    req = urllib.request.Request(
        url + "/webhooks/rest/webhook", data=json.dumps(body).encode(), method="POST",
        headers={"Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(req, timeout=120) as response:
            return json.loads(response.read()), response.headers.get(UPSTREAM_HEADER)
    except urllib.error.HTTPError as error:
        raise AssertionError(f"{url}: HTTP {error.code}: {error.read()[:500]!r}") from error


class Chat:
    """One conversation whose turns go to `targets` in turn (or all to the proxy)."""

    # the development sink (MESSAGE_SINK) of the running cluster, where one-time codes go
    sink: Path | None = None

    def __init__(self, name: str, targets: list[str]) -> None:
        self.sender = f"scale-{name}-{uuid.uuid4().hex[:8]}"
        self.targets = targets
        self.sent: list[str] = []
        self.upstreams: list[str | None] = []
        self.last: list[dict[str, Any]] = []
        self.started = time.monotonic()

    def say(self, message: str) -> str:
        target = self.targets[len(self.sent) % len(self.targets)]
        self.last, upstream = post(target, {"sender": self.sender, "message": message})
        self.sent.append(message)
        self.upstreams.append(upstream)
        assert self.last, f"no reply to {message!r} from {target}"
        return texts(self.last)

    def code(self) -> str:
        """The one-time code in the latest SMS the cluster sent."""
        assert Chat.sink is not None
        return last_code(Chat.sink)

    def report(self, what: str) -> None:
        seconds = time.monotonic() - self.started
        print(f"[scale-out] {what}: {len(self.sent)} turns in {seconds:.1f} s "
              f"({seconds / len(self.sent):.2f} s/turn)", flush=True)


def file_suggestion(chat: Chat, opening: str, answers: list, service: str) -> str:
    """A development suggestion, from the opening to the reference; returns the reference."""
    reply = chat.say(opening)
    assert "/affirm" in str(chat.last), reply  # the proposal, with its yes button
    reply = chat.say("/affirm")
    reply = answer_until_summary(chat, reply, answers, service=service, prior_ref="")
    assert service.lower() in reply.lower(), reply
    reply = chat.say("/confirm_report")
    found = REFERENCE.findall(reply)
    assert found, reply
    return found[0]


def test_conversations_alternating_between_two_rasa_servers(cluster: Cluster) -> None:
    # Arabic, through the proxy: it alternates the turns between the two servers
    arabic = Chat("ar", [cluster.proxy])
    ref_ar = file_suggestion(arabic, "لدي اقتراح لتحسين خدمة في منصة أبشر", AR_ANSWERS,
                             "تجديد رخصة القيادة")
    assert is_arabic(arabic.last) and "5 أيام عمل" in texts(arabic.last)
    arabic.report("Arabic filing via the proxy")
    assert set(arabic.upstreams) == {"1", "2"}
    assert all(a != b for a, b in zip(arabic.upstreams, arabic.upstreams[1:], strict=False)), (
        arabic.upstreams
    )

    # English, turn i straight to Rasa server i mod 2, then a status question
    english = Chat("en", cluster.servers)
    ref_en = file_suggestion(english, "I have a suggestion to improve Absher", EN_ANSWERS,
                             "visit visa")
    assert is_english(english.last) and ref_en != ref_ar
    reply = english.say(f"what is the status of {ref_en}?")
    assert ref_en in reply and "received" in reply, reply
    english.report("English filing + status, direct, alternating")

    # someone else asks about the Arabic report: the ID, a code to its mobile, then the status
    status = Chat("status", list(reversed(cluster.servers)))
    assert "check who you are" in status.say(f"what is the status of {ref_ar}?")
    status.say(VALID_ID)
    reply = status.say(status.code())
    assert ref_ar in reply and "received" in reply, reply
    status.report("status question, direct, alternating")

    # every report exactly once in PostgreSQL, from the conversation that filed it
    for chat, ref in ((arabic, ref_ar), (english, ref_en)):
        assert cluster.scalar("SELECT count(*) FROM reports WHERE reference = :r", r=ref) == 1
        assert cluster.scalar(
            "SELECT count(*) FROM reports WHERE sender_id = :s",
            s=conversation_id(chat.sender)) == 1
        assert cluster.scalar(
            "SELECT sender_id FROM reports WHERE reference = :r", r=ref
        ) == conversation_id(chat.sender)
    assert cluster.scalar("SELECT count(*) FROM reports") == 2
    # every turn in the shared tracker store, in the order it was said
    for chat in (arabic, english, status):
        assert cluster.user_turns(chat.sender) == chat.sent, chat.sender
    # and the lock store that serialised them was Redis
    import redis

    # (the cluster's own Redis wants the password it generated; bot/runtime/cluster.py)
    password = (cluster.var_dir / "cluster_redis_password").read_text().strip()
    stats = redis.Redis(port=cluster.redis_port, password=password).info("commandstats")
    turns = len(arabic.sent) + len(english.sent) + len(status.sent)
    assert stats.get("cmdstat_set", {}).get("calls", 0) >= turns, stats


def test_simultaneous_turns_of_one_conversation_are_serialised(cluster: Cluster) -> None:
    """Two messages of one conversation reach both servers at once: the Redis lock lets
    one finish before the other starts, so the tracker has each turn with its replies."""
    sender = f"scale-lock-{uuid.uuid4().hex[:8]}"
    replies: dict[str, list[dict[str, Any]]] = {}
    barrier = threading.Barrier(2)

    def send(server: str, message: str) -> None:
        barrier.wait()
        replies[message], _ = post(server, {"sender": sender, "message": message})

    started = time.monotonic()
    threads = [threading.Thread(target=send, args=(server, message))
               for server, message in zip(cluster.servers, ("hello", "good morning"),
                                          strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    print(f"[scale-out] two simultaneous turns in {time.monotonic() - started:.1f} s",
          flush=True)
    assert replies.get("hello") and replies.get("good morning"), replies
    assert sorted(cluster.user_turns(sender)) == ["good morning", "hello"]
    types = cluster.event_types(sender)
    first, second = (i for i, kind in enumerate(types) if kind == "user")
    assert "bot" in types[first:second] and "bot" in types[second:], types


def _rasa_pid(port: int) -> int:
    """The Rasa server (`python -m bot.runtime.rasa_server run`) serving `port` (from /proc: this
    test's own child)."""
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            argv = cmdline.read_bytes().split(b"\0")
        except OSError:
            continue
        if (b"bot.runtime.rasa_server" in argv and b"run" in argv and b"--port" in argv
                and argv[argv.index(b"--port") + 1] == str(port).encode()):
            return int(cmdline.parent.name)
    raise AssertionError(f"no Rasa server on port {port}")


def test_a_rasa_server_that_dies_is_routed_around_and_started_again(cluster: Cluster) -> None:
    """Kill Rasa server 2: the proxy sends every turn to server 1 (a refused connection is
    the one case it tries another server), nothing is lost or doubled, and the cluster
    starts server 2 again. Last in the file: the restarted server loads in the background."""
    before = cluster.scalar("SELECT count(*) FROM reports")
    port = int(cluster.servers[1].rsplit(":", 1)[1])
    os.kill(_rasa_pid(port), signal.SIGKILL)
    # until the kernel has closed its socket, a connection can still be accepted and then
    # reset: the proxy rightly never re-sends a request that may have been received
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
        except OSError:
            break
        time.sleep(0.2)
    chat = Chat("failover", [cluster.proxy])
    chat.say("I'd like to suggest a dark mode for the Tawakkalna app")  # as test_live_intake
    chat.say("/affirm")
    chat.say("login")
    chat.say('/choose{"choice": "app"}')
    reply = chat.say("A dark mode would make the app easier to use at night.")
    reply = answer_until_summary(chat, reply, EN_ANSWERS, service="login", prior_ref="")
    ref = REFERENCE.findall(chat.say("/confirm_report"))[0]
    chat.report("English filing via the proxy, Rasa server 2 down")
    assert set(chat.upstreams) == {"1"}, chat.upstreams
    assert cluster.user_turns(chat.sender) == chat.sent
    assert cluster.scalar("SELECT count(*) FROM reports WHERE reference = :r", r=ref) == 1
    assert cluster.scalar("SELECT count(*) FROM reports") == before + 1
    deadline = time.monotonic() + 30
    while "Rasa server 2 stopped" not in cluster.output() and time.monotonic() < deadline:
        time.sleep(0.5)
    assert "Rasa server 2 stopped (exit code 1); starting it again" in cluster.output()
