"""Start the whole assistant on this machine (what `make run` ends in).

Runs the Rasa server (which runs the custom actions in its own process; `--action-server`
or BALAGH_ACTIONS=server starts a separate action server instead) and the scheduler as child
processes, waits until each answers, says where to talk to the assistant, and stops them on
Ctrl-C. When a part fails to start, it says which one and why (port in use, no model, bad
config), with the end of that part's log.

One node of several (README, "Several servers"; `python -m bot cluster` starts them all
on one machine): `--node NAME` keeps this node's logs in var/logs/NAME/ and its
endpoints.yml and credentials.yml in var/nodes/NAME/, so that nodes sharing one var/ do not
overwrite each other's; `--actions-url URL` points the Rasa server at a running action
server instead of starting one; `--no-rasa` starts only the action server; `--no-jobs`
leaves the scheduler to another process; `--no-telegram-bridge` leaves the Telegram
long-polling bridge to another process (only one may poll); `--interface` is the address
the Rasa server listens on. With `REDIS_URL` set the Rasa servers share Redis as their lock
store, so that the turns of one conversation are handled one at a time whichever server
gets them; they share the SQL tracker store (`TRACKER_STORE_URL`) and the report store
(`DATABASE_URL`) anyway.
"""

from __future__ import annotations

import argparse
import ctypes
import json
import os
import signal
import socket
import subprocess
import sys
import tarfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

from bot.runtime import settings
from bot.runtime.logmask import logging_config_args
from bot.runtime.model import model_path
from bot.runtime.secrets import (
    ACTIONS_SECRET_ENV,
    ACTIONS_SECRET_HEADER,
    actions_secret,
    restrict_umask,
    secure_var_dir,
    write_private,
)

LOG_DIR = settings.VAR_DIR / "logs"
START_TIMEOUT_S = 180.0
PR_SET_PDEATHSIG = 1  # prctl(2) option (linux/prctl.h)


class StartError(RuntimeError):
    """A part of the assistant could not start; the message says why."""


@dataclass
class Part:
    name: str
    command: list[str]
    log_path: Path
    ready: Callable[[], bool]
    process: subprocess.Popen[bytes] | None = None

    def log_tail(self) -> str:
        return log_tail(self.log_path)


def log_tail(path: Path, lines: int = 25) -> str:
    if not path.exists():
        return ""
    text = path.read_text(encoding="utf-8", errors="replace").splitlines()
    return "\n".join("    " + line for line in text[-lines:])


def port_free(port: int, host: str = "0.0.0.0") -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


def http_ok(url: str, timeout: float = 2.0) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return 200 <= response.status < 300
    except (urllib.error.URLError, OSError):
        return False


def rasa_ready(port: int, token: str, log_path: Path = LOG_DIR / "rasa.log") -> bool:
    """True once the model is loaded; a 409 means the server is up without a model."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/status?token={token}", timeout=2):
            return True
    except urllib.error.HTTPError as error:
        if error.code == 409:
            raise StartError(
                "Rasa server: started, but could not load the model. "
                f"End of its log ({log_path}):\n{log_tail(log_path)}"
            ) from error
        return False
    except (urllib.error.URLError, OSError):
        return False


TELEGRAM_CHANNEL = "bot.channels.telegram.TelegramInput"
NLG_CLASS = "bot.runtime.nlg.LiteralValuesNLG"
# Rasa's SQL tracker store that keeps the trackers it saved (bot/runtime/tracker_store.py)
TRACKER_STORE_CLASS = "bot.runtime.tracker_store.CachedSQLTrackerStore"


def write_credentials(path: Path) -> Path:
    """credentials.yml, plus the Telegram channel when TELEGRAM_TOKEN is set.

    The channel reads its token from the environment; it is never written to disk.
    """
    text = (settings.PROJECT_ROOT / "credentials.yml").read_text(encoding="utf-8")
    if settings.telegram_token() and f"\n{TELEGRAM_CHANNEL}:" not in f"\n{text}":
        text = text.rstrip("\n") + (
            "\n# Added by `python -m bot serve` because TELEGRAM_TOKEN is set.\n"
            f"{TELEGRAM_CHANNEL}:\n"
        )
    return write_private(path, text)


def telegram_bridge(args: argparse.Namespace) -> Part:
    """`python -m bot telegram` (long polling), ready once it says it polls."""
    log_path = LOG_DIR / "telegram.log"

    def ready() -> bool:
        return log_path.exists() and "Telegram bridge: polling" in log_path.read_text(
            encoding="utf-8", errors="replace"
        )

    return Part(
        name="Telegram bridge",
        command=[
            sys.executable, "-m", "bot", "telegram",
            "--rasa-url", f"http://127.0.0.1:{args.rasa_port}",
        ],
        log_path=log_path,
        ready=ready,
    )


IN_PROCESS_URL = settings.IN_PROCESS_ACTIONS_URL


def actions_webhook(url: str) -> str:
    """The action server's webhook URL from its base URL (`/webhook` added when missing)."""
    url = url.rstrip("/")
    return url if url.endswith("/webhook") else url + "/webhook"


