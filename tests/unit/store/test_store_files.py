"""Saving uploaded files under ATTACHMENTS_DIR, under random names."""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path

import pytest

from bot.store.files import display_filename, store_attachment
from bot.store.models import Attachment

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256))
STORED_NAME = re.compile(r"^([0-9a-f]{2})/(\1[0-9a-f]{30})(\.[a-z]+)$")


@pytest.fixture
def attachments_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    directory = tmp_path / "attachments"
    monkeypatch.setenv("ATTACHMENTS_DIR", str(directory))
    return directory


def stored_files(directory: Path) -> list[Path]:
    return sorted(path for path in directory.rglob("*") if path.is_file())


def test_store_attachment_writes_under_a_random_name(attachments_dir: Path) -> None:
    draft = store_attachment(PNG, "لقطة شاشة.PNG", "image/png")
    assert draft.sha256 == hashlib.sha256(PNG).hexdigest()
    assert draft.size == len(PNG)
    assert draft.filename == "لقطة شاشة.PNG"
    assert draft.content_type == "image/png"
    match = STORED_NAME.match(draft.stored_path)
    assert match, draft.stored_path
    assert match.group(3) == ".png"
    assert draft.sha256 not in draft.stored_path
    assert (attachments_dir / draft.stored_path).read_bytes() == PNG
    row = Attachment(stored_path=draft.stored_path)
    assert row.absolute_path() == attachments_dir / draft.stored_path
    assert stored_files(attachments_dir) == [attachments_dir / draft.stored_path]


def test_same_content_gets_its_own_file_each_time(attachments_dir: Path) -> None:
    first = store_attachment(PNG, "a.png", "image/png")
    second = store_attachment(PNG, "b.png", "image/png")
    assert first.stored_path != second.stored_path
    assert first.sha256 == second.sha256
    assert first.filename == "a.png" and second.filename == "b.png"
    assert stored_files(attachments_dir) == sorted(
        attachments_dir / draft.stored_path for draft in (first, second)
    )
    (attachments_dir / first.stored_path).unlink()
    assert (attachments_dir / second.stored_path).read_bytes() == PNG


@pytest.mark.parametrize(
    ("content_type", "extension"),
    [
        ("image/jpeg", ".jpg"),
        ("image/webp", ".webp"),
        ("application/pdf", ".pdf"),
        ("IMAGE/PNG; charset=binary", ".png"),
        ("text/html", ".bin"),
        ("", ".bin"),
    ],
)
def test_extension_follows_the_content_type_not_the_name(
    attachments_dir: Path, content_type: str, extension: str
) -> None:
    draft = store_attachment(b"data", "evil.exe", content_type)
    assert Path(draft.stored_path).suffix == extension
    assert draft.filename == "evil.exe"


def test_write_is_atomic_and_leaves_no_temporary_files(
    attachments_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken_replace(source: str, target: str) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError, match="disk full"):
        store_attachment(PNG, "a.png", "image/png")
    assert stored_files(attachments_dir) == []


@pytest.mark.parametrize(
    ("given", "shown"),
    [
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\x\\error.jpg", "error.jpg"),
        ("bad\x00name\n.pdf", "badname.pdf"),
        ("", "attachment"),
        ("x" * 300 + ".png", "x" * 255),
        ("..", "attachment"),
        ("a/..", "attachment"),
        ("..\\..\\", "attachment"),
        ("...", "attachment"),
        ("photo\u202egnp.exe", "photognp.exe"),
        ("a\ud800.png", "a.png"),
    ],
)
def test_user_file_names_never_reach_the_file_system(
    attachments_dir: Path, given: str, shown: str
) -> None:
    assert display_filename(given) == shown
    draft = store_attachment(b"data", given, "")
    assert draft.filename == shown
    assert draft.content_type == "application/octet-stream"
    assert STORED_NAME.match(draft.stored_path), draft.stored_path
    stored = (attachments_dir / draft.stored_path).resolve()
    assert stored.is_relative_to(attachments_dir.resolve())
    assert stored.read_bytes() == b"data"
