"""Conversations as people really talk (#17), end to end over REST: each one asserts the
conversation's slots afterwards, or the report the store holds.

Patterns: facts volunteered early are kept and not asked again; one answer fills several
slots; a yes/no answered in words is an answer; a question answered off-topic is explained,
then offered ways out; corrections in passing and at the summary; switching type mid-form;
"start over"; a person (the queue of the call-centre console: an agent takes the chat,
answers in it and hands back; nobody in two minutes); digressions; a yes out of context; a
sentence that is not a name. Arabic (MSA and Saudi dialect) and English.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import pytest
from sqlalchemy import update

from bot.agent.desk import Desk
from bot.clock import OffsetClock
from bot.intake.dates import parse_user_date
from bot.intake.workdays import saudi_today
from bot.runtime.scripted_user import VALID_ID
from bot.store import handoffs
from bot.store.db import session_scope
from bot.store.models import Handoff
from bot.store.repository import ReportRepository
from tests.integration.test_live_intake import Chat
from tests.live import ON_DUTY, AssistantProcess, conversation_id, is_arabic, is_english

pytestmark = pytest.mark.servers


# What a cooperative user answers to each question, by the slot it asks (en, ar).
ANSWERS = {
    "service_is_digital": ("/affirm", "/affirm"),
    "prior_complaint_lodged": ("/affirm", "/affirm"),
    "complaint_closed": ("/deny", "/deny"),
    "entity_gave_response_time": ("/deny", "/deny"),
    "prior_complaint_date": ("three weeks ago", "قبل ثلاث اسابيع"),
    "prior_complaint_ref": ("ABS-20261", "ABS-20261"),
    "platform": ("Absher", "أبشر"),
    "service_name": ("passport renewal", "تجديد جواز السفر"),
    "service_channel": ('/choose{"choice": "web"}', '/choose{"choice": "web"}'),
    "entity_name": ("Ministry of Interior", "وزارة الداخلية"),
    "service_is_paper": ("/affirm", "/affirm"),
    "has_digital_alternative": ("/deny", "/deny"),
    "title": ("Renewal fails", "تعذر التجديد"),
    "description": ("The payment step fails with an error every time I try.",
                    "تظهر رسالة خطأ في كل مرة أحاول إتمام الخدمة"),
    "attachments_done": ("/deny", "/deny"),
    "full_name": ("Sarah Al Qahtani", "محمد بن سعد العتيبي"),
    "national_id": (VALID_ID, VALID_ID),
    "mobile": ("0551234567", "0551234567"),
    "mobile_code": ("{code}", "{code}"),
    "email": ("/deny", "/deny"),
}


def answer_until(chat: Chat, target: str | None, *, arabic: bool = False, **given: str) -> str:
    """Answer each question by the slot it asks until `target` is asked (None: the summary)."""
    reply = chat.last_text()
    for _ in range(30):
        slots = chat.slots()
        asked = slots["requested_slot"]
        if asked == target and (target or slots["intake_step"] == "summary"):
            return reply
        assert asked, f"nothing asked before {target}: {reply}"
        answer = given.get(asked) or ANSWERS[asked][1 if arabic else 0]
        reply = chat.say(chat.code() if answer == "{code}" else answer)
    raise AssertionError(f"{target} was never asked: {reply}")


def ago(days: int) -> str:
    return (saudi_today() - timedelta(days=days)).isoformat()


def on(text: str) -> str:
    """The date a user's words name, as the assistant reads it today."""
    return parse_user_date(text, saudi_today()).value.isoformat()


def button_payloads(chat: Chat) -> list[str]:
    return [button["payload"] for message in chat.last for button in message.get("buttons") or []]


# -- facts volunteered in the first message ------------------------------------------------


@pytest.mark.parametrize(
    ("opening", "expected", "next_question"),
    [
        (
            "رفعت شكوى قبل اسبوعين على منصة أبشر وما ردوا",
            {"prior_complaint_lodged": True, "complaint_closed": False,
             "prior_complaint_date": ago(14), "platform": "أبشر"},
            "entity_gave_response_time",
        ),
        (
            "قدمت شكوى إلى منصة قوى قبل ثلاثة أسابيع ولم يتم الرد عليها",
            {"prior_complaint_lodged": True, "complaint_closed": False,
             "prior_complaint_date": ago(21), "platform": "قوى"},
            "entity_gave_response_time",
        ),
        (
            "I filed a complaint about Absher two weeks ago, number JAW-2026-88213, no reply yet",
            {"prior_complaint_lodged": True, "complaint_closed": False,
             "prior_complaint_date": ago(14), "prior_complaint_ref": "JAW-2026-88213",
             "platform": "Absher"},
            "entity_gave_response_time",
        ),
        (
            "ما قدرت ارفع شكوى على توكلنا لان الموقع معطل",
            {"prior_complaint_lodged": False, "lodging_blocked_by_fault": True,
             "platform": "توكلنا"},
            "has_fault_screenshot",
        ),
    ],
    ids=["msa-gulf-lodged", "msa-lodged", "en-lodged-ref", "gulf-blocked"],
)
def test_facts_in_the_first_message_are_kept_and_not_asked(
    assistant: AssistantProcess, opening: str, expected: dict, next_question: str
) -> None:
    chat = Chat(assistant)
    reply = chat.say(opening)
    assert "دوّنت من رسالتك" in reply or "I noted from your message" in reply, reply
    chat.say("/affirm")
    slots = chat.slots()
    for name, value in expected.items():
        assert slots[name] == value, (name, slots[name])
    assert slots["requested_slot"] == next_question
    assert slots["service_is_digital"] is True  # the platform says so: not asked


