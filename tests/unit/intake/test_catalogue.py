"""bot.intake.catalogue: the platform catalogue, its checks, fuzzy matching."""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.intake.catalogue import (
    CATALOGUE_PATH,
    CONFIDENT_SCORE,
    CatalogueError,
    counts,
    find_platform_in_text,
    find_platforms_in_text,
    fold,
    get_platform,
    load_catalogue,
    match_platform,
    match_service,
    parse_catalogue,
    platforms,
)
from tests.yaml_files import load_yaml

ARABIC = re.compile(r"[\u0621-\u064a]")
LATIN = re.compile(r"[A-Za-z]")

REQUIRED_PLATFORMS = [
    "absher", "tawakkalna", "nafath", "qiwa", "balady", "najiz", "sehhaty", "etimad",
    "musaned", "gosi", "zatca", "madrasati", "gov_sa",
]


# --- the data -------------------------------------------------------------------------


def test_catalogue_loads_once() -> None:
    assert load_catalogue() is load_catalogue()
    assert len(platforms()) >= 20


@pytest.mark.parametrize("platform_id", REQUIRED_PLATFORMS)
def test_required_platforms_present(platform_id: str) -> None:
    platform = get_platform(platform_id)
    assert platform is not None
    assert platform.services, f"{platform_id} lists no services"


@pytest.mark.parametrize(
    ("platform_id", "name_ar", "name_en", "entity_en"),
    [
        ("absher", "أبشر", "Absher", "Ministry of Interior"),
        ("tawakkalna", "توكلنا", "Tawakkalna", "Saudi Data and AI Authority (SDAIA)"),
        ("nafath", "نفاذ", "Nafath", "National Information Center (SDAIA)"),
        ("qiwa", "قوى", "Qiwa", "Ministry of Human Resources and Social Development"),
        ("balady", "بلدي", "Balady", "Ministry of Municipalities and Housing"),
        ("najiz", "ناجز", "Najiz", "Ministry of Justice"),
        ("sehhaty", "صحتي", "Sehhaty", "Ministry of Health"),
        ("etimad", "اعتماد", "Etimad", "Ministry of Finance"),
        ("musaned", "مساند", "Musaned", "Ministry of Human Resources and Social Development"),
        ("gosi", "التأمينات الاجتماعية", "GOSI", "General Organization for Social Insurance"),
        ("zatca", "الزكاة والضريبة والجمارك", "ZATCA", "Zakat, Tax and Customs Authority"),
        ("madrasati", "مدرستي", "Madrasati", "Ministry of Education"),
        ("gov_sa", "المنصة الوطنية الموحدة", "GOV.SA", "Digital Government Authority"),
    ],
)
def test_names_and_entities(platform_id: str, name_ar: str, name_en: str, entity_en: str) -> None:
    platform = get_platform(platform_id)
    assert platform is not None
    assert (platform.name("ar"), platform.name("en")) == (name_ar, name_en)
    assert platform.entity("en") == entity_en
    assert ARABIC.search(platform.entity("ar"))


def test_every_platform_is_bilingual_and_complete() -> None:
    for platform in platforms():
        assert ARABIC.search(platform.name_ar) and LATIN.search(platform.name_en), platform.id
        assert ARABIC.search(platform.entity_ar) and LATIN.search(platform.entity_en)
        assert platform.channels and set(platform.channels) <= {"web", "app"}
        for service in platform.services:
            assert ARABIC.search(service.name_ar), (platform.id, service.id)
            assert LATIN.search(service.name_en), (platform.id, service.id)


@pytest.mark.parametrize(
    ("language", "name", "entity"),
    [
        ("ar", "أبشر", "وزارة الداخلية"),
        ("ar-SA", "أبشر", "وزارة الداخلية"),
        ("en", "Absher", "Ministry of Interior"),
        (None, "Absher", "Ministry of Interior"),
    ],
)
def test_language_helpers(language: str | None, name: str, entity: str) -> None:
    absher = get_platform("absher")
    assert absher is not None
    assert absher.name(language) == name
    assert absher.entity(language) == entity
    renewal = absher.service("national_id_renewal")
    assert renewal is not None
    expected = "تجديد الهوية الوطنية" if name == "أبشر" else "National ID renewal"
    assert renewal.name(language) == expected


