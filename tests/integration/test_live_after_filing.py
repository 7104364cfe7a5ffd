"""After filing, end to end: the reporter cancels, corrects, completes and rates their own
report in the conversation (the running assistant over REST), and the store says so."""

from __future__ import annotations

import base64
import io
import uuid

import pytest
from PIL import Image

from bot.runtime.scripted_user import AR_ANSWERS, EN_ANSWERS, VALID_ID
from bot.store.outbox import list_messages
from bot.store.repository import ReportRepository
from tests.integration.test_live_intake import (
    RESIDENT_ID,
    Chat,
    answer_until_summary,
    complaint_up_to_personal_data,
    personal_data,
)
from tests.live import AssistantProcess

pytestmark = pytest.mark.servers


def png(name: str, colour: tuple[int, int, int]) -> dict[str, str]:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), colour).save(buffer, format="PNG")
    return {
        "filename": name,
        "content_type": "image/png",
        "data": base64.b64encode(buffer.getvalue()).decode(),
    }


def payloads(chat: Chat) -> list[str]:
    return [button["payload"] for m in chat.last for button in m.get("buttons") or []]


# One idea per filing: the same suggestion twice is refused as a duplicate.
IDEAS = iter(
    [
        ("appointments", "Please add a dark mode so that the screens are easier to read at night."),
        ("service search", "Voice search would let elderly people find services without typing."),
        ("family members", "Parents need one family account to manage their children's requests."),
        ("payments", "Printable receipts are needed as proof after paying government fees."),
        ("settings", "Larger fonts would help older users who struggle with small letters."),
        ("permits", "An offline mode should keep issued permits visible without a connection."),
        ("vaccination", "Calendar reminders before each vaccination visit would prevent misses."),
        ("support", "A live chat with support staff inside the application would save calls."),
        ("login", "Fingerprint sign in makes logging in faster than typing a password."),
        ("receipts", "Visitors who cannot read Arabic want English versions of every receipt."),
    ]
)


def _file_a_suggestion(chat: Chat) -> str:
    service, description = next(IDEAS)
    chat.say("I'd like to suggest an improvement for the Tawakkalna app")
    chat.say("/affirm")
    reply = chat.say(service)
    if "Is that the right name?" in reply:  # not in the catalogue: kept once confirmed
        reply = chat.say("/affirm")
    assert "Through which channel" in reply, reply
    chat.say('/choose{"choice": "app"}')
    reply = chat.say(description)
    answer_until_summary(chat, reply, EN_ANSWERS, service=service, prior_ref="")
    chat.say("/confirm_report")
    return chat.slots()["report_ref"]


def _file_an_arabic_suggestion(chat: Chat) -> str:
    reply = chat.say("لدي اقتراح لتحسين خدمة في منصة أبشر")
    reply = chat.say("/affirm")
    # a service no other test of the session files a suggestion for (a repeat is refused),
    # and not in the catalogue: a catalogue name others may also come to is not unique
    answer_until_summary(chat, reply, AR_ANSWERS, prior_ref="", service="سجل الزيارات العائلية")
    chat.say("/confirm_report")
    return chat.slots()["report_ref"]


def _move(store: ReportRepository, ref: str, *statuses: str) -> None:
    for status in statuses:
        store.set_status(ref, status, note="صورة الهوية" if status == "missing_data" else None)


def test_the_reporter_cancels_only_after_saying_yes(
    assistant: AssistantProcess, store: ReportRepository
) -> None:
    chat = Chat(assistant)
    ref = _file_a_suggestion(chat)
    reply = chat.say("what is the status of my report?")
    assert ref in reply
    reply = chat.say(f"what is the status of {ref}?")
    assert f'/withdraw_report{{"reference": "{ref}"}}' in payloads(chat), reply
    reply = chat.say(f"I want to cancel my report {ref}")
    assert f"Do you want to cancel report {ref}?" in reply, reply
    reply = chat.say("/deny")
    assert "is not cancelled" in reply, reply
    assert store.require(ref).status == "received"
    chat.say(f'/withdraw_report{{"reference": "{ref}"}}')  # the status answer's button
    reply = chat.say("/affirm")
    assert f"Report {ref} has been cancelled, as you asked" in reply, reply
    report = store.require(ref)
    assert report.status == "cancelled"
    assert (report.history[-1].actor, report.history[-1].note) == (
        "reporter",
        "cancelled by the reporter",
    )
    # a final report: every refusal says why and what to do instead
    reply = chat.say(f"cancel report {ref}")
    assert "which is final" in reply and "file a new report" in reply, reply
    reply = chat.say(f"status of {ref}")
    assert "has been cancelled" in reply and not payloads(chat), reply