def test_a_complaint_told_in_one_message_is_filed_with_what_it_said(
    assistant: AssistantProcess, store: ReportRepository
) -> None:
    chat = Chat(assistant)
    chat.say("رفعت شكوى على أبشر قبل ثلاث اسابيع رقمها ABS-7781 وما ردوا علي")
    chat.say("نعم")
    reply = answer_until(chat, None, arabic=True)
    assert "\u2066ABS-7781\u2069" in reply, reply
    chat.say("/confirm_report")
    report = store.require(chat.slots()["report_ref"])
    assert report.prior_complaint_ref == "ABS-7781"
    assert report.prior_complaint_date.isoformat() == ago(21)
    assert report.platform == "أبشر"


# -- one answer, several slots --------------------------------------------------------------


def _to_the_date_question(chat: Chat, opening: str) -> None:
    chat.say(opening)
    chat.say("/affirm")
    answer_until(chat, "prior_complaint_date")  # lodged, not closed, no response time


@pytest.mark.parametrize(
    ("answer", "ref", "when"),
    [
        ("JAW-2026-88213 on 3 November", "JAW-2026-88213", "3 November"),
        ("قدمتها في ٣ نوفمبر ورقمها JAW-2026-88213", "JAW-2026-88213", "3 November"),
    ],
    ids=["en", "ar"],
)
def test_the_reference_and_the_date_in_one_answer(
    assistant: AssistantProcess, answer: str, ref: str, when: str
) -> None:
    chat = Chat(assistant)
    _to_the_date_question(chat, "I want to escalate a complaint about Absher")
    chat.say(answer)
    slots = chat.slots()
    assert slots["prior_complaint_date"] == on(when)
    assert slots["prior_complaint_ref"] == ref
    assert slots["requested_slot"] == "service_name"  # the number is not asked again


@pytest.mark.parametrize(
    ("opening", "answer", "name"),
    [
        ("أريد تقديم اقتراح تطوير لمنصة أبشر", "الاسم محمد القحطاني وهويتي ١٠٠٠٠٠٠٠٠٨",
         "محمد القحطاني"),
        ("I have a suggestion to improve Absher", f"my name is Sara Al Harbi, ID {VALID_ID}",
         "Sara Al Harbi"),
    ],
    ids=["ar", "en"],
)
def test_name_and_id_in_one_answer(
    assistant: AssistantProcess, opening: str, answer: str, name: str
) -> None:
    chat = Chat(assistant)
    chat.say(opening)
    chat.say("/affirm")
    answer_until(chat, "full_name")
    chat.say(answer)
    slots = chat.slots()
    assert slots["full_name"] == name and slots["national_id"] == VALID_ID
    assert slots["requested_slot"] == "mobile"


# -- yes/no in words, whatever NLU made of them -----------------------------------------------


@pytest.mark.parametrize(
    "answer",
    ["no, they gave no response time", "لا ما حددوا لي اي مدة", "لم تحدد الجهة أي مدة للرد"],
    ids=["en", "gulf", "msa"],
)
def test_a_yes_no_question_answered_in_words(assistant: AssistantProcess, answer: str) -> None:
    chat = Chat(assistant)
    chat.say("I want to escalate a complaint about Absher")
    chat.say("/affirm")
    answer_until(chat, "entity_gave_response_time")
    chat.say(answer)
    slots = chat.slots()
    assert slots["entity_gave_response_time"] is False
    assert slots["requested_slot"] == "prior_complaint_date"  # and the date is asked


@pytest.mark.parametrize(
    ("opening", "dont_know", "why"),
    [
        ("I want to escalate a complaint about Absher", "not sure", "I need a yes or a no"),
        ("ابي اصعد شكوى على ابشر", "والله ما ادري", "أحتاج هنا إلى «نعم» أو «لا»"),
        ("أرغب في تصعيد شكوى على منصة أبشر", "لست متأكدًا", "أحتاج هنا إلى «نعم» أو «لا»"),
    ],
    ids=["en", "gulf", "msa"],
)
def test_i_dont_know_to_a_yes_no_question_is_not_taken_for_no(
    assistant: AssistantProcess, opening: str, dont_know: str, why: str
) -> None:
    """"Did you lodge a complaint?" - "I don't know" was stored as "no" (#17)."""
    chat = Chat(assistant)
    chat.say(opening)
    chat.say("/affirm")
    assert chat.slots()["requested_slot"] == "prior_complaint_lodged"
    reply = chat.say(dont_know)
    slots = chat.slots()
    assert slots["prior_complaint_lodged"] is None and slots["lodging_blocked_by_fault"] is None
    assert slots["requested_slot"] == "prior_complaint_lodged"
    assert why in reply, reply
    chat.say("/affirm")
    assert chat.slots()["prior_complaint_lodged"] is True


