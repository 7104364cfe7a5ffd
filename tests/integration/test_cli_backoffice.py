"""The back-office commands: reports set-status / list filters / export --csv / rate,
outbox list, jobs. Run as scripts run them (a subprocess) where the bytes matter, in process
otherwise."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot import cli
from bot.store.access import Principal
from bot.store.migrate import upgrade
from bot.store.reports.drafts import ReportDraft
from bot.store.repository import ReportRepository
from bot.store.serialize import report_to_dict

PROJECT_ROOT = Path(__file__).resolve().parents[2]
BOM = "\ufeff"


def run_cli(database_url: str, *args: str, **env: str) -> subprocess.CompletedProcess[bytes]:
    environment = {**os.environ, "DATABASE_URL": database_url, "PYTHONIOENCODING": "utf-8"}
    environment.update(env)
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=PROJECT_ROOT,
        env=environment,
        capture_output=True,
        timeout=120,
    )


@pytest.fixture
def store(
    sqlite_url: str, make_draft: Callable[..., ReportDraft], monkeypatch: pytest.MonkeyPatch
) -> tuple[str, dict[str, str]]:
    """Three reports: a Telegram complaint (Arabic), a web transformation request (English,
    under review) and a REST complaint with a formula-like title, filed on different days."""
    upgrade(sqlite_url)
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    repo = ReportRepository(sqlite_url)
    refs = {
        "telegram": repo.file_report(
            make_draft(created_at=datetime(2024, 6, 2, 9, 30, tzinfo=UTC)), "a"
        ).reference,
        "web": repo.file_report(
            make_draft(
                created_at=datetime(2024, 6, 4, 9, 30, tzinfo=UTC),
                language="en",
                channel="web",
                sender_id="web-1",
                type="transformation_request",
                title="Paper-only certificate",
            ),
            "b",
        ).reference,
        "rest": repo.file_report(
            make_draft(
                created_at=datetime(2024, 6, 6, 9, 30, tzinfo=UTC),
                channel="rest",
                sender_id="crm-1",
                title='=HYPERLINK("http://x")',
                description="-حذف",
            ),
            "c",
        ).reference,
    }
    repo.set_status(
        refs["web"], "under_review", note="assigned", at=datetime(2024, 6, 4, 10, 0, tzinfo=UTC)
    )
    return sqlite_url, refs


def _main(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = cli.main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


# -- set-status ---------------------------------------------------------------------------


def test_set_status_moves_and_queues_the_notice(store: tuple[str, dict[str, str]]) -> None:
    url, refs = store
    ref = refs["telegram"]
    result = run_cli(url, "reports", "set-status", ref.lower(), "under_review", "--note", "فريق ٢")
    assert result.returncode == 0, result.stderr.decode()
    out = result.stdout.decode()
    assert f"{ref}: received → under_review" in out
    assert "queued for the telegram channel (telegram:5551234)" in out
    listed = run_cli(url, "outbox", "list", "--json", "--reference", ref)
    [message] = json.loads(listed.stdout.decode())
    assert (message["kind"], message["state"], message["channel"]) == (
        "status_changed", "pending", "telegram",
    )  # fmt: skip
    assert message["text"].startswith(f"بلاغك رقم \u2066{ref}\u2069 قيد المراجعة")
    assert message["text"].endswith("ملاحظة: \u2068فريق ٢\u2069")


def test_refused_move_exits_non_zero_with_the_allowed_moves(
    store: tuple[str, dict[str, str]],
) -> None:
    url, refs = store
    ref = refs["telegram"]
    result = run_cli(url, "reports", "set-status", ref, "closed")
    assert result.returncode == 1
    assert result.stdout == b""
    assert result.stderr.decode().strip() == (
        f"error: cannot move report {ref} from received to closed: the life cycle has no "
        "such move; allowed from received: under_review, missing_data, cancelled"
    )
    shown = json.loads(run_cli(url, "reports", "show", ref, "--json").stdout.decode())
    assert shown["status"] == "received" and len(shown["history"]) == 1
    assert (
        json.loads(run_cli(url, "outbox", "list", "--json").stdout.decode())[0]["reference"]
        == (refs["web"])
    )


def test_set_status_json_and_errors(
    store: tuple[str, dict[str, str]], capsys: pytest.CaptureFixture[str]
) -> None:
    _url, refs = store
    # a decision without what the reporter is to be told (seed 003) is refused, nothing moved
    code, out, err = _main(capsys, "reports", "set-status", refs["web"], "rejected")
    assert code == 1 and out == "" and "needs the reason as its note" in err, err
    code, _, err = _main(capsys, "reports", "set-status", refs["web"], "accepted")
    assert code == 1 and "implementation date" in err and "nothing changed" in err, err
    code, out, _ = _main(capsys, "reports", "set-status", refs["web"], "rejected", "--note",
                         "a digital alternative exists", "--json")  # fmt: skip
    assert code == 0
    data = json.loads(out)
    assert data["status"] == "rejected" and data["rating"] is None
    assert data["history"][-1] == {
        "status": "rejected", "at": data["history"][-1]["at"],
        "note": "a digital alternative exists",
    }  # fmt: skip
    code, _, err = _main(capsys, "reports", "set-status", refs["web"], "in_progress")
    assert code == 1 and "rejected is final; no move is allowed from rejected" in err
    code, _, err = _main(capsys, "reports", "set-status", "BR-00000000", "closed")
    assert code == 1 and "no report with reference BR-00000000" in err
    code, _, err = _main(capsys, "reports", "set-status", "nonsense", "closed")
    assert code == 1 and "is not a valid report reference" in err
    with pytest.raises(SystemExit) as info:
        cli.main(["reports", "set-status", refs["web"], "done"])
    assert info.value.code == 2


def test_reopen_accept_refuse_and_errors(
    store: tuple[str, dict[str, str]], capsys: pytest.CaptureFixture[str]
) -> None:
    url, refs = store
    ref = refs["telegram"]  # a complaint escalation
    repo = ReportRepository(url)
    code, _, err = _main(capsys, "reports", "reopen", ref, "accept")
    assert code == 1 and "no re-open request waiting" in err and "nothing changed" in err
    for status in ("under_review", "referred", "in_progress", "closed"):
        repo.set_status(ref, status, note="resolved" if status == "closed" else None)
    owner = Principal.conversation(repo.require(ref).sender_id)
    repo.request_reopen(ref, principal=owner, reason="still failing")
    code, _, err = _main(capsys, "reports", "reopen", ref, "refuse")
    assert code == 1 and "reason" in err and repo.require(ref).status == "closed", err
    code, out, _ = _main(capsys, "reports", "reopen", ref.lower(), "accept", "--note", "فريق ٣")
    assert code == 0 and "re-opened (under_review)" in out and "queued" in out, out
    data = report_to_dict(repo.require(ref))
    assert data["status"] == "under_review"
    assert [h["note"] for h in data["history"][-2:]] == [
        "re-open requested: still failing", "re-opened at the reporter's request: فريق ٣"]
    code, _, err = _main(capsys, "reports", "reopen", "BR-00000000", "accept")
    assert code == 1 and "no report with reference" in err


# -- list ---------------------------------------------------------------------------------


def test_list_filters(
    store: tuple[str, dict[str, str]], capsys: pytest.CaptureFixture[str]
) -> None:
    _url, refs = store

    def listed(*filters: str) -> list[str]:
        code, out, _ = _main(capsys, "reports", "list", "--json", *filters)
        assert code == 0
        return [report["reference"] for report in json.loads(out)]

    assert listed() == [refs["rest"], refs["web"], refs["telegram"]]
    assert listed("--type", "transformation_request") == [refs["web"]]
    assert listed("--channel", "rest") == [refs["rest"]]
    assert listed("--status", "under_review", "--channel", "web") == [refs["web"]]
    assert listed("--since", "2024-06-04") == [refs["rest"], refs["web"]]
    assert listed("--until", "٢٠٢٤-٠٦-٠٤") == [refs["web"], refs["telegram"]]
    assert listed("--since", "2024-06-03", "--until", "2024-06-05") == [refs["web"]]
    assert listed("--channel", "call_centre") == []
    code, out, _ = _main(capsys, "reports", "list", "--type", "entity_outage", "--channel", "web")
    assert code == 0 and out == "No reports with type entity_outage, channel web.\n"
    code, out, _ = _main(capsys, "reports", "list", "--since", "2024-06-05")
    assert refs["rest"] in out and refs["web"] not in out and "1 report(s)" in out
    with pytest.raises(SystemExit):
        cli.main(["reports", "list", "--since", "yesterday"])
    assert "is not a date (YYYY-MM-DD)" in capsys.readouterr().err


# -- export -------------------------------------------------------------------------------


def test_export_csv_is_utf8_with_bom_for_excel(store: tuple[str, dict[str, str]]) -> None:
    url, refs = store
    result = run_cli(url, "reports", "export", "--csv")
    assert result.returncode == 0, result.stderr.decode()
    raw = result.stdout
    assert raw.startswith(BOM.encode("utf-8"))
    assert b"\r\n" in raw and "نورة عبدالله القحطاني".encode() in raw
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
    assert [row["reference"] for row in rows] == [refs["rest"], refs["web"], refs["telegram"]]
    rest, web, telegram = rows
    assert telegram["reporter_name"] == "نورة عبدالله القحطاني"
    assert telegram["title"] == "تعذر إكمال تجديد الهوية"
    assert telegram["created_at"] == "2024-06-02T09:30:00+00:00"
    assert telegram["mobile"] == "+966501234567"  # validated: no apostrophe
    assert telegram["attachments"] == "1" and telegram["solution_rating"] == ""
    assert web["status"] == "under_review" and web["last_note"] == "assigned"
    # Text typed by reporters cannot run as a spreadsheet formula.
    assert rest["title"] == '\'=HYPERLINK("http://x")' and rest["description"] == "'-حذف"


def test_export_to_a_file_with_filters_and_ratings(
    store: tuple[str, dict[str, str]], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    _url, refs = store
    repo = ReportRepository(os.environ["DATABASE_URL"])
    for status in ("referred", "in_progress", "closed"):
        repo.set_status(refs["web"], status)
    repo.rate(refs["web"], solution=4, service=5, comment="شكرًا, fast")
    target = tmp_path / "out" / "reports.csv"
    target.parent.mkdir()
    code, out, err = _main(
        capsys, "reports", "export", "--csv", "--channel", "web", "--output", str(target)
    )
    assert code == 0 and out == "" and f"Wrote 1 report(s) to {target}" in err
    text = target.read_bytes().decode("utf-8")
    assert text.startswith(BOM)
    [row] = list(csv.DictReader(io.StringIO(text.removeprefix(BOM), newline="")))
    assert (row["reference"], row["status"]) == (refs["web"], "closed")
    assert (row["solution_rating"], row["service_rating"], row["rating_comment"]) == (
        "4", "5", "شكرًا, fast",
    )  # fmt: skip
    with pytest.raises(SystemExit) as info:
        cli.main(["reports", "export"])  # --csv is required
    assert info.value.code == 2


# -- rate ---------------------------------------------------------------------------------


def test_rate(store: tuple[str, dict[str, str]], capsys: pytest.CaptureFixture[str]) -> None:
    _url, refs = store
    ref = refs["telegram"]
    code, _, err = _main(capsys, "reports", "rate", ref, "--solution", "5", "--service", "4")
    assert code == 1 and "only a handled report (closed, accepted or rejected) is rated" in err
    for status in ("under_review", "referred", "in_progress", "closed"):
        assert _main(capsys, "reports", "set-status", ref, status)[0] == 0
    code, _, err = _main(capsys, "reports", "rate", ref, "--solution", "7", "--service", "4")
    assert code == 1 and "from 1 to 5" in err
    code, out, _ = _main(
        capsys, "reports", "rate", ref, "--solution", "٥", "--service", "4", "--comment", "ممتاز"
    )
    assert code == 0 and out.strip() == f"{ref} rated: solution 5/5, service 4/5 — ممتاز"
    code, out, _ = _main(capsys, "reports", "show", ref, "--json")
    rating = json.loads(out)["rating"]
    assert (rating["solution_rating"], rating["service_rating"], rating["comment"]) == (
        5, 4, "ممتاز",
    )  # fmt: skip
    code, _, err = _main(capsys, "reports", "rate", ref, "--solution", "1", "--service", "1")
    assert code == 1 and "rated already" in err


# -- outbox and jobs ----------------------------------------------------------------------


def test_outbox_list(store: tuple[str, dict[str, str]], capsys: pytest.CaptureFixture[str]) -> None:
    _url, refs = store
    code, out, _ = _main(capsys, "outbox", "list", "--pending")
    assert code == 0 and refs["web"] in out and "status_changed" in out and "pending" in out
    assert "1 message(s)" in out
    code, out, _ = _main(capsys, "outbox", "list", "--state", "sent")
    assert code == 0 and out == "No messages.\n"


def test_jobs_once_with_a_fixed_time(
    store: tuple[str, dict[str, str]], capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    _url, refs = store
    monkeypatch.delenv("REST_CALLBACK_URL", raising=False)
    repo = ReportRepository(os.environ["DATABASE_URL"])
    asked = datetime(2024, 6, 6, 10, 0, tzinfo=UTC)
    repo.set_status(refs["rest"], "missing_data", note="screenshot", at=asked)
    now = (asked + timedelta(hours=48)).isoformat()
    code, out, _ = _main(capsys, "jobs", "--once", "--now", now, "--json", "--no-dispatch")
    assert code == 0
    result = json.loads(out)
    assert result["now"] == now and result["dispatch"] is None
    assert result["rules"]["cancelled"] == [refs["rest"]]
    assert result["rules"]["delayed"] == []  # due 9 and 11 June (the drafts' 7 days)
    assert repo.require(refs["rest"]).status == "cancelled"

    monkeypatch.delenv("TELEGRAM_TOKEN", raising=False)
    code, out, _ = _main(capsys, "jobs", "--once", "--now", "2024-06-12T10:00:00")
    assert code == 0
    lines = out.splitlines()
    assert "cancelled: -" in lines
    assert f"delayed: {refs['telegram']}, {refs['web']}" in lines
    # REST without a callback URL: its two notices are held; the web ones go to the inbox;
    # Telegram without a token is retried later.
    assert lines[-1] == "outbox: sent 2, held 2, retried 1, failed 0, lost 0"
    code, out, _ = _main(capsys, "outbox", "list", "--json", "--reference", refs["rest"])
    assert {m["state"] for m in json.loads(out)} == {"held"}


@pytest.mark.parametrize(
    "command",
    [
        ["reports", "set-status"],
        ["reports", "export"],
        ["reports", "rate"],
        ["outbox", "list"],
        ["jobs"],
    ],
)
def test_help(tmp_path: Path, command: list[str]) -> None:
    result = run_cli(f"sqlite:///{tmp_path / 'unused.db'}", *command, "--help")
    assert result.returncode == 0, result.stderr
    assert result.stdout.decode().startswith("usage: ")
    assert not (tmp_path / "unused.db").exists()
