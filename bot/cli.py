"""The project's command line: `python -m bot …` or `balagh …` (names fixed by CONTRACT.md).

Commands that read the store bring its schema up to date first (idempotent and fast), so
they work on a fresh checkout. `--json` always prints exactly one JSON document.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import json
import os
import sys
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from tabulate import tabulate

from bot import settings
from bot.intake.reference import parse_reference
from bot.store.migrate import upgrade
from bot.store.models import ReportStatus
from bot.store.repository import ReportRepository
from bot.store.serialize import report_to_dict

Handler = Callable[[argparse.Namespace, list[str]], int]

STATUSES = tuple(status.value for status in ReportStatus)
TITLE_WIDTH = 40
DISTRIBUTION = "balagh-raqmi-assistant"


def _version() -> str:
    try:
        return importlib.metadata.version(DISTRIBUTION)
    except importlib.metadata.PackageNotFoundError:
        return "(not installed)"


def _print_json(document: Any) -> None:
    print(json.dumps(document, ensure_ascii=False, indent=2))


def _error(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return 1


def _when(value: datetime | None) -> str:
    return "" if value is None else value.astimezone(UTC).strftime("%Y-%m-%d %H:%M")


def _shorten(text: str | None, width: int = TITLE_WIDTH) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= width else text[: width - 1] + "…"


def _repository() -> ReportRepository:
    """The repository on DATABASE_URL, its schema brought up to date first."""
    url = settings.database_url()
    upgrade(url)
    return ReportRepository(url)


# -- reports ------------------------------------------------------------------------------


def _reports_list(args: argparse.Namespace, _rest: list[str]) -> int:
    reports = _repository().list_reports(status=args.status)
    if args.json:
        _print_json([report_to_dict(report) for report in reports])
        return 0
    if not reports:
        print("No reports" + (f" with status {args.status}." if args.status else "."))
        return 0
    rows = [
        [
            report.reference,
            report.type,
            report.status,
            _when(report.created_at),
            _when(report.due_at),
            report.reporter.full_name,
            _shorten(report.title),
        ]
        for report in reports
    ]
    headers = ["Reference", "Type", "Status", "Created (UTC)", "Due (UTC)", "Reporter", "Title"]
    print(tabulate(rows, headers=headers))
    print(f"\n{len(reports)} report(s)")
    return 0


def _reports_show(args: argparse.Namespace, _rest: list[str]) -> int:
    if parse_reference(args.reference) is None:
        return _error(
            f"{args.reference!r} is not a valid report reference "
            "(BR- followed by 8 letters and digits, e.g. BR-7K2M9QXH)"
        )
    report = _repository().get(args.reference)
    if report is None:
        return _error(f"no report with reference {parse_reference(args.reference)}")
    if args.json:
        _print_json(report_to_dict(report))
        return 0
    reporter = report.reporter
    fields = [
        ("Reference", report.reference),
        ("Type", report.type),
        ("Status", report.status),
        ("Language", report.language),
        ("Channel", report.channel),
        ("Created (UTC)", _when(report.created_at)),
        ("Due (UTC)", _when(report.due_at)),
        ("Reporter", reporter.full_name),
        ("National ID", reporter.national_id),
        ("Mobile", reporter.mobile),
        ("E-mail", reporter.email or ""),
        ("Platform", report.platform or ""),
        ("Service", report.service_name or ""),
        ("Service channel", report.service_channel or ""),
        ("Entity", report.entity_name or ""),
        ("Prior complaint", report.prior_complaint_ref or ""),
        ("Prior complaint date", report.prior_complaint_date or ""),
        ("Title", report.title or ""),
        ("Description", report.description or ""),
    ]
    print(tabulate(fields, tablefmt="plain"))
    print("\nAttachments:")
    if report.attachments:
        attachment_rows = [
            [item.filename, item.content_type, item.size, item.sha256[:12]]
            for item in report.attachments
        ]
        print(tabulate(attachment_rows, headers=["File", "Type", "Bytes", "SHA-256"]))
    else:
        print("(none)")
    print("\nHistory:")
    history = report_to_dict(report)["history"]
    history_rows = [
        [_when(datetime.fromisoformat(row["at"])), row["status"], row["note"] or ""]
        for row in history
    ]
    print(tabulate(history_rows, headers=["At (UTC)", "Status", "Note"]))
    return 0


# -- db -----------------------------------------------------------------------------------


def _db_upgrade(_args: argparse.Namespace, _rest: list[str]) -> int:
    result = upgrade(settings.database_url())
    if result.applied:
        print(f"Applied migration(s) {', '.join(result.applied)} to {result.url}.")
    else:
        print(f"Nothing to do: {result.url} is already up to date.")
    print(f"Database schema revision: {result.revision}")
    return 0


# -- serve --------------------------------------------------------------------------------


def _serve(_args: argparse.Namespace, rest_args: list[str]) -> int:
    from bot.serve import main as serve_main

    return serve_main(rest_args)


def _chat(_args: argparse.Namespace, rest_args: list[str]) -> int:
    from bot.chat import main as chat_main

    return chat_main(rest_args)


# -- parser -------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="balagh",
        description="Balagh Raqmi (بلاغ رقمي) assistant: reports store, database, servers.",
        epilog="The store is DATABASE_URL (default: SQLite under var/).",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    reports = commands.add_parser(
        "reports", help="list and show filed reports", description="List and show filed reports."
    )
    report_commands = reports.add_subparsers(
        dest="reports_command", metavar="SUBCOMMAND", required=True
    )
    listing = report_commands.add_parser(
        "list", help="list reports, newest first", description="List reports, newest first."
    )
    listing.add_argument("--status", choices=STATUSES, help="only reports in this status")
    listing.add_argument("--json", action="store_true", help="print a JSON list of reports")
    listing.set_defaults(handler=_reports_list)
    show = report_commands.add_parser(
        "show",
        help="show one report with its history",
        description="Show one report: its fields, attachments and status history.",
    )
    show.add_argument(
        "reference",
        metavar="REF",
        help="report reference, e.g. BR-7K2M9QXH (lower case, O for 0 … accepted)",
    )
    show.add_argument("--json", action="store_true", help="print the report as JSON")
    show.set_defaults(handler=_reports_show)

    database = commands.add_parser(
        "db", help="manage the report database", description="Manage the report database."
    )
    db_commands = database.add_subparsers(dest="db_command", metavar="SUBCOMMAND", required=True)
    migrate = db_commands.add_parser(
        "upgrade",
        help="bring the schema up to date (idempotent)",
        description="Apply pending schema migrations to DATABASE_URL. Safe to run repeatedly; "
        "Rasa's tracker tables in the same database are left alone.",
    )
    migrate.set_defaults(handler=_db_upgrade)

    serve = commands.add_parser(
        "serve",
        help="start the assistant (Rasa, action server, bridges)",
        description="Start the whole assistant on this machine. Further arguments are passed "
        "on to the server launcher (put them after `--` to pass --help along).",
    )
    serve.set_defaults(handler=_serve, passes_extra_args=True)

    chat = commands.add_parser(
        "chat",
        help="talk to the running assistant in this terminal (like `rasa shell`)",
        description="Talk to the running assistant over its REST channel. Further arguments "
        "(--url, --sender) are passed on.",
    )
    chat.set_defaults(handler=_chat, passes_extra_args=True)
    return parser


def _utf8_output() -> None:
    """Arabic text must print even where the locale says ASCII."""
    for stream in (sys.stdout, sys.stderr):
        encoding = (getattr(stream, "encoding", None) or "").lower().replace("-", "")
        if encoding != "utf8" and hasattr(stream, "reconfigure"):
            stream.reconfigure(encoding="utf-8")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the exit status."""
    _utf8_output()
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    if extra and not getattr(args, "passes_extra_args", False):
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    if extra[:1] == ["--"]:
        extra = extra[1:]
    handler: Handler = args.handler
    try:
        return int(handler(args, extra) or 0)
    except SQLAlchemyError as exc:
        shown = make_url(settings.database_url()).render_as_string(hide_password=True)
        return _error(f"the report store at {shown} failed: {exc}")
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader went away (`… | head`): stop quietly, without a traceback at exit.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1