def test_i_dont_know_the_response_time_counts_five_working_days(
    assistant: AssistantProcess,
) -> None:
    chat = Chat(assistant)
    chat.say("ابي اصعد شكوى على ابشر")
    chat.say("/affirm")
    answer_until(chat, "entity_gave_response_time", arabic=True)
    chat.say("مدري والله")
    slots = chat.slots()
    assert slots["entity_gave_response_time"] is False
    assert slots["requested_slot"] == "prior_complaint_date"


# -- a status question mid-form -------------------------------------------------------------


def _file_a_complaint(chat: Chat, *, arabic: bool) -> str:
    """A complaint filed from `chat`; its reference."""
    number = f"ST-{uuid.uuid4().int % 10**6:06d}"
    chat.say(f"رفعت شكوى على أبشر قبل ثلاث اسابيع رقمها {number} وما ردوا علي" if arabic
             else f"I filed a complaint about Absher three weeks ago, number {number}, no reply")
    chat.say("/affirm")
    answer_until(chat, None, arabic=arabic)
    chat.say("/confirm_report")
    reference = chat.slots()["report_ref"]
    assert reference, chat.last_text()
    return reference


@pytest.mark.parametrize(
    ("arabic", "question", "opening"),
    [
        (True, "وين وصل بلاغي {ref}؟", "ودي اقترح تطوير لتطبيق توكلنا"),
        (False, "what is the status of {ref}", "I have a suggestion to improve Tawakkalna"),
    ],
    ids=["gulf", "en"],
)
def test_a_status_question_mid_form_is_answered_and_the_form_goes_on(
    assistant: AssistantProcess, arabic: bool, question: str, opening: str
) -> None:
    """The status of the reporter's earlier report, asked in the middle of a new one (#17):
    it was taken for the name being asked."""
    chat = Chat(assistant)
    reference = _file_a_complaint(chat, arabic=arabic)
    chat.say(opening)
    chat.say("/affirm")
    asked = chat.slots()["requested_slot"]
    assert asked == "service_name"
    reply = chat.say(question.format(ref=reference))
    assert reference in reply and ("انتظار المراجعة" in reply or "waiting for review" in reply)
    assert "this report?" not in reply and "هذا البلاغ؟" not in reply, reply  # no options
    slots = chat.slots()
    assert slots["requested_slot"] == asked and slots["service_name"] is None
    assert slots["pending_name"] is None and slots["report_type"] == "development_suggestion"
    chat.say("تجديد الجواز" if arabic else "passport renewal")
    slots = chat.slots()
    assert slots["service_name"] or slots["pending_name"]  # the answer to the name, at last


def test_a_status_question_mid_form_about_another_channels_report(
    assistant: AssistantProcess,
) -> None:
    """Proving who asks would replace the form: the answer says how, the form goes on."""
    owner = Chat(assistant)
    reference = _file_a_complaint(owner, arabic=True)
    chat = Chat(assistant)
    chat.say("أرغب في تصعيد شكوى على منصة أبشر")
    chat.say("/affirm")
    assert chat.slots()["requested_slot"] == "prior_complaint_lodged"
    reply = chat.say(f"ما حالة البلاغ {reference}؟")
    assert "التحقق من هويتك" in reply and reference in reply, reply
    tracker = assistant.tracker(chat.sender)
    assert tracker["active_loop"]["name"] == "complaint_form"
    assert tracker["slots"]["requested_slot"] == "prior_complaint_lodged"
    assert "انتظار المراجعة" not in reply  # nothing of the report is shown


# -- a question answered off-topic: explained, then ways out ---------------------------------


