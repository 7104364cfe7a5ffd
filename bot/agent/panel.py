"""The console's side panel, built from the tracker's slots (pure, no Rasa).

What an agent needs at a glance during a call: the report type (proposed or confirmed),
the question being asked, each eligibility condition of the type (met, not met, or still
open), the decision once the rules can make one (`bot.intake.flow.decision_for`), the
fields collected so far, and the reference once the report is filed.

The conditions are those of SPEC, one per line, worked out from the same facts as
`bot.intake.eligibility` (which decides in the order the questions are asked and stops at
the first open one, so it cannot say which conditions already hold).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from typing import Any

from bot.digits import to_ascii_digits
from bot.intake import flow
from bot.intake.eligibility import (
    CRISIS_TEAM_ROLES,
    Decision,
    Ground,
    Outcome,
    Reason,
    RedirectTarget,
    ReporterRole,
    ReportType,
)
from bot.intake.summary import option_label
from bot.intake.workdays import escalation_opens_on
from bot.texts import has, text
from bot.texts.bidi import ltr

__all__ = [
    "Condition",
    "Field",
    "Panel",
    "Row",
    "State",
    "build_panel",
    "collected_fields",
    "conditions",
    "decision_text",
    "type_name",
]

VALUE_CELLS = 60  # longer values (a description) are cut in the panel


class State(StrEnum):
    MET = "met"
    UNMET = "unmet"
    OPEN = "open"


MARKS = {State.MET: "✓", State.UNMET: "✗", State.OPEN: "?"}
FILLED, EMPTY, ASKING = "✓", "·", "▶"


@dataclass(frozen=True)
class Condition:
    key: str
    state: State
    note: str = ""  # the value or date it rests on


@dataclass(frozen=True)
class Field:
    name: str
    value: Any
    asking: bool = False

    @property
    def filled(self) -> bool:
        return self.value is not None


@dataclass(frozen=True)
class Row:
    mark: str
    label: str
    value: str = ""

    def text(self) -> str:
        head = f"{self.mark} {self.label}" if self.mark else self.label
        return f"{head}: {self.value}" if self.value else head


@dataclass(frozen=True)
class Panel:
    """Titled groups of rows; `lines()` is what the console shows, in logical order."""

    language: str
    sections: tuple[tuple[str, tuple[Row, ...]], ...]

    def lines(self) -> list[str]:
        out: list[str] = []
        for title, rows in self.sections:
            if out:
                out.append("")
            if title:
                out.append(title)
            out.extend(row.text() for row in rows)
        return out

    def rows(self) -> list[Row]:
        return [row for _title, rows in self.sections for row in rows]


# -- words (the text catalogue's panel.*, bot.texts) ---------------------------------------


def _say(key: str, language: str) -> str:
    return text(key, language)


def type_name(report_type: str | None, language: str) -> str:
    key = f"panel.type.{report_type}"
    return text(key, language) if report_type and has(key) else str(report_type or "—")


def question_label(slot: str, language: str) -> str:
    for key in (f"panel.question.{slot}", f"panel.field.{slot}"):
        if has(key):
            return text(key, language)
    return slot


def _redirect(target: RedirectTarget, language: str) -> str:
    """Where a redirect goes: a report type by its name, else the other path."""
    key = f"panel.type.{target}"
    return text(key, language) if has(key) else text(f"panel.redirect.{target}", language)


# -- conditions ------------------------------------------------------------------------------


def _bool(value: Any, *, met_when: bool = True) -> State:
    if value is None:
        return State.OPEN
    return State.MET if bool(value) == met_when else State.UNMET


def _name(value: Any) -> Condition:
    """A name the user was asked for: blank means "does not know it"."""
    if value is None:
        return Condition("", State.OPEN)
    text = str(value).strip()
    return Condition("", State.MET, text) if text else Condition("", State.UNMET)


def _date(value: Any) -> date | None:
    if isinstance(value, date):
        return value
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        return date.fromisoformat(to_ascii_digits(value).strip())
    except ValueError:
        return None


def _complaint_ground(slots: Mapping[str, Any], today: date) -> tuple[State, str]:
    lodged = slots.get("prior_complaint_lodged")
    if lodged is None:
        return State.OPEN, ""
    if lodged is False:
        blocked = slots.get("lodging_blocked_by_fault")
        screenshot = slots.get("has_fault_screenshot")
        if blocked is True and screenshot is True:
            return State.MET, Ground.LODGING_BLOCKED_BY_FAULT
        if blocked is False or screenshot is False:
            return State.UNMET, ""
        return State.OPEN, ""
    closed = slots.get("complaint_closed")
    if closed is True:
        kind = slots.get("closed_complaint_kind")
        if kind == "procedural":
            return State.UNMET, Reason.PROCEDURAL_COMPLAINT_CLOSED
        if kind != "technical":
            return State.OPEN, ""
        persists = slots.get("problem_persists")
        if persists is None:
            return State.OPEN, ""
        if persists:
            return State.MET, Ground.CLOSED_UNRESOLVED_TECHNICAL
        return State.UNMET, Reason.PROBLEM_RESOLVED
    if closed is not False:
        return State.OPEN, ""
    gave_time = slots.get("entity_gave_response_time")
    if gave_time is True:
        due = _date(slots.get("response_due"))
        if due is None:
            return State.OPEN, ""
        if today > due:
            return State.MET, Ground.SLA_PASSED
        return State.UNMET, (due + timedelta(days=1)).isoformat()
    if gave_time is False:
        created = _date(slots.get("prior_complaint_date"))
        if created is None:
            return State.OPEN, ""
        opens_on = escalation_opens_on(created)
        if today >= opens_on:
            return State.MET, Ground.FIVE_WORKING_DAYS_PASSED
        return State.UNMET, opens_on.isoformat()
    return State.OPEN, ""


def _complaint_conditions(slots: Mapping[str, Any], today: date) -> list[Condition]:
    lodged = slots.get("prior_complaint_lodged")
    blocked = slots.get("lodging_blocked_by_fault")
    ref = slots.get("prior_complaint_ref")
    if lodged is True:
        prior = _name(ref)
    elif lodged is False and blocked is True:
        prior = Condition("", _bool(slots.get("has_fault_screenshot")))
    elif lodged is False and blocked is False:
        prior = Condition("", State.UNMET)
    else:
        prior = Condition("", State.OPEN)
    existing = slots.get("already_escalated_as")
    if existing:
        repeat = Condition("not_escalated_before", State.UNMET, str(existing))
    elif (lodged is True and ref and str(ref).strip()) or (lodged is False and blocked is True):
        repeat = Condition("not_escalated_before", State.MET)
    else:
        repeat = Condition("not_escalated_before", State.OPEN)
    ground, note = _complaint_ground(slots, today)
    return [
        Condition("digital_service", _bool(slots.get("service_is_digital"))),
        Condition("prior_complaint", prior.state, prior.note),
        repeat,
        Condition("escalation_ground", ground, note),
    ]


def _not_before(slots: Mapping[str, Any], slot: str, key: str) -> Condition:
    """The store's look-up for a repeat, done once the personal data is complete."""
    earlier = slots.get(slot)
    if earlier:
        return Condition(key, State.UNMET, str(earlier))
    if slots.get("intake_step") == "summary":
        return Condition(key, State.MET)
    return Condition(key, State.OPEN)


