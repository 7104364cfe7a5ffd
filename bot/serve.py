"""Start the whole assistant on this machine (what `make run` ends in).

Runs the action server and the Rasa server as child processes, waits until each
answers, says where to talk to the assistant, and stops both on Ctrl-C. When a part
fails to start, it says which one and why (port in use, no model, bad config), with
the end of that part's log.
"""

from __future__ import annotations

import argparse
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

from bot import settings
from bot.model import model_path

LOG_DIR = settings.VAR_DIR / "logs"
START_TIMEOUT_S = 180.0


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


def rasa_ready(port: int, token: str) -> bool:
    """True once the model is loaded; a 409 means the server is up without a model."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/status?token={token}", timeout=2):
            return True
    except urllib.error.HTTPError as error:
        if error.code == 409:
            raise StartError(
                "Rasa server: started, but could not load the model. "
                f"End of its log ({LOG_DIR / 'rasa.log'}):\n{log_tail(LOG_DIR / 'rasa.log')}"
            ) from error
        return False
    except (urllib.error.URLError, OSError):
        return False


TELEGRAM_CHANNEL = "bot.channels.telegram.TelegramInput"


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
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


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


def write_endpoints(actions_port: int, path: Path) -> Path:
    """Rasa endpoints from the environment: action server, SQL tracker store, lock store."""
    lines = [
        "# Written by `python -m bot serve` from the environment; edits are overwritten.",
        "action_endpoint:",
        f'  url: "http://127.0.0.1:{actions_port}/webhook"',
        "tracker_store:",
        "  type: SQL",
        f'  url: "{settings.tracker_store_url()}"',
    ]
    redis_url = settings.redis_url()
    if redis_url:
        lines += ["lock_store:", "  type: redis", f'  url: "{redis_url}"']
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _child_env() -> dict[str, str]:
    env = dict(os.environ)
    env["DATABASE_URL"] = settings.database_url()
    env["TRACKER_STORE_URL"] = settings.tracker_store_url()
    env["ATTACHMENTS_DIR"] = str(settings.attachments_dir())
    env.setdefault("PYTHONUNBUFFERED", "1")
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    env["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(settings.PROJECT_ROOT), env.get("PYTHONPATH", "")) if p
    )
    return env


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


def build_parts(args: argparse.Namespace, token: str, endpoints: Path) -> list[Part]:
    python = sys.executable
    actions = Part(
        name="action server",
        command=[
            python, "-m", "rasa_sdk", "--actions", "actions", "--port", str(args.actions_port)
        ],
        log_path=LOG_DIR / "actions.log",
        ready=lambda: http_ok(f"http://127.0.0.1:{args.actions_port}/health"),
    )
    rasa = Part(
        name="Rasa server",
        command=[
            python, "-m", "rasa", "run",
            "--model", str(args.model),
            "--port", str(args.rasa_port),
            "--enable-api", "--auth-token", token,
            "--cors", "*",
            "--credentials", str(write_credentials(settings.VAR_DIR / "credentials.yml")),
            "--endpoints", str(endpoints),
        ],
        log_path=LOG_DIR / "rasa.log",
        ready=lambda: rasa_ready(args.rasa_port, token),
    )
    # the timed rules and the notification outbox (bot/jobs.py), once a minute
    jobs = Part(
        name="scheduler (jobs)",
        command=[python, "-m", "bot", "jobs"],
        log_path=LOG_DIR / "jobs.log",
        ready=lambda: True,
    )
    if settings.telegram_token() and not settings.telegram_webhook_url():
        return [actions, rasa, jobs, telegram_bridge(args)]
    return [actions, rasa, jobs]


def preflight(args: argparse.Namespace) -> None:
    for label, port in (("Rasa server", args.rasa_port), ("action server", args.actions_port)):
        if not port_free(port):
            raise StartError(
                f"{label}: port {port} is in use (is the assistant already running?). "
                f"Stop that process, or choose another port with --"
                f"{'rasa' if label == 'Rasa server' else 'actions'}-port."
            )
    if not Path(args.model).is_file():
        raise StartError(
            f"Rasa server: no trained model at {args.model}. "
            "Run `make run` (it trains one) or `.venv/bin/python -m bot.model`."
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


def banner(args: argparse.Namespace, token_hint: str) -> str:
    base = f"http://localhost:{args.rasa_port}"
    return f"""
Balagh Raqmi assistant is running.
  Chat in this terminal:  .venv/bin/python -m bot chat      (another terminal)
  REST channel:           curl -s {base}/webhooks/rest/webhook \\
                            -H 'Content-Type: application/json' \\
                            -d '{{"sender": "me", "message": "السلام عليكم"}}'
  Rasa HTTP API:          {base}/status?token=<token>   (token: {token_hint})
  Web widget (demo):      {base}/webchat/
  Action server:          http://localhost:{args.actions_port}/health
  Report store:           {settings.redacted(settings.database_url())}
  Logs:                   {LOG_DIR}/rasa.log, actions.log, jobs.log
Press Ctrl-C to stop.
"""


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bot serve",
        description="Start the Rasa server and the action server; Ctrl-C stops both.",
    )
    parser.add_argument("--rasa-port", type=int, default=5005)
    parser.add_argument("--actions-port", type=int, default=5055)
    parser.add_argument("--model", type=Path, default=model_path())
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    parts: list[Part] = []

    def on_signal(signum: int, _frame: object) -> None:
        raise KeyboardInterrupt  # SIGTERM stops the assistant like Ctrl-C does

    signal.signal(signal.SIGTERM, on_signal)
    try:
        preflight(args)
        _migrate_store()
        token = settings.rasa_token()
        token_hint = "RASA_TOKEN" if os.environ.get("RASA_TOKEN") else "in var/rasa_token"
        endpoints = write_endpoints(args.actions_port, settings.VAR_DIR / "endpoints.yml")
        parts = build_parts(args, token, endpoints)
        env = _child_env()
        for part in parts:
            print(f">> starting the {part.name} ...", flush=True)
            _start(part, env)
            _wait_ready(part, START_TIMEOUT_S)
        if settings.telegram_token():
            how = (
                f"webhook {settings.telegram_webhook_url()}"
                if settings.telegram_webhook_url()
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
    except Exception as error:  # a failure outside the children (store, config files)
        print(f"error: could not start: {error}", file=sys.stderr, flush=True)
        stop(parts)
        return 1