@pytest.mark.parametrize(
    ("opening", "off_topic", "explained"),
    [
        ("I want to escalate a complaint about Absher", ["banana", "the weather is nice"],
         "Before Amer can take up a complaint"),
        ("ابي اصعد شكوى على ابشر", ["ههههه", "بطيخ"], "يجب أن تكون قد اشتكيت"),
        ("أرغب في تصعيد شكوى على منصة أبشر", ["السماء زرقاء", "برتقال"],
         "يجب أن تكون قد اشتكيت"),
        # NLU reads "what?" as an FAQ question: it was offered two FAQ answers to choose from
        ("I want to escalate a complaint about Absher", ["hmm", "what?"],
         "Before Amer can take up a complaint"),
    ],
    ids=["en", "gulf", "msa", "en-sounds"],
)
def test_never_the_same_question_a_third_time(
    assistant: AssistantProcess, opening: str, off_topic: list[str], explained: str
) -> None:
    chat = Chat(assistant)
    chat.say(opening)
    first = chat.say("/affirm")
    assert chat.slots()["requested_slot"] == "prior_complaint_lodged"
    question = first.split("\n")[-1]
    second = chat.say(off_topic[0])
    assert explained in second and question not in second, second
    third = chat.say(off_topic[1])
    assert question not in third and explained not in third, third
    payloads = button_payloads(chat)
    assert {"/human_handoff", "/restart", "/cancel"} <= set(payloads), payloads
    slots = chat.slots()
    assert slots["asked_again"]["times"] == 3 and slots["report_type"] == "complaint_escalation"
    assert slots["requested_slot"] == "prior_complaint_lodged"


def test_after_the_ways_out_a_digression_brings_the_question_back_as_written(
    assistant: AssistantProcess,
) -> None:
    """A question answered after the ways out: the form resumes with its own question."""
    chat = Chat(assistant)
    chat.say("ابي اصعد شكوى على ابشر")
    question = chat.say("/affirm").split("\n")[-1]
    chat.say("ههههه")
    chat.say("بطيخ")
    assert "/restart" in button_payloads(chat)
    reply = chat.say("وش يعني SLA؟")
    assert reply.split("\n")[-1] == question, reply
    assert chat.slots()["requested_slot"] == "prior_complaint_lodged"


def test_i_dont_know_from_the_ways_out_ends_with_the_reason(assistant: AssistantProcess) -> None:
    chat = Chat(assistant)
    _to_the_date_question(chat, "I want to escalate a complaint about Absher")
    chat.say("three weeks ago")
    assert chat.slots()["requested_slot"] == "prior_complaint_ref"
    chat.say("hmm")
    chat.say("purple banana")
    assert "I don't know" in button_payloads(chat)
    reply = chat.say("I don't know")
    assert "number" in reply and chat.slots()["report_type"] is None, reply


# -- corrections ------------------------------------------------------------------------------


def test_a_date_corrected_in_passing(assistant: AssistantProcess) -> None:
    chat = Chat(assistant)
    _to_the_date_question(chat, "I want to escalate a complaint about Absher")
    chat.say("three weeks ago")
    reply = chat.say("no, the date was 3 November")
    assert "Changed" in reply, reply
    slots = chat.slots()
    assert slots["prior_complaint_date"] == on("3 November")
    assert slots["requested_slot"] == "prior_complaint_ref"  # back where the user was


@pytest.mark.parametrize(
    ("opening", "correction", "platform"),
    [
        ("عندي اقتراح تطوير لأبشر", "لا، المنصة توكلنا مو أبشر", "توكلنا"),
        ("I have a suggestion to improve Absher", "no, the platform is Tawakkalna not Absher",
         "Tawakkalna"),
    ],
    ids=["gulf", "en"],
)
def test_the_platform_corrected_in_passing(
    assistant: AssistantProcess, opening: str, correction: str, platform: str
) -> None:
    chat = Chat(assistant)
    chat.say(opening)
    chat.say("/affirm")
    asked = chat.slots()["requested_slot"]
    chat.say(correction)
    slots = chat.slots()
    assert slots["platform"] == platform and slots["requested_slot"] == asked


def test_the_mobile_corrected_in_the_personal_form_is_proven_again(
    assistant: AssistantProcess,
) -> None:
    chat = Chat(assistant)
    chat.say("أطلب تحويل خدمة ورقية إلى خدمة رقمية")
    chat.say("نعم")
    answer_until(chat, "mobile_code", arabic=True)
    reply = chat.say("عفوا رقم جوالي 0561234567")
    slots = chat.slots()
    assert slots["mobile"] == "+966561234567" and slots["mobile_code"] is None, reply
    assert is_arabic(chat.last)


def test_a_value_changed_at_the_summary_without_a_question(assistant: AssistantProcess) -> None:
    chat = Chat(assistant)
    chat.say("I want to escalate a complaint about Absher")
    chat.say("/affirm")
    answer_until(chat, None)
    reply = chat.say("change the title to Renewal keeps failing")
    slots = chat.slots()
    assert slots["title"] == "Renewal keeps failing" and slots["intake_step"] == "summary"
    assert "summary of your report" in reply and "Renewal keeps failing" in reply, reply


# -- switching type, starting over ------------------------------------------------------------


@pytest.mark.parametrize(
    ("opening", "switch", "yes", "new_type"),
    [
        ("I want to escalate a complaint about Absher",
         "actually I want to suggest an improvement instead", "yes", "development_suggestion"),
        ("أرغب في تصعيد شكوى على منصة أبشر", "بدلًا من الشكوى أريد تقديم طلب تحول", "نعم",
         "transformation_request"),
    ],
    ids=["en", "msa"],
)
def test_switching_type_mid_form_keeps_the_personal_data(
    assistant: AssistantProcess, opening: str, switch: str, yes: str, new_type: str
) -> None:
    chat = Chat(assistant)
    chat.say(opening)
    chat.say("/affirm")
    chat.say(switch)
    assert "/affirm" in button_payloads(chat) and chat.slots()["switch_to"] == new_type
    chat.say(yes)
    slots = chat.slots()
    assert slots["report_type"] == new_type and slots["prior_complaint_lodged"] is None


