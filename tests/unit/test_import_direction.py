"""The rooms' imports point down only (../shared/ARCHITECTURE.md, docs/architecture.md):
channels/actions/agent/notify -> intake -> nlu, store -> runtime settings, clock, digits,
texts. Read from the source (every `import`, at any depth), so a late import counts too."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# room -> the rooms of the project it must never import
FORBIDDEN: dict[str, tuple[str, ...]] = {
    "bot.store": ("bot.intake", "bot.channels", "bot.agent", "bot.notify", "bot.nlu",
                  "bot.backoffice", "actions"),
    "bot.intake": ("bot.channels", "bot.agent", "bot.notify", "bot.backoffice", "actions"),
    "bot.nlu": ("bot.intake", "bot.store", "bot.channels", "bot.agent", "bot.notify",
                "bot.backoffice", "actions"),
    "bot.texts": ("bot.intake", "bot.store", "bot.channels", "bot.agent", "bot.notify",
                  "bot.nlu", "bot.runtime", "bot.backoffice", "actions"),
}


def _modules(room: str) -> list[Path]:
    folder = ROOT.joinpath(*room.split("."))
    return sorted(folder.rglob("*.py"))


def _imported(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def _is_in(name: str, room: str) -> bool:
    return name == room or name.startswith(room + ".")


@pytest.mark.parametrize("room", sorted(FORBIDDEN))
def test_a_room_never_imports_a_room_above_it(room: str) -> None:
    wrong = {
        where: sorted(
            name for name in _imported(path)
            if any(_is_in(name, above) for above in FORBIDDEN[room])
        )
        for path in _modules(room)
        if (where := str(path.relative_to(ROOT)))
    }
    assert {path: names for path, names in wrong.items() if names} == {}
