"""The header reader: each format's announced size, without decoding, and the odd cases."""

from __future__ import annotations

import io
import struct
import zlib
from collections.abc import Callable

import pytest
from PIL import Image

from bot.intake.image_header import (
    MAX_JPEG_SEGMENTS,
    HeaderError,
    image_size,
    jpeg_size,
    png_size,
    webp_size,
)

ORIENTATION = 0x0112


def encode(image: Image.Image, fmt: str, **options: object) -> bytes:
    out = io.BytesIO()
    image.save(out, format=fmt, **options)
    return out.getvalue()


def pillow_size(data: bytes) -> tuple[int, int]:
    with Image.open(io.BytesIO(data)) as image:
        return image.size


def segment(marker: int, body: bytes) -> bytes:
    return bytes([0xFF, marker]) + struct.pack(">H", len(body) + 2) + body


def sof(marker: int, width: int, height: int) -> bytes:
    """A frame header for one 8-bit grey component."""
    return segment(marker, struct.pack(">BHHB", 8, height, width, 1) + b"\x01\x11\x00")


def chunk(kind: bytes, body: bytes) -> bytes:
    return kind + struct.pack("<I", len(body)) + body + b"\0" * (len(body) & 1)


def riff(*chunks: bytes) -> bytes:
    body = b"WEBP" + b"".join(chunks)
    return b"RIFF" + struct.pack("<I", len(body)) + body


def vp8x(width: int, height: int, flags: int = 0) -> bytes:
    return chunk(
        b"VP8X",
        bytes([flags, 0, 0, 0])
        + (width - 1).to_bytes(3, "little")
        + (height - 1).to_bytes(3, "little"),
    )


def vp8l(width: int, height: int) -> bytes:
    bits = (width - 1) | ((height - 1) << 14)
    return chunk(b"VP8L", b"\x2f" + struct.pack("<I", bits) + b"\0" * 8)


CASES = {
    "png-rgb": lambda: encode(Image.new("RGB", (123, 45)), "PNG"),
    "png-1bit": lambda: encode(Image.new("1", (7, 3000)), "PNG"),
    "png-palette": lambda: encode(Image.new("P", (640, 1)), "PNG"),
    "jpeg-baseline": lambda: encode(Image.new("RGB", (123, 45)), "JPEG"),
    "jpeg-grey": lambda: encode(Image.new("L", (45, 123)), "JPEG"),
    "jpeg-progressive": lambda: encode(Image.new("RGB", (123, 45)), "JPEG", progressive=True),
    "webp-lossy": lambda: encode(Image.new("RGB", (123, 45)), "WEBP", quality=80),
    "webp-lossless": lambda: encode(Image.new("RGB", (123, 45)), "WEBP", lossless=True),
    "webp-alpha": lambda: encode(Image.new("RGBA", (123, 45)), "WEBP", quality=80),
    "webp-exif": lambda: encode(Image.new("RGB", (123, 45)), "WEBP", exif=b"Exif\0\0MM"),
    "webp-animated": lambda: encode(
        Image.new("RGB", (123, 45)),
        "WEBP",
        save_all=True,
        append_images=[Image.new("RGB", (123, 45), "red")],
    ),
}


@pytest.mark.parametrize("make", CASES.values(), ids=CASES.keys())
def test_the_size_is_the_one_pillow_reads(make: Callable[[], bytes]) -> None:
    data = make()
    assert image_size(data) == pillow_size(data)


def test_png_reads_ihdr_and_checks_its_crc() -> None:
    data = encode(Image.new("RGB", (300, 7)), "PNG")
    assert png_size(data) == (300, 7)
    damaged = bytearray(data)
    damaged[17] ^= 0x01  # a width byte: the CRC no longer matches
    with pytest.raises(HeaderError, match="CRC"):
        png_size(bytes(damaged))
    text_first = data[:8] + b"\0\0\0\0tEXt" + b"\0" * 4 + data[8:]
    with pytest.raises(HeaderError, match="IHDR"):
        png_size(text_first)


def test_png_with_zero_width_is_read_as_zero() -> None:
    ihdr = struct.pack(">IIBBBBB", 0, 10, 8, 2, 0, 0, 0)
    data = (
        b"\x89PNG\r\n\x1a\n"
        + struct.pack(">I", 13)
        + b"IHDR"
        + ihdr
        + struct.pack(">I", zlib.crc32(b"IHDR" + ihdr))
    )
    assert png_size(data) == (0, 10)


def test_jpeg_with_app_segments_and_comment_before_the_frame_header() -> None:
    """EXIF, a 200 KB ICC profile in four APP2 pieces, a comment: all skipped by length."""
    exif = Image.Exif()
    exif[ORIENTATION] = 6
    data = encode(
        Image.new("RGB", (40, 20)),
        "JPEG",
        exif=exif,
        icc_profile=b"x" * 200_000,
        comment=b"my flat",
    )
    assert data.count(b"ICC_PROFILE") == 4 and b"\xff\xfe" in data
    assert jpeg_size(data) == (40, 20)


def test_exif_rotated_jpeg_announces_its_stored_size() -> None:
    """Orientation 6 turns 40 x 20 into 20 x 40 later: the same number of pixels."""
    exif = Image.Exif()
    exif[ORIENTATION] = 6
    data = encode(Image.new("RGB", (40, 20)), "JPEG", exif=exif)
    assert jpeg_size(data) == (40, 20) == pillow_size(data)


def test_progressive_jpeg_uses_sof2() -> None:
    data = encode(Image.new("RGB", (123, 45)), "JPEG", progressive=True)
    assert b"\xff\xc2" in data and b"\xff\xc0" not in data
    assert jpeg_size(data) == (123, 45)


