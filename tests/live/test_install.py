"""The pinned install is consistent: `pip check` finds nothing but the documented exceptions.

docs/install.md explains them: Rasa 3.6 pins matplotlib<3.6, which has no Python 3.11
wheel (3.7.5 is used; Rasa only plots with it), and camel-tools is installed without
its ML stack because only camel_tools.utils is used.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

ALLOWED = [
    re.compile(
        r"^rasa 3\.6\.21 has requirement matplotlib<3\.6,>=3\.1, "
        r"but you have matplotlib 3\.7\.5\.$"
    ),
    re.compile(
        r"^camel-tools 1\.5\.7 requires "
        r"(cachetools|camel-kenlm|dill|editdistance|muddler|pandas|torch|transformers), "
        r"which is not installed\.$"
    ),
]


def test_pip_check_reports_only_documented_exceptions() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "pip", "check"], capture_output=True, text=True, check=False
    )
    lines = [line for line in result.stdout.splitlines() if line.strip()]
    unexpected = [line for line in lines if not any(p.match(line) for p in ALLOWED)]
    assert not unexpected, "pip check found problems:\n" + "\n".join(unexpected)


def test_installed_versions_match_the_lock() -> None:
    from importlib.metadata import version

    lock = {}
    for line in (ROOT / "constraints.txt").read_text().splitlines():
        if "==" in line and not line.startswith("#"):
            name, pinned = line.split("==")
            lock[name.strip().lower().replace("_", "-")] = pinned.strip()
    for name in ("rasa", "rasa-sdk", "sqlalchemy", "packaging", "python-telegram-bot", "alembic"):
        assert version(name) == lock[name], name


def test_rasa_imports_on_this_python() -> None:
    import rasa
    import rasa_sdk

    assert rasa.__version__ == "3.6.21"
    assert rasa_sdk.__version__ == "3.6.2"
