"""Fuzzy duplicates: the same request spelt differently matches, a different one does not."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from bot.intake.duplicates import (
    DESCRIPTION_MATCH_THRESHOLD,
    NAME_MATCH_THRESHOLD,
    PreviousRequest,
    description_similarity,
    find_same_suggestion,
    find_similar_transformation_request,
    matching_text,
    name_similarity,
)


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("أبشر", "ابشر"),  # hamza on the alef
        ("Absher", "absher"),  # case
        ("منصة أبشر", "ابشر"),  # a generic word more
        ("Absher platform", "ABSHER"),
        ("Absheer", "Absher"),  # a doubled letter
        ("Balady", "Baladi"),  # final y / i
        ("بلدي", "بلدى"),  # alef maqsura
        ("تصديق الوثائق", "تصديق وثائق"),  # the article
        ("خدمة إصدار رخصة البناء", "اصدار رخصه بناء"),  # ta marbuta, article, generic word
        ("الأحوال المدنية", "وكالة الأحوال المدنية"),  # extra words on one side
        ("renew iqama", "iqama renewal"),  # word order, a suffix
        ("Absehr", "Absher"),  # two letters swapped
        ("license renewal", "Licence Renewal"),
        ("نموذج ٣٠١", "نموذج 301"),  # Arabic-Indic digits
        ("Ministry of Justice", "ministry of justice (MOJ)"),
        ("وزارة العدل", "وزاره العدل."),
    ],
)
def test_spelling_variants_match(first: str, second: str) -> None:
    assert name_similarity(first, second) >= NAME_MATCH_THRESHOLD
    assert name_similarity(second, first) >= NAME_MATCH_THRESHOLD


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("Absher", "Qiwa"),
        ("أبشر", "قوى"),
        ("تجديد الجواز", "إصدار الجواز"),
        ("passport renewal", "passport issuance"),
        ("birth certificate", "death certificate"),
        ("birth certificate extract", "death certificate extract"),  # one word in three
        ("تجديد الإقامة", "تحديد الإقامة"),  # renew / determine: one letter, another word
        ("شهادة الميلاد", "شهادة الوفاة"),
        ("إصدار رخصة بناء", "إصدار رخصة محل"),
        ("نقل كفالة", "تجديد إقامة"),
        ("وزارة الداخلية", "وزارة الصحة"),
        ("Ministry of Interior", "Ministry of Health"),
        ("Absher", ""),
    ],
)
def test_different_names_do_not_match(first: str, second: str) -> None:
    assert name_similarity(first, second) < NAME_MATCH_THRESHOLD


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("خدمة أبشر", "ابشر"),
        ("  The Absher   APP! ", "absher"),
        ("للتطبيق والخدمات", "تطبيق خدمات"),  # prefixes dropped; only generic words: kept
        ("the service", "the service"),  # nothing significant: kept as it is
        (None, ""),
    ],
)
def test_matching_text(text: str | None, expected: str) -> None:
    assert matching_text(text) == expected


@pytest.mark.parametrize(
    ("first", "second", "same"),
    [
        ("add dark mode to the app", "Please add a dark-mode to the Absher app", True),
        ("إضافة الوضع الليلي للتطبيق", "اضافه وضع ليلي في التطبيق", True),
        ("أقترح إضافة خيار الدفع عبر Apple Pay", "إضافة الدفع بـ apple pay في التطبيق", True),
        ("add dark mode", "add english language support", False),
        ("let me download the contract as a PDF", "let me download the invoice as a PDF", False),
        ("اضافة الوضع الليلي", "دعم اللغة الانجليزية", False),
        ("faster", "make the login page faster", False),  # one word is no subset match
        ("support English in the app", "support English, dark mode and a faster login", False),
        ("add dark mode", None, False),
    ],
)
def test_description_similarity(first: str, second: str | None, same: bool) -> None:
    assert (description_similarity(first, second) >= DESCRIPTION_MATCH_THRESHOLD) is same


PREVIOUS_REQUESTS = [
    {"reference": "BR-AAAAAAA1", "service_name": "تجديد رخصة محل", "entity_name": "بلدي"},
    PreviousRequest("BR-AAAAAAA2", service_name="تصديق الوثائق", entity_name="وزارة العدل"),
    SimpleNamespace(  # a store row: any object with the attributes
        reference="BR-AAAAAAA3",
        service_name="Birth certificate extract",
        entity_name="Civil Affairs",
        platform=None,
        description=None,
    ),
]


@pytest.mark.parametrize(
    ("service_name", "entity_name", "expected"),
    [
        ("تصديق وثائق", "وزاره العدل", "BR-AAAAAAA2"),
        ("خدمة تصديق الوثائق الورقية", "العدل", "BR-AAAAAAA2"),  # extra words
        ("تصديق الوثائق", None, "BR-AAAAAAA2"),  # entity not given: the service decides
        ("birth certificate extract", "civil affairs agency", "BR-AAAAAAA3"),
        ("تصديق الوثائق", "وزارة الخارجية", None),  # the same service of another entity
        ("death certificate extract", "Civil Affairs", None),
        ("إصدار رخصة بناء", "بلدي", None),
        ("   ", "بلدي", None),
    ],
)
def test_find_similar_transformation_request(
    service_name: str, entity_name: str | None, expected: str | None
) -> None:
    found = find_similar_transformation_request(service_name, entity_name, PREVIOUS_REQUESTS)
    assert found == expected


def test_the_closest_earlier_request_wins() -> None:
    previous = [
        PreviousRequest("BR-FIRST001", service_name="تصديق الوثائق الرسمية"),
        PreviousRequest("BR-EXACT002", service_name="تصديق الوثائق"),
        {"service_name": "تصديق الوثائق"},  # no reference: ignored
    ]
    assert find_similar_transformation_request("تصديق وثائق", None, previous) == "BR-EXACT002"
    assert find_similar_transformation_request("تصديق وثائق", None, []) is None


PREVIOUS_SUGGESTIONS = [
    PreviousRequest(
        "BR-SUGGEST1",
        service_name="تجديد الهوية",
        platform="أبشر",
        description="إضافة الوضع الليلي للتطبيق",
    ),
    {
        "reference": "BR-SUGGEST2",
        "service_name": "Qiwa contracts",
        "platform": "Qiwa",
        "description": "Let me download the contract as a PDF file",
    },
]


@pytest.mark.parametrize(
    ("service_name", "description", "platform", "expected"),
    [
        ("تجديد هوية", "اضافه وضع ليلي في التطبيق", "ابشر", "BR-SUGGEST1"),
        ("تجديد الهوية", "أقترح إضافة الوضع الليلي", None, "BR-SUGGEST1"),
        ("qiwa contracts", "please let me download the contract as a pdf", "QIWA", "BR-SUGGEST2"),
        ("تجديد الهوية", "دعم اللغة الإنجليزية", "أبشر", None),  # another idea
        ("إصدار جواز السفر", "إضافة الوضع الليلي للتطبيق", "أبشر", None),  # another service
        ("تجديد الهوية", "إضافة الوضع الليلي للتطبيق", "توكلنا", None),  # another platform
        ("تجديد الهوية", "", "أبشر", None),  # no description yet: nothing to compare
    ],
)
def test_find_same_suggestion(
    service_name: str, description: str, platform: str | None, expected: str | None
) -> None:
    found = find_same_suggestion(service_name, description, PREVIOUS_SUGGESTIONS, platform)
    assert found == expected


# -- an open complaint escalation or outage report about the same subject (find_open_same_subject)

OPEN_ON_ABSHER = [
    SimpleNamespace(reference="BR-1", service_name="تجديد جواز السفر", platform="أبشر",
                    entity_name=None),
    SimpleNamespace(reference="BR-2", service_name="Driving licence renewal", platform="Absher",
                    entity_name="General Department of Traffic"),
    SimpleNamespace(reference="BR-3", service_name=None, platform="Absher", entity_name=None),
]  # fmt: skip


@pytest.mark.parametrize(
    ("service", "platform", "entity", "expected"),
    [
        ("تجديد جواز سفر", "منصة ابشر", None, "BR-1"),  # spelled differently
        ("driving license renewal", "absher", None, "BR-2"),  # no entity on this side
        ("driving licence renewal", None, "general department of traffic", "BR-2"),
        ("driving licence renewal", "Tawakkalna", None, None),  # another platform
        ("driving licence renewal", "Absher", "Ministry of Interior", None),  # another entity
        ("vehicle registration renewal", "Absher", None, None),  # another service
        ("passport", "Absher", None, None),  # BR-3 names no service: nothing to compare
        ("", "Absher", None, None),
        (None, "Absher", None, None),
    ],
)
def test_an_open_report_on_the_same_subject(service, platform, entity, expected) -> None:
    from bot.intake.duplicates import find_open_same_subject

    assert find_open_same_subject(service, platform, entity, OPEN_ON_ABSHER) == expected


def test_only_the_same_persons_open_reports_of_the_same_type_count() -> None:
    from bot.intake.filing import open_report_on_same_subject, repeat_note

    def report(reference: str, type_: str, status: str) -> SimpleNamespace:
        return SimpleNamespace(reference=reference, type=type_, status=status,
                               service_name="Driving licence renewal", platform="Absher",
                               entity_name=None)  # fmt: skip

    class Reads:
        def __init__(self, reports: list[SimpleNamespace]) -> None:
            self.reports, self.asked = reports, []

        def reports_of(self, national_id: str) -> list[SimpleNamespace]:
            self.asked.append(national_id)
            return self.reports

    slots = {"report_type": "complaint_escalation", "national_id": "1000000008",
             "service_name": "driving licence renewal", "platform": "absher"}  # fmt: skip
    closed = Reads([report("BR-C", "complaint_escalation", "closed"),
                    report("BR-T", "transformation_request", "received")])  # fmt: skip
    assert open_report_on_same_subject(closed, slots) is None
    reads = Reads([*closed.reports, report("BR-O", "complaint_escalation", "under_review")])
    assert open_report_on_same_subject(reads, slots) == "BR-O"
    assert reads.asked == ["1000000008"]
    outage = {**slots, "report_type": "entity_outage"}
    assert open_report_on_same_subject(reads, outage) is None  # no open outage report
    for other in ("transformation_request", "development_suggestion"):  # checked otherwise
        assert open_report_on_same_subject(reads, {**slots, "report_type": other}) is None
    assert open_report_on_same_subject(reads, {**slots, "national_id": None}) is None
    assert "BR-O" in repeat_note("BR-O")
