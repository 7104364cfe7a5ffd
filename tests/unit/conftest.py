"""tests/unit/: no servers, no trained model. `make test-fast` runs this folder alone.

Nothing here runs TensorFlow, so it is kept out as in the Rasa server
(bot/runtime/no_tensorflow.py): each worker starts 2–3 s sooner, and a unit of ours that
came to need TensorFlow would fail here first.

`domain` is the project's domain.yml as Rasa reads it, loaded once per session (about 2 s).
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from bot.runtime.no_tensorflow import keep_out

if "tensorflow" not in sys.modules:  # (a run of several folders may have loaded it)
    keep_out()

from rasa.shared.core.domain import Domain

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def domain() -> Domain:
    return Domain.load(str(ROOT / "domain.yml"))
