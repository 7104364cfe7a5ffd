"""Which known outage covers what a citizen names (bot.intake.outages)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.intake.outages import covering_outage, notice_names
from bot.store.reports.reads import OutageNotice

SINCE = datetime(2026, 12, 7, 5, 0, tzinfo=UTC)
NOTICES = [
    OutageNotice("Ministry of Human Resources", "Qiwa", "contract authentication", SINCE),
    OutageNotice("وزارة الشؤون البلدية", "بلدي", None, SINCE),  # the whole platform
]


@pytest.mark.parametrize(
    ("platform", "service", "expected"),
    [
        ("qiwa", None, 0),  # no service named: the platform's notice covers it
        ("Qiwa platform", "contract authentication", 0),
        ("Qiwa", "work permit issuance", None),  # another service of the platform
        ("منصة بلدي", "رخصة البناء", 1),  # the notice covers the whole platform
        ("قوى", None, 0),  # the same platform in the other language (the catalogue's)
        ("منصة قوى", "توثيق عقود العمل", 0),  # the same catalogue service, in Arabic
        ("قوى", "إصدار رخص العمل", None),  # another Qiwa service
        ("Baladi", None, 1),
        ("Absher", None, None),
        (None, "contract authentication", None),
        ("", None, None),
    ],
)
def test_the_notice_that_covers_it(platform, service, expected) -> None:
    found = covering_outage(NOTICES, platform, service)
    assert found is (None if expected is None else NOTICES[expected])


def test_the_notice_is_told_in_the_catalogues_words_of_each_language() -> None:
    assert notice_names(NOTICES[0], "ar") == ("وزارة الموارد البشرية والتنمية الاجتماعية",
                                              "توثيق عقود العمل")  # fmt: skip
    assert notice_names(NOTICES[0], "en")[1] == "Employment contract authentication"
    unknown = OutageNotice("Some Authority", "Unlisted Portal", None, SINCE)
    assert notice_names(unknown, "ar") == ("Some Authority", "Unlisted Portal")
