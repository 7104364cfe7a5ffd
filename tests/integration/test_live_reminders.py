""""Not yet — shall I remind you on that day?" through the running assistant (CONVERSATIONS.md
§2, issue #19): the offer, the reminder kept, said in its conversation on its day by the
scheduler's rule (Rasa's HTTP API, as `bot jobs` does it), and the draft resumed from it,
only by the conversation that asked, and only once."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta

import pytest

from bot.intake.reminders import remind_at
from bot.intake.workdays import escalation_opens_on, saudi_today
from bot.notify.reminders import rasa_say
from bot.runtime import jobs
from bot.store import reminders
from bot.store.repository import ReportRepository
from tests.live import AssistantProcess, texts

CASES = {
    "en": (
        "I filed a complaint with Qiwa yesterday and they haven't replied. Can I escalate?",
        "no",
        ("Would you like me to remind you here", "I will remind you here"),
        ("A reminder: from today", "about Qiwa"),
        "Go on with my complaint",
    ),
    "ar": (
        "قدمت شكوى على منصة قوى امس وما ردوا علي، ابي اصعدها",
        "لا",
        ("هل تريد أن أذكّرك هنا", "سأذكّرك هنا"),
        ("تذكير: يمكنك ابتداءً من اليوم", "قوى"),
        "متابعة الشكوى",
    ),
}


def bot_events(assistant: AssistantProcess, sender: str) -> list[dict]:
    return [e for e in assistant.tracker(sender)["events"] if e["event"] == "bot"]


@pytest.mark.parametrize("language", sorted(CASES))
def test_a_reminder_is_kept_said_on_its_day_and_resumes_the_draft(
    assistant: AssistantProcess, store: ReportRepository, language: str
) -> None:
    opening, no_response_time, (offer, kept), (reminder_text, subject), button = CASES[language]
    sender = f"remind-{uuid.uuid4().hex[:10]}"
    conversation = f"rest:{sender}"
    assistant.say(sender, opening)
    assistant.say(sender, "/affirm")
    reply = texts(assistant.say(sender, no_response_time))
    opens = escalation_opens_on(saudi_today() - timedelta(days=1))
    assert opens.isoformat() in reply and offer in reply, reply
    reply = texts(assistant.say(sender, "/remind_me"))
    assert kept in reply and opens.isoformat() in reply, reply
    (pending,) = [r for r in reminders.due(store.engine, now=saudi_now_after(opens))
                  if r.sender_id == conversation]  # fmt: skip
    assert pending.remind_on == opens and pending.language == language
    assert "national_id" not in pending.draft["slots"]

    # someone else's conversation (in Arabic, the default) can neither say it nor take it
    stranger = f"remind-{uuid.uuid4().hex[:10]}"
    nothing = NOTHING_TO_RESUME_IN["ar"]
    assert nothing in texts(assistant.say(stranger, "/EXTERNAL_draft_reminder"))
    assert nothing in texts(assistant.say(stranger, "/resume_draft"))
    assert reminders.state_of(store.engine, pending.id) == "pending"

    # its day: the scheduler's rule says it in the conversation, once
    say = rasa_say(assistant.base, token=assistant.token)
    said = jobs.run_reminders(store, saudi_now_after(opens), say)
    assert pending.id in said
    assert pending.id not in jobs.run_reminders(store, saudi_now_after(opens), say)
    last = bot_events(assistant, conversation)[-1]
    assert reminder_text in last["text"] and subject in last["text"], last["text"]
    assert [b["payload"] for b in last["data"]["buttons"]] == ["/resume_draft"]
    assert last["data"]["buttons"][0]["title"] == button

    # "go on": the draft's answers are back (the date is still ahead here, so the same
    # decision comes again, with the complaint's date kept)
    reply = texts(assistant.say(sender, "/resume_draft"))
    assert opens.isoformat() in reply and offer in reply, reply
    assert reminders.state_of(store.engine, pending.id) == "resumed"
    assert NOTHING_TO_RESUME_IN[language] in texts(assistant.say(sender, "/resume_draft"))


NOTHING_TO_RESUME_IN = {
    "en": "I found no reminder in this conversation",
    "ar": "لم أجد في هذه المحادثة تذكيرًا",
}


def saudi_now_after(day: date) -> datetime:
    """A minute after the reminder's time on `day`."""
    return remind_at(day) + timedelta(minutes=1)