@pytest.mark.parametrize(
    ("opening", "wanted"),
    [
        ("خلها اقتراح مو شكوى", "development_suggestion"),
        ("make it an outage report, not a complaint", "entity_outage"),
    ],
    ids=["gulf", "en"],
)
def test_a_switch_before_any_report_proposes_the_type_it_names(
    assistant: AssistantProcess, opening: str, wanted: str
) -> None:
    """Was the list of types: the switch had no draft to leave, and the type was lost."""
    chat = Chat(assistant)
    chat.say(opening)
    tracker = assistant.tracker(chat.sender)
    assert tracker["latest_message"]["intent"]["name"] == "switch_report_type"
    assert chat.slots()["proposed_report_type"] == wanted
    chat.say("/affirm")
    assert chat.slots()["report_type"] == wanted


def test_switching_declined_resumes_the_draft(assistant: AssistantProcess) -> None:
    chat = Chat(assistant)
    chat.say("ابي اصعد شكوى على ابشر")
    chat.say("/affirm")
    answer_until(chat, "prior_complaint_lodged", arabic=True)
    chat.say("ايه")  # lodged
    chat.say("ابي اغير نوع البلاغ")
    chat.say("لا")
    slots = chat.slots()
    assert slots["report_type"] == "complaint_escalation"
    assert slots["prior_complaint_lodged"] is True and slots["requested_slot"] == "complaint_closed"


@pytest.mark.parametrize(
    ("start_over", "check"), [("ابدأ من جديد", is_arabic), ("start over", is_english)],
    ids=["ar", "en"],
)
def test_start_over_forgets_all_but_the_language(
    assistant: AssistantProcess, start_over: str, check
) -> None:
    chat = Chat(assistant)
    chat.say("رفعت شكوى على أبشر قبل اسبوعين" if check is is_arabic else
             "I filed a complaint about Absher two weeks ago")
    chat.say("/affirm")
    chat.say(start_over)
    slots = chat.slots()
    assert slots["report_type"] is None and slots["prior_complaint_date"] is None
    assert check(chat.last)


# -- a person ---------------------------------------------------------------------------------


class Pushes:
    """What the agent's desk would push (REST has no push: the lines wait for the next turn)."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str, str]] = []

    def __call__(self, channel: str, recipient: str, text: str) -> bool:
        self.sent.append((channel, recipient, text))
        return False


def request_of(assistant: AssistantProcess, chat: Chat) -> handoffs.Request:
    request = handoffs.current(assistant.env["DATABASE_URL"], conversation_id(chat.sender))
    assert request is not None, "the conversation was not queued"
    return request


def desk(assistant: AssistantProcess, agent: str = "A17") -> Desk:
    """An agent's desk on the assistant's store, its clock on the assistant's Sunday (it
    started later than the assistant's: no request looks older to it than it is)."""
    clock = OffsetClock(datetime.fromisoformat(ON_DUTY))
    return Desk(agent, assistant.env["DATABASE_URL"], clock=clock, push=Pushes())


def start_complaint(chat: Chat, opening: str) -> None:
    chat.say(opening)
    chat.say("/affirm")
    answer_until(chat, "prior_complaint_lodged")
    chat.say("/affirm")  # lodged


@pytest.mark.parametrize(
    ("opening", "ask", "back"),
    [("I want to escalate a complaint about Absher", "can I talk to a human please",
      "back with the assistant"),
     ("ابي اصعد شكوى على ابشر", "ابي اكلم موظف", "عدت إلى المساعد")],
    ids=["en", "gulf"],
)
def test_a_person_asked_for_mid_form_queues_the_chat_and_the_draft_waits(
    assistant: AssistantProcess, opening: str, ask: str, back: str
) -> None:
    chat = Chat(assistant)
    start_complaint(chat, opening)
    reply = chat.say(ask)
    assert "/handoff_leave" in button_payloads(chat), reply
    assert "2 minutes" in reply or "دقيقتين" in reply, reply
    request = request_of(assistant, chat)
    assert request.state == "waiting" and request.channel == "rest"
    assert request.report_type == "complaint_escalation"
    assert request.answers["prior_complaint_lodged"] is True
    assert request.transcript[0] == {"who": "user", "text": opening}
    assert chat.slots()["handoff_return"] == "complaint_form"
    reply = chat.say("/handoff_leave")  # "Back to the assistant"
    assert back in reply, reply
    slots = chat.slots()
    assert slots["prior_complaint_lodged"] is True and slots["requested_slot"] == "complaint_closed"
    assert slots["handoff_return"] is None
    ended = handoffs.get(assistant.env["DATABASE_URL"], request.id)
    assert ended.state == "closed" and ended.ended_by == "user"


