"""A failed start says which part failed and why."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

from bot.model import model_path
from tests.live import free_port

ROOT = Path(__file__).resolve().parent.parent


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
