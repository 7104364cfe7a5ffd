"""Uploaded files are judged by their bytes; images come back as bare pixels."""

from __future__ import annotations

import base64
import hashlib
import io
import struct
import zlib

import pytest
from PIL import Image, PngImagePlugin

from bot.intake.attachments import (
    MAX_ATTACHMENT_BYTES,
    MAX_ATTACHMENTS_PER_REPORT,
    REASONS,
    AttachmentRejected,
    CheckedFile,
    check_attachment,
    decode_base64_attachment,
)

GPS_IFD = 0x8825
ORIENTATION = 0x0112


def minimal_pdf() -> bytes:
    """A valid one-page PDF, with a cross-reference table at the right byte offsets."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f\r\n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n\r\n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\n" % (len(objects) + 1)
    out += b"startxref\n%d\n%%%%EOF\n" % xref
    return bytes(out)


MINIMAL_PDF = minimal_pdf()


def picture(mode: str = "RGB", size: tuple[int, int] = (40, 20)) -> Image.Image:
    """A small image with distinct pixels, so re-encoding can be compared."""
    image = Image.new(mode, size)
    for x in range(size[0]):
        for y in range(size[1]):
            value = (x * 6 % 256, y * 12 % 256, (x + y) * 3 % 256, 255)
            image.putpixel((x, y), value[: len(mode)] if mode != "L" else value[0])
    return image


def encode(image: Image.Image, fmt: str, **options: object) -> bytes:
    out = io.BytesIO()
    image.save(out, format=fmt, **options)
    return out.getvalue()


def gps_exif(orientation: int = 1) -> Image.Exif:
    exif = Image.Exif()
    exif[ORIENTATION] = orientation
    exif[0x010F] = "PhoneMaker"  # Make
    exif.get_ifd(GPS_IFD).update({1: "N", 2: (24.0, 42.0, 50.0), 3: "E", 4: (46.0, 43.0, 5.0)})
    return exif


def reopen(checked: CheckedFile) -> Image.Image:
    image = Image.open(io.BytesIO(checked.data))
    image.load()
    return image


def reason(data: bytes, filename: str = "file") -> str:
    with pytest.raises(AttachmentRejected) as caught:
        check_attachment(data, filename)
    assert caught.value.reason in REASONS
    return caught.value.reason


def png_header_only(width: int, height: int) -> bytes:
    """A PNG that announces `width` x `height` without carrying the pixels."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0"))


def test_limits_are_the_documented_ones() -> None:
    assert MAX_ATTACHMENT_BYTES == 10 * 1024 * 1024
    assert MAX_ATTACHMENTS_PER_REPORT == 5
    with pytest.raises(ValueError):
        AttachmentRejected("no_such_reason")


def test_png_is_accepted_and_keeps_its_pixels() -> None:
    image = picture("RGBA")
    checked = check_attachment(encode(image, "PNG"), "لقطة شاشة.png")
    assert checked.content_type == "image/png"
    assert checked.filename == "لقطة شاشة.png"
    assert checked.size == len(checked.data)
    assert checked.sha256 == hashlib.sha256(checked.data).hexdigest()
    stored = reopen(checked)
    assert stored.format == "PNG"
    assert stored.tobytes() == image.tobytes()


def test_png_text_icc_and_exif_are_removed() -> None:
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "taken at home")
    info.add_itxt("XML:com.adobe.xmp", "<x:xmpmeta>secret</x:xmpmeta>")
    data = encode(picture(), "PNG", pnginfo=info, exif=gps_exif(), icc_profile=b"fake icc profile")
    assert b"taken at home" in data and b"PhoneMaker" in data
    checked = check_attachment(data, "a.png")
    stored = reopen(checked)
    assert not stored.getexif()
    assert not set(stored.info) & {"Comment", "XML:com.adobe.xmp", "icc_profile", "exif"}
    assert b"taken at home" not in checked.data and b"PhoneMaker" not in checked.data


def test_palette_png_keeps_its_transparency() -> None:
    image = picture().convert("P")
    checked = check_attachment(encode(image, "PNG", transparency=0), "p.png")
    assert reopen(checked).info.get("transparency") == 0


def test_jpeg_with_gps_is_stored_without_exif_and_upright() -> None:
    data = encode(picture(), "JPEG", exif=gps_exif(orientation=6), comment=b"my flat")
    assert Image.open(io.BytesIO(data)).getexif().get_ifd(GPS_IFD)
    assert b"PhoneMaker" in data and b"my flat" in data
    checked = check_attachment(data, "IMG_0001.JPG")
    assert checked.content_type == "image/jpeg"
    assert checked.filename == "IMG_0001.JPG"
    stored = reopen(checked)
    assert stored.format == "JPEG"
    assert stored.size == (20, 40)  # orientation 6 applied to the 40 x 20 pixels
    assert not stored.getexif()
    assert "exif" not in stored.info and "comment" not in stored.info
    assert b"Exif" not in checked.data and b"PhoneMaker" not in checked.data
    assert b"my flat" not in checked.data


@pytest.mark.parametrize("options", [{"quality": 80}, {"lossless": True}])
def test_webp_is_accepted_and_cleaned(options: dict[str, object]) -> None:
    image = picture("RGBA")
    data = encode(image, "WEBP", exif=gps_exif(), xmp=b"<x:xmpmeta>secret</x:xmpmeta>", **options)
    assert b"secret" in data and b"PhoneMaker" in data
    checked = check_attachment(data, "shot.webp")
    assert checked.content_type == "image/webp"
    stored = reopen(checked)
    assert stored.format == "WEBP"
    assert stored.size == image.size
    assert not stored.getexif()
    assert b"secret" not in checked.data and b"PhoneMaker" not in checked.data
    if options.get("lossless"):
        assert stored.convert("RGBA").tobytes() == image.tobytes()


