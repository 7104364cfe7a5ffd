"""Every channel test gets a report store of its own (DATABASE_URL): the channels count
uploads against hourly quotas there (bot.store.uploads), and one test's uploads must not use
up the next one's quota, nor reach a developer's var/reports.db."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.store.db import dispose_engine
from bot.store.migrate import upgrade


@pytest.fixture(scope="session")
def migrated_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An empty store at the schema's head, made once and copied for each test."""
    path = tmp_path_factory.mktemp("store-template") / "reports.db"
    url = f"sqlite:///{path}"
    upgrade(url)
    dispose_engine(url)
    return path


@pytest.fixture(autouse=True)
def own_store(
    migrated_store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[str]:
    path = tmp_path / "channel-store.db"
    shutil.copyfile(migrated_store, path)
    url = f"sqlite:///{path}"
    monkeypatch.setenv("DATABASE_URL", url)
    yield url
    dispose_engine(url)
