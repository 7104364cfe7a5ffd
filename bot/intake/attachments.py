"""Checking uploaded screenshots and documents by their content, never by their name.

A file is accepted only when its bytes are a PNG, JPEG or WebP image that Pillow really
decodes, or a PDF that pypdf parses and that carries no active content. The name and the
declared content type a client sends are ignored for the decision (anyone can call a script
`x.png`); the detected type decides the stored content type and the extension of the shown
name.

An image's pixel size is read from its header first (bot.intake.image_header: PNG IHDR, JPEG
SOFn, WebP VP8/VP8L/VP8X), before any decoding, so a small file announcing a huge picture is
refused in microseconds; the decoder's own check stays as a second line.

A PDF needs its `%PDF-` header and an `%%EOF` trailer, then is parsed (bot.intake.pdf_content)
and refused when any object, compressed object streams included, holds JavaScript, launch
actions, embedded files, form submission, links into other files, rich media or XFA
(`pdf_active_content`); parsing is bounded in objects and CPU time (`pdf_too_complex`).

Images are re-encoded in their own format from the decoded pixels, with the EXIF orientation
applied first, so nothing but pixels survives: no EXIF (GPS position, camera, time), XMP, ICC
profile or text comments. PDFs are kept exactly as sent: a rewritten PDF would no longer
match what the reporter holds.

Refusals are `AttachmentRejected` with a stable `reason` code from `REASONS`; the words shown
to people live in the Rasa domain, in Arabic and English.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import io
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any

from PIL import Image, ImageOps

from bot.intake.image_header import HeaderError, image_size
from bot.store.files import MAX_FILENAME_LENGTH, display_filename

MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
MAX_ATTACHMENTS_PER_REPORT = 5
# 20 megapixels: a screenshot of a phone (1290 x 2796 = 3.6 MP, or a long scrolling capture
# of 1290 x 15 000 = 19 MP), a laptop, a 4K (8.3 MP) or 5K (14.7 MP) screen fits; a full 6K
# (20.4 MP) or 8K (33 MP) screen does not, and is asked for as an ordinary screenshot. The
# decoded picture of 20 MP costs up to 80 MB (RGBA) while checking and re-encoding; Pillow's
# own limits (89 MP warns, 179 MP refuses) let a 150 KB PNG of 7000 x 7000 cost over a second
# and hundreds of megabytes.
MAX_IMAGE_PIXELS = 20_000_000
JPEG_QUALITY = 90
# An `%%EOF` marker must lie within this many bytes of the end (as PDF readers look for it).
PDF_TRAILER_WINDOW = 1024

EMPTY_FILE = "empty_file"
FILE_TOO_LARGE = "file_too_large"
UNSUPPORTED_TYPE = "unsupported_type"
CORRUPT_IMAGE = "corrupt_image"
IMAGE_TOO_LARGE_IN_PIXELS = "image_too_large_in_pixels"
CORRUPT_PDF = "corrupt_pdf"
PDF_ACTIVE_CONTENT = "pdf_active_content"
PDF_TOO_COMPLEX = "pdf_too_complex"
BAD_BASE64 = "bad_base64"
# the hourly upload quota of the conversation or the client address (bot.store.uploads)
UPLOAD_QUOTA = "upload_quota"
REASONS = frozenset(
    {
        UPLOAD_QUOTA,
        EMPTY_FILE,
        FILE_TOO_LARGE,
        UNSUPPORTED_TYPE,
        CORRUPT_IMAGE,
        IMAGE_TOO_LARGE_IN_PIXELS,
        CORRUPT_PDF,
        PDF_ACTIVE_CONTENT,
        PDF_TOO_COMPLEX,
        BAD_BASE64,
    }
)

# The decoder's bomb limit as a second line: never above ours (Pillow warns above it and
# refuses at twice it; _check_pixels refuses above it before any pixel is loaded).
if Image.MAX_IMAGE_PIXELS is None or Image.MAX_IMAGE_PIXELS > MAX_IMAGE_PIXELS:
    Image.MAX_IMAGE_PIXELS = MAX_IMAGE_PIXELS


@dataclass(frozen=True)
class FileKind:
    """One accepted kind: its Pillow format name (None for PDF), MIME type and extensions."""

    pillow_format: str | None
    content_type: str
    extension: str
    aliases: frozenset[str]


PNG = FileKind("PNG", "image/png", ".png", frozenset({".png"}))
JPEG = FileKind("JPEG", "image/jpeg", ".jpg", frozenset({".jpg", ".jpeg", ".jpe", ".jfif"}))
WEBP = FileKind("WEBP", "image/webp", ".webp", frozenset({".webp"}))
PDF = FileKind(None, "application/pdf", ".pdf", frozenset({".pdf"}))
KINDS = (PNG, JPEG, WEBP, PDF)
_KNOWN_SUFFIXES = frozenset().union(*(kind.aliases for kind in KINDS))


class AttachmentRejected(ValueError):
    """A file that is refused; `reason` is one of REASONS."""

    def __init__(self, reason: str) -> None:
        if reason not in REASONS:
            raise ValueError(f"unknown rejection reason {reason!r}")
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class CheckedFile:
    """An accepted file, ready to store: `data` is what gets written (images re-encoded)."""

    data: bytes
    filename: str
    content_type: str
    size: int
    sha256: str


def sniff(data: bytes) -> FileKind | None:
    """The kind the leading bytes announce, or None for anything else."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return WEBP
    if data.startswith(b"%PDF-"):
        return PDF
    return None


