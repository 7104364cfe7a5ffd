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
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from tabulate import tabulate

from bot.backoffice.catalogue import add_commands as add_catalogue_commands
from bot.digits import to_ascii_digits
from bot.intake.filing import CHANNELS
from bot.runtime import logmask, settings
from bot.runtime.secrets import restrict_umask
from bot.store.access import Principal
from bot.store.migrate import upgrade
from bot.store.models import OutboxState, ReportStatus, ReportType
from bot.store.reference import parse_reference
from bot.store.reports.errors import ReportNotFound
from bot.store.repository import ReportRepository
from bot.store.serialize import report_to_dict

Handler = Callable[[argparse.Namespace, list[str]], int]

STATUSES = tuple(status.value for status in ReportStatus)
REPORT_TYPES = tuple(kind.value for kind in ReportType)
REPORT_CHANNELS = tuple(sorted(set(CHANNELS.values())))
OUTBOX_STATES = tuple(state.value for state in OutboxState)
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


def _date_argument(text: str) -> date:
    """A --since/--until day: YYYY-MM-DD (Arabic-Indic digits accepted)."""
    try:
        return date.fromisoformat(to_ascii_digits(text).strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD)") from None


def _filtered_reports(args: argparse.Namespace) -> list[Any]:
    return _repository().list_reports(
        status=args.status,
        report_type=args.type,
        channel=args.channel,
        since=args.since,
        until=args.until,
    )


def _reports_list(args: argparse.Namespace, _rest: list[str]) -> int:
    reports = _filtered_reports(args)
    if args.json:
        _print_json([report_to_dict(report) for report in reports])
        return 0
    if not reports:
        filters = [
            f"{name} {value}"
            for name, value in (
                ("status", args.status),
                ("type", args.type),
                ("channel", args.channel),
                ("since", args.since),
                ("until", args.until),
            )
            if value
        ]
        print("No reports" + (f" with {', '.join(filters)}." if filters else "."))
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
    report = _repository().get_for(Principal.back_office(), args.reference)
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


def _valid_reference(reference: str) -> str | None:
    canonical = parse_reference(reference)
    if canonical is None:
        _error(
            f"{reference!r} is not a valid report reference "
            "(BR- followed by 8 letters and digits, e.g. BR-7K2M9QXH)"
        )
    return canonical


def _reports_set_status(args: argparse.Namespace, _rest: list[str]) -> int:
    from bot.store.lifecycle import DecisionNoteMissing, TransitionNotAllowed

    canonical = _valid_reference(args.reference)
    if canonical is None:
        return 1
    repository = _repository()
    before = repository.get_for(Principal.back_office(), canonical)
    if before is None:
        return _error(f"no report with reference {canonical}")
    try:
        report = repository.set_status(canonical, args.status, note=args.note)
    except (TransitionNotAllowed, DecisionNoteMissing) as exc:
        return _error(f"{canonical}: {exc}; nothing changed" if isinstance(
            exc, DecisionNoteMissing) else str(exc))
    except ReportNotFound:
        return _error(f"no report with reference {canonical}")
    if args.json:
        _print_json(report_to_dict(report))
        return 0
    print(f"{report.reference}: {before.status} → {report.status}")
    recipient = report.sender_id or "(no conversation)"
    print(
        f"The reporter's notice is queued for the {report.channel} channel ({recipient}); "
        "`python -m bot jobs` delivers it."
    )
    return 0


def _reports_reopen(args: argparse.Namespace, _rest: list[str]) -> int:
    from bot.store.lifecycle import DecisionNoteMissing
    from bot.store.reports.errors import NoReopenRequest

    canonical = _valid_reference(args.reference)
    if canonical is None:
        return 1
    repository = _repository()
    try:
        report = repository.decide_reopen(
            canonical, accept=args.decision == "accept", note=args.note
        )
    except (NoReopenRequest, DecisionNoteMissing) as exc:
        return _error(f"{canonical}: {exc}; nothing changed")
    except ReportNotFound:
        return _error(f"no report with reference {canonical}")
    if args.json:
        _print_json(report_to_dict(report))
        return 0
    what = "re-opened (under_review)" if args.decision == "accept" else "stays closed"
    print(f"{report.reference}: the re-open request is {args.decision}ed; the report {what}.")
    recipient = report.sender_id or "(no conversation)"
    print(
        f"The reporter's notice is queued for the {report.channel} channel ({recipient}); "
        "`python -m bot jobs` delivers it."
    )
    return 0