def lock_store_lines(redis_url: str) -> list[str]:
    """endpoints.yml's Redis lock store from `REDIS_URL` (redis[s]://[user:pass@]host:port/db).

    Rasa's RedisLockStore takes the host, port, db and password apart, not a URL. The class
    is bot.runtime.lockstore's, which issues tickets atomically: Rasa's own lets two servers that
    get one conversation's messages at the same moment process them at once.
    """
    parts = urlsplit(redis_url)
    if parts.scheme not in ("redis", "rediss"):
        raise StartError(
            f"REDIS_URL must look like redis://host:6379/0 (or rediss:// for TLS), "
            f"not {parts.scheme or redis_url!r}"
        )
    lines = [
        "lock_store:",
        "  type: bot.runtime.lockstore.AtomicRedisLockStore",
        f"  url: {json.dumps(parts.hostname or 'localhost')}",
        f"  port: {parts.port or 6379}",
        '  key_prefix: "balagh"',
    ]
    database = parts.path.strip("/")
    if database:
        lines.append(f"  db: {int(database)}")
    if parts.username:
        lines.append(f"  username: {json.dumps(unquote(parts.username))}")
    if parts.password:
        lines.append(f"  password: {json.dumps(unquote(parts.password))}")
    if parts.scheme == "rediss":
        lines.append("  use_ssl: true")
    return lines


def write_endpoints(actions: int | str, path: Path) -> Path:
    """Rasa endpoints from the environment: action server, SQL tracker store (the cached one),
    NLG, lock store.

    `actions` is the port of the action server started beside Rasa, or the URL of one
    running elsewhere (`--actions-url`). Every action call carries the shared secret in a
    header; the file names the environment variable (Rasa expands `${…}` when it reads
    it), so the secret itself is not written here. The file is owner-only all the same: a
    Redis password may be in it.
    """
    url = (
        actions_webhook(actions)
        if isinstance(actions, str)
        else f"http://127.0.0.1:{actions}/webhook"
    )
    lines = [
        "# Written by `python -m bot serve` from the environment; edits are overwritten.",
        "action_endpoint:",
        f'  url: "{url}"',
        "  headers:",
        f"    {ACTIONS_SECRET_HEADER}: ${{{ACTIONS_SECRET_ENV}}}",
        "tracker_store:",
        f"  type: {TRACKER_STORE_CLASS}",
        f'  url: "{settings.tracker_store_url()}"',
        f"  cached_conversations: {settings.tracker_cache_size()}",
        # responses filled without str.format: a value is never read as a template
        "nlg:",
        f"  type: {NLG_CLASS}",
    ]
    redis_url = settings.redis_url()
    if redis_url:
        lines += lock_store_lines(redis_url)
    return write_private(path, "\n".join(lines) + "\n")


