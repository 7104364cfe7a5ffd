"""bot.intake.answers: one reply, read for the slot that was asked."""

from __future__ import annotations

from datetime import date

import pytest

from bot.intake.answers import is_filler, names_a_command, parse_answer, parse_yes_no
from tests.yaml_files import domain_yaml

TODAY = date(2026, 11, 23)


@pytest.mark.parametrize(
    ("text", "intent", "expected"),
    [
        ("نعم", None, True),
        ("ايه", None, True),
        ("yes I did", None, True),
        ("I have", None, True),
        ("I need a human agent", None, None),  # "I" alone says nothing
        ("I think the service is down", None, None),
        ("لا", None, False),
        ("لا ما قدمت", None, False),
        ("no", None, False),
        ("whatever", "affirm", True),
        ("whatever", "deny", False),
        ("the weather is nice today", None, None),
    ],
)
def test_yes_no(text: str, intent: str | None, expected: bool | None) -> None:
    assert parse_yes_no(text, intent) is expected


@pytest.mark.parametrize(
    ("slot", "text", "value"),
    [
        ("complaint_closed", "ايوه", True),
        ("closed_complaint_kind", "إجراءات الجهة", "procedural"),
        ("closed_complaint_kind", "technical problem", "technical"),
        ("reporter_role", "أنا نائب مدير فريق الأزمات", "deputy"),
        ("outage_kind", "صيانة مجدولة", "scheduled_maintenance"),
        ("service_channel", "through the app", "app"),
        ("service_channel", "تخطي", ""),
        ("prior_complaint_date", "٣ نوفمبر", "2026-11-03"),
        ("prior_complaint_date", "قبل اسبوع", "2026-11-16"),
        ("response_due", "2026-12-10", "2026-12-10"),
        ("prior_complaint_ref", " q-77410 ", "Q-77410"),
        ("national_id", "١٠٠٠٠٠٠٠٠٨", "1000000008"),
        ("mobile", "+966 55 123 4567", "+966551234567"),
        ("email", "Name@Example.com", "Name@example.com"),
        ("email", "skip", ""),
        ("full_name", "  Sara   Al-Qahtani ", "Sara Al-Qahtani"),
        ("service_name", "I don't know", ""),
        ("title", "Payment page fails", "Payment page fails"),
    ],
)
def test_values(slot: str, text: str, value: object) -> None:
    answer = parse_answer(slot, text, today=TODAY)
    assert answer.ok, answer
    assert answer.value == value


@pytest.mark.parametrize(
    ("slot", "text", "error"),
    [
        ("complaint_closed", "the weather is nice today", "yes_no_expected"),
        ("closed_complaint_kind", "banana", "choice_expected"),
        ("prior_complaint_date", "2027-01-01", "date_in_future"),
        ("prior_complaint_date", "بكرة", "date_in_future"),
        ("prior_complaint_date", "sometime", "date_unrecognised"),
        ("prior_complaint_ref", "no number", "not_an_answer"),
        ("national_id", "1000000009", "national_id_check_digit"),
        ("national_id", "3000000003", "national_id_first_digit"),
        ("mobile", "0112345678", "mobile_not_mobile"),
        ("email", "not-an-email@", "email_invalid"),
        ("full_name", "Sara", "full_name_one_word"),
        ("title", "ab", "title_length"),
        ("description", "short", "description_length"),
    ],
)
def test_errors(slot: str, text: str, error: str) -> None:
    assert parse_answer(slot, text, today=TODAY).error == error


def test_button_choice_wins_over_words() -> None:
    answer = parse_answer(
        "closed_complaint_kind", "/choose", entities={"choice": "procedural"}, today=TODAY
    )
    assert answer.value == "procedural"


def test_every_error_code_has_a_reply_in_the_domain() -> None:

    from bot.intake import dates, personal

    responses = domain_yaml()["responses"]
    codes = {
        *personal.ERROR_CODES, *dates.ERROR_CODES, "yes_no_expected", "choice_expected",
        "prior_ref_invalid", "title_length", "description_length", "name_length",
    }
    missing = sorted(code for code in codes if f"utter_invalid_{code}" not in responses)
    assert not missing


