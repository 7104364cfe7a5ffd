"""Personal data kept in Rasa's conversations (PDPL): its retention, and a person's export.

**Retention** (`purge`). Rasa's SQL tracker store keeps every event of every conversation in
the table `events` (TRACKER_STORE_URL, by default the report database). A conversation idle
for longer than the retention period (PRIVACY_RETENTION_DAYS, default 30) that never became a
report, or whose reports are all final (bot.store.lifecycle.FINAL_STATUSES), has its personal
data redacted in place; a conversation with an open report keeps its transcript for the back
office. The reports themselves are never touched. Redacted:

* `user` events: the text, the parse data's text and every other text the NLU kept beside it
  (`original_text`, …), the entities' values, and the message metadata (attachments' names
  and contents, channel details); intents, confidences and the event structure stay;
* `bot` and `agent` events: the text and the buttons (a summary or a name confirmation
  repeats what the user typed); which response was said (`utter_action`) stays;
* `slot` events of the slots in `REDACTED_SLOTS` (name, ID, mobile, e-mail and every slot
  holding what the user typed): the value becomes None, so that a later report asks again
  instead of filing "[redacted]" as a name (and `privacy_notice_shown`, so that the privacy
  notice is said again before the data are asked again, and `filing_key`, so that the
  draft is not filed without them);
* `entities` events' values, and any action's end-to-end text.

Each redacted conversation also gets one new event, a `slot` event for `privacy_redacted_at`
(the time of the redaction; a slot that influences nothing). It is how the retention knows
what it already did (only events after it are looked at again), and it changes the
conversation's newest event id, which is what a Rasa server's kept trackers are checked
against (bot.runtime.tracker_store): a tracker kept in memory with the personal data is not
served again. The idle time is counted from the newest event that is not such a mark.

A turn that is running while its conversation is redacted could lose an event (Rasa counts
the stored events to know what to append); the retention only touches conversations idle
for at least a day, and re-checks the idle time inside its write transaction.

**Export** (`export_person`): everything stored about the holder of one national ID or iqama
number: the reporter row, their reports with history, attachments' metadata and rating, the
notifications about them (outbox and web inbox), and the events of the conversations that
filed their reports. A conversation that also filed another person's report is named but
its events are left out: they hold that person's data too.

Only this module reads or writes `events` outside Rasa; it never imports Rasa.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.sql import Select

from bot.digits import to_ascii_digits
from bot.runtime import settings
from bot.store import handoffs, reminders
from bot.store.db import resolve_engine, session_scope, writer
from bot.store.lifecycle import OPEN_STATUSES
from bot.store.models import (
    Handoff,
    OutboxMessage,
    Report,
    Reporter,
    WebInboxMessage,
)
from bot.store.serialize import iso_datetime, report_to_dict

__all__ = [
    "DEFAULT_RETENTION_DAYS",
    "KEPT_SLOTS",
    "MARK_SLOT",
    "REDACTED",
    "REDACTED_SLOTS",
    "PurgeResult",
    "export_person",
    "purge",
    "redact_event",
    "tracker_store",
]

REDACTED = "[redacted]"
DEFAULT_RETENTION_DAYS = 30
# The slot of the event appended to every redacted conversation (domain.yml declares it).
MARK_SLOT = "privacy_redacted_at"
# Slots that hold personal data or what the user typed: their values are removed. And two
# that are not personal: the draft's filing key (a redacted draft is never filed: "send" on
# its old summary finds nothing to confirm) and the privacy notice's (asked for their data
# anew, the user is told again).
REDACTED_SLOTS = frozenset(
    {
        "full_name", "national_id", "mobile", "email",
        "platform", "service_name", "service_channel", "entity_name",
        "prior_complaint_ref", "prior_complaint_date", "title", "description",
        "attachments", "pending_name", "pending_typed", "cancelled_draft", "reminder_offer",
        "correction_text", "reopen_reason", "rating_comment", "mobile_code", "follow_code",
        "otp_sent_for",
        "filing_key", "privacy_notice_shown", "handoff_over",
    }
)  # fmt: skip
# Slots of free types (text, any, list) that hold no personal data: codes, report
# references, keys. tests/unit/store/test_privacy.py checks that every such slot of domain.yml is
# in one of the two sets, so a new slot needs a decision.
KEPT_SLOTS = frozenset(
    {
        "report_ref", "closed_complaint_kind", "reporter_role", "outage_kind",
        "response_due", "already_escalated_as", "similar_previous_request",
        "same_previous_suggestion", "status_reference", "rating_solution", "follow_code_tries",
        "rating_service", "requested_slot", "asked_again", "switch_to", MARK_SLOT,
        "handoff_return",
    }
)  # fmt: skip
# Metadata keys that say nothing about the user (Rasa's model, the response said).
_KEPT_METADATA = frozenset({"model_id", "assistant_id", "utter_action"})
# Parse-data keys that are the model's output, not the user's words.
_KEPT_PARSE_DATA = frozenset({"intent", "intent_ranking", "response_selector", "message_id"})
# Entity keys that describe where an entity is, not what it says.
_KEPT_ENTITY_KEYS = frozenset(
    {"entity", "start", "end", "extractor", "confidence_entity", "role", "group", "processors"}
)

_events_metadata = sa.MetaData()
# Rasa's table (rasa.core.tracker_store.SQLTrackerStore.SQLEvent), as far as it is used here.
EVENTS = sa.Table(
    "events",
    _events_metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("sender_id", sa.String(255), nullable=False),
    sa.Column("type_name", sa.String(255), nullable=False),
    sa.Column("timestamp", sa.Float),
    sa.Column("intent_name", sa.String(255)),
    sa.Column("action_name", sa.String(255)),
    sa.Column("data", sa.Text),
)
_IS_MARK = sa.and_(EVENTS.c.type_name == "slot", EVENTS.c.action_name == MARK_SLOT)


def tracker_store(report_store: Engine | str | None = None) -> Engine:
    """Rasa's store for the conversations of `report_store`: TRACKER_STORE_URL when it is set
    and `report_store` is DATABASE_URL's, else the report store's own database (CONTRACT:
    "the same database" by default). Another store's reports (a test's, a copy's) say
    nothing about which conversations on TRACKER_STORE_URL have an open report."""
    engine = resolve_engine(report_store)
    if not os.environ.get("TRACKER_STORE_URL"):
        return engine
    configured = make_url(settings.database_url()).render_as_string(hide_password=False)
    if engine.url.render_as_string(hide_password=False) != configured:
        return engine
    return resolve_engine(settings.tracker_store_url())


# -- redaction of one event -----------------------------------------------------------------


def _scrubbed(value: Any) -> Any:
    """`value` with every string replaced by REDACTED (numbers, booleans and shape kept)."""
    if isinstance(value, str):
        return REDACTED if value else value
    if isinstance(value, Mapping):
        return {key: _scrubbed(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_scrubbed(item) for item in value]
    return value


def _metadata(value: Any) -> Any:
    if not isinstance(value, Mapping):
        return _scrubbed(value)
    return {key: item if key in _KEPT_METADATA else _scrubbed(item) for key, item in value.items()}


def _entities(entities: Any) -> Any:
    if not isinstance(entities, list):
        return _scrubbed(entities)
    return [
        {key: item if key in _KEPT_ENTITY_KEYS else _scrubbed(item) for key, item in e.items()}
        if isinstance(e, Mapping)
        else _scrubbed(e)
        for e in entities
    ]


def _parse_data(parse_data: Any) -> Any:
    if not isinstance(parse_data, Mapping):
        return _scrubbed(parse_data)
    redacted: dict[str, Any] = {}
    for key, value in parse_data.items():
        if key in _KEPT_PARSE_DATA:
            redacted[key] = value
        elif key == "entities":
            redacted[key] = _entities(value)
        elif key == "metadata":
            redacted[key] = _metadata(value)
        else:  # text, original_text and anything else the NLU kept of the message
            redacted[key] = _scrubbed(value)
    return redacted


def redact_event(data: dict[str, Any]) -> dict[str, Any]:
    """A stored event (Rasa's `Event.as_dict()`) without personal data, the same shape.

    Idempotent: a redacted event comes back unchanged."""
    event = dict(data)
    kind = event.get("event")
    if "metadata" in event:
        event["metadata"] = _metadata(event["metadata"])
    if kind == "user":
        event["text"] = _scrubbed(event.get("text"))
        if "parse_data" in event:
            event["parse_data"] = _parse_data(event["parse_data"])
    elif kind in ("bot", "agent"):
        event["text"] = _scrubbed(event.get("text"))
        if "data" in event:
            event["data"] = _scrubbed(event["data"])
    elif kind == "slot":
        if event.get("name") in REDACTED_SLOTS:
            event["value"] = None
    elif kind in ("entities", "reminder"):
        if "entities" in event:
            event["entities"] = _entities(event["entities"])
    elif kind == "action" and event.get("action_text"):
        event["action_text"] = REDACTED
    return event


# -- retention ------------------------------------------------------------------------------


@dataclass
class PurgeResult:
    """What `purge` did (or, with dry_run, would do)."""

    cutoff: datetime
    dry_run: bool = False
    conversations: int = 0  # conversations redacted
    events: int = 0  # event rows changed
    kept_open: int = 0  # idle conversations kept: they have an open report
    senders: list[str] = field(default_factory=list, repr=False)

    def as_dict(self) -> dict[str, Any]:
        return {
            "cutoff": iso_datetime(self.cutoff),
            "dry_run": self.dry_run,
            "conversations": self.conversations,
            "events": self.events,
            "kept_open_report": self.kept_open,
        }


def _has_events(engine: Engine) -> bool:
    return sa.inspect(engine).has_table("events")


def _activity_query(cutoff: float, sender_id: str | None = None) -> Select:
    """Conversations idle since before `cutoff` with events not yet redacted: sender_id and
    the id of the newest event to redact."""
    newest_event = sa.func.max(sa.case((_IS_MARK, None), else_=EVENTS.c.id))
    newest_mark = sa.func.max(sa.case((_IS_MARK, EVENTS.c.id), else_=None))
    last_activity = sa.func.max(sa.case((_IS_MARK, None), else_=EVENTS.c.timestamp))
    query = (
        sa.select(EVENTS.c.sender_id, newest_event)
        .group_by(EVENTS.c.sender_id)
        .having(last_activity < cutoff)
        .having(sa.or_(newest_mark.is_(None), newest_mark < newest_event))
    )
    if sender_id is not None:
        query = query.where(EVENTS.c.sender_id == sender_id)
    return query


def _senders_with_open_reports(report_store: Engine) -> set[str]:
    statement = (
        sa.select(Report.sender_id)
        .where(Report.sender_id.is_not(None), Report.status.in_([s.value for s in OPEN_STATUSES]))
        .distinct()
    )
    with session_scope(report_store) as session:
        return set(session.scalars(statement))


def _mark_row(sender_id: str, now: datetime) -> dict[str, Any]:
    moment = now.timestamp()
    data = {"event": "slot", "timestamp": moment, "name": MARK_SLOT, "value": iso_datetime(now)}
    return {
        "sender_id": sender_id,
        "type_name": "slot",
        "timestamp": moment,
        "intent_name": None,
        "action_name": MARK_SLOT,
        "data": json.dumps(data),
    }


def _redact_conversation(
    connection: Connection, sender_id: str, cutoff: float, now: datetime, *, dry_run: bool
) -> int | None:
    """Redacts one conversation in the caller's transaction: the number of rows changed, or
    None when it is no longer idle (a message came in since it was picked)."""
    still = connection.execute(_activity_query(cutoff, sender_id)).first()
    if still is None:
        return None
    newest = still[1]
    rows = connection.execute(
        sa.select(EVENTS.c.id, EVENTS.c.data)
        .where(EVENTS.c.sender_id == sender_id, EVENTS.c.id <= newest)
        .order_by(EVENTS.c.id)
    ).all()
    changed = 0
    for row_id, text in rows:
        try:
            data = json.loads(text) if text else None
        except ValueError:
            data = None
        if not isinstance(data, dict):
            continue
        redacted = redact_event(data)
        if redacted == data:
            continue
        changed += 1
        if not dry_run:
            connection.execute(
                EVENTS.update().where(EVENTS.c.id == row_id).values(data=json.dumps(redacted))
            )
    if not dry_run:
        connection.execute(EVENTS.insert().values(**_mark_row(sender_id, now)))
    return changed


def purge(
    report_store: Engine | str | None = None,
    tracker: Engine | str | None = None,
    *,
    older_than: timedelta,
    now: datetime | None = None,
    dry_run: bool = False,
) -> PurgeResult:
    """Redacts the conversations idle for longer than `older_than` that have no open report.

    `report_store`: the reports' database; `tracker`: Rasa's (default: `tracker_store()`).
    Safe to run again (what is redacted is not looked at twice) and in two processes."""
    if older_than <= timedelta(0):
        raise ValueError("the retention period must be positive")
    now = now or datetime.now(UTC)
    if now.tzinfo is None:
        raise ValueError(f"now must be timezone-aware, got {now!r}")
    report_engine = resolve_engine(report_store)
    tracker_engine = (
        resolve_engine(tracker) if tracker is not None else tracker_store(report_engine)
    )
    cutoff = now - older_than
    result = PurgeResult(cutoff=cutoff, dry_run=dry_run)
    if not _has_events(tracker_engine):
        return result
    with tracker_engine.connect() as connection:
        idle = [row[0] for row in connection.execute(_activity_query(cutoff.timestamp()))]
    if not idle:
        return result
    # an open report, or a reminder still to be said, keeps its conversation
    keep = _senders_with_open_reports(report_engine) | reminders.pending_senders(report_engine)
    for sender_id in idle:
        if sender_id in keep:
            result.kept_open += 1
            continue
        # a dry run writes nothing: no write lock either
        with (tracker_engine if dry_run else writer(tracker_engine)).begin() as connection:
            changed = _redact_conversation(
                connection, sender_id, cutoff.timestamp(), now, dry_run=dry_run
            )
        if changed is None:
            continue
        result.conversations += 1
        result.events += changed
        result.senders.append(sender_id)
    if result.senders and not dry_run:
        # the chats with an agent hold the same words: they go with the conversation's
        with session_scope(report_engine, write=True) as session:
            handoffs.forget_sender(session, result.senders)
            reminders.forget_sender(session, result.senders)
    return result


# -- a person's export ----------------------------------------------------------------------


def _outbox_to_dict(row: OutboxMessage) -> dict[str, Any]:
    return {
        "kind": row.kind,
        "channel": row.channel,
        "recipient": row.recipient,
        "language": row.language,
        "state": row.state,
        "created_at": iso_datetime(row.created_at),
        "sent_at": iso_datetime(row.sent_at),
        "text": (row.payload or {}).get("text"),
    }


def _inbox_to_dict(row: WebInboxMessage) -> dict[str, Any]:
    return {
        "sender_id": row.sender_id,
        "language": row.language,
        "text": row.text,
        "created_at": iso_datetime(row.created_at),
        "read_at": iso_datetime(row.read_at),
    }


def _conversation_events(engine: Engine, sender_id: str) -> list[dict[str, Any]]:
    if not _has_events(engine):
        return []
    query = sa.select(EVENTS.c.data).where(EVENTS.c.sender_id == sender_id).order_by(EVENTS.c.id)
    with engine.connect() as connection:
        texts: Iterable[str] = connection.execute(query).scalars()
        events = []
        for text in texts:
            try:
                events.append(json.loads(text))
            except (TypeError, ValueError):
                continue
        return events


def _agent_chats(engine: Engine, sender_id: str) -> list[dict[str, Any]]:
    """The conversation's chats with call-centre agents (bot.store.handoffs)."""
    with session_scope(engine) as session:
        rows = session.scalars(
            sa.select(Handoff).where(Handoff.sender_id == sender_id).order_by(Handoff.id)
        ).all()
        return [
            {
                "requested_at": iso_datetime(row.requested_at),
                "state": row.state,
                "agent_id": row.agent_id,
                "lines": [
                    {
                        "author": line.author,
                        "text": line.text,
                        "at": iso_datetime(line.created_at),
                    }
                    for line in row.lines
                ],
            }
            for row in rows
        ]


def export_person(
    national_id: str,
    report_store: Engine | str | None = None,
    tracker: Engine | str | None = None,
    *,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Everything stored about the holder of `national_id` (already validated), as JSON.

    An unknown ID gives the same document with `reporter` None and empty lists."""
    national_id = to_ascii_digits(national_id).strip()
    report_engine = resolve_engine(report_store)
    tracker_engine = (
        resolve_engine(tracker) if tracker is not None else tracker_store(report_engine)
    )
    document: dict[str, Any] = {
        "national_id": national_id,
        "exported_at": iso_datetime(now or datetime.now(UTC)),
        "reporter": None,
        "reports": [],
        "conversations": [],
    }
    with session_scope(report_engine) as session:
        reporter = session.scalars(
            sa.select(Reporter).where(Reporter.national_id == national_id)
        ).first()
        if reporter is None:
            return document
        document["reporter"] = {
            "full_name": reporter.full_name,
            "national_id": reporter.national_id,
            "mobile": reporter.mobile,
            "email": reporter.email,
            "created_at": iso_datetime(reporter.created_at),
            "updated_at": iso_datetime(reporter.updated_at),
        }
        reports = list(
            session.scalars(
                sa.select(Report)
                .where(Report.reporter_id == reporter.id)
                .order_by(Report.created_at, Report.id)
            )
        )
        senders: list[str] = []
        for report in reports:
            entry = report_to_dict(report)
            entry["conversation"] = report.sender_id
            entry["notifications"] = [
                _outbox_to_dict(row)
                for row in session.scalars(
                    sa.select(OutboxMessage)
                    .where(OutboxMessage.report_id == report.id)
                    .order_by(OutboxMessage.created_at, OutboxMessage.id)
                )
            ]
            entry["web_inbox"] = [
                _inbox_to_dict(row)
                for row in session.scalars(
                    sa.select(WebInboxMessage)
                    .where(WebInboxMessage.report_id == report.id)
                    .order_by(WebInboxMessage.created_at, WebInboxMessage.id)
                )
            ]
            document["reports"].append(entry)
            if report.sender_id and report.sender_id not in senders:
                senders.append(report.sender_id)
        shared = (
            set(
                session.scalars(
                    sa.select(Report.sender_id)
                    .where(Report.sender_id.in_(senders), Report.reporter_id != reporter.id)
                    .distinct()
                )
            )
            if senders
            else set()
        )
    for sender_id in senders:
        conversation: dict[str, Any] = {"sender_id": sender_id}
        if sender_id in shared:
            conversation["events"] = None
            conversation["withheld"] = (
                "this conversation also filed another person's report; ask the Amer centre "
                "(199099) for the parts about you"
            )
        else:
            conversation["events"] = _conversation_events(tracker_engine, sender_id)
            conversation["agent_chats"] = _agent_chats(report_engine, sender_id)
        document["conversations"].append(conversation)
    return document