def _child_env() -> dict[str, str]:
    """The children's environment: the settings resolved, and the secrets they share (in
    the environment, never on a command line, where `ps` would show them)."""
    env = dict(os.environ)
    env["RASA_TOKEN"] = settings.rasa_token()
    env[ACTIONS_SECRET_ENV] = actions_secret()
    # Rasa sends usage telemetry (Segment) unless told not to: nothing leaves the service
    env.setdefault("RASA_TELEMETRY_ENABLED", "false")
    env["DATABASE_URL"] = settings.database_url()
    env["TRACKER_STORE_URL"] = settings.tracker_store_url()
    env["ATTACHMENTS_DIR"] = str(settings.attachments_dir())
    env.setdefault("PYTHONUNBUFFERED", "1")
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    # Rasa's HTTP client keeps an idle connection to the action server for 15 s (aiohttp);
    # Sanic closes one after 5 s. A call sent on a connection the server has just closed
    # fails ("Can not write request body": 16 failed turns in a 200-user load run), so the
    # servers keep idle connections longer than their clients do.
    env.setdefault("SANIC_KEEP_ALIVE_TIMEOUT", "75")
    # One TensorFlow/OpenMP thread per process: on 2 cores the thread pools only fight over
    # them (bench/profile_turn.py --threads: NLU p50 16.4 -> 12.6 ms, 53 -> 74 parses/s).
    for name in ("TF_NUM_INTRAOP_THREADS", "TF_NUM_INTEROP_THREADS", "OMP_NUM_THREADS"):
        env.setdefault(name, "1")
    env["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(settings.PROJECT_ROOT), env.get("PYTHONPATH", "")) if p
    )
    return env


def _end_with_parent() -> None:
    """In the child before exec: SIGTERM when `bot serve` dies, even by SIGKILL (Linux).

    The children run in sessions of their own (so that Ctrl-C reaches only the supervisor,
    which stops them in order); without this they outlived a killed supervisor.
    """
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    except (OSError, AttributeError):  # not Linux: the supervisor's own stop() only
        pass


def _start(part: Part, env: dict[str, str]) -> None:
    part.log_path.parent.mkdir(parents=True, exist_ok=True)
    log = part.log_path.open("wb")
    part.process = subprocess.Popen(
        part.command,
        cwd=settings.PROJECT_ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # Ctrl-C reaches us; we stop the children in order
        preexec_fn=_end_with_parent,
    )


