"""bot/runtime/secrets.py: secrets generated once, owner-only, whole even when several
processes ask at the same moment (the nodes of `bot cluster` start together)."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = (
    "from bot.runtime.secrets import generated_secret\n"
    "print(generated_secret('X_TEST_SECRET', 'race'))\n"
)


def test_processes_racing_for_a_new_secret_all_get_the_same_whole_one(tmp_path: Path) -> None:
    env = {**os.environ, "BALAGH_VAR_DIR": str(tmp_path / "var"), "PYTHONPATH": str(ROOT)}
    env.pop("X_TEST_SECRET", None)
    runs = [
        subprocess.Popen([sys.executable, "-c", SCRIPT], env=env, stdout=subprocess.PIPE,
                         text=True, cwd=ROOT)
        for _ in range(8)
    ]
    values = {run.communicate(timeout=60)[0].strip() for run in runs}
    assert len(values) == 1 and len(values.pop()) >= 40
    path = tmp_path / "var" / "race"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert [p.name for p in path.parent.iterdir()] == ["race"]  # no temporary file left


def test_the_environment_wins_and_an_empty_file_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.runtime import secrets, settings

    monkeypatch.setattr(settings, "VAR_DIR", tmp_path)
    monkeypatch.setenv("X_TEST_SECRET", "from-env")
    assert secrets.generated_secret("X_TEST_SECRET", "race") == "from-env"
    monkeypatch.delenv("X_TEST_SECRET")
    (tmp_path / "race").write_text("")
    with pytest.raises(RuntimeError, match="empty"):
        secrets.generated_secret("X_TEST_SECRET", "race")
