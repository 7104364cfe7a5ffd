"""A known outage is told before a complaint about it (seed 002, issue #19), through the
running assistant: only once the Amer centre has taken the entity's outage report up, only
its public notice (no reference, no reporter), in Arabic and English, and the complaint can
still go on."""

from __future__ import annotations

import uuid
from collections.abc import Callable

from bot.store.reports.drafts import ReportDraft, ReporterDraft
from bot.store.repository import ReportRepository
from tests.live import AssistantProcess, texts

ENTITY_ID = "2007310002"  # valid, and used by no other test
ENGLISH = "I want to escalate a complaint about Muqeem, it does not work"
ARABIC = "ابي اصعد شكوى على بوابة مقيم، ما تشتغل"


def ask(assistant: AssistantProcess, text: str) -> str:
    return texts(assistant.say(f"outage-{uuid.uuid4().hex[:10]}", text))


def test_a_known_outage_is_told_first_once_taken_up(
    assistant: AssistantProcess, store: ReportRepository, make_draft: Callable[..., ReportDraft]
) -> None:
    draft = make_draft(
        type="entity_outage", language="en", channel="web", platform="Muqeem",
        service_name=None, entity_name="General Directorate of Passports",
        prior_complaint_ref=None, prior_complaint_date=None, title="Muqeem portal down",
        description="The Muqeem portal does not open since this morning.",
        reporter=ReporterDraft(full_name="Crisis Team Lead", national_id=ENTITY_ID,
                               mobile="0557310002"),
        sender_id=f"web-{uuid.uuid4().hex}", created_at=None,
    )  # fmt: skip
    outage = store.file_report(draft, f"outage-{uuid.uuid4().hex}").reference
    # only received: anyone may claim to speak for an entity, so nothing is told yet
    assert "reported an outage" not in ask(assistant, ENGLISH)
    store.set_status(outage, "under_review")
    reply = ask(assistant, ENGLISH)
    assert "General Directorate of Passports (Jawazat) reported an outage of Muqeem" in reply, reply
    assert outage not in reply and "Crisis Team Lead" not in reply
    assert "Is that right?" in reply  # the complaint can still go on
    reply = ask(assistant, ARABIC)
    assert "المديرية العامة للجوازات" in reply and "عن عطل في «\u2068مقيم\u2069»" in reply, reply
    # over: no longer told
    for status in ("referred", "in_progress"):
        store.set_status(outage, status)
    store.set_status(outage, "closed", "restored")
    assert "reported an outage" not in ask(assistant, ENGLISH)