@pytest.mark.parametrize(
    ("opening", "ask", "hello", "problem", "answer"),
    [("I want to escalate a complaint about Absher", "I want to talk to a person", "hello?",
      "the renewal fails at the payment step", "Hello, this is Noura from Amer. Go on please."),
     ("ابي اصعد شكوى على ابشر", "ابي اكلم موظف", "فيه احد؟", "التجديد يعلق عند الدفع",
      "السلام عليكم، معك نورة من مركز آمر. تفضل")],
    ids=["en", "gulf"],
)
def test_an_agent_takes_the_chat_answers_in_it_and_hands_back_then_the_report_is_filed(
    assistant: AssistantProcess, store: ReportRepository,
    opening: str, ask: str, hello: str, problem: str, answer: str,
) -> None:  # fmt: skip
    chat = Chat(assistant)
    arabic = not opening.isascii()
    chat.say(opening)
    chat.say("/affirm")
    answer_until(chat, "prior_complaint_lodged", arabic=arabic)
    chat.say("/affirm")
    chat.say(ask)
    waiting = chat.say(hello)  # before an agent joins
    assert ("وصلت رسالتك" if arabic else "the agent will read this") in waiting, waiting
    agent = desk(assistant)
    request = request_of(assistant, chat)
    assert request.id in [r.id for r in agent.waiting()]
    assert agent.take(request.id) is not None
    assert desk(assistant, "A18").take(request.id) is None  # one agent a chat
    lines, still_open = agent.incoming()
    assert [line.text for line in lines] == [hello] and still_open
    assert agent.say(answer)
    reply = chat.say(problem)
    assert answer in reply and ("الموظف" if arabic else "Agent:") in reply, reply
    assert [line.text for line in agent.incoming()[0]] == [problem]
    assert chat.say("?") == ""  # for the agent: no reply of the assistant's, and no fault
    assert chat.slots()["requested_slot"] == "handoff_over"  # still with the agent
    agent.hand_back()
    reply = chat.say("تمام" if arabic else "ok")
    assert ("أعادها إليّ" if arabic else "handed the chat back") in reply, reply
    assert chat.slots()["requested_slot"] == "complaint_closed"  # where it stopped
    prior = f"ABS-{uuid.uuid4().int % 10**6:06d}"  # a complaint no other test escalates
    answer_until(chat, None, arabic=arabic, prior_complaint_ref=prior)
    chat.say("/confirm_report")
    report = store.require(chat.slots()["report_ref"])
    assert report.type == "complaint_escalation" and report.prior_complaint_ref == prior
    assert handoffs.current(assistant.env["DATABASE_URL"], conversation_id(chat.sender)) is None


@pytest.mark.parametrize(
    ("opening", "ask", "hello", "nobody"),
    [("I want to escalate a complaint about Absher", "I need a human agent", "hello?",
      "no agent is free"),
     ("أرغب في تصعيد شكوى على منصة أبشر", "أريد التحدث مع موظف", "مرحبا؟", "لم يتفرغ أحد")],
    ids=["en", "msa"],
)
def test_nobody_takes_the_chat_in_two_minutes_the_user_gets_the_number_and_the_draft(
    assistant: AssistantProcess, opening: str, ask: str, hello: str, nobody: str
) -> None:
    chat = Chat(assistant)
    start_complaint(chat, opening)
    chat.say(ask)
    request = request_of(assistant, chat)
    with session_scope(assistant.env["DATABASE_URL"], write=True) as session:  # 3 minutes pass
        session.execute(
            update(Handoff)
            .where(Handoff.id == request.id)
            .values(requested_at=request.requested_at - timedelta(minutes=3))
        )
    reply = chat.say(hello)
    assert nobody in reply and "199099" in reply, reply
    slots = chat.slots()
    assert slots["prior_complaint_lodged"] is True and slots["requested_slot"] == "complaint_closed"
    assert handoffs.get(assistant.env["DATABASE_URL"], request.id).state == "expired"
    assert desk(assistant).take(request.id) is None  # too late for an agent


def test_the_way_out_button_for_a_person(assistant: AssistantProcess) -> None:
    chat = Chat(assistant)
    chat.say("I want to escalate a complaint about Absher")
    chat.say("/affirm")
    chat.say("purple")
    chat.say("elephant")
    reply = chat.say("/human_handoff")
    assert "/handoff_leave" in button_payloads(chat), reply
    assert chat.slots()["report_type"] == "complaint_escalation"
    assert request_of(assistant, chat).answers["report_type"] == "complaint_escalation"


