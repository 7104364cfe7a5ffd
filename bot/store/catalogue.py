"""The versions of the platform and service catalogue (`catalogue_versions`).

Each import that changes the catalogue adds a version; the newest is the one in use. The
same content imported again adds nothing (its digest is already stored), so a retried import
never makes a second version. Each function is one transaction.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from bot.store.db import session_scope
from bot.store.models import CatalogueVersion, utc_now

__all__ = ["StoredCatalogue", "add_version", "canonical_json", "latest", "latest_version",
           "version", "versions"]


@dataclass(frozen=True)
class StoredCatalogue:
    version: int
    imported_at: datetime
    imported_by: str
    source: str
    digest: str
    platforms: int
    services: int
    entities: int
    content: dict[str, Any] | None  # None in `versions()` (the summaries only)


def canonical_json(content: dict[str, Any]) -> str:
    """The content as stored: sorted keys, no ASCII escapes, so equal catalogues are equal
    text (and have equal digests)."""
    return json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def _stored(row: CatalogueVersion, with_content: bool = True) -> StoredCatalogue:
    return StoredCatalogue(
        version=int(row.id), imported_at=row.imported_at, imported_by=row.imported_by,
        source=row.source, digest=row.digest, platforms=int(row.platforms),
        services=int(row.services), entities=int(row.entities),
        content=json.loads(row.content) if with_content else None,
    )


def add_version(
    engine: Engine | str,
    content: dict[str, Any],
    *,
    source: str,
    imported_by: str,
    counts: tuple[int, int, int],
    moment: datetime | None = None,
) -> tuple[StoredCatalogue, bool]:
    """Stores `content` (already checked) as the newest version; (that version, True). When
    the newest version already holds the same content: (it, False), nothing written. Content
    equal to an older version is stored again, as the newest (a rollback keeps the history)."""
    text = canonical_json(content)
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    platforms, services, entities = counts
    with session_scope(engine, write=True) as session:
        newest = session.execute(
            select(CatalogueVersion).order_by(CatalogueVersion.id.desc()).limit(1)
        ).scalar_one_or_none()
        if newest is not None and newest.digest == digest:
            return _stored(newest), False
        row = CatalogueVersion(
            imported_at=moment or utc_now(), imported_by=imported_by[:64],
            source=source[:255], digest=digest, platforms=platforms, services=services,
            entities=entities, content=text,
        )
        session.add(row)
        session.flush()
        return _stored(row), True


def latest_version(engine: Engine | str) -> int | None:
    """The newest version's number, None when nothing was imported (one cheap query)."""
    with session_scope(engine) as session:
        found = session.execute(select(func.max(CatalogueVersion.id))).scalar()
        return None if found is None else int(found)


def latest(engine: Engine | str) -> StoredCatalogue | None:
    """The newest version with its content, None when nothing was imported."""
    with session_scope(engine) as session:
        row = session.execute(
            select(CatalogueVersion).order_by(CatalogueVersion.id.desc()).limit(1)
        ).scalar_one_or_none()
        return None if row is None else _stored(row)


def version(engine: Engine | str, number: int) -> StoredCatalogue | None:
    with session_scope(engine) as session:
        row = session.get(CatalogueVersion, number)
        return None if row is None else _stored(row)


def versions(engine: Engine | str) -> list[StoredCatalogue]:
    """Every stored version, newest first, without their content."""
    with session_scope(engine) as session:
        rows = session.execute(
            select(CatalogueVersion).order_by(CatalogueVersion.id.desc())
        ).scalars().all()
        return [_stored(row, with_content=False) for row in rows]
