"""Saving uploaded files (screenshots, documents) under settings.attachments_dir().

Each file gets a random name (`3f/3f9c…e1.png`: 32 hex digits from `secrets`, fanned out by
their first two, plus the extension of its content type), so no name a user chose ever
reaches the file system, the name says nothing about the content (a content hash would let
anyone holding a file confirm that it was reported), and every upload is its own file that
can be deleted with its report without touching another report's copy. The SHA-256 is still
computed and recorded for integrity checks; the original name is kept for display.

Files are written owner-only (0600) in owner-only folders (0700). A file stays "staged"
until its report is filed; bot.store.staged deletes those no report took.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import tempfile
from pathlib import Path, PurePosixPath, PureWindowsPath

from bot.runtime import settings
from bot.store.reports.drafts import AttachmentDraft

MAX_FILENAME_LENGTH = 255
DEFAULT_CONTENT_TYPE = "application/octet-stream"
# The extension on disk follows the (detected) content type, never the sender's file name.
EXTENSIONS = {
    "image/png": ".png",
    "image/jpeg": ".jpg",
    "image/webp": ".webp",
    "application/pdf": ".pdf",
}
UNKNOWN_EXTENSION = ".bin"
PRIVATE_DIRECTORY_MODE = 0o700


def display_filename(filename: str) -> str:
    """The name as shown to people: no directories, no control characters, at most 255."""
    name = PureWindowsPath(PurePosixPath(filename or "").name).name
    name = "".join(char for char in name if char.isprintable()).strip()
    if name.strip(".") == "":  # "..", "." or "...": a path, not a name
        name = ""
    return (name or "attachment")[:MAX_FILENAME_LENGTH]


def stored_name(content_type: str) -> Path:
    """A fresh random path relative to the attachments directory, e.g. `3f/3f9c….png`."""
    token = secrets.token_hex(16)
    media_type = content_type.split(";", 1)[0].strip().lower()
    return Path(token[:2]) / (token + EXTENSIONS.get(media_type, UNKNOWN_EXTENSION))


def store_attachment(data: bytes, filename: str, content_type: str) -> AttachmentDraft:
    """Write `data` under a new random name (atomically) and describe it for filing.

    `content_type` should be the detected one (bot.intake.attachments), not the client's.
    """
    content_type = content_type or DEFAULT_CONTENT_TYPE
    relative = stored_name(content_type)
    root = settings.attachments_dir()
    target = root / relative
    # Owner-only: folders this creates are 0700, files 0600 (mkstemp's mode, kept by
    # os.replace); folders that already exist keep their mode.
    root.mkdir(mode=PRIVATE_DIRECTORY_MODE, parents=True, exist_ok=True)
    target.parent.mkdir(mode=PRIVATE_DIRECTORY_MODE, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=target.parent, prefix=".upload-")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())  # a full disk fails here at the latest, not later
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return AttachmentDraft(
        filename=display_filename(filename),
        content_type=content_type,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        stored_path=relative.as_posix(),
    )


def discard_attachment(stored_path: str) -> None:
    """Delete a staged file that no report will hold (`stored_path` as store_attachment gave
    it); a file already gone is fine."""
    relative = PurePosixPath(stored_path)
    if relative.is_absolute() or ".." in relative.parts:
        raise ValueError(f"not a stored attachment path: {stored_path!r}")
    (settings.attachments_dir() / relative).unlink(missing_ok=True)
