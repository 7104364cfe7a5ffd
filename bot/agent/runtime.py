"""Rasa underneath the console: the model loaded in this process, the action server beside.

The same dialogue as every other channel: the trained model (`models/balagh.tar.gz`) is
loaded with Rasa's `load_agent`, custom actions run in the project's action server
(`python -m bot.runtime.action_server --actions actions`: rasa-sdk's server, on loopback,
answering only calls that carry the shared secret; started here on a free port unless
`--actions-url` names one already running), and conversations are kept in Rasa's SQL
tracker store on `TRACKER_STORE_URL` (default: the report database), like `bot serve`
does, so calls taken at the console can be read back like any other conversation.

Rasa, TensorFlow and the action server log to files under `var/logs/`, never to the
agent's screen.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from bot.runtime import logmask, rasa_tuning, serve, settings
from bot.runtime.secrets import ACTIONS_SECRET_ENV, ACTIONS_SECRET_HEADER, actions_secret

__all__ = ["Assistant", "StartError", "free_port"]

ACTIONS_START_TIMEOUT_S = 180.0


class StartError(RuntimeError):
    """The assistant could not start; the message says why."""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return 200 <= response.status < 300
    except (urllib.error.URLError, OSError):
        return False


def _die_with_parent() -> None:  # pragma: no cover - runs in the child
    """Linux: the action server gets SIGTERM when the console dies, however it dies."""
    with contextlib.suppress(Exception):
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


@contextlib.contextmanager
def _stderr_to(path: Path) -> Iterator[None]:
    """File descriptor 2 into `path` meanwhile: TensorFlow's C++ logging writes there."""
    sys.stderr.flush()
    saved = os.dup(2)
    with path.open("ab") as log:
        os.dup2(log.fileno(), 2)
        try:
            yield
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)


