"""The pixel size an image file announces, read from its header without decoding anything.

bot.intake.attachments asks this before Pillow sees the bytes, so a small file that claims a
huge picture (a decompression bomb) is refused in microseconds instead of costing the
decoder seconds and hundreds of megabytes. Only the three accepted formats are read:

- PNG: the IHDR chunk, which must come first (its CRC is checked).
- JPEG: the first SOFn segment (baseline, extended, progressive, lossless, arithmetic);
  APPn (EXIF, JFIF, ICC), COM, DQT, DHT… segments before it are skipped by their lengths.
  The size is the stored one: an EXIF orientation turns the picture later but keeps its
  number of pixels.
- WebP: `VP8 ` (lossy key frame), `VP8L` (lossless) or the `VP8X` canvas of the extended
  format. An extended file's size is the largest extent any part announces: its canvas, the
  bitstream of a still image, the frames of an animation (libwebp refuses a file whose parts
  disagree, but only after reading them; here the larger claim counts).

Anything that cannot be read as such a header raises `HeaderError`; a size of 0 is returned
as read (the caller decides). Byte arithmetic only: nothing is decompressed (zlib serves for
the IHDR checksum alone), Pillow is not called.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator

__all__ = ["HeaderError", "image_size", "jpeg_size", "png_size", "webp_size"]

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# SOF0-3, 5-7, 9-11, 13-15: C4 (DHT), C8 (JPG, reserved) and CC (DAC) are not frames.
JPEG_SOF_MARKERS = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}
# Segments before the frame header, and fill bytes before one marker: real files have a few
# dozen (APPn for JFIF, EXIF, ICC in 64 KB pieces, XMP; DQT, DHT, COM, DRI) and at most a few
# fill bytes; the caps keep a file of 10 MB of tiny segments from costing seconds.
MAX_JPEG_SEGMENTS = 1024
MAX_JPEG_FILL_BYTES = 64
# Markers without a length field: TEM and RST0-7 (SOI/EOI handled apart).
JPEG_STANDALONE = frozenset({0x01, *range(0xD0, 0xD8)})
VP8_START_CODE = b"\x9d\x01\x2a"
VP8L_SIGNATURE = 0x2F
# Chunks of an extended WebP looked at after VP8X (a still image has its bitstream within the
# first few; an animation's later frames are left to libwebp, which checks them too).
MAX_WEBP_CHUNKS = 256


class HeaderError(ValueError):
    """The bytes do not hold a readable header of the format they start like."""


def image_size(data: bytes) -> tuple[int, int]:
    """(width, height) of a PNG, JPEG or WebP file, from its header alone."""
    if data.startswith(PNG_SIGNATURE):
        return png_size(data)
    if data.startswith(b"\xff\xd8"):
        return jpeg_size(data)
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return webp_size(data)
    raise HeaderError("not a PNG, JPEG or WebP file")


def png_size(data: bytes) -> tuple[int, int]:
    """The IHDR chunk's width and height (the first chunk, 13 bytes, with a valid CRC)."""
    if not data.startswith(PNG_SIGNATURE):
        raise HeaderError("no PNG signature")
    chunk = data[8 : 8 + 8 + 13 + 4]
    if len(chunk) < 25:
        raise HeaderError("PNG header cut short")
    length = int.from_bytes(chunk[0:4], "big")
    if length != 13 or chunk[4:8] != b"IHDR":
        raise HeaderError("PNG does not start with a 13-byte IHDR chunk")
    if zlib.crc32(chunk[4:21]) != int.from_bytes(chunk[21:25], "big"):
        raise HeaderError("PNG IHDR chunk fails its CRC")
    return int.from_bytes(chunk[8:12], "big"), int.from_bytes(chunk[12:16], "big")