def check_attachment(data: bytes, filename: str = "") -> CheckedFile:
    """Accept `data` as a screenshot or document, or raise AttachmentRejected."""
    if not data:
        raise AttachmentRejected(EMPTY_FILE)
    if len(data) > MAX_ATTACHMENT_BYTES:
        raise AttachmentRejected(FILE_TOO_LARGE)
    kind = sniff(data)
    if kind is None:
        raise AttachmentRejected(UNSUPPORTED_TYPE)
    if kind is PDF:
        _check_pdf(data)
        cleaned = data
    else:
        cleaned = _clean_image(data, kind)
    return CheckedFile(
        data=cleaned,
        filename=shown_filename(filename, kind),
        content_type=kind.content_type,
        size=len(cleaned),
        sha256=hashlib.sha256(cleaned).hexdigest(),
    )


def shown_filename(filename: str, kind: FileKind) -> str:
    """The sender's name made safe, with an extension that tells the truth about the content.

    A known image/PDF extension that does not match is replaced (`x.png` holding a JPEG
    becomes `x.jpg`); any other ending is kept and the right extension appended.
    """
    name = display_filename(filename)
    suffix = PurePath(name).suffix.lower()
    if suffix in kind.aliases:
        return name
    if suffix in _KNOWN_SUFFIXES:
        name = name[: -len(suffix)] or "attachment"
    return name[: MAX_FILENAME_LENGTH - len(kind.extension)] + kind.extension


def _check_pdf(data: bytes) -> None:
    """The trailer where readers look for it, then the parsed content (bounded work)."""
    if b"%%EOF" not in data[-PDF_TRAILER_WINDOW:]:
        raise AttachmentRejected(CORRUPT_PDF)
    # pypdf takes ~0.13 s to import: only processes that receive a PDF pay for it.
    from bot.intake.pdf_content import (
        PdfActiveContent,
        PdfTooComplex,
        PdfUnreadable,
        check_pdf_content,
    )

    try:
        check_pdf_content(data)
    except PdfActiveContent as exc:
        raise AttachmentRejected(PDF_ACTIVE_CONTENT) from exc
    except PdfTooComplex as exc:
        raise AttachmentRejected(PDF_TOO_COMPLEX) from exc
    except PdfUnreadable as exc:
        raise AttachmentRejected(CORRUPT_PDF) from exc


def check_image_header(data: bytes) -> tuple[int, int]:
    """The announced (width, height), refused before decoding when over MAX_IMAGE_PIXELS;
    an unreadable header or a zero side is a corrupt image."""
    try:
        width, height = image_size(data)
    except HeaderError as exc:
        raise AttachmentRejected(CORRUPT_IMAGE) from exc
    if width <= 0 or height <= 0:
        raise AttachmentRejected(CORRUPT_IMAGE)
    if width * height > MAX_IMAGE_PIXELS:
        raise AttachmentRejected(IMAGE_TOO_LARGE_IN_PIXELS)
    return width, height