def test_the_content_decides_type_and_extension_not_the_name() -> None:
    jpeg = encode(picture(), "JPEG")
    checked = check_attachment(jpeg, "fault.png")
    assert (checked.content_type, checked.filename) == ("image/jpeg", "fault.jpg")
    assert check_attachment(jpeg, "screenshot").filename == "screenshot.jpg"
    assert check_attachment(jpeg, "photo.jpeg").filename == "photo.jpeg"
    assert check_attachment(jpeg, "report v1.2").filename == "report v1.2.jpg"
    assert check_attachment(jpeg, "../../etc/x.exe").filename == "x.exe.jpg"
    assert check_attachment(jpeg, "").filename == "attachment.jpg"
    assert len(check_attachment(jpeg, "x" * 300 + ".png").filename) == 255


def test_minimal_pdf_is_stored_as_sent() -> None:
    checked = check_attachment(MINIMAL_PDF, "receipt")
    assert checked.data == MINIMAL_PDF
    assert checked.content_type == "application/pdf"
    assert checked.filename == "receipt.pdf"
    assert checked.sha256 == hashlib.sha256(MINIMAL_PDF).hexdigest()


@pytest.mark.parametrize(
    "data",
    [
        MINIMAL_PDF[: len(MINIMAL_PDF) // 2],
        MINIMAL_PDF.replace(b"%%EOF", b"") + b"\n",
        MINIMAL_PDF + b"x" * 4096,
    ],
    ids=["truncated", "no-eof", "eof-far-from-end"],
)
def test_pdf_without_its_trailer_is_refused(data: bytes) -> None:
    assert reason(data, "doc.pdf") == "corrupt_pdf"


@pytest.mark.parametrize(
    "data",
    [
        b"just some text, not a picture\n",
        b"<!DOCTYPE html><html><script>alert(1)</script></html>",
        b"PK\x03\x04" + b"\0" * 100,
        b"MZ\x90\x00" + b"\0" * 100,
        b"GIF89a" + b"\0" * 100,
        b"%!PS-Adobe-3.0",
    ],
    ids=["text", "html", "zip", "exe", "gif", "postscript"],
)
def test_other_content_named_png_is_unsupported(data: bytes) -> None:
    assert reason(data, "x.png") == "unsupported_type"


def test_damaged_images_are_refused() -> None:
    png = encode(picture(), "PNG")
    jpeg = encode(picture(), "JPEG")
    assert reason(png[: len(png) // 2], "cut.png") == "corrupt_image"
    assert reason(jpeg[: len(jpeg) // 2], "cut.jpg") == "corrupt_image"
    assert reason(b"\x89PNG\r\n\x1a\n" + b"garbage" * 10) == "corrupt_image"
    assert reason(b"\xff\xd8\xff" + b"garbage" * 10) == "corrupt_image"
    assert reason(b"RIFF\x10\x00\x00\x00WEBPVP8 garbage") == "corrupt_image"
    flipped = bytearray(png)
    flipped[-20] ^= 0xFF  # inside the image data: its CRC no longer matches
    assert reason(bytes(flipped)) == "corrupt_image"


@pytest.mark.parametrize("size", [(8000, 8000), (20000, 10000)], ids=["ours", "pillow-bomb"])
def test_decompression_bombs_are_refused(size: tuple[int, int]) -> None:
    assert reason(png_header_only(*size), "bomb.png") == "image_too_large_in_pixels"


def test_empty_and_over_size_files_are_refused() -> None:
    assert reason(b"") == "empty_file"
    too_big = encode(picture(), "PNG")
    too_big += b"\0" * (MAX_ATTACHMENT_BYTES + 1 - len(too_big))
    assert reason(too_big, "big.png") == "file_too_large"


def test_decode_base64_attachment() -> None:
    data = bytes(range(256)) * 3
    text = base64.b64encode(data).decode()
    assert decode_base64_attachment({"filename": "a.png", "data": text}) == data
    assert decode_base64_attachment({"data": "data:image/png;base64," + text}) == data
    wrapped = "\n".join(text[i : i + 76] for i in range(0, len(text), 76))
    assert decode_base64_attachment({"data": wrapped}) == data


@pytest.mark.parametrize(
    "item",
    [
        {"data": "not base64!"},
        {"data": "QUJD*"},
        {"data": "QUJDRA"},  # missing padding
        {"data": 12345},
        {"filename": "a.png"},
        "QUJD",
        None,
    ],
)
def test_bad_base64_is_refused(item: object) -> None:
    with pytest.raises(AttachmentRejected) as caught:
        decode_base64_attachment(item)  # type: ignore[arg-type]
    assert caught.value.reason == "bad_base64"


def test_over_size_base64_is_refused_before_decoding() -> None:
    text = "A" * (4 * (MAX_ATTACHMENT_BYTES // 3 + 2))
    with pytest.raises(AttachmentRejected) as caught:
        decode_base64_attachment({"data": text})
    assert caught.value.reason == "file_too_large"
    exact = base64.b64encode(b"\0" * MAX_ATTACHMENT_BYTES).decode()
    assert len(decode_base64_attachment({"data": exact})) == MAX_ATTACHMENT_BYTES
