"""The project's YAML files as tests read them: parsed once per process, with libyaml.

domain.yml alone (3 900 lines) takes PyYAML's pure-Python parser 0.40 s of CPU (libyaml:
0.07 s, the same data), and a dozen unit-test modules read it, each at import. With the
YAML read once and in C, and TensorFlow kept out (tests/unit/conftest.py), `make test-fast`
went from 64 to 53 s. Each caller gets its own copy.
"""

from __future__ import annotations

import copy
from functools import cache
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # the same documents, in C


@cache
def _parsed(path: str) -> Any:
    with open(path, encoding="utf-8") as handle:
        return yaml.load(handle, Loader=_LOADER)


def load_yaml(path: Path | str) -> Any:
    """The YAML file at `path` (relative: to the project root), parsed; a copy of its own."""
    path = Path(path)
    return copy.deepcopy(_parsed(str(path if path.is_absolute() else ROOT / path)))


def domain_yaml() -> dict[str, Any]:
    """domain.yml as plain data."""
    return load_yaml(ROOT / "domain.yml")