def _clean_image(data: bytes, kind: FileKind) -> bytes:
    """Check the header's size, decode fully (refusing bombs and damage), then re-encode the
    pixels alone.

    The header check refuses bombs before Pillow sees the file. Decoding checks the size
    Pillow reads again (Image.MAX_IMAGE_PIXELS is not above ours, and its
    DecompressionBombError is mapped to the same code).
    """
    check_image_header(data)
    try:
        with _decode(data, kind) as image:
            return _encode(ImageOps.exif_transpose(image), kind, data)
    except AttachmentRejected:
        raise
    except Image.DecompressionBombError as exc:
        raise AttachmentRejected(IMAGE_TOO_LARGE_IN_PIXELS) from exc
    except Exception as exc:  # Pillow raises OSError, SyntaxError, ValueError, struct.error…
        raise AttachmentRejected(CORRUPT_IMAGE) from exc


def _decode(data: bytes, kind: FileKind) -> Image.Image:
    """`verify()` checks the structure (CRCs), a second open and `load()` the pixel data."""
    with Image.open(io.BytesIO(data), formats=[kind.pillow_format]) as probe:
        _check_pixels(probe)
        probe.verify()
    image = Image.open(io.BytesIO(data), formats=[kind.pillow_format])
    _check_pixels(image)
    image.load()
    return image


def _check_pixels(image: Image.Image) -> None:
    width, height = image.size
    if width <= 0 or height <= 0:
        raise AttachmentRejected(CORRUPT_IMAGE)
    if width * height > MAX_IMAGE_PIXELS:
        raise AttachmentRejected(IMAGE_TOO_LARGE_IN_PIXELS)


def _encode(image: Image.Image, kind: FileKind, original: bytes) -> bytes:
    """Save without any of the source's metadata (only PNG/GIF-style transparency is kept)."""
    transparency = image.info.get("transparency")
    image.info = {} if transparency is None else {"transparency": transparency}
    options: dict[str, Any] = {}
    if kind is JPEG:
        options = {"quality": JPEG_QUALITY}
    elif kind is WEBP:
        options = {"lossless": True} if _webp_is_lossless(original) else {"quality": JPEG_QUALITY}
    elif transparency is not None:
        options = {"transparency": transparency}
    out = io.BytesIO()
    image.save(out, format=kind.pillow_format, **options)
    return out.getvalue()


def _webp_is_lossless(data: bytes) -> bool:
    """True when the first image chunk of the RIFF container is VP8L (lossless)."""
    position = 12
    while position + 8 <= len(data):
        chunk = data[position : position + 4]
        if chunk == b"VP8L":
            return True
        if chunk in (b"VP8 ", b"ANMF"):
            return False
        size = int.from_bytes(data[position + 4 : position + 8], "little")
        position += 8 + size + (size & 1)
    return False


_DATA_URL = re.compile(r"^data:[^,;]*(;[^,;]*)*;base64,", re.IGNORECASE)
_WHITESPACE = re.compile(r"\s+")


def decode_base64_attachment(item: Mapping[str, Any]) -> bytes:
    """The bytes of one REST metadata item `{"filename", "content_type", "data": base64}`.

    Strict base64 (no stray characters); line breaks and a `data:…;base64,` prefix, as
    browsers' FileReader produces, are allowed. Text whose decoded size must exceed the
    limit is refused as `file_too_large` before anything is decoded.
    """
    encoded = item.get("data") if isinstance(item, Mapping) else None
    if not isinstance(encoded, str):
        raise AttachmentRejected(BAD_BASE64)
    encoded = _WHITESPACE.sub("", _DATA_URL.sub("", encoded.strip(), count=1))
    if len(encoded) // 4 * 3 - 2 > MAX_ATTACHMENT_BYTES:
        raise AttachmentRejected(FILE_TOO_LARGE)
    try:
        return base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise AttachmentRejected(BAD_BASE64) from exc
