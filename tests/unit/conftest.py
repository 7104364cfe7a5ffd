"""tests/unit/: no servers, no trained model. `make test-fast` runs this folder alone.

`domain` is the project's domain.yml as Rasa reads it, loaded once per session (about 2 s).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from rasa.shared.core.domain import Domain

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def domain() -> Domain:
    return Domain.load(str(ROOT / "domain.yml"))