def quiet_logging(log_path: Path) -> None:
    """Rasa's logging (std logging and structlog) and Python warnings into `log_path`."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    log_path.parent.mkdir(parents=True, exist_ok=True)
    handler = logging.FileHandler(log_path, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(levelname)s %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.WARNING)
    logging.captureWarnings(True)
    from rasa.utils.log_utils import configure_structlog

    configure_structlog(logging.WARNING)
    logmask.install()  # masked records; Rasa (now loaded) gets the anonymiser of its events


class Assistant:
    """The loaded model talking to an action server; one event loop for the console."""

    def __init__(
        self,
        model: Path,
        *,
        log_dir: Path,
        name: str,
        actions_url: str | None = None,
        actions_port: int | None = None,
    ) -> None:
        self.model = model
        self.log_dir = log_dir
        self.console_log = log_dir / f"agent-{name}.log"
        self.actions_log = log_dir / f"agent-{name}-actions.log"
        self.actions_url = actions_url.rstrip("/") if actions_url else None
        self.actions_port = actions_port
        self.process: subprocess.Popen[bytes] | None = None
        self.loop = asyncio.new_event_loop()
        self.agent: Any = None

    # -- starting and stopping ----------------------------------------------------------

    def _child_env(self) -> dict[str, str]:
        env = dict(os.environ)
        env["DATABASE_URL"] = settings.database_url()
        env["TRACKER_STORE_URL"] = settings.tracker_store_url()
        env["ATTACHMENTS_DIR"] = str(settings.attachments_dir())
        env[ACTIONS_SECRET_ENV] = actions_secret()  # in the environment, not on `ps`
        env.setdefault("PYTHONUNBUFFERED", "1")
        env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
        env["PYTHONPATH"] = os.pathsep.join(
            p for p in (str(settings.PROJECT_ROOT), env.get("PYTHONPATH", "")) if p
        )
        return env

    def _start_actions(self) -> None:
        port = self.actions_port or free_port()
        self.actions_url = f"http://127.0.0.1:{port}"
        self.log_dir.mkdir(parents=True, exist_ok=True)
        with self.actions_log.open("wb") as log:
            self.process = subprocess.Popen(
                [
                    sys.executable, "-m", "bot.runtime.action_server", "--actions", "actions",
                    "--port", str(port), "--interface", "127.0.0.1",
                    *logmask.logging_config_args(settings.VAR_DIR / "logging.yml", rasa_sdk=True),
                ],
                cwd=settings.PROJECT_ROOT,
                env=self._child_env(),
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # the agent's Ctrl-C is for the console only
                preexec_fn=_die_with_parent if sys.platform.startswith("linux") else None,
            )

    def _wait_for_actions(self) -> None:
        assert self.actions_url is not None
        deadline = time.monotonic() + ACTIONS_START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise StartError(
                    f"the action server exited with code {self.process.returncode} while "
                    f"starting; see {self.actions_log}"
                )
            if _healthy(f"{self.actions_url}/health"):
                return
            time.sleep(0.3)
        raise StartError(f"the action server did not answer at {self.actions_url}/health")

    def _load_agent(self) -> Any:
        os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")  # no usage data leaves
        # the same measured changes to Rasa as the server of `make run` (bot/runtime/rasa_server)
        try:
            rasa_tuning.apply()
        except (ValueError, rasa_tuning.RasaChanged) as error:
            raise StartError(str(error)) from error
        from rasa.core.agent import load_agent
        from rasa.core.utils import AvailableEndpoints
        from rasa.utils.endpoints import EndpointConfig

        endpoints = AvailableEndpoints(
            action=EndpointConfig(
                url=f"{self.actions_url}/webhook",
                headers={ACTIONS_SECRET_HEADER: actions_secret()},
            ),
            tracker_store=EndpointConfig(
                url=settings.tracker_store_url(), type=serve.TRACKER_STORE_CLASS
            ),
            nlg=EndpointConfig(type=serve.NLG_CLASS),
        )
        agent = self.loop.run_until_complete(
            load_agent(model_path=str(self.model), endpoints=endpoints)
        )
        if agent is None or not agent.is_ready():
            raise StartError(f"could not load the model {self.model}; see {self.console_log}")
        return agent

    def start(self) -> None:
        """Migrate the store, start the action server, load the model; raises StartError."""
        if not self.model.is_file():
            raise StartError(
                f"no trained model at {self.model}. Run `make run` (it trains one) "
                "or `.venv/bin/python -m bot.runtime.model`."
            )
        quiet_logging(self.console_log)
        from bot.store.migrate import upgrade

        try:
            upgrade(settings.database_url())
        except Exception as error:
            url = settings.redacted(settings.database_url())
            raise StartError(f"report store ({url}): {error}") from error
        if self.actions_url is None:
            self._start_actions()
        with _stderr_to(self.console_log):
            self.agent = self._load_agent()
        self._wait_for_actions()

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is not None and process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        if not self.loop.is_closed():
            self.loop.close()

    # -- talking ------------------------------------------------------------------------

    def send(self, sender_id: str, text: str, metadata: dict[str, Any]) -> list[dict[str, Any]]:
        """The assistant's messages in reply to `text` (the REST channel's JSON shape)."""
        from rasa.core.channels.channel import CollectingOutputChannel, UserMessage

        output = CollectingOutputChannel()
        message = UserMessage(
            text, output, sender_id, input_channel="call_centre", metadata=metadata
        )
        with _stderr_to(self.console_log):
            self.loop.run_until_complete(self.agent.handle_message(message))
        return list(output.messages)

    def slots(self, sender_id: str) -> dict[str, Any]:
        tracker = self.loop.run_until_complete(self.agent.tracker_store.retrieve(sender_id))
        return dict(tracker.current_slot_values()) if tracker is not None else {}

    def responses(self) -> dict[str, list[dict[str, Any]]]:
        """The domain's responses (of the loaded model), for the FAQ search."""
        return dict(self.agent.domain.responses)

    def intents(self) -> set[str]:
        return set(self.agent.domain.intents)
