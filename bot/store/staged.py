"""Deleting uploads that were staged but never became part of a report.

An upload is written at once under settings.attachments_dir() (bot.store.files
.store_attachment) and only later linked by an `attachments` row when its report is filed.
A draft that is abandoned, or cancelled and never resumed, leaves its files behind, with
whatever personal data the screenshots show. `sweep_staged_files` deletes the files that no
`attachments` row names and that are older than `max_age` (default 14 days, the time a
draft may lie untouched or a cancelled one be resumed); the scheduler (bot.runtime.jobs) calls it on
every tick.

Cheap enough for every tick: one `scandir` of the fan-out folders and one `lstat` a file;
only files past the age are looked up, in batches of LINK_QUERY_BATCH paths, one query a
batch (the relative path as store_attachment records it, and the absolute one that a row
may hold instead); a file found linked is remembered by the process and neither read nor
looked up again (20 000 filed uploads: about 1 s for the first sweep, then a directory
listing). Only what this project writes is touched: files in two-hex-digit
folders whose names are hex digits with an extension, and the `.upload-*` temporaries of an
interrupted write; anything else, symbolic links and other folders are left alone.

Limits: the age is counted from the upload (the file's modification time), not from the
draft's last activity, so a draft kept alive past `max_age` loses the files sent at its
start. A report filed in the very moment its old file is judged unlinked can lose that file
(the lookup and the deletion are not one transaction); after 14 days that moment is the
only window.
"""

from __future__ import annotations

import contextlib
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

from bot.runtime import settings
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
    """What one sweep did: the relative paths removed, and how many old files it kept
    because a report links them."""

    removed: list[str] = field(default_factory=list)
    kept_linked: int = 0

    def as_dict(self) -> dict[str, object]:
        return {"removed": len(self.removed), "kept_linked": self.kept_linked}


def staged_candidates(
    directory: Path, older_than: float, skip: frozenset[str] | set[str] = frozenset()
) -> Iterator[tuple[str, str]]:
    """(relative posix path, full path) of each file this project wrote under `directory`
    whose modification time is before `older_than` (a POSIX timestamp); relative paths in
    `skip` are passed over unread. Links are not followed."""
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
            relative = f"{folder.name}/{entry.name}"
            if relative in skip or not _STORED_FILE.fullmatch(entry.name):
                continue
            if not entry.name.startswith((folder.name, ".upload-")):
                continue
            try:
                if not entry.is_file(follow_symlinks=False):
                    continue
                modified = entry.stat(follow_symlinks=False).st_mtime
            except FileNotFoundError:
                continue
            if modified < older_than:
                yield relative, entry.path


# Relative paths found linked, per (store URL, folder), in this process: later ticks neither
# stat nor look them up again, so a sweep over thousands of filed uploads costs a directory
# listing. A file whose row went away later is kept until the process restarts: this can
# only keep a file, never delete one.
_known_linked: dict[tuple[str, str], set[str]] = {}


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
    known = _known_linked.setdefault(
        (engine.url.render_as_string(hide_password=False), str(directory)), set()
    )
    roots = sorted({str(directory), str(directory.resolve())})
    result = SweepResult(kept_linked=len(known))
    batch: list[tuple[str, str]] = []
    for candidate in staged_candidates(directory, cutoff, skip=known):
        batch.append(candidate)
        if len(batch) >= LINK_QUERY_BATCH:
            _sweep_batch(engine, roots, batch, known, result)
            batch = []
    if batch:
        _sweep_batch(engine, roots, batch, known, result)
    if result.removed:
        logger.info(
            "staged files: removed %d unlinked upload(s) older than %s",
            len(result.removed),
            max_age,
        )
    return result


def _sweep_batch(
    engine: Engine,
    roots: list[str],
    batch: list[tuple[str, str]],
    known: set[str],
    result: SweepResult,
) -> None:
    names = {
        relative: {relative, *(f"{root}{os.sep}{relative}" for root in roots)}
        for relative, _ in batch
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
            known.add(relative)
            result.kept_linked += 1
            continue
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)
        result.removed.append(relative)