def _reports_export(args: argparse.Namespace, _rest: list[str]) -> int:
    from bot.store.export import reports_to_csv

    reports = _filtered_reports(args)
    text = reports_to_csv(reports)
    if args.output:  # personal data: a file only its owner may read
        _private_file(Path(args.output), text)
        print(f"Wrote {len(reports)} report(s) to {args.output}.", file=sys.stderr)
    else:
        sys.stdout.flush()
        sys.stdout.buffer.write(text.encode("utf-8"))
        sys.stdout.buffer.flush()
    return 0


def _reports_rate(args: argparse.Namespace, _rest: list[str]) -> int:
    canonical = _valid_reference(args.reference)
    if canonical is None:
        return 1
    try:
        report = _repository().rate(
            canonical, solution=args.solution, service=args.service, comment=args.comment
        )
    except ReportNotFound:
        return _error(f"no report with reference {canonical}")
    except ValueError as exc:
        return _error(str(exc))
    if args.json:
        _print_json(report_to_dict(report))
        return 0
    rating = report.rating
    print(
        f"{report.reference} rated: solution {rating.solution_rating}/5, "
        f"service {rating.service_rating}/5" + (f" — {rating.comment}" if rating.comment else "")
    )
    return 0


# -- outbox -------------------------------------------------------------------------------


def _outbox_list(args: argparse.Namespace, _rest: list[str]) -> int:
    from bot.store.outbox import list_messages
    from bot.store.serialize import iso_datetime

    reference = None
    if args.reference:
        reference = _valid_reference(args.reference)
        if reference is None:
            return 1
    repository = _repository()
    rows = list_messages(
        repository.engine,
        pending=args.pending,
        state=args.state,
        reference=reference,
        limit=args.limit,
    )
    if args.json:
        _print_json(
            [
                {
                    "id": row.id,
                    "reference": ref,
                    "kind": row.kind,
                    "channel": row.channel,
                    "recipient": row.recipient,
                    "language": row.language,
                    "state": row.state,
                    "attempts": row.attempts,
                    "created_at": iso_datetime(row.created_at),
                    "next_attempt_at": iso_datetime(row.next_attempt_at),
                    "sent_at": iso_datetime(row.sent_at),
                    "last_error": row.last_error,
                    "dedupe_key": row.dedupe_key,
                    "text": (row.payload or {}).get("text"),
                    "payload": row.payload,
                }
                for row, ref in rows
            ]
        )
        return 0
    if not rows:
        print("The outbox is empty." if not (args.pending or args.state) else "No messages.")
        return 0
    table = [
        [
            row.id,
            _when(row.created_at),
            ref,
            row.kind,
            row.channel,
            row.state,
            row.attempts,
            _when(row.sent_at) if row.sent_at else _when(row.next_attempt_at),
            _shorten(row.last_error, 30),
            _shorten((row.payload or {}).get("text"), 60),
        ]
        for row, ref in rows
    ]
    headers = [
        "Id", "Queued (UTC)", "Report", "Kind", "Channel", "State", "Tries",
        "Sent/next (UTC)", "Last error", "Text",
    ]  # fmt: skip
    print(tabulate(table, headers=headers))
    print(f"\n{len(rows)} message(s)")
    return 0


# -- jobs ---------------------------------------------------------------------------------


