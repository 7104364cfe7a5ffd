"""The scheduler: the timed rules of a report's life, then the delivery of the outbox.

`python -m bot jobs` runs `tick()` every minute (`--once`: one tick and exit); tests call
`tick()` with a `FixedClock`. One tick:

1. **48-hour rule** — a report still in `missing_data` 48 hours after the request is
   cancelled by the system, and the reporter gets `missing_data_cancelled`.
2. **Day-one reminder** — 24 hours after a missing-data request still unanswered, the
   reporter is reminded of the deadline (`missing_data_day_one`). The request itself was
   told at once by the `missing_data` status notice, within the report's first day as SPEC
   asks; this reminder closes the first of the two days.
3. **Delay notice** — a report past its due time (5 working days after filing, end of the
   day in Riyadh; computed from the filing date when a report has none) and still received,
   under review, referred or in progress gets `delay_notice`, once per report. A report in
   `missing_data` waits for the reporter and gets none until it is back in review.
4. **Survey** — a handled, unrated report (closed, or a transformation request or
   development suggestion accepted or rejected: seed 003 surveys every type "when the report
   is handled") gets the satisfaction survey (`survey`) an hour after, once (only for reports
   handled within the last 14 days, so a new installation does not survey its whole past).
5. **Dispatch** — every due outbox message is delivered (bot.notify.dispatcher).
6. **Retention** (PDPL) — the personal data of conversations idle for longer than
   PRIVACY_RETENTION_DAYS (default 30) without an open report is redacted
   (bot.store.privacy); at most once an hour in a process, the first tick included.
7. **Staged files** — uploads under ATTACHMENTS_DIR that no report links and that are older
   than 14 days (`Rules.staged_files_max_age`: an abandoned or cancelled draft's) are
   deleted (bot.store.staged), every tick; only when the scheduler's store is DATABASE_URL's,
   the one whose rows link those files.
8. **Requests for a person** — a conversation queued for an agent (bot.store.handoffs) that
   nobody took within two minutes ends, and a Telegram user is told the hours and 199099
   at once (the others when they next write); every tick that delivers.
9. **Draft reminders** — a reminder a user asked for ("not yet, from DATE: remind me")
   whose time has come is said in its conversation (bot.notify.reminders: Rasa's HTTP API
   runs `action_say_reminder` there), every tick that delivers; one Rasa refuses stays
   pending for the next tick (bot.store.reminders gives up after MAX_ATTEMPTS refusals);
   while Rasa is down they all wait, no try counted.

Every rule is safe to run twice or in two processes at once: each notice has a dedupe key
(queued once), each move is re-checked with the report row locked, and the outbox hands a
message to one worker at a time.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.engine import make_url

from bot.clock import SYSTEM_CLOCK, Clock
from bot.intake import handoff
from bot.intake.filing import due_at as reply_due_at
from bot.notify import relay
from bot.notify import reminders as reminder_push
from bot.notify.contact import deliver_pending
from bot.notify.dispatcher import DispatchStats, dispatch_once
from bot.notify.senders import Sender
from bot.runtime import settings
from bot.store import handoffs, privacy, reminders, staged
from bot.store.lifecycle import HANDLED_STATUSES, MISSING_DATA_DEADLINE
from bot.store.models import ReminderState, Report, ReportStatus
from bot.store.repository import ReportRepository
from bot.texts.notices import NoticeKind

__all__ = [
    "DEFAULT_INTERVAL_S",
    "DELAY_STATUSES",
    "RuleStats",
    "Rules",
    "TickResult",
    "default_say",
    "effective_due",
    "run_forever",
    "run_privacy",
    "run_reminders",
    "run_rules",
    "run_staged_files",
    "tick",
]

logger = logging.getLogger(__name__)

DEFAULT_INTERVAL_S = 60.0
# Statuses in which a report is waiting for the Amer centre or the entity (not the reporter).
DELAY_STATUSES = (
    ReportStatus.RECEIVED.value,
    ReportStatus.UNDER_REVIEW.value,
    ReportStatus.REFERRED.value,
    ReportStatus.IN_PROGRESS.value,
)
AUTO_CANCEL_NOTE = "cancelled automatically: the missing data was not added within 48 hours"


@dataclass(frozen=True)
class Rules:
    missing_data_deadline: timedelta = MISSING_DATA_DEADLINE
    missing_data_reminder_after: timedelta = timedelta(hours=24)
    survey_after: timedelta = timedelta(hours=1)
    survey_window: timedelta = timedelta(days=14)
    # None: PRIVACY_RETENTION_DAYS (default 30)
    privacy_retention: timedelta | None = None
    privacy_every: timedelta = timedelta(hours=1)
    # None: staged files are never deleted
    staged_files_max_age: timedelta | None = staged.DEFAULT_STAGED_MAX_AGE


@dataclass
class RuleStats:
    cancelled: list[str] = field(default_factory=list)
    reminded: list[str] = field(default_factory=list)
    delayed: list[str] = field(default_factory=list)
    surveyed: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, list[str]]:
        return {
            "cancelled": self.cancelled,
            "reminded": self.reminded,
            "delayed": self.delayed,
            "surveyed": self.surveyed,
        }


@dataclass
class TickResult:
    now: datetime
    rules: RuleStats
    dispatch: DispatchStats | None
    privacy: privacy.PurgeResult | None = None  # None: the retention did not run this tick
    staged_files: staged.SweepResult | None = None  # None: no sweep this tick
    handoffs_ended: list[int] = field(default_factory=list)  # requests nobody took
    reminders_said: list[int] = field(default_factory=list)  # draft reminders said

    def as_dict(self) -> dict[str, Any]:
        return {
            "now": self.now.isoformat(),
            "rules": self.rules.as_dict(),
            "dispatch": self.dispatch.as_dict() if self.dispatch is not None else None,
            "privacy": self.privacy.as_dict() if self.privacy is not None else None,
            "staged_files": (
                self.staged_files.as_dict() if self.staged_files is not None else None
            ),
            "handoffs_ended": self.handoffs_ended,
            "reminders_said": self.reminders_said,
        }


def effective_due(report: Report) -> datetime:
    """When the reply to `report` is due: its due_at, or 5 working days after filing."""
    return report.due_at or reply_due_at(report.created_at)


def _still_waiting(requested: datetime | None, report: Report) -> bool:
    return (
        report.status == ReportStatus.MISSING_DATA and report.missing_data_requested_at == requested
    )


def _waiting_for_reply(report: Report) -> bool:
    return report.status in DELAY_STATUSES


def _unrated(report: Report) -> bool:
    return report.status in HANDLED_STATUSES and report.rating is None


def run_rules(repo: ReportRepository, now: datetime, rules: Rules | None = None) -> RuleStats:
    """Apply the timed rules as of `now`; returns what each one did (references)."""
    rules = rules or Rules()
    stats = RuleStats()

    cutoff = now - rules.missing_data_deadline
    for report in repo.missing_data_requested_before(cutoff):
        done = repo.cancel_unanswered_missing_data(
            report.reference, requested_before=cutoff, at=now, note=AUTO_CANCEL_NOTE
        )
        if done is not None:
            stats.cancelled.append(report.reference)

    reminder = NoticeKind.MISSING_DATA_DAY_ONE
    for report in repo.missing_data_requested_before(
        now - rules.missing_data_reminder_after, unless_notified=reminder
    ):
        requested = report.missing_data_requested_at
        assert requested is not None
        queued = repo.notify(
            report.reference,
            reminder,
            dedupe_key=f"{reminder}:{report.reference}:{requested.isoformat()}",
            at=now,
            fields={"deadline": requested + rules.missing_data_deadline},
            when=lambda locked, requested=requested: _still_waiting(requested, locked),
        )
        if queued:
            stats.reminded.append(report.reference)

    delay = NoticeKind.DELAY_NOTICE
    for report in repo.without_notice(delay, DELAY_STATUSES, due_before=now):
        due = effective_due(report)
        if now <= due:
            continue
        queued = repo.notify(
            report.reference,
            delay,
            dedupe_key=f"{delay}:{report.reference}",
            at=now,
            fields={"due_at": due},
            when=_waiting_for_reply,
        )
        if queued:
            stats.delayed.append(report.reference)

    survey = NoticeKind.SURVEY
    closed_from = now - rules.survey_window
    for report, _closed_at in repo.handled_without_rating(closed_from, now - rules.survey_after):
        queued = repo.notify(
            report.reference,
            survey,
            dedupe_key=f"{survey}:{report.reference}",
            at=now,
            when=_unrated,
        )
        if queued:
            stats.surveyed.append(report.reference)
    return stats


# When each report store's retention last ran in this process (its URL as the key).
_privacy_runs: dict[str, datetime] = {}


def run_privacy(
    repo: ReportRepository, now: datetime, rules: Rules | None = None
) -> privacy.PurgeResult | None:
    """The retention of personal data in conversations, unless it ran in this process less
    than `rules.privacy_every` ago (then None): one grouped query over Rasa's events when
    there is nothing to do."""
    rules = rules or Rules()
    key = repo.engine.url.render_as_string(hide_password=False)
    last = _privacy_runs.get(key)
    if last is not None and last <= now < last + rules.privacy_every:
        return None
    _privacy_runs[key] = now
    period = rules.privacy_retention or timedelta(days=settings.privacy_retention_days())
    return privacy.purge(repo.engine, older_than=period, now=now)


def run_staged_files(
    repo: ReportRepository, now: datetime, rules: Rules | None = None
) -> staged.SweepResult | None:
    """Delete old unlinked uploads, or None when not swept: switched off, or `repo` is not
    the store on DATABASE_URL (a test's or a copy's rows say nothing about ATTACHMENTS_DIR)."""
    rules = rules or Rules()
    if rules.staged_files_max_age is None:
        return None
    configured = make_url(settings.database_url()).render_as_string(hide_password=False)
    if repo.engine.url.render_as_string(hide_password=False) != configured:
        return None
    return staged.sweep_staged_files(repo.engine, now, rules.staged_files_max_age)


def run_handoffs(repo: ReportRepository, now: datetime, push: relay.Push = relay.push) -> list[int]:
    """End the requests for a person nobody took in time; tell whom a push reaches."""
    ended = handoffs.expire_unanswered(repo.engine, now=now, wait=handoff.PICKUP_WAIT)
    for request in ended:
        if push(request.channel, request.sender_id, handoff.text("nobody", request.language)):
            handoffs.mark_told(repo.engine, request.id, now=now)
    return [request.id for request in ended]


def run_reminders(
    repo: ReportRepository, now: datetime, say: reminder_push.Say | None
) -> list[int]:
    """Say the reminders whose time has come; the ids of those said. Without a way to reach
    Rasa (`say` None) they wait, and the log says why."""
    due = reminders.due(repo.engine, now=now)
    if not due:
        return []
    if say is None:
        logger.warning(
            "jobs: %d reminder(s) due, but no Rasa server to say them in (bot jobs "
            "--rasa-url, or %s): they wait",
            len(due),
            reminder_push.RASA_URL_ENV,
        )
        return []
    said: list[int] = []
    for reminder in due:
        try:
            say(reminder)
        except reminder_push.TriggerError as exc:
            if not exc.reached:  # Rasa is down: every reminder waits, none loses a try
                logger.warning("jobs: %d reminder(s) wait: %s", len(due) - len(said), exc)
                break
            # Rasa refused this one: a try counted; the others go on
            state = reminders.mark_failed(repo.engine, reminder, error=str(exc))
            logger.warning("jobs: reminder #%d not said (%s): %s", reminder.id, state, exc)
            continue
        # action_say_reminder marks it said; a trigger that ran no such action did not
        if reminders.state_of(repo.engine, reminder.id) == ReminderState.SENT:
            said.append(reminder.id)
            continue
        state = reminders.mark_failed(
            repo.engine, reminder, error="Rasa took the trigger but said no reminder"
        )
        logger.warning("jobs: reminder #%d was not said (%s)", reminder.id, state)
    return said


def default_say() -> reminder_push.Say | None:
    """Reminders through the Rasa server of BALAGH_RASA_URL, or None when unset."""
    url = reminder_push.rasa_url()
    return reminder_push.rasa_say(url) if url else None


def tick(
    repo: ReportRepository,
    clock: Clock = SYSTEM_CLOCK,
    *,
    rules: Rules | None = None,
    senders: Mapping[str, Sender] | None = None,
    worker: str | None = None,
    dispatch: bool = True,
    push: relay.Push = relay.push,
    say: reminder_push.Say | None = None,
) -> TickResult:
    """The timed rules, then one delivery pass over the outbox and the SMS/e-mail outbox, then
    (hourly) the retention, then the sweep of staged files. `say`: how reminders reach their
    conversations (default: `default_say()`)."""
    now = clock.now()
    stats = run_rules(repo, now, rules)
    delivered = None
    if dispatch:
        delivered = dispatch_once(repo.engine, senders=senders, clock=clock, worker=worker)
        try:  # one-time codes whose first send failed (bot.notify.contact)
            deliver_pending(repo.engine, now=now)
        except Exception:  # logged; the codes' own expiry bounds the retries
            logger.exception("jobs: sending pending SMS/e-mail failed; trying again next tick")
    ended: list[int] = []
    said: list[int] = []
    if dispatch:
        try:
            ended = run_handoffs(repo, now, push)
        except Exception:  # logged; the user's next message ends the request as well
            logger.exception("jobs: ending unanswered requests for a person failed")
        try:
            said = run_reminders(repo, now, say if say is not None else default_say())
        except Exception:  # logged; the reminders stay pending for the next tick
            logger.exception("jobs: saying the due reminders failed; trying again next tick")
    try:
        redacted = run_privacy(repo, now, rules)
    except Exception:  # logged; the next tick's rules and notices go on
        logger.exception("jobs: the retention of personal data failed; trying again later")
        redacted = None
    try:
        swept = run_staged_files(repo, now, rules)
    except Exception:  # logged; nothing of the failed batch was deleted
        logger.exception("jobs: the sweep of staged files failed; trying again next tick")
        swept = None
    result = TickResult(
        now=now,
        rules=stats,
        dispatch=delivered,
        privacy=redacted,
        staged_files=swept,
        handoffs_ended=ended,
        reminders_said=said,
    )
    if (
        any(stats.as_dict().values())
        or (delivered is not None and delivered.total)
        or (redacted is not None and redacted.conversations)
        or (swept is not None and swept.removed)
        or ended
        or said
    ):
        logger.info("jobs: %s", result.as_dict())
    return result


def run_forever(
    repo: ReportRepository,
    clock: Clock = SYSTEM_CLOCK,
    *,
    interval: float = DEFAULT_INTERVAL_S,
    stop: threading.Event | None = None,
    rules: Rules | None = None,
    senders: Mapping[str, Sender] | None = None,
    worker: str | None = None,
    say: reminder_push.Say | None = None,
) -> None:
    """`tick()` every `interval` seconds until `stop` is set (SIGTERM and Ctrl-C set it when
    run in the main thread). A failing tick is logged and the loop goes on."""
    stop = stop or threading.Event()
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
    while not stop.is_set():
        try:
            tick(repo, clock, rules=rules, senders=senders, worker=worker, say=say)
        except Exception:
            logger.exception("jobs: the tick failed; trying again in %s s", interval)
        try:
            stop.wait(interval)
        except KeyboardInterrupt:
            stop.set()
