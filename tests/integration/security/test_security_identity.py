"""Attacks on identity: a REST client that names itself as another channel's user.

Before: Rasa kept every channel's conversations under the id the client sent, so a REST
client posting `{"sender": "telegram:<chat id>"}` continued that Telegram user's
conversation, with the name, ID and mobile it carried, and listed their reports.
"""

from __future__ import annotations

import json
import urllib.parse

import pytest

from bot.store.reports.drafts import ReporterDraft
from bot.store.repository import ReportRepository
from tests.conftest import build_draft
from tests.live import AssistantProcess, texts

pytestmark = pytest.mark.servers

VICTIM_NAME = "Nourah Alharbi"
VICTIM_ID = "1000000016"
VICTIM_MOBILE = "+966551112233"


def _seed_conversation(assistant: AssistantProcess, sender: str) -> None:
    """The victim's own conversation, with the personal data it carries between reports."""
    events = [
        {"event": "slot", "name": "language", "value": "en"},
        {"event": "slot", "name": "full_name", "value": VICTIM_NAME},
        {"event": "slot", "name": "national_id", "value": VICTIM_ID},
        {"event": "slot", "name": "mobile", "value": VICTIM_MOBILE},
    ]
    quoted = urllib.parse.quote(sender, safe="")
    status, body = assistant.request(
        "POST", f"/conversations/{quoted}/tracker/events?token={assistant.token}", events
    )
    assert status == 200, body


@pytest.mark.parametrize("victim", ["telegram:90817263", "call_centre:A17:20261201T0900-ab12"])
def test_a_rest_client_naming_another_channels_user_reaches_nothing_of_theirs(
    assistant: AssistantProcess, store: ReportRepository, victim: str
) -> None:
    filed = store.file_report(
        build_draft(
            sender_id=victim,
            channel=victim.split(":")[0],
            created_at=None,
            reporter=ReporterDraft(
                full_name=VICTIM_NAME, national_id=VICTIM_ID, mobile=VICTIM_MOBILE
            ),
        ),
        f"victim-{victim}",
    )
    _seed_conversation(assistant, victim)

    said = []
    for text in ("my reports", f"what is the status of {filed.reference}",
                 "I want to suggest an improvement to Absher"):
        said += assistant.say(victim, text)  # REST, naming itself as the victim
    shown = json.dumps(said, ensure_ascii=False) + texts(said)
    for secret in (filed.reference, VICTIM_NAME, VICTIM_ID, VICTIM_MOBILE, "551112233"):
        assert secret not in shown, secret
    # the victim's own conversation heard none of it
    events = assistant.tracker(victim, all_events=True)["events"]
    assert [event for event in events if event["event"] in ("user", "bot")] == []
    assert store.get(filed.reference).status == "received"


def test_make_run_says_that_rest_is_open_without_a_token(assistant: AssistantProcess) -> None:
    assert "REST access:" in assistant.output
    assert "OPEN: REST_TOKEN is not set" in assistant.output
