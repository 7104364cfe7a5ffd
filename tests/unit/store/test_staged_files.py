"""Staged uploads: owner-only on disk, and deleted by the scheduler when no report took them
(bot.store.staged, bot.runtime.jobs), on a real SQLite store."""

from __future__ import annotations

import logging
import os
import stat
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import event

from bot.clock import FixedClock
from bot.runtime import jobs
from bot.store import staged
from bot.store.files import store_attachment
from bot.store.migrate import upgrade
from bot.store.reports.drafts import AttachmentDraft, ReportDraft
from bot.store.repository import ReportRepository

Draft = Callable[..., ReportDraft]
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(64))
DAY = 24 * 3600


@pytest.fixture
def attachments_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    directory = tmp_path / "var" / "attachments"
    monkeypatch.setenv("ATTACHMENTS_DIR", str(directory))
    return directory


@pytest.fixture
def repo(sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> ReportRepository:
    """The store on DATABASE_URL, as the scheduler process has it."""
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    upgrade(sqlite_url)
    return ReportRepository(sqlite_url)


@pytest.fixture
def umask() -> Iterator[None]:
    """A usual, permissive umask, so that the modes seen are the ones the code asks for."""
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def age(path: Path, days: float) -> Path:
    """Make `path` look written `days` days ago."""
    moment = time.time() - days * DAY
    os.utime(path, (moment, moment))
    return path


def upload(attachments_dir: Path, days_old: float) -> AttachmentDraft:
    draft = store_attachment(PNG, "screenshot.png", "image/png")
    age(attachments_dir / draft.stored_path, days_old)
    return draft


def now() -> datetime:
    return datetime.now(UTC)


def test_uploads_are_written_owner_only(attachments_dir: Path, umask: None) -> None:
    draft = store_attachment(PNG, "a.png", "image/png")
    stored = attachments_dir / draft.stored_path
    assert stat.S_IMODE(stored.stat().st_mode) == 0o600
    assert stat.S_IMODE(stored.parent.stat().st_mode) == 0o700
    assert stat.S_IMODE(attachments_dir.stat().st_mode) == 0o700
    second = store_attachment(PNG, "b.png", "image/png")  # the folders exist now
    assert stat.S_IMODE((attachments_dir / second.stored_path).stat().st_mode) == 0o600


def test_old_unlinked_files_go_young_and_linked_ones_stay(
    attachments_dir: Path, repo: ReportRepository, make_draft: Draft
) -> None:
    old_unlinked = upload(attachments_dir, days_old=15)
    young_unlinked = upload(attachments_dir, days_old=13)
    old_linked = upload(attachments_dir, days_old=400)
    repo.file_report(make_draft(attachments=(old_linked,)), "k")
    leftover = attachments_dir / old_unlinked.stored_path[:2] / ".upload-x1y2"
    leftover.write_bytes(b"half")  # an interrupted write
    age(leftover, days=20)

    result = staged.sweep_staged_files(repo.engine, now())

    assert sorted(result.removed) == sorted(
        [old_unlinked.stored_path, f"{old_unlinked.stored_path[:2]}/.upload-x1y2"]
    )
    assert result.kept_linked == 1
    assert not (attachments_dir / old_unlinked.stored_path).exists()
    assert not leftover.exists()
    assert (attachments_dir / young_unlinked.stored_path).read_bytes() == PNG
    assert (attachments_dir / old_linked.stored_path).read_bytes() == PNG
    assert staged.sweep_staged_files(repo.engine, now()).removed == []


def test_a_row_with_an_absolute_path_links_its_file(
    attachments_dir: Path, repo: ReportRepository, make_draft: Draft
) -> None:
    draft = upload(attachments_dir, days_old=30)
    absolute = AttachmentDraft(
        draft.filename,
        draft.content_type,
        draft.size,
        draft.sha256,
        str(attachments_dir / draft.stored_path),
    )
    repo.file_report(make_draft(attachments=(absolute,)), "k")
    result = staged.sweep_staged_files(repo.engine, now())
    assert (result.removed, result.kept_linked) == ([], 1)
    assert (attachments_dir / draft.stored_path).exists()


def test_only_the_projects_own_files_are_touched(
    attachments_dir: Path, repo: ReportRepository, tmp_path: Path
) -> None:
    draft = upload(attachments_dir, days_old=1)  # creates the folder
    # fan-out folders of foreign files other than the upload's own (its name is random: a
    # fixed "ab", "ef" or "cc" collided with it in 3 runs of 256)
    taken = Path(draft.stored_path).parts[0]
    ab, ef, cc = [name for name in ("ab", "ef", "cc", "dd") if name != taken][:3]
    foreign = [
        attachments_dir / "README.txt",
        attachments_dir / "backup" / "0123abcd.png",
        attachments_dir / ab / "notes.txt",
        attachments_dir / ab / "cd0123.png",  # not in its own fan-out folder
    ]
    for path in foreign:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"x")
        age(path, days=100)
    outside = tmp_path / "elsewhere.png"
    outside.write_bytes(b"keep")
    age(outside, days=100)
    (attachments_dir / ef).mkdir()
    (attachments_dir / ef / f"{ef}0123.png").symlink_to(outside)
    (attachments_dir / cc).symlink_to(tmp_path, target_is_directory=True)

    assert staged.sweep_staged_files(repo.engine, now()).removed == []
    assert all(path.exists() for path in foreign) and outside.read_bytes() == b"keep"