def _wait_ready(part: Part, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    assert part.process is not None
    while time.monotonic() < deadline:
        code = part.process.poll()
        if code is not None:
            raise StartError(
                f"{part.name} exited with code {code} while starting. "
                f"End of its log ({part.log_path}):\n{part.log_tail()}"
            )
        if part.ready():
            return
        time.sleep(0.5)
    raise StartError(
        f"{part.name} did not answer within {timeout:.0f} s. "
        f"End of its log ({part.log_path}):\n{part.log_tail()}"
    )


def stop(parts: list[Part]) -> None:
    """SIGTERM every running part (last started first), then SIGKILL stragglers."""
    running = [p for p in reversed(parts) if p.process and p.process.poll() is None]
    for part in running:
        os.killpg(part.process.pid, signal.SIGTERM)  # type: ignore[union-attr]
    deadline = time.monotonic() + 15
    for part in running:
        try:
            part.process.wait(max(0.1, deadline - time.monotonic()))  # type: ignore[union-attr]
        except subprocess.TimeoutExpired:
            os.killpg(part.process.pid, signal.SIGKILL)  # type: ignore[union-attr]
            part.process.wait()  # type: ignore[union-attr]


def debug_logging() -> bool:
    """`LOG_LEVEL=DEBUG` (Rasa reads it itself): the action server logs at DEBUG too."""
    return os.environ.get("LOG_LEVEL", "").strip().upper() == "DEBUG"


NODE_DEFAULTS = {
    "node": None, "actions_url": None, "actions_in_process": False, "no_rasa": False,
    "no_jobs": False,
    "no_telegram_bridge": False, "interface": "0.0.0.0",
    "actions_interface": os.environ.get("ACTIONS_INTERFACE", "").strip() or "127.0.0.1",
}


def with_node_defaults(args: argparse.Namespace) -> argparse.Namespace:
    """`args` with the node options' defaults filled in (callers may pass fewer)."""
    return argparse.Namespace(**{**NODE_DEFAULTS, **vars(args)})


def node_log_dir(args: argparse.Namespace) -> Path:
    """var/logs/, or var/logs/NODE/ for a named node (`--node`)."""
    node = getattr(args, "node", None)
    return LOG_DIR / node if node else LOG_DIR


def node_var_dir(args: argparse.Namespace) -> Path:
    """var/, or var/nodes/NODE/ for a named node: its endpoints.yml and credentials.yml."""
    node = getattr(args, "node", None)
    return settings.VAR_DIR / "nodes" / node if node else settings.VAR_DIR


def build_parts(args: argparse.Namespace, token: str, endpoints: Path) -> list[Part]:
    """The processes this node runs, in start order (the options leave some out)."""
    args = with_node_defaults(args)
    python = sys.executable
    log_dir = node_log_dir(args)
    # Both servers load bot/runtime/logmask.py through this file: no personal data in their logs.
    logging_config = settings.VAR_DIR / "logging.yml"
    actions = Part(
        name="action server",
        command=[
            python, "-m", "bot.runtime.action_server", "--actions", "actions",
            "--port", str(args.actions_port), "--interface", args.actions_interface,
            *logging_config_args(logging_config, rasa_sdk=True),
            *(["--debug"] if debug_logging() else []),
        ],
        log_path=log_dir / "actions.log",
        ready=lambda: http_ok(f"http://127.0.0.1:{args.actions_port}/health"),
    )
    rasa = Part(
        name="Rasa server",
        command=[
            python, "-m", "bot.runtime.rasa_server", "run",
            "--model", str(args.model),
            "--port", str(args.rasa_port),
            "--interface", args.interface,
            "--enable-api",  # the token: RASA_TOKEN in its environment (bot.runtime.rasa_server)
            "--cors", "*",
            "--credentials", str(write_credentials(node_var_dir(args) / "credentials.yml")),
            "--endpoints", str(endpoints),
            *logging_config_args(logging_config),
        ],
        log_path=log_dir / "rasa.log",
        ready=lambda: rasa_ready(args.rasa_port, token, log_dir / "rasa.log"),
    )
    # the timed rules and the notification outbox (bot/runtime/jobs.py), once a minute
    # reminders are said through this node's Rasa server when it runs one
    rasa_url = [] if args.no_rasa else ["--rasa-url", f"http://127.0.0.1:{args.rasa_port}"]
    jobs = Part(
        name="scheduler (jobs)",
        command=[python, "-m", "bot", "jobs", *rasa_url],
        log_path=log_dir / "jobs.log",
        ready=lambda: True,
    )
    parts = [] if args.actions_url or args.actions_in_process else [actions]
    parts += [] if args.no_rasa else [rasa]
    parts += [] if args.no_jobs else [jobs]
    if (
        settings.telegram_token()
        and not settings.telegram_webhook_url()
        and not args.no_telegram_bridge
        and not args.no_rasa
    ):
        parts.append(telegram_bridge(args))
    return parts


def preflight(args: argparse.Namespace) -> None:
    args = with_node_defaults(args)
    if args.no_rasa and args.actions_url:
        raise StartError("--no-rasa with --actions-url leaves nothing to start on this node.")
    if args.actions_in_process and (args.no_rasa or args.actions_url):
        raise StartError(
            "--actions-in-process runs the actions inside the Rasa server: not with "
            "--no-rasa or --actions-url."
        )
    try:
        settings.clock()  # a BALAGH_NOW that cannot be read stops the start, not a handoff later
    except ValueError as error:
        raise StartError(
            f"BALAGH_NOW={os.environ.get('BALAGH_NOW')!r}: {error}. "
            "Give a time with its zone, e.g. 2026-12-06T10:00+03:00, or unset it."
        ) from error
    try:
        settings.tracker_cache_size()
        settings.catalogue_refresh_s()
    except ValueError as error:
        raise StartError(str(error)) from error
    ports = [] if args.no_rasa else [("Rasa server", args.rasa_port)]
    ports += [] if args.actions_url or args.actions_in_process else [
        ("action server", args.actions_port)]
    for label, port in ports:
        if not port_free(port):
            raise StartError(
                f"{label}: port {port} is in use (is the assistant already running?). "
                f"Stop that process, or choose another port with --"
                f"{'rasa' if label == 'Rasa server' else 'actions'}-port."
            )
    if args.no_rasa:
        return
    if not Path(args.model).is_file():
        raise StartError(
            f"Rasa server: no trained model at {args.model}. "
            "Run `make run` (it trains one) or `.venv/bin/python -m bot.runtime.model`."
        )
    if not tarfile.is_tarfile(args.model):
        raise StartError(
            f"Rasa server: {args.model} is not a Rasa model archive. "
            "Delete it and run `make run` to train a new one."
        )


def _migrate_store() -> None:
    from bot.store.migrate import upgrade

    try:
        upgrade(settings.database_url())
    except Exception as error:
        url = settings.redacted(settings.database_url())
        raise StartError(f"report store ({url}): {error}") from error


def rest_access() -> str:
    """What the banner says about the REST channel's authentication."""
    if settings.rest_token():
        return "Authorization: Bearer $REST_TOKEN required"
    return (
        "OPEN: REST_TOKEN is not set, so anyone who reaches this port may talk over REST "
        "(fine on a developer's machine; set REST_TOKEN anywhere else)"
    )


def banner(args: argparse.Namespace, token_hint: str) -> str:
    args = with_node_defaults(args)
    logs = node_log_dir(args)
    if args.no_rasa:
        return f"""
Balagh Raqmi assistant is running (action server only{'' if args.no_jobs else ', scheduler'}).
  Action server:          http://localhost:{args.actions_port}/health   (Rasa servers: \
--actions-url http://<this host>:{args.actions_port}/webhook)
  Report store:           {settings.redacted(settings.database_url())}
  Logs:                   {logs}/actions.log{'' if args.no_jobs else ', jobs.log'}
Press Ctrl-C to stop.
"""
    base = f"http://localhost:{args.rasa_port}"
    actions = (
        "in the Rasa server's process (the default; --action-server starts one)"
        if args.actions_in_process
        else actions_webhook(args.actions_url) if args.actions_url
        else f"http://localhost:{args.actions_port}/health"
    )
    if args.node or args.actions_url or args.no_jobs:
        locks = "Redis (REDIS_URL)" if settings.redis_url() else "in memory (no REDIS_URL)"
        return f"""
Balagh Raqmi assistant is running (node {args.node or '-'}).
  Rasa server:            {base}   (HTTP API token: {token_hint})
  Action server:          {actions}
  Scheduler:              {'elsewhere (--no-jobs)' if args.no_jobs else 'here'}
  Report store:           {settings.redacted(settings.database_url())}
  Lock store:             {locks}
  Logs:                   {logs}/
Press Ctrl-C to stop.
"""
    action_log = "" if args.actions_in_process else "actions.log, "
    return f"""
Balagh Raqmi assistant is running.
  Chat in this terminal:  .venv/bin/python -m bot chat      (another terminal)
  REST channel:           curl -s {base}/webhooks/rest/webhook \\
                            -H 'Content-Type: application/json' \\
                            -d '{{"sender": "me", "message": "السلام عليكم"}}'
  REST access:            {rest_access()}
  Rasa HTTP API:          {base}/status?token=<token>   (token: {token_hint})
  Web widget (demo):      {base}/webchat/
  Action server:          {actions}
  Report store:           {settings.redacted(settings.database_url())}
  Logs:                   {LOG_DIR}/rasa.log, {action_log}jobs.log
Press Ctrl-C to stop.
"""


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bot serve",
        description="Start the Rasa server (running the custom actions itself, or beside an "
        "action server with --action-server) and the scheduler (the node options below leave "
        "parts out); Ctrl-C stops them all.",
    )
    parser.add_argument("--rasa-port", type=int, default=5005)
    parser.add_argument("--actions-port", type=int, default=5055,
                        help="the action server's port, when one is started (5055)")
    parser.add_argument("--model", type=Path, default=model_path())
    node = parser.add_argument_group(
        "one node of several (README: Several servers; `python -m bot cluster` does it all)"
    )
    node.add_argument(
        "--node", metavar="NAME", type=_node_name,
        help="name of this node: logs in var/logs/NAME/, endpoints.yml and credentials.yml "
        "in var/nodes/NAME/ (needed when several nodes share one var/)",
    )
    node.add_argument(
        "--actions-url", metavar="URL",
        help="use the action server at URL (e.g. http://10.0.0.7:5055/webhook) instead of "
        "starting one; --actions-port is then unused",
    )
    node.add_argument(
        "--actions-in-process", action="store_true", default=None,
        help="run the custom actions inside the Rasa server (the default: no action server, "
        "no HTTP call per action, a quarter less CPU a turn; not with --no-rasa or "
        "--actions-url)",
    )
    node.add_argument(
        "--action-server", dest="actions_in_process", action="store_const", const=False,
        default=None,
        help="start an action server and call the actions over HTTP (also "
        f"{settings.ACTIONS_MODE_ENV}={settings.ACTION_SERVER}): the layout of several "
        "machines, where Rasa servers share action servers",
    )
    node.add_argument(
        "--no-rasa", action="store_true",
        help="start no Rasa server: the action server (and the scheduler) only",
    )
    node.add_argument(
        "--no-jobs", action="store_true",
        help="start no scheduler (`python -m bot jobs` runs elsewhere; several are safe)",
    )
    node.add_argument(
        "--no-telegram-bridge", action="store_true",
        help="start no Telegram polling bridge even with TELEGRAM_TOKEN (one per bot only)",
    )
    node.add_argument(
        "--actions-interface", metavar="ADDR",
        default=NODE_DEFAULTS["actions_interface"],
        help="address the action server listens on (default 127.0.0.1, or ACTIONS_INTERFACE; "
        "open it only to a private network: every call needs ACTIONS_SECRET anyway)",
    )
    node.add_argument(
        "--interface", default="0.0.0.0", metavar="ADDR",
        help="address the Rasa server listens on (default 0.0.0.0; 127.0.0.1 behind a proxy)",
    )
    args = parser.parse_args(argv)
    if args.actions_in_process is None:  # from the environment, where it applies
        try:
            in_process = settings.actions_in_process()
        except ValueError as error:
            parser.error(str(error))
        args.actions_in_process = in_process and not (args.no_rasa or args.actions_url)
    return args