def test_a_person_outside_a_report_and_back_to_the_menu(assistant: AssistantProcess) -> None:
    chat = Chat(assistant)
    chat.say("ابي اكلم موظف")
    assert chat.slots()["handoff_return"] is None
    agent = desk(assistant)
    agent.take(request_of(assistant, chat).id)
    agent.say("كيف أقدر أخدمك؟")
    assert "كيف أقدر أخدمك؟" in chat.say("ابي اعرف حالة بلاغي")
    agent.hand_back()
    reply = chat.say("شكرا")
    assert "أعادها إليّ" in reply and "تقديم بلاغ" in reply, reply
    assert chat.slots()["requested_slot"] is None and chat.slots()["handoff_over"] is None


def test_starting_over_while_waiting_for_a_person_leaves_the_queue(
    assistant: AssistantProcess,
) -> None:
    chat = Chat(assistant)
    start_complaint(chat, "I want to escalate a complaint about Absher")
    chat.say("talk to a human")
    request = request_of(assistant, chat)
    chat.say("/restart")
    assert chat.slots()["report_type"] is None
    assert handoffs.get(assistant.env["DATABASE_URL"], request.id).ended_by == "user"
    assert desk(assistant).take(request.id) is None


def test_a_person_asked_for_while_proving_who_asks_about_a_report(
    assistant: AssistantProcess, store: ReportRepository
) -> None:
    """Asking about a report filed on another channel, the ID is asked (identity_form); a
    person asked for there is queued too, and the question comes back afterwards."""
    from tests.conftest import build_draft

    reference = store.file_report(
        build_draft(sender_id=f"telegram:{uuid.uuid4().int % 10**9}"),
        f"handoff-identity-{uuid.uuid4().hex}",
    ).reference
    chat = Chat(assistant)
    chat.say(f"ما حالة البلاغ {reference}")
    assert chat.slots()["requested_slot"] == "national_id", chat.last_text()
    chat.say("ابي اكلم موظف")
    request = request_of(assistant, chat)
    assert chat.slots()["handoff_return"] == "identity_form"
    assert any(reference in line["text"] for line in request.transcript)
    reply = chat.say("/handoff_leave")
    assert "عدت إلى المساعد" in reply, reply
    assert chat.slots()["requested_slot"] == "national_id"


# -- insults and "I don't know" ------------------------------------------------------------


@pytest.mark.parametrize(
    ("opening", "insult", "calm"),
    [("I want to escalate a complaint about Absher", "you are the most useless bot ever",
      "I am sorry this has been frustrating"),
     ("ابي اصعد شكوى على ابشر", "والله انك بوت فاشل", "يؤسفني أن التجربة أزعجتك")],
    ids=["en", "gulf"],
)
def test_an_insult_mid_form_is_answered_calmly_and_the_form_goes_on(
    assistant: AssistantProcess, opening: str, insult: str, calm: str
) -> None:
    chat = Chat(assistant)
    start_complaint(chat, opening)
    reply = chat.say(insult)
    assert calm in reply and "/human_handoff" in button_payloads(chat), reply
    slots = chat.slots()
    assert slots["prior_complaint_lodged"] is True and slots["requested_slot"] == "complaint_closed"
    assert slots["complaint_closed"] is None  # the insult was not taken for an answer


@pytest.mark.parametrize(
    ("text", "expected"),
    [("no idea honestly", "Here is what I can help with"), ("والله ما ادري", "هذا ما أستطيع")],
    ids=["en", "gulf"],
)
def test_i_dont_know_with_nothing_asked_gets_the_ways_on(
    assistant: AssistantProcess, text: str, expected: str
) -> None:
    chat = Chat(assistant)
    reply = chat.say(text)
    assert expected in reply, reply
    assert {"/ask_report_types", "/check_status", "/human_handoff"} <= set(button_payloads(chat))


# -- digressions, a yes out of context, names ------------------------------------------------


@pytest.mark.parametrize(
    ("opening", "question"),
    [("I want to escalate a complaint about Absher", "what is the SLA for a report?"),
     ("أرغب في تصعيد شكوى على منصة أبشر", "كم مدة معالجة البلاغ؟")],
    ids=["en", "msa"],
)
def test_an_faq_mid_form_is_answered_and_the_form_goes_on(
    assistant: AssistantProcess, opening: str, question: str
) -> None:
    chat = Chat(assistant)
    chat.say(opening)
    chat.say("/affirm")
    reply = chat.say(question)
    assert "5" in reply, reply
    slots = chat.slots()
    assert slots["requested_slot"] == "prior_complaint_lodged"
    assert slots["report_type"] == "complaint_escalation"


# -- while "is this a <type>?" waits, before any form ------------------------------------