def test_cancel_inside_a_form_is_dropped_without_a_change(
    assistant: AssistantProcess, store: ReportRepository
) -> None:
    chat = Chat(assistant)
    ref = _file_a_suggestion(chat)
    reply = chat.say(f"there is a mistake in my report {ref}")
    assert f"What should be corrected in report {ref}?" in reply, reply
    reply = chat.say("cancel")
    assert f"nothing was changed in report {ref}" in reply, reply
    assert chat.slots()["report_request"] is None
    assert not assistant.tracker(chat.sender)["active_loop"].get("name")
    assert [entry.note for entry in store.require(ref).history] == [None]


def test_a_correction_is_recorded_for_the_back_office(
    assistant: AssistantProcess, store: ReportRepository
) -> None:
    chat = Chat(assistant)
    ref = _file_a_suggestion(chat)
    chat.say(f"there is a mistake in my report {ref}")
    reply = chat.say("ok")
    assert "3 to 1000 characters" in reply, reply  # too short: asked again
    reply = chat.say("The service is the login page of the app, not the home screen.")
    assert f"Your correction to report {ref} is recorded" in reply, reply
    entry = store.require(ref).history[-1]
    assert entry.actor == "reporter" and entry.status == "received"
    assert entry.note == (
        "correction requested: The service is the login page of the app, not the home screen."
    )


def test_missing_documents_are_added_in_arabic_and_the_report_goes_back_to_review(
    assistant: AssistantProcess, store: ReportRepository
) -> None:
    chat = Chat(assistant)
    ref = _file_an_arabic_suggestion(chat)
    _move(store, ref, "under_review", "missing_data")
    reply = chat.say("ابي ارفق مستندات لبلاغي")
    assert "أرسل هنا المستندات المطلوبة" in reply and ref in reply, reply
    reply = chat.say("تم")
    assert "لم يصلني أي مستند بعد" in reply, reply
    reply = chat.say("", attachments=[png("هوية.png", (10, 120, 10))])
    assert "هوية.png" in reply, reply
    reply = chat.say("/affirm")
    assert "أُضيف إلى البلاغ" in reply and "عاد البلاغ إلى «قيد المراجعة»" in reply, reply
    report = store.require(ref)
    assert report.status == "under_review" and report.missing_data_requested_at is None
    assert [a.filename for a in report.attachments] == ["هوية.png"]
    assert report.history[-1].actor == "reporter"

    # asked again: a file sent on its own is offered to the waiting report
    _move(store, ref, "missing_data")
    reply = chat.say("", attachments=[png("عقد.png", (120, 10, 10))])
    assert f'/add_documents{{"reference": "{ref}"}}' in payloads(chat), reply
    reply = chat.say(f'/add_documents{{"reference": "{ref}"}}')
    assert "أرسل هنا المستندات المطلوبة" in reply, reply
    reply = chat.say("/affirm")
    assert "أُضيف إلى البلاغ" in reply, reply
    report = store.require(ref)
    assert report.status == "under_review"
    assert sorted(a.filename for a in report.attachments) == ["عقد.png", "هوية.png"]
    assert chat.slots()["attachments"] is None


def test_an_accepted_suggestion_is_rated_as_the_guide_says(
    assistant: AssistantProcess, store: ReportRepository
) -> None:
    """Seed 003: the reporter rates a Development suggestion "when it is handled", here
    accepted with its implementation date."""
    chat = Chat(assistant)
    ref = _file_a_suggestion(chat)
    _move(store, ref, "under_review")
    store.set_status(ref, "accepted", note="2027-03-01")
    reply = chat.say(f"rate {ref}")
    assert "How would you rate the solution" in reply, reply
    chat.say("5")
    chat.say("4")
    reply = chat.say("Thanks for taking it up")
    assert f"Your rating of report {ref} is stored" in reply, reply
    rating = store.require(ref).rating
    assert (rating.solution_rating, rating.service_rating) == (5, 4)
    assert rating.comment == "Thanks for taking it up"


def test_a_closed_report_is_rated_once(
    assistant: AssistantProcess, store: ReportRepository
) -> None:
    chat = Chat(assistant)
    ref = _file_a_suggestion(chat)
    reply = chat.say(f"rate {ref}")
    assert "rated once it is handled" in reply and "“Received”" in reply, reply
    _move(store, ref, "under_review", "referred", "in_progress", "closed")
    reply = chat.say(f"what is the status of {ref}")
    assert f'/rate_report{{"reference": "{ref}"}}' in payloads(chat), reply
    reply = chat.say(f"rate {ref}")  # what the survey notice asks the reporter to send
    assert "How would you rate the solution" in reply, reply
    reply = chat.say("6")
    assert "choose a number from 1 to 5" in reply, reply
    reply = chat.say('/choose{"choice": "4"}')
    assert "how would you rate our service" in reply, reply
    reply = chat.say("٥")
    assert "Any comment?" in reply, reply
    reply = chat.say("/deny")
    assert f"Your rating of report {ref} is stored" in reply, reply
    rating = store.require(ref).rating
    assert (rating.solution_rating, rating.service_rating, rating.comment) == (4, 5, None)
    reply = chat.say(f"rate {ref}")
    assert "already rated" in reply, reply