def _node_name(value: str) -> str:
    if not value or not all(c.isalnum() or c in "-_" for c in value):
        raise argparse.ArgumentTypeError("letters, digits, - and _ only")
    return value


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    parts: list[Part] = []

    def on_signal(signum: int, _frame: object) -> None:
        raise KeyboardInterrupt  # SIGTERM stops the assistant like Ctrl-C does

    signal.signal(signal.SIGTERM, on_signal)
    # also when started in the background of a script, where SIGINT arrives ignored
    signal.signal(signal.SIGINT, on_signal)
    restrict_umask()  # every file the assistant writes is owner-only (0600/0700)
    try:
        secure_var_dir()
        preflight(args)
        _migrate_store()
        token = settings.rasa_token()
        token_hint = "RASA_TOKEN" if os.environ.get("RASA_TOKEN") else "in var/rasa_token"
        endpoints = write_endpoints(
            IN_PROCESS_URL if args.actions_in_process else args.actions_url or args.actions_port,
            node_var_dir(args) / "endpoints.yml",
        )
        parts = build_parts(args, token, endpoints)
        env = _child_env()
        # bot.runtime.rasa_server reads the mode from its endpoints.yml; the children are
        # told too, for what they start themselves
        env[settings.ACTIONS_MODE_ENV] = (
            settings.IN_PROCESS if args.actions_in_process else settings.ACTION_SERVER)
        for part in parts:
            print(f">> starting the {part.name} ...", flush=True)
            _start(part, env)
            _wait_ready(part, START_TIMEOUT_S)
        if settings.telegram_token() and not args.no_rasa:
            how = (
                f"webhook {settings.telegram_webhook_url()}"
                if settings.telegram_webhook_url()
                else "long polling by a bridge started elsewhere"
                if args.no_telegram_bridge
                else f"long polling, log {LOG_DIR / 'telegram.log'}"
            )
            print(f">> Telegram: on ({how})", flush=True)
        print(banner(args, token_hint), flush=True)
        while True:
            for part in parts:
                code = part.process.poll() if part.process else None
                if code is not None:
                    raise StartError(
                        f"{part.name} stopped unexpectedly (exit code {code}). "
                        f"End of its log ({part.log_path}):\n{part.log_tail()}"
                    )
            time.sleep(1)
    except KeyboardInterrupt:
        print("\n>> stopping ...", flush=True)
        stop(parts)
        print(">> stopped.", flush=True)
        return 0
    except StartError as error:
        print(f"error: {error}", file=sys.stderr, flush=True)
        stop(parts)
        return 1
    except Exception as error:  # noqa: BLE001 - a failure outside the children (store, config files)
        print(f"error: could not start: {error}", file=sys.stderr, flush=True)
        stop(parts)
        return 1