def _named(key: str, value: Any) -> Condition:
    found = _name(value)
    return Condition(key, found.state, found.note)


def _transformation_conditions(slots: Mapping[str, Any]) -> list[Condition]:
    return [
        _named("service_name_known", slots.get("service_name")),
        Condition("paper_service", _bool(slots.get("service_is_paper"))),
        Condition(
            "no_digital_alternative", _bool(slots.get("has_digital_alternative"), met_when=False)
        ),
        _named("entity_known", slots.get("entity_name")),
        _not_before(slots, "similar_previous_request", "not_requested_before"),
    ]


def _suggestion_conditions(slots: Mapping[str, Any]) -> list[Condition]:
    return [
        _named("service_name_known", slots.get("service_name")),
        Condition("digital_service", _bool(slots.get("service_is_digital"))),
        _named("platform_known", slots.get("platform")),
        _not_before(slots, "same_previous_suggestion", "not_suggested_before"),
    ]


def _outage_conditions(slots: Mapping[str, Any]) -> list[Condition]:
    role = slots.get("reporter_role")
    if role is None:
        entity = crisis = State.OPEN
    else:
        entity = State.UNMET if role == ReporterRole.INDIVIDUAL else State.MET
        crisis = State.MET if role in CRISIS_TEAM_ROLES else State.UNMET
    kind = slots.get("outage_kind")
    return [
        Condition("government_entity", entity),
        Condition("crisis_team", crisis),
        Condition("outage_kind", State.OPEN if kind is None else State.MET, str(kind or "")),
    ]


