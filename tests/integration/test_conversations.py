"""Rasa conversation tests (tests/conversations/*.yml) against the trained model."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from bot.runtime.model import model_path

ROOT = Path(__file__).resolve().parents[2]


def test_rasa_conversation_tests_pass(tmp_path: Path) -> None:
    assert model_path().exists(), "no model: run `make test` (it trains one) first"
    result = subprocess.run(
        [
            sys.executable, "-m", "rasa", "test", "core",
            "--model", str(model_path()),
            "--stories", "tests/conversations",
            "--out", str(tmp_path / "results"),
            "--fail-on-prediction-errors",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    failed = tmp_path / "results" / "failed_test_stories.yml"
    details = failed.read_text(encoding="utf-8") if failed.exists() else ""
    assert result.returncode == 0, (result.stdout + result.stderr)[-3000:] + "\n" + details
    assert "stories:" not in details or details.strip().endswith("stories: []"), details
