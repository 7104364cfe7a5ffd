"""`rasa data validate` is clean on the project's domain, NLU data and stories."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_rasa_data_validate_is_clean() -> None:
    result = subprocess.run(
        [
            sys.executable, "-m", "rasa", "data", "validate",
            "--domain", "domain.yml", "--data", "nlu", "stories", "--config", "config.yml",
            "--fail-on-warnings",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-4000:]
