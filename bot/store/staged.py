"""Deleting uploads that were staged but never became part of a report.

An upload is written at once under settings.attachments_dir() (bot.store.files
.store_attachment) and only later linked by an `attachments` row when its report is filed.
A draft that is abandoned, or cancelled and never resumed, leaves its files behind, with
whatever personal data the screenshots show. `sweep_staged_files` deletes the files that no
`attachments` row names and that are older than `max_age` (default 14 days, the time a
draft may lie untouched or a cancelled one be resumed); the scheduler (bot.jobs) calls it on
every tick.

Cheap enough for every tick: one `scandir` of the fan-out folders and one `lstat` a file;
only files past the age are looked up, in batches of LINK_QUERY_BATCH paths, one query a
batch (the relative path as store_attachment records it, and the absolute one that a row
may hold instead). Only what this project writes is touched: files in two-hex-digit
folders whose names are hex digits with an extension, and the `.upload-*` temporaries of an
interrupted write; anything else, symbolic links and other folders are left alone.

Limits: the age is counted from the upload (the file's modification time), not from the
draft's last activity, so a draft kept alive past `max_age` loses the files sent at its
start. A report filed in the very moment its old file is judged unlinked can lose that file
(the lookup and the deletion are not one transaction); after 14 days that moment is the
only window.
"""

from __future__ import annotations

import logging
import os
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.engine import Engine

from bot import settings
from bot.store.models import Attachment

__all__ = [
    "DEFAULT_STAGED_MAX_AGE",
    "LINK_QUERY_BATCH",
    "SweepResult",
    "staged_candidates",
    "sweep_staged_files",
]

logger = logging.getLogger(__name__)

DEFAULT_STAGED_MAX_AGE = timedelta(days=14)
# Paths looked up in one query: two bound values each (relative and absolute), well below
# SQLite's historic limit of 999 host parameters.
LINK_QUERY_BATCH = 400

_FAN_OUT = re.compile(r"[0-9a-f]{2}")
_STORED_FILE = re.compile(r"[0-9a-f]+(\.[a-z0-9]{1,8})?|\.upload-.+")


@dataclass
class SweepResult:
    """What one sweep did: the relative paths removed, and how many old files it kept."""

    removed: list[str] = field(default_factory=list)
    kept_linked: int = 0

    def as_dict(self) -> dict[str, object]:
        return {"removed": len(self.removed), "kept_linked": self.kept_linked}


def staged_candidates(directory: Path, older_than: float) -> Iterator[tuple[str, Path]]:
    """(relative posix path, path) of each file this project wrote under `directory` whose
    modification time is before `older_than` (a POSIX timestamp). Links are not followed."""
    try:
        folders = list(os.scandir(directory))
    except FileNotFoundError:
        return
    for folder in folders:
        if not _FAN_OUT.fullmatch(folder.name) or not folder.is_dir(follow_symlinks=False):
            continue
        try:
            entries = list(os.scandir(folder.path))
        except FileNotFoundError:
            continue
        for entry in entries:
            if not _STORED_FILE.fullmatch(entry.name):
                continue
            if not (entry.name.startswith((folder.name, ".upload-"))):
                continue
            try:
                if not entry.is_file(follow_symlinks=False):
                    continue
                modified = entry.stat(follow_symlinks=False).st_mtime
            except FileNotFoundError:
                continue
            if modified < older_than:
                yield f"{folder.name}/{entry.name}", Path(entry.path)


def sweep_staged_files(
    engine: Engine,
    now: datetime,
    max_age: timedelta = DEFAULT_STAGED_MAX_AGE,
    directory: Path | None = None,
) -> SweepResult:
    """Delete files under `directory` (default: ATTACHMENTS_DIR) older than `max_age` at
    `now` that no attachments row links. A linked file is never deleted: a failing lookup
    raises before its batch is touched. Ages are file times, so a `now` later than the real
    time (a simulated clock) counts as the real time."""
    directory = directory or settings.attachments_dir()
    cutoff = min(now.timestamp(), time.time()) - max_age.total_seconds()
    result = SweepResult()
    batch: list[tuple[str, Path]] = []
    for candidate in staged_candidates(directory, cutoff):
        batch.append(candidate)
        if len(batch) >= LINK_QUERY_BATCH:
            _sweep_batch(engine, directory, batch, result)
            batch = []
    if batch:
        _sweep_batch(engine, directory, batch, result)
    if result.removed:
        logger.info(
            "staged files: removed %d unlinked upload(s) older than %s",
            len(result.removed),
            max_age,
        )
    return result


def _sweep_batch(
    engine: Engine, directory: Path, batch: list[tuple[str, Path]], result: SweepResult
) -> None:
    roots = {directory, directory.resolve()}
    names = {
        relative: {relative, *(str(root / relative) for root in roots)} for relative, _ in batch
    }
    wanted = set().union(*names.values())
    with engine.connect() as connection:
        linked = set(
            connection.execute(
                select(Attachment.stored_path).where(Attachment.stored_path.in_(sorted(wanted)))
            ).scalars()
        )
    for relative, path in batch:
        if names[relative] & linked:
            result.kept_linked += 1
            continue
        path.unlink(missing_ok=True)
        result.removed.append(relative)
