"""bot.nlu.language: script, language, switch requests and the conversation language."""

from __future__ import annotations

import pytest

from bot.nlu.language import (
    DATA_SLOTS,
    decide_language,
    detect_script,
    language_of,
    requested_language,
)

# (text, detect_script, language_of)
DETECTION_CASES = [
    # Modern Standard Arabic
    ("أريد تقديم بلاغ عن خدمة إلكترونية", "arabic", "ar"),
    ("السلام عليكم ورحمة الله وبركاته", "arabic", "ar"),
    ("لم أتمكن من تسجيل الدخول إلى المنصة", "arabic", "ar"),
    ("مُحَمَّدٌ", "arabic", "ar"),
    # Saudi dialect
    ("أبغى أشتكي", "arabic", "ar"),
    ("وش السالفة؟", "arabic", "ar"),
    ("ليش ما يفتح التطبيق", "arabic", "ar"),
    ("ابي اشتكي", "arabic", "ar"),
    ("ما احد رد علي", "arabic", "ar"),
    ("هلا", "arabic", "ar"),
    # English
    ("I want to file a complaint", "latin", "en"),
    ("Hello", "latin", "en"),
    ("the website doesn't load", "latin", "en"),
    ("Café crème", "latin", "en"),
    # mixed: the majority of the words decides
    ("ابي اشتكي على Absher", "mixed", "ar"),
    ("I want to complain about أبشر", "mixed", "en"),
    ("ابي اسجل بلاغ عن Tawakkalna application", "mixed", "ar"),
    ("my نفاذ account is locked", "mixed", "en"),
    ("ok تمام", "mixed", "ar"),
    ("ابغى اقدم شكوى on Tawakkalna app", "mixed", "ar"),  # tie in words: letters decide
    # a stray letter or two of the other script is not "mixed"
    ("Hello, I would like to file a complaint about the ministry, my name is Ali ع", "latin", "en"),
    # Arabizi: Latin letters, Arabic language
    ("salam", "latin", "ar"),
    ("3arabi", "latin", "ar"),
    ("mar7aba ya shabab", "latin", "ar"),
    # no letters
    ("1098765432", "none", None),
    ("١٠٩٨٧٦٥٤٣٢", "none", None),
    ("+966 55 123 4567", "none", None),
    ("user@example.com", "none", None),
    ("  mohammed.alqahtani+1@gmail.com ", "none", None),
    ("https://www.absher.sa/portal/login", "none", None),
    ("BR-7K3Q9PX2", "none", None),
    ("br 7k3q9px2", "none", None),
    ("٢٠٢٤/٠٣/١٥", "none", None),
    ("👍", "none", None),
    ("", "none", None),
    ("\u200f\u200e", "none", None),
    ("Привет", "none", None),
    # what is not language is not counted
    ("رقم البلاغ BR-7K3Q9PX2", "arabic", "ar"),
    ("ايميلي mohammed@example.com", "arabic", "ar"),
    ("my brother", "latin", "en"),  # "br..." is no report reference
]


@pytest.mark.parametrize(("text", "script", "_language"), DETECTION_CASES)
def test_detect_script(text: str, script: str, _language: str | None) -> None:
    assert detect_script(text) == script


@pytest.mark.parametrize(("text", "_script", "language"), DETECTION_CASES)
def test_language_of(text: str, _script: str, language: str | None) -> None:
    assert language_of(text) == language


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # English requests
        ("English please", "en"),
        ("english pls", "en"),
        ("speak english", "en"),
        ("in English", "en"),
        ("English", "en"),
        ("Can you speak English?", "en"),
        ("switch to english", "en"),
        ("Sorry, English only", "en"),
        ("I don't speak Arabic", "en"),
        ("Arabic please", "ar"),
        ("can we continue in arabic", "ar"),
        ("in arabic please", "ar"),
        ("switch from English to Arabic", "ar"),
        ("I don't understand English", "ar"),
        # Arabic requests
        ("بالانجليزي", "en"),
        ("بالإنجليزي لو سمحت", "en"),
        ("انقلش", "en"),
        ("ممكن انجليزي", "en"),
        ("كلمني انجليزي", "en"),
        ("ما افهم عربي", "en"),
        ("من العربي للانجليزي", "en"),
        ("كلمني عربي", "ar"),
        ("ممكن نكمل بالعربي؟", "ar"),
        ("عربي لو سمحت", "ar"),
        ("بالعربية من فضلك", "ar"),
        ("تكلم عربي", "ar"),
        ("3arabi", "ar"),
        ("English لو سمحت", "en"),
    ],
)
def test_requested_language(text: str, expected: str) -> None:
    assert requested_language(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "I speak Arabic but my documents are in English",
        "The English version of the Absher website is broken",
        "I want to file a complaint in English about the Arabic website",
        "ابي اشتكي على الموقع الانجليزي",
        "الموقع بالعربي ما يفتح",
        "my English is not very good",
        "hello",
        "please",
        "ممكن",
        "English Arabic",
        "",
        "1098765432",
    ],
)
def test_requested_language_ignores_mentions(text: str) -> None:
    assert requested_language(text) is None