def conditions(report_type: str | None, slots: Mapping[str, Any], today: date) -> list[Condition]:
    """The SPEC conditions of `report_type`, each met, not met or still open."""
    if report_type == ReportType.COMPLAINT_ESCALATION:
        return _complaint_conditions(slots, today)
    if report_type == ReportType.TRANSFORMATION_REQUEST:
        return _transformation_conditions(slots)
    if report_type == ReportType.DEVELOPMENT_SUGGESTION:
        return _suggestion_conditions(slots)
    if report_type == ReportType.ENTITY_OUTAGE:
        return _outage_conditions(slots)
    return []


def _decision(report_type: str, slots: Mapping[str, Any], today: date) -> Decision | None:
    try:
        return flow.decision_for(report_type, slots, today)
    except (ValueError, TypeError):  # a slot value the rules do not know: no decision
        return None


def decision_text(decision: Decision | None, language: str) -> str:
    """The decision in a few words: outcome, then the date, the path or the grounds."""
    if decision is None:
        return _say("panel.word.pending", language)
    outcome = _say(f"panel.outcome.{decision.outcome}", language)
    if decision.outcome is Outcome.ELIGIBLE:
        grounds = [_say(f"panel.ground.{ground}", language) for ground in decision.grounds]
        return f"{outcome} — {', '.join(grounds)}" if grounds else outcome
    if decision.outcome is Outcome.NOT_YET and decision.eligible_from is not None:
        start = _isolated(decision.eligible_from.isoformat(), language)
        return f"{outcome} — {_say('panel.word.from', language)} {start}"
    if decision.outcome is Outcome.REDIRECT and decision.redirect_to is not None:
        return f"{outcome} → {_redirect(decision.redirect_to, language)}"
    detail = _say(f"panel.reason.{decision.reason}", language)
    if decision.existing_reference:
        detail += f" {_isolated(decision.existing_reference, language)}"
    return f"{outcome} — {detail}"


# -- fields ----------------------------------------------------------------------------------


_LODGED_FIELDS = ("prior_complaint_ref", "prior_complaint_date")


def _field_names(report_type: str | None, slots: Mapping[str, Any]) -> list[str]:
    if report_type not in flow.EDITABLE_FIELDS:
        return [name for name in flow.PERSONAL_SLOTS if slots.get(name) is not None]
    names = list(flow.EDITABLE_FIELDS[report_type])
    unlodged = slots.get("prior_complaint_lodged") is False
    if report_type == ReportType.COMPLAINT_ESCALATION and unlodged:
        names = [name for name in names if name not in _LODGED_FIELDS]
    if "attachments_done" in flow.DATA_SLOTS[report_type]:
        names.insert(names.index("full_name"), "attachments")
    return names