@pytest.mark.parametrize(
    ("opening", "question", "correction", "yes", "platform"),
    [
        ("رفعت شكوى على أبشر قبل اسبوعين وما ردوا", "كم مدة معالجة البلاغ؟",
         "لا، المنصة توكلنا مو أبشر", "نعم", "توكلنا"),
        ("قدمت شكوى على منصة أبشر قبل ثلاثة أسابيع ولم يتم الرد عليها",
         "ما هو مستوى الخدمة لمعالجة البلاغ؟", "لا، المنصة هي توكلنا وليس أبشر", "نعم",
         "توكلنا"),
        ("I have a suggestion to improve Absher", "what does SLA mean?",
         "no, the platform is Tawakkalna not Absher", "yes", "Tawakkalna"),
    ],
    ids=["gulf", "msa", "en"],
)
def test_a_question_and_a_correction_while_the_proposal_waits(
    assistant: AssistantProcess, opening: str, question: str, correction: str, yes: str,
    platform: str,
) -> None:
    chat = Chat(assistant)
    first = chat.say(opening)
    proposed = chat.slots()["proposed_report_type"]
    # the question is answered, and the proposal is asked again (its yes/no buttons too)
    reply = chat.say(question)
    assert "5" in reply, reply
    assert {"/affirm", "/deny"} <= set(button_payloads(chat)), reply
    assert chat.slots()["report_type"] is None
    # the platform the first message named is changed, and the proposal names the new one
    reply = chat.say(correction)
    assert platform in reply and {"/affirm", "/deny"} <= set(button_payloads(chat)), reply
    assert reply.count(platform) >= 2, reply  # "changed: …" and the proposal again
    assert first != reply
    # "yes" still answers the proposal: the form starts with the corrected platform
    chat.say(yes)
    slots = chat.slots()
    assert slots["report_type"] == proposed
    assert slots["platform"] == platform
    assert slots["requested_slot"], "the type's form asks its first question"


@pytest.mark.parametrize(
    ("opening", "asides", "check"),
    [
        ("ابي اقدم اقتراح تطوير لأبشر", ["انت بوت؟", "ابي اعدل اسم المنصة", "انت غبي"],
         is_arabic),
        ("I have a suggestion to improve Absher",
         ["are you a bot?", "I want to change the platform name", "you are useless"],
         is_english),
    ],
    ids=["gulf", "en"],
)
def test_asides_while_the_proposal_waits_keep_it(
    assistant: AssistantProcess, opening: str, asides: list[str], check
) -> None:
    chat = Chat(assistant)
    chat.say(opening)
    for aside in asides:  # a challenge, a correction with no new value, an insult
        reply = chat.say(aside)
        assert check(chat.last), reply
        assert {"/affirm", "/deny"} <= set(button_payloads(chat)), (aside, reply)
    slots = chat.slots()
    assert slots["proposed_report_type"] == "development_suggestion"
    assert slots["platform"] in ("أبشر", "Absher")  # nothing changed without a new value
    chat.say("/affirm")
    assert chat.slots()["report_type"] == "development_suggestion"


@pytest.mark.parametrize(
    ("question", "yes"),
    [("what is the SLA for a report?", "yes"), ("كم مدة معالجة البلاغ؟", "نعم")],
    ids=["en", "ar"],
)
def test_a_yes_after_an_faq_answer_gets_next_steps(
    assistant: AssistantProcess, question: str, yes: str
) -> None:
    chat = Chat(assistant)
    chat.say(question)
    chat.say(yes)
    assert {"/ask_report_types", "/check_status", "/human_handoff"} <= set(button_payloads(chat))


@pytest.mark.parametrize(
    ("opening", "service", "sentence"),
    [
        ("I have a suggestion to improve Absher", "passprt renwal",
         "the thing is I cannot finish it because the page freezes every single time"),
        ("عندي اقتراح تطوير لأبشر", "تجديد جواز",
         "المشكلة إن الصفحة تعلق كل مرة وما اقدر اكمل الطلب أبدًا"),
    ],
    ids=["en", "gulf"],
)
def test_a_sentence_is_not_taken_for_a_name(
    assistant: AssistantProcess, opening: str, service: str, sentence: str
) -> None:
    chat = Chat(assistant)
    chat.say(opening)
    chat.say("/affirm")
    assert chat.slots()["requested_slot"] == "service_name"
    chat.say(service)
    assert chat.slots()["pending_name"], "a close name is confirmed first"
    chat.say(sentence)
    slots = chat.slots()
    assert slots["service_name"] is None and slots["pending_name"]
    assert slots["requested_slot"] == "service_name"


@pytest.mark.parametrize(
    ("first", "second", "check"),
    [("zqxv blorf wemp", "qqwx zzkp", is_english), ("ققق ثثثث", "ضضضظ غغغ", is_arabic)],
    ids=["en", "ar"],
)
def test_two_unplaced_messages_in_a_row_get_the_types_and_a_person(
    assistant: AssistantProcess, first: str, second: str, check
) -> None:
    chat = Chat(assistant)
    chat.say("hello" if check is is_english else "مرحبا")
    chat.say(first)
    assert "/human_handoff" not in button_payloads(chat)  # the first time: say it otherwise
    chat.say(second)
    payloads = button_payloads(chat)
    assert payloads[-1] == "/human_handoff" and len(payloads) == 5, payloads
    assert check(chat.last)