def test_many_files_are_looked_up_in_batches(
    attachments_dir: Path,
    repo: ReportRepository,
    make_draft: Draft,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(staged, "LINK_QUERY_BATCH", 4)
    unlinked = [upload(attachments_dir, days_old=20) for _ in range(9)]
    linked = [upload(attachments_dir, days_old=20) for _ in range(3)]
    repo.file_report(make_draft(attachments=tuple(linked)), "k")
    result = staged.sweep_staged_files(repo.engine, now())
    assert sorted(result.removed) == sorted(item.stored_path for item in unlinked)
    assert result.kept_linked == 3
    assert all((attachments_dir / item.stored_path).exists() for item in linked)


def test_a_simulated_clock_ahead_of_real_time_ages_nothing(
    attachments_dir: Path, repo: ReportRepository
) -> None:
    draft = upload(attachments_dir, days_old=0)
    result = staged.sweep_staged_files(repo.engine, now() + timedelta(days=365))
    assert result.removed == [] and (attachments_dir / draft.stored_path).exists()


def test_a_missing_directory_is_nothing_to_do(
    attachments_dir: Path, repo: ReportRepository
) -> None:
    assert not attachments_dir.exists()
    assert staged.sweep_staged_files(repo.engine, now()).removed == []


def test_the_scheduler_sweeps_every_tick(
    attachments_dir: Path, repo: ReportRepository, make_draft: Draft
) -> None:
    old = upload(attachments_dir, days_old=14.01)
    young = upload(attachments_dir, days_old=1)
    linked = upload(attachments_dir, days_old=30)
    repo.file_report(make_draft(attachments=(linked,)), "k")
    result = jobs.tick(repo, FixedClock(now()), dispatch=False)
    assert result.staged_files is not None
    assert result.staged_files.removed == [old.stored_path]
    assert result.as_dict()["staged_files"] == {"removed": 1, "kept_linked": 1}
    assert (attachments_dir / young.stored_path).exists()
    assert (attachments_dir / linked.stored_path).exists()

    age(attachments_dir / young.stored_path, days=3)
    rules = jobs.Rules(staged_files_max_age=timedelta(days=2))
    assert jobs.tick(repo, FixedClock(now()), rules=rules, dispatch=False).staged_files.removed == [
        young.stored_path
    ]
    off = jobs.Rules(staged_files_max_age=None)
    assert jobs.tick(repo, FixedClock(now()), rules=off, dispatch=False).staged_files is None


def test_the_scheduler_leaves_files_alone_for_another_database(
    attachments_dir: Path,
    repo: ReportRepository,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A scheduler handed a store other than DATABASE_URL's (a test's, a copy) would find
    none of the files linked: it does not judge them."""
    draft = upload(attachments_dir, days_old=30)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'another.db'}")
    assert jobs.tick(repo, FixedClock(now()), dispatch=False).staged_files is None
    assert (attachments_dir / draft.stored_path).exists()


def test_a_failing_lookup_deletes_nothing(
    attachments_dir: Path, sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    repo = ReportRepository(sqlite_url)  # no tables: the lookup fails
    draft = upload(attachments_dir, days_old=30)
    with pytest.raises(Exception, match="attachments"):
        staged.sweep_staged_files(repo.engine, now())
    assert (attachments_dir / draft.stored_path).exists()


def test_a_failing_sweep_does_not_stop_the_tick(
    attachments_dir: Path,
    repo: ReportRepository,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    def broken(*_args: object, **_kwargs: object) -> staged.SweepResult:
        raise OSError("the disk went away")

    monkeypatch.setattr(staged, "sweep_staged_files", broken)
    with caplog.at_level(logging.ERROR, logger="bot.runtime.jobs"):
        result = jobs.tick(repo, FixedClock(now()), dispatch=False)
    assert result.staged_files is None
    assert "sweep of staged files failed" in caplog.text


def test_files_found_linked_are_not_looked_up_again(
    attachments_dir: Path, repo: ReportRepository, make_draft: Draft
) -> None:
    linked = [upload(attachments_dir, days_old=30) for _ in range(3)]
    repo.file_report(make_draft(attachments=tuple(linked)), "k")
    assert staged.sweep_staged_files(repo.engine, now()).kept_linked == 3
    statements: list[str] = []

    def count(_conn: object, _cursor: object, statement: str, *_rest: object) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            statements.append(statement)

    event.listen(repo.engine, "before_cursor_execute", count)
    try:
        again = staged.sweep_staged_files(repo.engine, now())
        assert (again.removed, again.kept_linked, statements) == ([], 3, [])
        unlinked = upload(attachments_dir, days_old=30)
        third = staged.sweep_staged_files(repo.engine, now())
        assert third.removed == [unlinked.stored_path] and len(statements) == 1
    finally:
        event.remove(repo.engine, "before_cursor_execute", count)
    assert all((attachments_dir / item.stored_path).exists() for item in linked)