def collected_fields(report_type: str | None, slots: Mapping[str, Any]) -> list[Field]:
    """The fields of the report in the order they are asked, with what is known so far.

    Without a type only the personal data already given is listed (it is kept for the
    caller's next report).
    """
    asking = slots.get("requested_slot")
    fields: list[Field] = []
    for name in _field_names(report_type, slots):
        value = slots.get(name)
        if name == "attachments":
            done = slots.get("attachments_done") is not None
            value = list(value or []) if (value or done) else None
            fields.append(Field(name, value, asking == "attachments_done"))
            continue
        fields.append(Field(name, value, asking == name))
    return fields


def _isolated(text: str, language: str) -> str:
    """Left-to-right text (numbers, references) kept whole inside an Arabic line."""
    if language == "en" or any("\u0600" <= char <= "\u06ff" for char in text):
        return text
    return ltr(text, language)


def _shorten(text: str, cells: int = VALUE_CELLS) -> str:
    text = " ".join(text.split())
    return text if len(text) <= cells else text[: cells - 1] + "…"


def _shown(field: Field, language: str) -> str:
    value = field.value
    if value is None:
        return "—"
    if field.name == "attachments":
        names = [str(item.get("filename")) for item in value if isinstance(item, Mapping)]
        return ", ".join(names) if names else _say("panel.word.none", language)
    if value == "":
        optional = field.name in flow.OPTIONAL_SLOTS
        return _say("panel.word.skipped" if optional else "panel.word.not_known", language)
    if field.name == "service_channel":
        return option_label(str(value), language)
    return _isolated(_shorten(str(value)), language)


# -- the panel -------------------------------------------------------------------------------


def _type_row(slots: Mapping[str, Any], language: str) -> Row:
    label = _say("panel.word.type", language)
    report_type = slots.get("report_type")
    if report_type:
        return Row("", label, type_name(report_type, language))
    proposed = slots.get("proposed_report_type")
    if proposed:
        note = _say("panel.word.proposed", language)
        return Row("", label, f"{type_name(proposed, language)} ({note})")
    return Row("", label, "—")


def _condition_row(condition: Condition, language: str) -> Row:
    label = _say(f"panel.condition.{condition.key}", language)
    note = condition.note
    if note in {ground.value for ground in Ground}:
        note = _say(f"panel.ground.{Ground(note)}", language)
    elif note in {reason.value for reason in Reason}:
        note = _say(f"panel.reason.{Reason(note)}", language)
    elif _date(note) is not None and condition.state is State.UNMET:
        note = f"{_say('panel.word.from', language)} {_isolated(note, language)}"
    elif note:
        note = _isolated(_shorten(note), language)
    return Row(MARKS[condition.state], label, note)


def build_panel(slots: Mapping[str, Any], *, today: date, language: str = "ar") -> Panel:
    """The panel for the conversation's `slots`, with its words in `language` (ar/en)."""
    language = "en" if language == "en" else "ar"
    head = [_type_row(slots, language)]
    asking = slots.get("requested_slot")
    if asking:
        label = _say("panel.word.asking", language)
        head.append(Row(ASKING, label, question_label(asking, language)))
    if slots.get("report_ref"):
        ref = _isolated(str(slots["report_ref"]), language)
        head.append(Row(FILLED, _say("panel.word.filed", language), ref))
    sections: list[tuple[str, tuple[Row, ...]]] = [("", tuple(head))]
    report_type = slots.get("report_type")
    if report_type in flow.FORM_OF_TYPE:
        rows = [_condition_row(item, language) for item in conditions(report_type, slots, today)]
        decision = decision_text(_decision(report_type, slots, today), language)
        rows.append(Row("", _say("panel.word.decision", language), decision))
        sections.append((_say("panel.word.eligibility", language), tuple(rows)))
    fields = collected_fields(report_type, slots)
    if fields:
        rows = []
        for field in fields:
            mark = ASKING if field.asking else (FILLED if field.filled else EMPTY)
            label = _say(f"panel.field.{field.name}", language)
            rows.append(Row(mark, label, _shown(field, language)))
        sections.append((_say("panel.word.collected", language), tuple(rows)))
    return Panel(language, tuple(sections))


def legend(language: str) -> str:
    """What the marks mean, for the console's help."""
    return text("panel.legend", language)