def _moment_argument(text: str) -> datetime:
    """--now: an ISO 8601 date-time; without a zone it is UTC."""
    try:
        moment = datetime.fromisoformat(to_ascii_digits(text).strip())
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not an ISO 8601 date-time (e.g. 2026-11-29T09:00:00+03:00)"
        ) from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _jobs(args: argparse.Namespace, _rest: list[str]) -> int:
    import logging

    from bot.clock import SYSTEM_CLOCK, FixedClock, OffsetClock
    from bot.notify.reminders import rasa_say
    from bot.runtime import jobs

    repository = _repository()
    # where reminders are said (bot.notify.reminders); None: BALAGH_RASA_URL
    say = rasa_say(args.rasa_url) if args.rasa_url else None
    if args.once:
        clock = FixedClock(args.now) if args.now else SYSTEM_CLOCK
        result = jobs.tick(repository, clock, dispatch=not args.no_dispatch, say=say)
        document = result.as_dict()
        if args.json:
            _print_json(document)
        else:
            for rule, references in document["rules"].items():
                print(f"{rule}: {', '.join(references) if references else '-'}")
            redacted = document["privacy"]
            if redacted is not None:
                print(f"privacy: {redacted['conversations']} conversation(s) redacted")
            delivered = document["dispatch"]
            if delivered is not None:
                print("outbox: " + ", ".join(f"{key} {value}" for key, value in delivered.items()))
        return 0
    level = os.environ.get("LOG_LEVEL", "").strip().upper()
    logging.basicConfig(
        level=level if level in logging.getLevelNamesMapping() else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    clock = OffsetClock(args.now) if args.now else SYSTEM_CLOCK
    print(
        f"Running the timed rules and the outbox every {args.interval:g} s (Ctrl-C stops).",
        file=sys.stderr,
    )
    jobs.run_forever(repository, clock, interval=args.interval, say=say)
    return 0


# -- privacy ------------------------------------------------------------------------------


def _days_argument(text: str) -> int:
    """--older-than: a whole number of days, 1 or more (Arabic-Indic digits accepted)."""
    try:
        days = int(to_ascii_digits(text).strip())
    except ValueError:
        days = 0
    if days < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of days (1 or more)")
    return days


def _privacy_purge(args: argparse.Namespace, _rest: list[str]) -> int:
    from datetime import timedelta

    from bot.store import privacy

    try:
        days = args.older_than or settings.privacy_retention_days()
    except ValueError as exc:
        return _error(str(exc))
    repository = _repository()
    result = privacy.purge(repository.engine, older_than=timedelta(days=days), dry_run=args.dry_run)
    if args.json:
        _print_json({**result.as_dict(), "older_than_days": days})
        return 0
    verb = "Would redact" if args.dry_run else "Redacted"
    print(
        f"{verb} {result.conversations} conversation(s), {result.events} event(s): idle "
        f"since before {_when(result.cutoff)} UTC ({days} days) without an open report."
    )
    if result.kept_open:
        print(f"Kept {result.kept_open} idle conversation(s) with an open report.")
    return 0


def _private_file(path: Path, text: str) -> None:
    """Writes `text` to a new or existing file that only its owner may read (0600)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)  # an existing file keeps its mode otherwise
    with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
        handle.write(text)


def _privacy_export(args: argparse.Namespace, _rest: list[str]) -> int:
    from bot.intake.personal import ERROR_CODES, parse_national_id
    from bot.store import privacy

    parsed = parse_national_id(args.id_number)
    if parsed.value is None:
        reason = ERROR_CODES.get(parsed.error or "", "not an ID number")
        return _error(
            f"{args.id_number!r} is not a national ID or iqama number ({reason}); "
            "expected 10 digits starting with 1 or 2"
        )
    national_id = parsed.value.number
    document = privacy.export_person(national_id, _repository().engine)
    text = json.dumps(document, ensure_ascii=False, indent=2) + "\n"
    if args.output:
        _private_file(Path(args.output), text)
        print(f"Wrote the data stored about {national_id} to {args.output}.", file=sys.stderr)
    else:
        sys.stdout.write(text)
    if document["reporter"] is None:
        print(f"Nothing is stored about ID number {national_id}.", file=sys.stderr)
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
    from bot.runtime.serve import main as serve_main

    return serve_main(rest_args)


def _chat(_args: argparse.Namespace, rest_args: list[str]) -> int:
    from bot.chat import main as chat_main

    return chat_main(rest_args)


def _telegram(_args: argparse.Namespace, rest_args: list[str]) -> int:
    from bot.channels.telegram_polling import main as telegram_main

    return telegram_main(rest_args)


def _agent(_args: argparse.Namespace, rest_args: list[str]) -> int:
    from bot.agent.console import main as agent_main

    return agent_main(rest_args)


def _proxy(_args: argparse.Namespace, rest_args: list[str]) -> int:
    from bot.proxy import main as proxy_main

    return proxy_main(rest_args)


def _cluster(_args: argparse.Namespace, rest_args: list[str]) -> int:
    from bot.runtime.cluster import main as cluster_main

    return cluster_main(rest_args)


# -- parser -------------------------------------------------------------------------------


def _add_filters(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--status", choices=STATUSES, help="only reports in this status")
    parser.add_argument("--type", choices=REPORT_TYPES, help="only reports of this type")
    parser.add_argument("--channel", choices=REPORT_CHANNELS, help="only reports filed here")
    parser.add_argument(
        "--since",
        type=_date_argument,
        metavar="DATE",
        help="only reports filed on or after DATE (YYYY-MM-DD, Riyadh time)",
    )
    parser.add_argument(
        "--until",
        type=_date_argument,
        metavar="DATE",
        help="only reports filed on or before DATE (YYYY-MM-DD, Riyadh time)",
    )


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
    _add_filters(listing)
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

    set_status = report_commands.add_parser(
        "set-status",
        help="move a report to a new status (notifies the reporter)",
        description="Move a report along its life cycle: received → under_review → referred → "
        "in_progress → closed; missing_data (48 h for the reporter, then cancelled), "
        "cancelled, accepted/rejected (transformation requests and development suggestions). "
        "A move the life cycle does not allow is refused with the allowed ones. The "
        "reporter's notice is queued in the same transaction and delivered by `jobs`.",
    )
    set_status.add_argument("reference", metavar="REF", help="report reference")
    set_status.add_argument("status", metavar="STATUS", choices=STATUSES, help="new status")
    set_status.add_argument(
        "--note",
        help="recorded in the history and told to the reporter: what is missing; for "
        "accepted the implementation date (YYYY-MM-DD) and for rejected the reason, both "
        "required",
    )
    set_status.add_argument("--json", action="store_true", help="print the report as JSON")
    set_status.set_defaults(handler=_reports_set_status)

    reopen = report_commands.add_parser(
        "reopen",
        help="accept or refuse a reporter's request to re-open a closed complaint",
        description="A reporter may ask to re-open their closed complaint escalation, with a "
        "reason (shown by `reports show`). accept: the report goes back to under_review; "
        "refuse: it stays closed, and --note (the reason) is required. Either way the "
        "reporter is told on their channel.",
    )
    reopen.add_argument("reference", metavar="REF", help="report reference")
    reopen.add_argument("decision", choices=("accept", "refuse"))
    reopen.add_argument("--note", help="told to the reporter; required to refuse")
    reopen.add_argument("--json", action="store_true", help="print the report as JSON")
    reopen.set_defaults(handler=_reports_reopen)

    export = report_commands.add_parser(
        "export",
        help="export reports as CSV (UTF-8 with BOM, for Excel)",
        description="Write the reports (newest first, same filters as `list`) as CSV: UTF-8 "
        "with a byte-order mark so that Excel shows the Arabic, times in UTC.",
    )
    export.add_argument(
        "--csv", action="store_true", required=True, help="CSV format (the only one)"
    )
    _add_filters(export)
    export.add_argument("--output", "-o", metavar="FILE", help="write to FILE, not stdout")
    export.set_defaults(handler=_reports_export)

    rate = report_commands.add_parser(
        "rate",
        help="record the satisfaction survey of a closed report",
        description="Store the rating of a closed report: the solution and the service, "
        "each 1 to 5, and an optional comment (one rating per report).",
    )
    rate.add_argument("reference", metavar="REF", help="report reference")
    rate.add_argument("--solution", required=True, metavar="N", help="rating of the solution")
    rate.add_argument("--service", required=True, metavar="N", help="rating of the service")
    rate.add_argument("--comment", help="the reporter's comment")
    rate.add_argument("--json", action="store_true", help="print the report as JSON")
    rate.set_defaults(handler=_reports_rate)

    add_catalogue_commands(commands)

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

    outbox = commands.add_parser(
        "outbox",
        help="notifications to reporters",
        description="The notifications queued for reporters and what became of them.",
    )
    outbox_commands = outbox.add_subparsers(
        dest="outbox_command", metavar="SUBCOMMAND", required=True
    )
    outbox_list = outbox_commands.add_parser(
        "list",
        help="list queued notifications, newest first",
        description="List the outbox, newest first: pending (to be sent), sent, held (no way "
        "to deliver: no REST_CALLBACK_URL, a call-centre report) and failed (given up).",
    )
    outbox_list.add_argument(
        "--pending", action="store_true", help="only messages not delivered (pending or held)"
    )
    outbox_list.add_argument("--state", choices=OUTBOX_STATES, help="only messages in this state")
    outbox_list.add_argument("--reference", metavar="REF", help="only messages about this report")
    outbox_list.add_argument("--limit", type=int, metavar="N", help="at most N messages")
    outbox_list.add_argument("--json", action="store_true", help="print a JSON list")
    outbox_list.set_defaults(handler=_outbox_list)

    jobs = commands.add_parser(
        "jobs",
        help="run the timed rules and deliver notifications (scheduler)",
        description="The scheduler: every --interval seconds, cancel reports left in "
        "missing_data for 48 hours, remind after 24 hours, send the delay notice of reports "
        "past their 5 working days, send the survey after closing, then deliver the outbox "
        "(Telegram, web inbox, REST callback) and say the reminders due in their conversations. "
        "Safe to run in several processes.",
    )
    jobs.add_argument("--once", action="store_true", help="one round, then exit")
    jobs.add_argument(
        "--now",
        type=_moment_argument,
        metavar="ISO",
        help="pretend it is this time (ISO 8601; UTC without a zone): fixed with --once, "
        "running on from it otherwise",
    )
    jobs.add_argument(
        "--interval", type=float, default=60.0, metavar="S", help="seconds between rounds (60)"
    )
    jobs.add_argument("--no-dispatch", action="store_true", help="apply the rules but send nothing")
    jobs.add_argument(
        "--rasa-url",
        metavar="URL",
        help="the Rasa server (HTTP API, RASA_TOKEN) in whose conversations due reminders are "
        "said (default: BALAGH_RASA_URL; unset: they wait)",
    )
    jobs.add_argument("--json", action="store_true", help="with --once: print what was done")
    jobs.set_defaults(handler=_jobs)

    privacy = commands.add_parser(
        "privacy",
        help="personal data: retention and a person's own data (PDPL)",
        description="Personal data in the assistant's conversations: redact what is past "
        "its retention period, or export everything stored about one person.",
    )
    privacy_commands = privacy.add_subparsers(
        dest="privacy_command", metavar="SUBCOMMAND", required=True
    )
    purge = privacy_commands.add_parser(
        "purge",
        help="redact personal data of conversations idle for DAYS days",
        description="Redact the personal data (names, ID and mobile numbers, e-mails, "
        "everything the user typed, and the replies that repeat it) of conversations idle "
        "for more than DAYS days that never became a report or whose reports are all "
        "final. Conversations with an open report keep their transcript for the back "
        "office; the reports themselves are never changed. `jobs` does this every hour "
        "with PRIVACY_RETENTION_DAYS.",
    )
    purge.add_argument(
        "--older-than",
        type=_days_argument,
        metavar="DAYS",
        help="idle for more than DAYS days (default: PRIVACY_RETENTION_DAYS, 30)",
    )
    purge.add_argument("--dry-run", action="store_true", help="count, change nothing")
    purge.add_argument("--json", action="store_true", help="print what was done as JSON")
    purge.set_defaults(handler=_privacy_purge)
    export_person = privacy_commands.add_parser(
        "export",
        help="everything stored about one person, as JSON",
        description="Print everything stored about the holder of a national ID or iqama "
        "number as one JSON document: the reporter, their reports with history, "
        "attachments (metadata) and ratings, the notifications about them, and the "
        "conversations that filed their reports (a conversation that also filed another "
        "person's report is named, its events withheld). An unknown number gives an empty "
        "document.",
    )
    export_person.add_argument(
        "id_number", metavar="ID_NUMBER", help="national ID or iqama number (10 digits)"
    )
    export_person.add_argument(
        "--json", action="store_true", help="JSON (the only format; accepted for consistency)"
    )
    export_person.add_argument(
        "--output", "-o", metavar="FILE", help="write to FILE (owner-only), not stdout"
    )
    export_person.set_defaults(handler=_privacy_export)

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

    telegram = commands.add_parser(
        "telegram",
        add_help=False,  # --help is the bridge's own (bot/channels/telegram_polling.py)
        help="Telegram bridge in long-polling mode (needs TELEGRAM_TOKEN)",
        description="Fetch Telegram updates and hand them to the running Rasa server.",
    )
    telegram.set_defaults(handler=_telegram, passes_extra_args=True)

    agent = commands.add_parser(
        "agent",
        add_help=False,  # --help is the console's own (bot/agent/console.py)
        help="call-centre console: the assistant as the agent's script (--agent-id ID)",
        description="Call-centre console for the agents of the toll-free line 199099.",
    )
    agent.set_defaults(handler=_agent, passes_extra_args=True)

    proxy = commands.add_parser(
        "proxy",
        add_help=False,  # --help is the proxy's own (bot/proxy.py)
        help="round-robin reverse proxy in front of several Rasa servers (--upstream URL …)",
        description="One address in front of several Rasa servers.",
    )
    proxy.set_defaults(handler=_proxy, passes_extra_args=True)

    cluster = commands.add_parser(
        "cluster",
        add_help=False,  # --help is the launcher's own (bot/runtime/cluster.py)
        help="several Rasa and action servers behind one port, with PostgreSQL and Redis",
        description="Start the scaled-out topology on this machine.",
    )
    cluster.set_defaults(handler=_cluster, passes_extra_args=True)
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
    restrict_umask()  # what any command writes (stores, exports, logs) is owner-only
    logmask.install()  # no national ID, mobile or e-mail in any log of any command
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
