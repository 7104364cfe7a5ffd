"""bot.nlu.normalise: the text the NLU pipeline works on."""

from __future__ import annotations

import pytest

from bot.nlu.normalise import normalise, normalise_digits, normalise_pattern, normalise_text

NORMALISATION_CASES = [
    # diacritics (tashkeel, shadda, tanween, dagger alef, Quranic marks)
    ("مُحَمَّدٌ", "محمد"),
    ("شُكْرًا", "شكرا"),
    ("هٰذا", "هذا"),
    ("الرَّحْمَٰنِ", "الرحمن"),
    ("صَلَّىٰ", "صلي"),
    ("قُلْ ۚ", "قل"),
    # tatweel
    ("السـلام عليـــكم", "السلام عليكم"),
    ("شـكـراً", "شكرا"),
    # alef forms, alef maqsura, ta marbuta
    ("أبشر", "ابشر"),
    ("إدارة", "اداره"),
    ("آمنة", "امنه"),
    ("ٱلله", "الله"),
    ("على مستشفى", "علي مستشفي"),
    ("شكوى", "شكوي"),
    ("مدرسة الصحة", "مدرسه الصحه"),
    ("ا\u0654", "ا"),  # alef + combining hamza above composes to أ first
    # hamza seats fold to the bare hamza: spelling variants meet
    ("مسؤول", "مسءول"),
    ("مسئول", "مسءول"),
    ("هيئة", "هيءه"),
    # Persian keyboard letters
    ("یک", "يك"),
    # digits
    ("٠١٢٣٤٥٦٧٨٩", "0123456789"),
    ("۰۱۲۳۴۵۶۷۸۹", "0123456789"),
    ("رقمي ١٠٩٨٧٦٥٤٣٢", "رقمي 1098765432"),
    ("جوالي ۰۵۵۱۲۳۴۵۶۷", "جوالي 0551234567"),
    ("٣٫٥ و ١٬٠٠٠", "3.5 و 1,000"),
    # Arabic punctuation
    ("كيف حالك؟", "كيف حالك?"),
    ("نعم، شكرا؛ تم", "نعم, شكرا; تم"),
    ("خصم ٥٠٪", "خصم 50%"),
    ("انتهى۔", "انتهي."),
    ("﴾الحمد﴿", "(الحمد)"),
    ("٭ مهم", "* مهم"),
    # bidi marks and isolates, zero-width characters
    ("\u200fمرحبا\u200e", "مرحبا"),
    ("\u202bابشر\u202c", "ابشر"),
    ("\u2067+966 55 123 4567\u2069", "+966 55 123 4567"),
    ("\u061cرقم", "رقم"),
    ("ابي\u200b\u200c\u2060\ufeff", "ابي"),
    ("soft\u00adhyphen", "softhyphen"),
    # whitespace
    ("  ابي   اشتكي\n\tعلى\u00a0ابشر  ", "ابي اشتكي علي ابشر"),
    ("", ""),
    ("   ", ""),
    # presentation forms (copied from PDFs)
    ("ﻻ ﺃﺑﺸﺮ", "لا ابشر"),
    ("﷼", "ريال"),
    # Latin text is left as written, emoji are kept
    ("Hello World", "Hello World"),
    ("My NAME is Émile O'Neil-Smith", "My NAME is Émile O'Neil-Smith"),
    ("e\u0301", "é"),
    ("user@example.com https://absher.sa/x?a=1", "user@example.com https://absher.sa/x?a=1"),
    ("BR-7K3Q9PX2", "BR-7K3Q9PX2"),
    ("Hello? (yes), 50%.", "Hello? (yes), 50%."),
    ("شكرا 🙏😊", "شكرا 🙏😊"),
    ("👨\u200d👩\u200d👧 family", "👨\u200d👩\u200d👧 family"),
    ("👍🏽", "👍🏽"),
    ("❤️ thanks", "❤️ thanks"),
    # mixed
    ("أبغى أشتكي على Absher ١٢٣", "ابغي اشتكي علي Absher 123"),
]


@pytest.mark.parametrize(("raw", "expected"), NORMALISATION_CASES)
def test_normalise_text(raw: str, expected: str) -> None:
    assert normalise_text(raw) == expected


@pytest.mark.parametrize(("raw", "_expected"), NORMALISATION_CASES)
def test_normalise_text_is_idempotent(raw: str, _expected: str) -> None:
    once = normalise_text(raw)
    assert normalise_text(once) == once


def test_spelling_variants_meet() -> None:
    variants = ["أبغى أقدم شكوى", "ابغى اقدم شكوي", "أَبْغَى أُقَدِّمُ شَكْوَى", "ابـغـى اقـدم شـكـوى"]
    assert {normalise_text(variant) for variant in variants} == {"ابغي اقدم شكوي"}


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("١٠٩٨٧٦٥٤٣٢", "1098765432"),
        ("۰۵۵۱۲۳۴۵۶۷", "0551234567"),
        ("+٩٦٦ ٥٥ ١٢٣", "+966 55 123"),
        ("0551234567", "0551234567"),
        ("أبشر ٣", "أبشر 3"),  # nothing but digits changes
        ("\u200f١٢\u200f", "\u200f12\u200f"),
    ],
)
def test_normalise_digits(raw: str, expected: str) -> None:
    assert normalise_digits(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("أبشر|إدارة", "ابشر|اداره"),
        ("[أإآا]بشر", "[اااا]بشر"),
        (r"[٠-٩]{10}", r"[0-9]{10}"),
        (r"مسؤول\s?؟", r"مسءول\s?؟"),  # ؟ stays: as ? it would be a quantifier
        ("مُحمد", "مُحمد"),  # no removals in patterns
    ],
)
def test_normalise_pattern(raw: str, expected: str) -> None:
    assert normalise_pattern(raw) == expected


@pytest.mark.parametrize(
    ("text", "annotated", "expected"),
    [
        ("اسمي مُحَمَّد", "مُحَمَّد", "محمد"),
        ("اسمي   مُحَمَّد   علي", "مُحَمَّد", "محمد"),
        ("\u200fأبـشر\u200f ممتاز", "أبـشر", "ابشر"),
        ("  Absher is down", "Absher", "Absher"),
        ("رقمي ١٠٩٨٧٦٥٤٣٢ شكرا", "١٠٩٨٧٦٥٤٣٢", "1098765432"),
        ("على أبشر ", "أبشر ", "ابشر"),  # a trailing space in the annotation is trimmed
        ("هيئة الاتصالات ، والتقنية", "هيئة الاتصالات ، والتقنية", "هيءه الاتصالات , والتقنيه"),
    ],
)
def test_spans_follow_the_normalisation(text: str, annotated: str, expected: str) -> None:
    start = text.index(annotated)
    result = normalise(text)
    new_start, new_end = result.span(start, start + len(annotated))
    assert result.text[new_start:new_end] == expected
    assert len(result.sources) == len(result.text)
