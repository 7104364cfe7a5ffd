"""A failed start says which part failed and why; a stop, however it comes, stops every part."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from bot.runtime.model import model_path
from tests.live import free_port

ROOT = Path(__file__).resolve().parents[2]


def run_serve(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, BALAGH_VAR_DIR=str(tmp_path), DATABASE_URL=f"sqlite:///{tmp_path}/r.db")
    return subprocess.run(
        [sys.executable, "-m", "bot", "serve", *args],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False,
    )


def test_missing_model_is_named(tmp_path: Path) -> None:
    result = run_serve(
        tmp_path, "--model", str(tmp_path / "none.tar.gz"),
        "--rasa-port", str(free_port()), "--actions-port", str(free_port()),
    )
    assert result.returncode == 1
    assert "no trained model" in result.stderr and "none.tar.gz" in result.stderr


def test_unreadable_balagh_now_is_named(tmp_path: Path, monkeypatch) -> None:
    """It used to start, then fail the first request for a person (found by hand)."""
    monkeypatch.setenv("BALAGH_NOW", "ON_DUTY")
    result = run_serve(
        tmp_path, "--rasa-port", str(free_port()), "--actions-port", str(free_port()),
    )
    assert result.returncode == 1
    assert "BALAGH_NOW='ON_DUTY'" in result.stderr and "+03:00" in result.stderr, result.stderr


def test_port_in_use_is_named(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("0.0.0.0", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = run_serve(tmp_path, "--rasa-port", str(port), "--actions-port", str(free_port()))
    assert result.returncode == 1
    assert f"port {port} is in use" in result.stderr and "Rasa server" in result.stderr


def test_broken_model_is_named(tmp_path: Path) -> None:
    broken = tmp_path / "broken.tar.gz"
    broken.write_bytes(b"not a model")
    result = run_serve(
        tmp_path, "--model", str(broken),
        "--rasa-port", str(free_port()), "--actions-port", str(free_port()),
    )
    assert result.returncode == 1
    assert "is not a Rasa model archive" in result.stderr, result.stderr[-2000:]


def test_bad_database_url_is_named(tmp_path: Path) -> None:
    assert model_path().exists()
    env_url = "postgresql://nobody@127.0.0.1:1/nothing"
    env = dict(os.environ, BALAGH_VAR_DIR=str(tmp_path), DATABASE_URL=env_url)
    result = subprocess.run(
        [sys.executable, "-m", "bot", "serve",
         "--rasa-port", str(free_port()), "--actions-port", str(free_port())],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False,
    )
    assert result.returncode == 1
    assert "report store" in result.stderr and env_url in result.stderr, result.stderr[-2000:]


def _children(pid: int) -> list[int]:
    """The processes whose parent is `pid` (from /proc)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _start_action_server_node(tmp_path: Path, ignore_sigint: bool = False,
                              ) -> tuple[subprocess.Popen[bytes], list[int]]:
    """`bot serve --no-rasa` (action server and scheduler: quick to start), ready."""
    port = free_port()
    env = dict(os.environ, BALAGH_VAR_DIR=str(tmp_path), DATABASE_URL=f"sqlite:///{tmp_path}/r.db")
    env.pop("TELEGRAM_TOKEN", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "serve", "--no-rasa", "--actions-port", str(port)],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        # as a script's background job gets it: SIGINT ignored from the start
        preexec_fn=(lambda: signal.signal(signal.SIGINT, signal.SIG_IGN))
        if ignore_sigint else None,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        assert process.poll() is None, "bot serve --no-rasa exited while starting"
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2):
                break
        except OSError:
            time.sleep(0.5)
    else:
        process.kill()
        raise AssertionError("the action server did not answer in 120 s")
    # the scheduler starts after the action server answers: wait for both children
    while time.monotonic() < deadline and len(_children(process.pid)) < 2:
        assert process.poll() is None, "bot serve --no-rasa exited while starting"
        time.sleep(0.2)
    children = _children(process.pid)
    assert len(children) == 2, children  # the action server and the scheduler
    return process, children


def _gone(pids: list[int], timeout: float = 30) -> list[int]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and any(_alive(pid) for pid in pids):
        time.sleep(0.2)
    return [pid for pid in pids if _alive(pid)]


def test_a_killed_supervisor_takes_its_servers_along(tmp_path: Path) -> None:
    process, children = _start_action_server_node(tmp_path)
    process.kill()  # SIGKILL: no chance to stop them itself
    process.wait()
    assert _gone(children) == []


def test_ctrl_c_stops_it_even_when_started_with_sigint_ignored(tmp_path: Path) -> None:
    process, children = _start_action_server_node(tmp_path, ignore_sigint=True)
    process.send_signal(signal.SIGINT)
    try:
        assert process.wait(30) == 0
    finally:
        if process.poll() is None:
            process.kill()
    assert _gone(children) == []