def test_unknown_ids() -> None:
    assert get_platform("no_such_platform") is None
    absher = get_platform("absher")
    assert absher is not None and absher.service("no_such_service") is None


# --- validation -----------------------------------------------------------------------


def _data() -> dict[str, Any]:
    return load_yaml(CATALOGUE_PATH)


def _duplicate_id(data: dict[str, Any]) -> None:
    data["platforms"][1]["id"] = data["platforms"][0]["id"]


def _no_english_name(data: dict[str, Any]) -> None:
    del data["platforms"][0]["name_en"]


def _arabic_name_in_latin(data: dict[str, Any]) -> None:
    data["platforms"][0]["name_ar"] = "Absher"


def _no_arabic_entity(data: dict[str, Any]) -> None:
    data["platforms"][0]["entity_ar"] = ""


def _shared_alias(data: dict[str, Any]) -> None:
    data["platforms"][1]["aliases"].append("أبشر")  # Absher's Arabic name


def _shared_alias_after_folding(data: dict[str, Any]) -> None:
    data["platforms"][1]["aliases"].append("منصة ABSHER")


def _bad_channel(data: dict[str, Any]) -> None:
    data["platforms"][0]["channels"] = ["fax"]


def _duplicate_service(data: dict[str, Any]) -> None:
    services = data["platforms"][0]["services"]
    services.append(copy.deepcopy(services[0]))


def _service_without_arabic(data: dict[str, Any]) -> None:
    data["platforms"][0]["services"][0]["name_ar"] = "renewal"


def _stray_common_word(data: dict[str, Any]) -> None:
    data["platforms"][0]["common_words"] = ["كلمة"]


def _no_platforms(data: dict[str, Any]) -> None:
    data["platforms"] = []


def _aliases_not_a_list(data: dict[str, Any]) -> None:
    data["platforms"][0]["aliases"] = "ابشر"


@pytest.mark.parametrize(
    "break_it",
    [
        _duplicate_id, _no_english_name, _arabic_name_in_latin, _no_arabic_entity,
        _shared_alias, _shared_alias_after_folding, _bad_channel, _duplicate_service,
        _service_without_arabic, _stray_common_word, _no_platforms, _aliases_not_a_list,
    ],
)
def test_validation_rejects(break_it) -> None:
    data = _data()
    parse_catalogue(copy.deepcopy(data))  # the shipped data passes
    break_it(data)
    with pytest.raises(CatalogueError):
        parse_catalogue(data)


@pytest.mark.parametrize("document", [None, [], {"platforms": None}, "platforms"])
def test_validation_rejects_wrong_shape(document: Any) -> None:
    with pytest.raises(CatalogueError):
        parse_catalogue(document)


def test_load_catalogue_reads_a_given_file(tmp_path: Path) -> None:
    data = _data()
    data["platforms"] = data["platforms"][:2]
    path = tmp_path / "catalogue.yml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    assert [p.id for p in load_catalogue(path).platforms] == ["absher", "tawakkalna"]