def test_someone_else_cannot_cancel_the_report(
    assistant: AssistantProcess, store: ReportRepository
) -> None:
    owner = Chat(assistant)
    ref = _file_a_suggestion(owner)
    stranger = Chat(assistant)
    reply = stranger.say(f"I want to cancel my report {ref}")
    assert "check who you are" in reply, reply
    sent = len(assistant.sent_messages())
    stranger.say(RESIDENT_ID)  # not the reporter's ID: no code goes out
    assert len(assistant.sent_messages()) == sent
    # even typing the code the reporter was sent for another purpose gets nowhere
    reply = stranger.say(assistant.last_code())
    assert "not right" in reply, reply
    assert store.require(ref).status == "received"
    # the reporter from another channel: the ID on the report, the code sent to its mobile
    elsewhere = Chat(assistant)
    elsewhere.say(f"cancel report {ref}")
    elsewhere.say(VALID_ID)
    reply = elsewhere.say(elsewhere.code())
    assert f"Do you want to cancel report {ref}?" in reply, reply
    reply = elsewhere.say("yes")
    assert "has been cancelled, as you asked" in reply, reply
    assert store.require(ref).status == "cancelled"


def test_several_open_reports_are_offered_to_choose_from(
    assistant: AssistantProcess, store: ReportRepository
) -> None:
    chat = Chat(assistant)
    first = _file_a_suggestion(chat)
    second = _file_a_suggestion(chat)
    reply = chat.say("I want to cancel my report")
    buttons = payloads(chat)
    assert "Which report do you mean?" in reply, reply
    assert {f'/withdraw_report{{"reference": "{ref}"}}' for ref in (first, second)} <= set(
        buttons
    )
    chat.say(buttons[0])
    chat.say("/affirm")
    statuses = sorted(store.require(ref).status for ref in (first, second))
    assert statuses == ["cancelled", "received"]


def test_guessing_references_is_paused_after_a_few_misses(
    assistant: AssistantProcess, store: ReportRepository
) -> None:
    owner = Chat(assistant)
    ref = _file_a_suggestion(owner)
    guesser = Chat(assistant)
    for guess in ("BR-AAAAAAAA", "BR-BBBBBBBB", "BR-CCCCCCCC", "BR-DDDDDDDD", "BR-EEEEEEEE"):
        reply = guesser.say(f"status of {guess}")
        assert "not a valid report number" in reply, reply
    reply = guesser.say(f"cancel report {ref}")
    assert "paused lookups" in reply and "199099" in reply, reply
    assert store.require(ref).status == "received"
    # the owner is not slowed down by someone else's guesses
    assert ref in owner.say(f"status of {ref}")


def test_a_closed_complaint_is_asked_to_re_open_and_the_back_office_answers(
    assistant: AssistantProcess, store: ReportRepository
) -> None:
    """Seed 003: the reporter of a closed complaint asks to re-open it, with the reason; the
    back office accepts (the report goes back to review) and the reporter is told."""
    chat = Chat(assistant)
    complaint_up_to_personal_data(
        chat, f"ABS-{uuid.uuid4().hex[:6].upper()}", service="vehicle registration renewal"
    )
    personal_data(chat, arabic=False)
    chat.say("/confirm_report")
    ref = chat.slots()["report_ref"]
    reply = chat.say(f"please reopen my report {ref}, the problem is still there")
    assert "Only a closed complaint escalation can be re-opened" in reply, reply
    _move(store, ref, "under_review", "referred", "in_progress", "closed")
    chat.say(f"what is the status of {ref}")
    asked = f'/reopen_report{{"reference": "{ref}"}}'
    assert asked in payloads(chat) and f'/rate_report{{"reference": "{ref}"}}' in payloads(chat)
    reply = chat.say(asked)
    assert f"Why should report {ref} be re-opened?" in reply, reply
    reply = chat.say("The payment still fails after the entity closed it.")
    assert f"Your request to re-open report {ref} is recorded" in reply, reply
    assert store.require(ref).history[-1].note == (
        "re-open requested: The payment still fails after the entity closed it.")
    assert "already recorded" in chat.say(asked)
    # someone else (a button payload only: Arabic, the default): asked who they are first,
    # and nothing is recorded
    stranger = Chat(assistant)
    assert "أحتاج للتحقق من هويتك" in stranger.say(asked)
    assert len(store.require(ref).history) == 6
    report = store.decide_reopen(ref, accept=True, note="the entity is looking at it again")
    assert report.status == "under_review"
    (told, _), *_ = list_messages(store.engine, reference=ref)
    assert told.payload["status"] == "under_review" and told.recipient == f"rest:{chat.sender}"
