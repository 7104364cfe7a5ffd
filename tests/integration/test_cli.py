"""The CLI as people and scripts run it: `python -m bot …` in a subprocess, DATABASE_URL set."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import types
from collections.abc import Callable
from pathlib import Path

import pytest

from bot import cli
from bot.store.migrate import head_revision, upgrade
from bot.store.reports.drafts import ReportDraft
from bot.store.repository import ReportRepository
from bot.store.serialize import report_to_dict

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def run_cli(database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": database_url, "PYTHONIOENCODING": "utf-8"}
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
    )


@pytest.fixture
def seeded(sqlite_url: str, make_draft: Callable[..., ReportDraft]) -> tuple[str, list[str]]:
    """A SQLite store with two reports, the second moved to `under_review`."""
    upgrade(sqlite_url)
    repo = ReportRepository(sqlite_url)
    first = repo.file_report(make_draft(), "cli-1").reference
    second = repo.file_report(
        make_draft(
            language="en",
            channel="web",
            title="Paper-only certificate",
            type="transformation_request",
        ),
        "cli-2",
    ).reference
    repo.set_status(second, "under_review", note="assigned")
    return sqlite_url, [first, second]


def test_reports_list_json(seeded: tuple[str, list[str]]) -> None:
    url, refs = seeded
    result = run_cli(url, "reports", "list", "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert isinstance(data, list)
    assert sorted(item["reference"] for item in data) == sorted(refs)
    repo = ReportRepository(url)
    expected = {ref: report_to_dict(repo.require(ref)) for ref in refs}
    assert {item["reference"]: item for item in data} == expected


def test_reports_list_status_filter(seeded: tuple[str, list[str]]) -> None:
    url, refs = seeded
    result = run_cli(url, "reports", "list", "--status", "under_review", "--json")
    assert result.returncode == 0, result.stderr
    assert [item["reference"] for item in json.loads(result.stdout)] == [refs[1]]
    result = run_cli(url, "reports", "list", "--status", "closed", "--json")
    assert json.loads(result.stdout) == []
    result = run_cli(url, "reports", "list", "--status", "bogus")
    assert result.returncode == 2
    assert "invalid choice" in result.stderr


def test_reports_list_table(seeded: tuple[str, list[str]]) -> None:
    url, refs = seeded
    result = run_cli(url, "reports", "list")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split()[:3] == ["Reference", "Type", "Status"]
    assert all(ref in result.stdout for ref in refs)
    assert "نورة عبدالله القحطاني" in result.stdout
    assert "transformation_request" in result.stdout
    assert "2 report(s)" in result.stdout


def test_reports_show_json(seeded: tuple[str, list[str]]) -> None:
    url, refs = seeded
    result = run_cli(url, "reports", "show", refs[1].lower(), "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data == report_to_dict(ReportRepository(url).require(refs[1]))
    assert [row["status"] for row in data["history"]] == ["received", "under_review"]


def test_reports_show_human(seeded: tuple[str, list[str]]) -> None:
    url, refs = seeded
    result = run_cli(url, "reports", "show", refs[1])
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert refs[1] in out and "transformation_request" in out and "under_review" in out
    assert "History:" in out and "assigned" in out
    assert "خطأ.png" in out


@pytest.mark.parametrize(
    ("reference", "message"),
    [("BR-00000000", "no report with reference BR-00000000"), ("BR-1234", "not a valid")],
)
def test_reports_show_unknown_reference(
    seeded: tuple[str, list[str]], reference: str, message: str
) -> None:
    url, _refs = seeded
    for extra in ([], ["--json"]):
        result = run_cli(url, "reports", "show", reference, *extra)
        assert result.returncode == 1
        assert result.stdout == ""
        assert message in result.stderr


def test_fresh_store_is_created_on_first_use(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'new' / 'var' / 'reports.db'}"
    result = run_cli(url, "reports", "list", "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == []
    assert (tmp_path / "new" / "var" / "reports.db").exists()
    result = run_cli(url, "reports", "list")
    assert result.returncode == 0 and "No reports." in result.stdout


def test_db_upgrade(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'reports.db'}"
    first = run_cli(url, "db", "upgrade")
    assert first.returncode == 0, first.stderr
    assert "Applied migration(s) 0001" in first.stdout
    second = run_cli(url, "db", "upgrade")
    assert second.returncode == 0, second.stderr
    assert "Nothing to do" in second.stdout and f"revision: {head_revision()}" in second.stdout


@pytest.mark.parametrize(
    "command",
    [
        [],
        ["reports"],
        ["reports", "list"],
        ["reports", "show"],
        ["db"],
        ["db", "upgrade"],
        ["serve"],
    ],
)
def test_help(tmp_path: Path, command: list[str]) -> None:
    result = run_cli(f"sqlite:///{tmp_path / 'unused.db'}", *command, "--help")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("usage: ")
    assert not (tmp_path / "unused.db").exists()


def test_missing_command_is_a_usage_error(tmp_path: Path) -> None:
    result = run_cli(f"sqlite:///{tmp_path / 'unused.db'}")
    assert result.returncode == 2
    assert "usage: " in result.stderr


def test_serve_hands_the_remaining_arguments_over(monkeypatch: pytest.MonkeyPatch) -> None:
    received: list[list[str]] = []

    def fake_main(argv: list[str]) -> int:
        received.append(argv)
        return 3

    monkeypatch.setitem(sys.modules, "bot.runtime.serve", types.SimpleNamespace(main=fake_main))
    assert cli.main(["serve", "--rasa-port", "5006", "extra"]) == 3
    assert cli.main(["serve", "--", "--help"]) == 3
    assert cli.main(["serve"]) == 3
    assert received == [["--rasa-port", "5006", "extra"], ["--help"], []]


def test_unknown_options_are_refused_outside_serve(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["reports", "list", "--bogus"])
    assert exit_info.value.code == 2
    assert "unrecognized arguments: --bogus" in capsys.readouterr().err