# --- matching a platform name ---------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "platform_id"),
    [
        ("أبشر", "absher"),
        ("ابشر", "absher"),
        ("أبْشِر", "absher"),
        ("absher", "absher"),
        ("ABSHER", "absher"),
        ("Abshar", "absher"),
        ("abshir", "absher"),
        ("absherr", "absher"),  # typo, not an alias
        ("abcher", "absher"),
        ("ابشرر", "absher"),
        ("أبشر أفراد", "absher"),
        ("absher business", "absher"),
        ("موقع أبشر", "absher"),
        ("the Absher app", "absher"),
        ("بأبشر", "absher"),
        ("توكلنا", "tawakkalna"),
        ("تطبيق توكلنا", "tawakkalna"),
        ("tawakalna", "tawakkalna"),
        ("Tawakkalna", "tawakkalna"),
        ("tawakalnaa", "tawakkalna"),
        ("نفاذ", "nafath"),
        ("nafaz", "nafath"),
        ("منصة قوى", "qiwa"),
        ("قوى", "qiwa"),
        ("منصه قوي", "qiwa"),
        ("Qiwa platform", "qiwa"),
        ("بلدي", "balady"),
        ("balady", "balady"),
        ("ناجز", "najiz"),
        ("صحتي", "sehhaty"),
        ("sehaty", "sehhaty"),
        ("اعتماد", "etimad"),
        ("e'timad", "etimad"),
        ("مساند", "musaned"),
        ("التأمينات الاجتماعية", "gosi"),
        ("التامينات", "gosi"),
        ("GOSI", "gosi"),
        ("الزكاة والضريبة والجمارك", "zatca"),
        ("الزكاة", "zatca"),
        ("zatca", "zatca"),
        ("مدرستي", "madrasati"),
        ("منصة مدرستي", "madrasati"),
        ("نظام نور", "noor"),
        ("GOV.SA", "gov_sa"),
        ("gov.sa", "gov_sa"),
        ("المنصة الوطنية الموحدة", "gov_sa"),
        ("المنصة الوطنية", "gov_sa"),
        ("إيجار", "ejar"),
        ("nusuk", "nusuk"),
        ("I used the Absher website", "absher"),
    ],
)
def test_match_platform(text: str, platform_id: str) -> None:
    matches = match_platform(text)
    assert matches, text
    assert matches[0].platform.id == platform_id, [(m.platform.id, m.score) for m in matches]
    assert matches[0].confident
    assert matches[0].score >= CONFIDENT_SCORE
    assert not any(m.confident for m in matches[1:])
    assert [m.score for m in matches] == sorted((m.score for m in matches), reverse=True)


@pytest.mark.parametrize(
    "text",
    [
        "", "app", "منصة", "Netflix", "Snapchat", "Careem", "Jahez", "Hungerstation",
        "STC pay", "noon", "tamm", "instagram", "whatsapp", "yes", "no", "نعم", "لا",
        "ما اعرف", "I don't know", "شكرا", "وزارة السياحة", "منصة تمم", "البنك الأهلي",
        "الأحوال المدنية", "المرور", "الجوازات", "مطار", "Ministry of Health",
    ],
)
def test_unknown_names_are_not_confident(text: str) -> None:
    assert not any(match.confident for match in match_platform(text))


def test_two_platforms_alike_are_not_confident() -> None:
    matches = match_platform("problem with tawakkalna and absher")
    assert {m.platform.id for m in matches[:2]} == {"absher", "tawakkalna"}
    assert not matches[0].confident


# --- a platform inside a sentence -----------------------------------------------------


@pytest.mark.parametrize(
    ("text", "platform_ids"),
    [
        ("the Absher site kept failing", ["absher"]),
        ("the absher site keeps failing and nobody answered my complaint", ["absher"]),
        ("موقع ابشر ما يفتح", ["absher"]),
        ("ابي اجدد الهوية في أبشر", ["absher"]),
        ("ما قدرت ادخل بأبشر", ["absher"]),
        ("السلام عليكم، رفعت شكوى على منصة قوى من ثلاث اسابيع", ["qiwa"]),
        ("Balady keeps failing when I upload my documents", ["balady"]),
        ("I want to suggest an improvement to the Nafath app", ["nafath"]),
        ("tawakalna crashes on login", ["tawakkalna"]),
        ("توكلنا ما يفتح", ["tawakkalna"]),
        ("تطبيق صحتي يعلق", ["sehhaty"]),
        ("حجزت موعد في تطبيق موعد", ["mawid"]),
        ("منصة إيجار فيها خلل", ["ejar"]),
        ("the Noor system is down", ["noor"]),
        ("gov.sa does not load", ["gov_sa"]),
        # two platforms: as good as each other, so in the order they are mentioned
        ("problem with tawakkalna and absher", ["tawakkalna", "absher"]),
        ("ابشر وتوكلنا كلها ما تشتغل", ["absher", "tawakkalna"]),
        # an exact name beats a misspelt one mentioned earlier
        ("tawakalnaa and then absher", ["absher", "tawakkalna"]),
    ],
)
def test_find_platforms_in_text(text: str, platform_ids: list[str]) -> None:
    found = find_platforms_in_text(text)
    assert [m.platform.id for m in found] == platform_ids
    assert all(m.confident and m.score >= CONFIDENT_SCORE for m in found)
    best = find_platform_in_text(text)
    assert best is not None and best.platform.id == platform_ids[0]


