"""The console's commands, look-up, FAQ search and call ids, without Rasa (a fake assistant)."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from typing import Any

import pytest

from bot.agent import calls, faq, lookup
from bot.agent.console import PROMPT, Console, Screen, script_of
from bot.store.migrate import upgrade
from bot.store.repository import ReportRepository
from bot.store.serialize import report_to_dict
from bot.texts.status_names import STATUSES
from tests.yaml_files import domain_yaml

GREETING = [
    {
        "text": "وعليكم السلام، كيف أخدمك؟",
        "buttons": [
            {"title": "أنواع البلاغات", "payload": "/ask_report_types"},
            {"title": "English", "payload": '/switch_language{"target_language": "en"}'},
        ],
    }
]
RESPONSES = {
    "utter_help": [
        {
            "condition": [{"type": "slot", "name": "language", "value": "ar"}],
            "text": "للتواصل: المنصة الوطنية GOV.SA أو الرقم المجاني \u2066199099\u2069.",
        },
        {
            "condition": [{"type": "slot", "name": "language", "value": "en"}],
            "text": "Other channels: GOV.SA or the toll-free number 199099.",
        },
    ],
    "utter_faq/paper_service_complaint": [
        {
            "condition": [{"type": "slot", "name": "language", "value": "ar"}],
            "text": "لا يمكن تصعيد شكوى على خدمة ورقية، قدّم «طلب تحول» بدلًا منها.",
        },
        {
            "condition": [{"type": "slot", "name": "language", "value": "en"}],
            "text": "A complaint about a paper service cannot be escalated; file a transformation "
            "request instead.",
        },
    ],
    "utter_report_filed": [
        {"text": "Your report {report_ref} was filed: a complaint was escalated."},
    ],
    "utter_greet": [{"text": "Hello, I can escalate a complaint."}],
    "action_x": [{"text": "complaint"}],
}


class FakeAssistant:
    def __init__(self) -> None:
        self.sent: list[tuple[str, str, dict[str, Any]]] = []
        self.language = "ar"

    def send(self, sender_id: str, text: str, metadata: dict[str, Any]) -> list[dict[str, Any]]:
        self.sent.append((sender_id, text, metadata))
        if text.startswith("/switch_language"):
            self.language = "en" if '"en"' in text else "ar"
            return [{"text": "Of course, I will continue in English."}]
        return GREETING

    def slots(self, sender_id: str) -> dict[str, Any]:
        return {"language": self.language}

    def responses(self) -> dict[str, Any]:
        return RESPONSES

    def intents(self) -> set[str]:
        return {"deny", "affirm", "switch_language"}


@pytest.fixture
def console(sqlite_url: str) -> tuple[Console, FakeAssistant, io.StringIO]:
    upgrade(sqlite_url)
    out = io.StringIO()
    assistant = FakeAssistant()
    screen = Screen("raw", out=out, columns=lambda: 120)
    return (
        Console(assistant, screen, "A17", repository=ReportRepository(sqlite_url)),
        assistant,
        out,
    )


def test_script_numbers_the_buttons_across_messages() -> None:
    texts, payloads = script_of(
        [*GREETING, {"text": "?", "buttons": [{"title": "x", "payload": "/deny"}]}]
    )
    assert texts == ["وعليكم السلام، كيف أخدمك؟", "[1] أنواع البلاغات", "[2] English", "?", "[3] x"]
    assert payloads[2] == "/deny"


def test_answers_numbers_and_payloads_go_to_the_assistant_marked_call_centre(console) -> None:
    console_, assistant, out = console
    console_.new_call()
    assert console_.sender_id.startswith("call_centre:A17:")
    console_.handle("السلام عليكم")
    console_.handle("٢")  # Arabic-Indic digit: the second choice
    console_.handle("=2")  # literally "2"
    console_.handle("/deny")  # an intent of the domain
    console_.handle("7")  # no 7th choice: sent as typed
    sent = [text for _sender, text, _metadata in assistant.sent]
    assert sent == ["السلام عليكم", '/switch_language{"target_language": "en"}', "2", "/deny", "7"]
    assert all(
        meta == {"channel": "call_centre", "agent_id": "A17"} for _s, _t, meta in assistant.sent
    )
    assert "[1] أنواع البلاغات" in out.getvalue()


def test_new_caller_gets_a_new_conversation(console) -> None:
    console_, _assistant, out = console
    console_.new_call()
    first = console_.sender_id
    console_.handle("/new")
    assert console_.sender_id != first and console_.calls == 2
    assert "call 2 · " in out.getvalue()


def test_lang_switches_through_the_dialogue(console) -> None:
    console_, assistant, out = console
    console_.new_call()
    console_.handle("/lang")
    assert assistant.sent[-1][1] == '/switch_language{"target_language": "en"}'
    assert console_.language == "en"
    console_.handle("/lang ar")
    assert assistant.sent[-1][1] == '/switch_language{"target_language": "ar"}'
    console_.handle("/lang fr")
    assert "/lang ar or /lang en" in out.getvalue()


def test_status_reads_any_report_in_the_callers_language(console, make_draft) -> None:
    console_, _assistant, out = console
    repository: ReportRepository = console_.repository()
    filed = repository.file_report(make_draft(), "key-1")
    repository.set_status(filed.reference, "missing_data", note="صورة الهوية")
    console_.new_call()
    console_.handle(f"/status {filed.reference.lower()}")
    shown = out.getvalue()
    assert f"status {filed.reference} (ar)" in shown
    assert "Check the caller first: reporter نورة عبدالله القحطاني, ID ending 0008" in shown
    assert "الحالة: نقص البيانات" in shown and "خلال 48 ساعة" in shown
    assert "— نقص البيانات: صورة الهوية" in shown
    console_.handle("/status BR-00000000")
    console_.handle("/status nonsense")
    assert "is not a report reference" in out.getvalue()


def test_status_lines_in_english() -> None:
    report = {
        "reference": "BR-7K2M9QXH",
        "type": "transformation_request",
        "status": "accepted",
        "created_at": datetime(2026, 11, 23, 9, 0, tzinfo=UTC).isoformat(),
        "due_at": datetime(2026, 11, 30, 20, 59, tzinfo=UTC).isoformat(),
        "history": [
            {"status": "received", "at": "2026-11-23T09:00:00+00:00", "note": None},
            {"status": "accepted", "at": "2026-11-25T10:00:00+00:00", "note": "digital by Q2"},
        ],
    }
    assert lookup.status_lines(report, "en") == [
        "Report BR-7K2M9QXH — Transformation request",
        "Status: Accepted",
        "The request was accepted.",
        "Filed: 2026-11-23 12:00 (Riyadh time)",
        "History:",
        "  2026-11-23 12:00 — Received",
        "  2026-11-25 13:00 — Accepted: digital by Q2",
    ]
    assert set(STATUSES) == {
        "received",
        "under_review",
        "referred",
        "in_progress",
        "missing_data",
        "closed",
        "cancelled",
        "accepted",
        "rejected",
    }


def test_status_of_a_stored_report_matches_its_json(sqlite_url: str, make_draft) -> None:
    upgrade(sqlite_url)
    repository = ReportRepository(sqlite_url)
    filed = repository.file_report(make_draft(), "key-2")
    lines = lookup.status_lines(report_to_dict(repository.require(filed.reference)), "ar")
    assert lines[0] == f"البلاغ \u2066{filed.reference}\u2069 — تقديم شكوى"
    assert lines[1] == "الحالة: تم الاستلام"


def test_faq_searches_the_answers_in_the_callers_language(console) -> None:
    console_, _assistant, out = console
    hits = faq.search(RESPONSES, "الشكوى الورقية", "ar")
    assert [hit.name for hit in hits] == ["utter_faq/paper_service_complaint"]
    hits = faq.search(RESPONSES, "toll-free number", "en")
    assert hits[0].name == "utter_help"
    hits = faq.search(RESPONSES, "complaint", "en")
    faq_first = ["utter_faq/paper_service_complaint", "utter_greet"]
    assert [hit.name for hit in hits] == faq_first
    assert faq.search(RESPONSES, "the of", "en") == []
    console_.new_call()
    console_.handle("/faq 199099")
    assert "(1) utter_help" in out.getvalue() and "GOV.SA" in out.getvalue()
    console_.handle("/faq zebra")
    assert "Nothing found for 'zebra'" in out.getvalue()


def test_help_unknown_commands_and_quit(console) -> None:
    console_, assistant, out = console
    console_.new_call()
    assert console_.handle("/help") and "/status REF" in out.getvalue()
    assert console_.handle("/bogus") and "Unknown command /bogus." in out.getvalue()
    assert assistant.sent == []
    assert console_.handle("/quit") is False


def test_run_reads_until_end_of_input(console) -> None:
    console_, assistant, _out = console
    lines = iter(["السلام عليكم", "/quit"])
    assert console_.run(read=lambda prompt: next(lines)) == 0
    assert len(assistant.sent) == 1
    assert console_.run(read=lambda prompt: (_ for _ in ()).throw(EOFError)) == 0
    assert PROMPT == "caller> "


def test_shaped_side_by_side_turn_fits_the_terminal() -> None:
    out = io.StringIO()
    screen = Screen("shaped", out=out, columns=lambda: 120)
    screen.turn(["ما اسم الخدمة؟", "[1] نعم"], ["Report type: —", "✓ Platform: قوى"], "ar")
    rows = out.getvalue().splitlines()
    assert all(len(row) <= 119 for row in rows)
    assert "│ Report type: —" in rows[1] and rows[1].index("│") == rows[2].index("│")
    assert "\ufee3" in out.getvalue()  # م in a presentation form


def test_call_ids_name_the_agent() -> None:
    sender = calls.new_sender_id("A17", datetime(2026, 11, 23, 9, 5, tzinfo=UTC))
    assert sender.startswith("call_centre:A17:20261123T090500-")
    assert calls.agent_of(sender) == "A17"
    assert calls.agent_of("rest-user") is None and calls.agent_of(None) is None
    assert calls.new_sender_id("A17") != calls.new_sender_id("A17")
    for bad in ("", "a b", "A:17", "-x", "x" * 33):
        with pytest.raises(ValueError, match="agent id"):
            calls.check_agent_id(bad)
    assert calls.metadata("A17") == {"channel": "call_centre", "agent_id": "A17"}


def test_faq_search_puts_general_information_before_a_step_s_message() -> None:


    domain = domain_yaml()
    hits = [hit.name for hit in faq.search(domain["responses"], "199099", "ar")]
    assert "utter_help" in hits, hits
    assert hits.index("utter_help") == len([h for h in hits if h.startswith("utter_faq")])