def jpeg_size(data: bytes) -> tuple[int, int]:
    """Width and height of the first frame header (SOFn), walking the segments before it."""
    if not data.startswith(b"\xff\xd8"):
        raise HeaderError("no JPEG start-of-image marker")
    position = 2
    end = len(data)
    for _ in range(MAX_JPEG_SEGMENTS):
        if position >= end or data[position] != 0xFF:
            raise HeaderError("JPEG segment expected")
        marker_at = position
        while position < end and data[position] == 0xFF:  # fill bytes before a marker
            position += 1
            if position - marker_at > MAX_JPEG_FILL_BYTES:
                raise HeaderError("JPEG with too many fill bytes")
        if position >= end:
            raise HeaderError("JPEG header cut short")
        marker = data[position]
        position += 1
        if marker in JPEG_STANDALONE:
            continue
        if marker in (0xD8, 0xD9, 0xDA, 0x00):  # SOI again, EOI or scan data before a frame
            raise HeaderError(f"JPEG marker {marker:#04x} before any frame header")
        if position + 2 > end:
            raise HeaderError("JPEG segment length cut short")
        length = int.from_bytes(data[position : position + 2], "big")
        if length < 2:
            raise HeaderError("JPEG segment length below 2")
        if marker in JPEG_SOF_MARKERS:
            if length < 8 or position + 7 > end:
                raise HeaderError("JPEG frame header cut short")
            height = int.from_bytes(data[position + 3 : position + 5], "big")
            width = int.from_bytes(data[position + 5 : position + 7], "big")
            return width, height
        position += length
    raise HeaderError(f"no JPEG frame header within the first {MAX_JPEG_SEGMENTS} segments")


def webp_size(data: bytes) -> tuple[int, int]:
    """The size of a simple file's one bitstream, or the largest extent an extended file's
    canvas, still bitstream or animation frames announce."""
    if len(data) < 12 or data[:4] != b"RIFF" or data[8:12] != b"WEBP":
        raise HeaderError("no RIFF/WEBP header")
    chunks = _riff_chunks(data, 12, len(data))
    first, body = next(chunks, (b"", memoryview(b"")))
    if first in (b"VP8 ", b"VP8L"):
        return _bitstream_size(first, body)
    if first != b"VP8X":
        raise HeaderError(f"WebP starts with {first!r}, not VP8 , VP8L or VP8X")
    if len(body) < 10:
        raise HeaderError("VP8X chunk cut short")
    animated = bool(body[0] & 0x02)
    width = int.from_bytes(body[4:7], "little") + 1
    height = int.from_bytes(body[7:10], "little") + 1
    for _, (kind, inner) in zip(range(MAX_WEBP_CHUNKS), chunks, strict=False):
        if kind in (b"VP8 ", b"VP8L") and not animated:
            bitstream_width, bitstream_height = _bitstream_size(kind, inner)
            return max(width, bitstream_width), max(height, bitstream_height)
        if kind == b"ANMF":
            if len(inner) < 16:
                raise HeaderError("ANMF chunk cut short")
            x = int.from_bytes(inner[0:3], "little") * 2
            y = int.from_bytes(inner[3:6], "little") * 2
            width = max(width, x + int.from_bytes(inner[6:9], "little") + 1)
            height = max(height, y + int.from_bytes(inner[9:12], "little") + 1)
    return width, height


def _riff_chunks(data: bytes, start: int, end: int) -> Iterator[tuple[bytes, memoryview]]:
    """(fourcc, payload) of each chunk; a chunk that runs past the data is cut (WebP readers
    read what is there), a header of fewer than 8 bytes ends the walk. Payloads are views of
    `data`, not copies."""
    view = memoryview(data)
    position = start
    while position + 8 <= end:
        kind = bytes(view[position : position + 4])
        size = int.from_bytes(view[position + 4 : position + 8], "little")
        body_start = position + 8
        yield kind, view[body_start : min(body_start + size, end)]
        position = body_start + size + (size & 1)


def _bitstream_size(kind: bytes, body: memoryview) -> tuple[int, int]:
    if kind == b"VP8L":
        if len(body) < 5 or body[0] != VP8L_SIGNATURE:
            raise HeaderError("VP8L header cut short or without its signature")
        bits = int.from_bytes(body[1:5], "little")
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    if len(body) < 10:
        raise HeaderError("VP8 header cut short")
    if body[0] & 0x01:
        raise HeaderError("VP8 bitstream does not start with a key frame")
    if body[3:6] != VP8_START_CODE:
        raise HeaderError("VP8 key frame without its start code")
    width = int.from_bytes(body[6:8], "little") & 0x3FFF
    height = int.from_bytes(body[8:10], "little") & 0x3FFF
    return width, height