@pytest.mark.parametrize(
    ("text", "command"),
    [
        ("cancel", True),
        ("إلغاء", True),
        ("الغ الطلب", True),
        ("ابدأ من جديد", True),
        ("start over", True),
        ("passport renewal", False),
        ("تجديد الهوية", False),
    ],
)
def test_cancel_words(text: str, command: bool) -> None:
    assert names_a_command(text) is command


@pytest.mark.parametrize("text", ["hmm", "what?", "ههههه", "وش", "hmm ok", "ممم", "lol"])
def test_sounds_and_question_words_are_no_answer_to_a_free_text_question(text: str) -> None:
    for slot in ("title", "service_channel", "entity_name", "service_name"):
        assert parse_answer(slot, text, today=TODAY).error == "not_an_answer", (slot, text)


@pytest.mark.parametrize(
    "text", ["the website", "Cannot renew", "تعذر التجديد", "kiosk at the mall"]
)
def test_short_real_answers_are_not_fillers(text: str) -> None:
    assert not is_filler(text)


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("ما ادري", None),
        ("مدري والله", None),
        ("مو متأكد", None),
        ("لا والله ما ادري", "deny"),  # NLU's "deny" does not make it a "no"
        ("not sure", None),
        ("no idea", "deny"),
        ("I don't remember", None),
    ],
)
def test_i_dont_know_is_neither_yes_nor_no(text: str, intent: str | None) -> None:
    assert parse_yes_no(text, intent) is None


def test_a_yes_before_i_dont_know_is_a_yes() -> None:
    assert parse_yes_no("ايه بس ما اعرف رقمها") is True
    assert parse_yes_no("yes, but I don't know the number") is True


@pytest.mark.parametrize("text", ["ما ادري", "not sure", "مو متأكد"])
def test_i_dont_know_to_a_yes_no_question_is_explained_not_stored(text: str) -> None:
    """"Did you lodge a complaint?" - "I don't know" is not stored as "no" (#17)."""
    for slot in ("prior_complaint_lodged", "complaint_closed", "service_is_digital"):
        answer = parse_answer(slot, text, today=TODAY)
        assert (answer.value, answer.error) == (None, "dont_know_yes_no"), slot


@pytest.mark.parametrize("text", ["ما ادري", "not sure", "لا أعرف"])
def test_i_dont_know_is_no_where_the_rules_read_no_as_not_known(text: str) -> None:
    """No response time known: the guide's five working days; no alternative known."""
    for slot in ("entity_gave_response_time", "has_digital_alternative"):
        assert parse_answer(slot, text, today=TODAY).value is False, slot


@pytest.mark.parametrize("text", ["لا", "no", "لا ما عندي", "nope", "وش دخل الرقم"])
def test_a_no_to_the_number_question_is_no_answer_not_a_mistyped_number(text: str) -> None:
    assert parse_answer("prior_complaint_ref", text, today=TODAY).error == "not_an_answer"
    assert parse_answer("prior_complaint_ref", "no 4471-X", today=TODAY).error is None


@pytest.mark.parametrize("slot", ["service_channel", "title", "description", "platform",
                                  "service_name", "entity_name", "full_name"])
@pytest.mark.parametrize(("text", "intent"), [("/affirm", "affirm"), ("/deny_x", None),
                                              ('/choose{"choice": "app"}', "choose")])
def test_an_old_buttons_payload_is_not_a_typed_answer(slot: str, text: str,
                                                      intent: str | None) -> None:
    """Found by hand: "Yes" of the report-type question pressed while the channel was asked
    stored "/affirm" as the channel (shown in the summary). A payload is never free text;
    the channel's own buttons still count."""
    entities = {"choice": "app"} if slot == "service_channel" and "choose" in text else {}
    answer = parse_answer(slot, text, intent=intent, entities=entities, today=TODAY)
    if entities:
        assert answer.value == "app"
    else:
        assert answer.value is None and answer.error is not None, answer


def test_a_slash_inside_typed_text_is_still_text() -> None:
    assert parse_answer("service_name", "تجديد / إصدار جواز", today=TODAY).value == (
        "تجديد / إصدار جواز")
    assert parse_answer("description", "/ the page at /en/pay fails with an error",
                        today=TODAY).value is not None
