"""bot.store.catalogue on SQLite and PostgreSQL: each changed import a new version, the same
content again no second one, a rollback kept in the history."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.intake.catalogue import catalogue_content, counts, load_catalogue
from bot.store import catalogue as versions
from bot.store.migrate import upgrade

T0 = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


def test_versions_are_added_once_per_change(db_url: str) -> None:
    upgrade(db_url)
    assert versions.latest_version(db_url) is None and versions.latest(db_url) is None
    shipped = load_catalogue()
    first = catalogue_content(shipped)
    stored, created = versions.add_version(db_url, first, source="a.csv", imported_by="ops",
                                           counts=counts(shipped), moment=T0)
    assert created and stored.version == 1 and stored.content == first
    assert (stored.platforms, stored.services, stored.entities) == counts(shipped)
    # a retried import of the same content: no second version
    again, created = versions.add_version(db_url, first, source="a.csv", imported_by="ops",
                                          counts=counts(shipped))
    assert not created and again.version == 1
    second = {**first, "platforms": first["platforms"][:3]}
    stored, created = versions.add_version(db_url, second, source="b.json",
                                           imported_by="ops", counts=(3, 9, 3))
    assert created and stored.version == 2
    assert versions.latest_version(db_url) == 2
    assert versions.latest(db_url).content == second  # type: ignore[union-attr]
    # back to the first content: a new version, the history kept
    stored, created = versions.add_version(db_url, first, source="a.csv", imported_by="ops",
                                           counts=counts(shipped))
    assert created and stored.version == 3
    history = versions.versions(db_url)
    assert [v.version for v in history] == [3, 2, 1]
    assert [v.source for v in history] == ["a.csv", "b.json", "a.csv"]
    assert all(v.content is None for v in history)
    assert history[0].digest == history[2].digest != history[1].digest
    assert versions.version(db_url, 1).imported_at == T0  # type: ignore[union-attr]
    assert versions.version(db_url, 9) is None