@pytest.mark.parametrize(
    "marker", [0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF]
)
def test_every_frame_header_kind_is_read(marker: int) -> None:
    data = b"\xff\xd8" + segment(0xE0, b"JFIF\0" + b"\0" * 9) + sof(marker, 65535, 65535)
    assert jpeg_size(data) == (65535, 65535)


@pytest.mark.parametrize("marker", [0xC4, 0xC8, 0xCC])
def test_tables_are_not_frame_headers(marker: int) -> None:
    data = b"\xff\xd8" + segment(marker, b"\0" * 20) + sof(0xC0, 7, 9)
    assert jpeg_size(data) == (7, 9)


def test_jpeg_fill_bytes_and_restart_markers_are_skipped() -> None:
    data = b"\xff\xd8" + b"\xff\xff\xff" + segment(0xFE, b"hi") + b"\xff\xd0" + sof(0xC0, 3, 4)
    assert jpeg_size(data) == (3, 4)


@pytest.mark.parametrize(
    "data",
    [
        b"\xff\xd8",
        b"\xff\xd8\xff",
        b"\xff\xd8\xff\xe0\x00",
        b"\xff\xd8" + segment(0xE0, b"JFIF\0"),  # no frame header after the APP0
        b"\xff\xd8" + segment(0xE0, b"JFIF\0")[:-2],
        b"\xff\xd8" + sof(0xC0, 7, 9)[:8],
        b"\xff\xd8\xff\xda\x00\x08" + b"\0" * 6,  # scan data before any frame header
        b"\xff\xd8\xff\xd9",  # end of image
        b"\xff\xd8\xff\xe0\x00\x01" + sof(0xC0, 7, 9),  # a length below 2
        b"\xff\xd8garbage" + sof(0xC0, 7, 9),
        b"\xff\xd8" + b"\xff" * 1000 + b"\xc0",
        b"\xff\xd8" + segment(0xFE, b"") * (MAX_JPEG_SEGMENTS + 1) + sof(0xC0, 7, 9),
    ],
    ids=[
        "soi-only",
        "marker-cut",
        "length-cut",
        "no-frame",
        "segment-cut",
        "frame-cut",
        "scan-first",
        "eoi",
        "short-length",
        "no-marker",
        "fill-bytes",
        "too-many-segments",
    ],
)
def test_unreadable_jpeg_headers(data: bytes) -> None:
    with pytest.raises(HeaderError):
        image_size(data)


def test_every_truncation_of_a_real_header_is_an_error() -> None:
    for fmt, options in (("PNG", {}), ("JPEG", {}), ("WEBP", {"lossless": True})):
        data = encode(Image.new("RGB", (50, 60)), fmt, **options)
        # The header ends after IHDR, after the SOF0 fields read, after the VP8L size bits.
        end = {"PNG": 33, "WEBP": 25}.get(fmt) or data.index(b"\xff\xc0") + 9
        assert image_size(data[:end]) == (50, 60)
        for cut in range(end):
            with pytest.raises(HeaderError):
                image_size(data[:cut])


def test_webp_simple_formats() -> None:
    assert webp_size(riff(vp8l(16384, 16384))) == (16384, 16384)
    lossy = encode(Image.new("RGB", (123, 45)), "WEBP", quality=80)
    assert lossy[12:16] == b"VP8 "
    assert webp_size(lossy) == (123, 45)
    not_key_frame = bytearray(lossy)
    not_key_frame[20] |= 0x01
    with pytest.raises(HeaderError, match="key frame"):
        webp_size(bytes(not_key_frame))
    no_start_code = bytearray(lossy)
    no_start_code[23] = 0
    with pytest.raises(HeaderError, match="start code"):
        webp_size(bytes(no_start_code))
    with pytest.raises(HeaderError, match="signature"):
        webp_size(riff(chunk(b"VP8L", b"\x00" * 5)))


def test_webp_extended_takes_the_largest_claim() -> None:
    assert webp_size(riff(vp8x(16_777_216, 2))) == (16_777_216, 2)
    assert webp_size(riff(vp8x(100, 100), vp8l(5000, 5000))) == (5000, 5000)
    assert webp_size(riff(vp8x(5000, 10), vp8l(10, 5000))) == (5000, 5000)
    assert webp_size(riff(vp8x(100, 100), chunk(b"ICCP", b"x" * 11), vp8l(100, 100))) == (100, 100)
    frame = (
        (4000).to_bytes(3, "little")  # x offset / 2
        + (0).to_bytes(3, "little")
        + (99).to_bytes(3, "little")
        + (99).to_bytes(3, "little")
        + b"\0" * 4
    )
    assert webp_size(riff(vp8x(100, 100, flags=0x02), chunk(b"ANMF", frame))) == (8100, 100)
    with pytest.raises(HeaderError, match="ANMF"):
        webp_size(riff(vp8x(100, 100, flags=0x02), chunk(b"ANMF", b"\0" * 8)))


@pytest.mark.parametrize(
    "data",
    [
        b"RIFF\x04\x00\x00\x00WEBP",
        b"RIFF\x10\x00\x00\x00WEBPVP8 garbage",
        riff(chunk(b"VP8X", b"\0" * 6)),
        riff(chunk(b"ALPH", b"\0" * 4)),
        b"RIFF\x00\x00\x00\x00WEB",
        b"GIF89a",
    ],
    ids=["no-chunk", "vp8-cut", "vp8x-cut", "unknown-first", "short", "other"],
)
def test_unreadable_webp_headers(data: bytes) -> None:
    with pytest.raises(HeaderError):
        image_size(data)
