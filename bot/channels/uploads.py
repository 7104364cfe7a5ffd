"""One uploaded file, as every channel takes it: checked by content, held to the hourly
upload quotas of its conversation and client address (bot.store.uploads), then stored.

A file that fails its check or would pass a quota is refused (AttachmentRejected) before
anything is written to disk. If the store cannot be read, the quotas are not applied (logged):
the per-message and per-file limits still hold, and filing needs the store anyway.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from bot.intake.attachments import UPLOAD_QUOTA, AttachmentRejected, check_attachment
from bot.intake.image_header import HeaderError, image_size
from bot.store import uploads
from bot.store.db import resolve_engine
from bot.store.files import store_attachment

logger = logging.getLogger(__name__)


def _pixels(data: bytes, content_type: str) -> int:
    if not content_type.startswith("image/"):
        return 0
    try:
        width, height = image_size(data)
    except HeaderError:
        return 0
    return width * height


def check_and_store(data: bytes, filename: str, quota_keys: Sequence[str]) -> dict[str, Any]:
    """Check, hold to the quotas and store one file; its description for the tracker."""
    checked = check_attachment(data, filename)
    pixels = _pixels(checked.data, checked.content_type)
    engine = resolve_engine(None)
    try:
        over = uploads.over_quota(engine, quota_keys, size=checked.size, pixels=pixels)
    except SQLAlchemyError:
        logger.warning("upload quotas could not be read; the file is taken without them")
        over = False
    if over:
        raise AttachmentRejected(UPLOAD_QUOTA)
    draft = store_attachment(checked.data, checked.filename, checked.content_type)
    try:
        uploads.record(engine, quota_keys, size=checked.size, pixels=pixels)
    except SQLAlchemyError:
        logger.warning("an upload could not be counted against the quotas")
    return {
        "filename": draft.filename,
        "content_type": draft.content_type,
        "size": draft.size,
        "sha256": draft.sha256,
        "stored_path": draft.stored_path,
    }