@pytest.mark.parametrize(
    "text",
    [
        "أنا مقيم وعندي مشكلة",  # مقيم: "resident", not Muqeem
        "صحتي تعبانة",  # "my health"
        "عندي موعد في المستشفى",  # "an appointment"
        "ايجار الشقة غالي",  # "the rent"
        "أحب بلدي",  # "my country"
        "my daughter Noor",
        "توكلنا على الله",
        "I want to complain about a paper service",
        "ابي اشتكي على خدمة ورقية في الأحوال المدنية",
        "",
    ],
)
def test_no_platform_in_text(text: str) -> None:
    assert find_platforms_in_text(text) == []
    assert find_platform_in_text(text) is None


# --- services -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "platform_id", "expected"),
    [
        ("تجديد الهوية الوطنية", None, ("absher", "national_id_renewal")),
        ("تجديد الهويه", "absher", ("absher", "national_id_renewal")),
        ("renew my national ID", None, ("absher", "national_id_renewal")),
        ("تجديد رخصة القيادة", None, ("absher", "driving_licence_renewal")),
        ("driving licence", "absher", ("absher", "driving_licence_renewal")),
        ("إصدار تأشيرة خروج وعودة", None, ("absher", "exit_reentry_visa")),
        ("exit reentry", None, ("absher", "exit_reentry_visa")),
        ("نقل خدمات", None, ("qiwa", "transfer_of_services")),
        ("نقل كفالة", "qiwa", ("qiwa", "transfer_of_services")),
        ("transfer of services", "qiwa", ("qiwa", "transfer_of_services")),
        ("حجز موعد", "sehhaty", ("sehhaty", "book_appointment")),
        ("sick leave", None, ("sehhaty", "sick_leave")),
        ("VAT return", None, ("zatca", "vat_return")),
        ("رخصة بناء", None, ("balady", "building_permit")),
        ("تصريح العمرة", None, ("nusuk", "umrah_permit")),
    ],
)
def test_match_service(text: str, platform_id: str | None, expected: tuple[str, str]) -> None:
    matches = match_service(text, platform_id)
    assert matches, text
    assert (matches[0].platform.id, matches[0].service.id) == expected
    assert matches[0].confident
    if platform_id is not None:
        assert {m.platform.id for m in matches} == {platform_id}


@pytest.mark.parametrize(
    ("text", "platform_id"),
    [
        ("something unrelated", None),
        ("", None),
        ("رخصة القيادة", None),  # Absher's renewal or Tawakkalna's digital licence: ask
        ("تجديد الهوية الوطنية", "qiwa"),  # not one of Qiwa's services
    ],
)
def test_service_not_confident(text: str, platform_id: str | None) -> None:
    assert not any(m.confident for m in match_service(text, platform_id))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("أبشر", "ابشر"),
        ("  منصة   قوى ", "منصه قوي"),
        ("E'timad", "etimad"),
        ("GOV.SA.", "gov.sa"),
        ("Absher-Business!", "absher business"),
    ],
)
def test_fold(text: str, expected: str) -> None:
    assert fold(text) == expected


def test_the_shipped_catalogue_is_the_size_issue_19_asks() -> None:
    """At least 150 government services, named as their entities publish them, across at
    least 30 entities; Saudi Post's own name finds its platform, not a look-alike."""
    platforms_count, services, entities = counts(load_catalogue())
    assert services >= 150 and entities >= 30, (platforms_count, services, entities)
    found = match_platform("البريد السعودي")
    assert found[0].platform.id == "wasel" and found[0].confident