@pytest.mark.parametrize(
    ("previous", "text", "slot", "expected"),
    [
        # a name, platform or address in Latin letters keeps an Arabic conversation Arabic
        ("ar", "Mohammed Alqahtani", "full_name", "ar"),
        ("ar", "Mohammed bin Abdullah Al Qahtani", "full_name", "ar"),
        ("ar", "Absher", "platform", "ar"),
        ("ar", "Ministry of Health", "entity_name", "ar"),
        ("ar", "passport renewal", "service_name", "ar"),
        ("ar", "my email is john@example.com", "email", "ar"),
        ("en", "محمد عبدالله القحطاني", "full_name", "en"),
        ("en", "وزارة الصحة", "entity_name", "en"),
        # ... but a real sentence in the other language switches, even in a data slot
        ("ar", "I would like to continue this conversation in English", "full_name", "en"),
        ("ar", "Sorry I do not understand what you are asking", "national_id", "en"),
        ("en", "ابي اكمل المحادثة بالعربي لو سمحت", "full_name", "ar"),
        ("en", "ما فهمت وش تقصد بالسؤال هذا", "platform", "ar"),
        # explicit requests always win
        ("ar", "English please", "full_name", "en"),
        ("en", "بالعربي", "national_id", "ar"),
        ("ar", "بالانجليزي", None, "en"),
        # digits, IDs, e-mail addresses, references, emoji keep the previous language
        ("ar", "1098765432", "national_id", "ar"),
        ("en", "١٠٩٨٧٦٥٤٣٢", "national_id", "en"),
        ("en", "0551234567", None, "en"),
        ("ar", "user@example.com", None, "ar"),
        ("en", "BR-7K3Q9PX2", "prior_complaint_ref", "en"),
        # ... and an entity's complaint number, whatever is asked (it switched to English)
        ("ar", "ABS-99120", "lodging_blocked_by_fault", "ar"),
        ("ar", "JAW-2026-88213", None, "ar"),
        ("ar", "👍", None, "ar"),
        # outside data slots any message with a language decides
        ("ar", "hello how are you", None, "en"),
        ("ar", "Hi", None, "en"),
        ("en", "مرحبا", None, "ar"),
        ("en", "ابي اشتكي على Absher", "description", "ar"),
        ("ar", "I want to complain about أبشر", None, "en"),
        # ... except a one-word reply: a chat token, a yes or a no, in either language
        ("ar", "ok", None, "ar"),
        ("en", "OK", None, "en"),
        ("ar", "yes", None, "ar"),
        ("ar", "Yes.", None, "ar"),
        ("ar", "no", None, "ar"),
        ("ar", "thanks", None, "ar"),
        ("en", "ايه", None, "en"),
        ("en", "نعم", None, "en"),
        ("en", "لا", None, "en"),
        ("en", "تمام", None, "en"),
        # ... but a sentence still does
        ("ar", "yes please continue in English", None, "en"),
        ("ar", "yes that is right", None, "en"),
        # same language: nothing to decide
        ("ar", "أبغى أشتكي", None, "ar"),
        ("en", "Mohammed", "full_name", "en"),
        # first message: its language, or Arabic when it has none
        (None, "hi", None, "en"),
        (None, "السلام عليكم", None, "ar"),
        (None, "12345", None, "ar"),
        (None, "", None, "ar"),
        (None, "Mohammed Alqahtani", "full_name", "en"),
    ],
)
def test_decide_language(previous: str | None, text: str, slot: str | None, expected: str) -> None:
    assert decide_language(previous, text, slot) == expected


def test_data_slots() -> None:
    assert {
        "full_name",
        "national_id",
        "mobile",
        "email",
        "prior_complaint_ref",
        "prior_complaint_date",
        "platform",
        "service_name",
        "entity_name",
        "handoff_over",  # a message to an agent: a name or a word in the other script
    } == DATA_SLOTS


def test_a_payload_or_a_triggered_intent_leaves_the_language_as_it_was() -> None:
    from rasa.shared.core.constants import EXTERNAL_MESSAGE_PREFIX

    from bot.nlu.language import EXTERNAL_TEXT_PREFIX, language_after_message

    assert EXTERNAL_TEXT_PREFIX == EXTERNAL_MESSAGE_PREFIX  # Rasa's, kept in step
    assert language_after_message("ar", "EXTERNAL: EXTERNAL_draft_reminder") is None
    assert language_after_message("ar", '/choose{"choice": "procedural"}') is None
    assert language_after_message("ar", "I want to escalate a complaint about Najiz") == "en"
