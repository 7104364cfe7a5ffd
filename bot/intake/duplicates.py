"""Fuzzy detection of a repeated transformation request or development suggestion.

SPEC: a transformation request is not eligible when the same person already filed "a similar
request", a development suggestion when the same person already made "the same suggestion".
People spell names differently each time (أبشر / ابشر, "Absher" / "absher platform",
"تصديق الوثائق" / "تصديق وثائق"), so texts are compared after:

* `bot.nlu.normalise.normalise_text` (alef forms, ta marbuta, diacritics, digits, ...) and
  lower-casing;
* punctuation to spaces;
* dropping the Arabic article and the prefixed preposition ل (الوثائق, للتطبيق -> وثائق, تطبيق);
* in Latin words, doubled letters once and a final y as i (Absheer -> absher, Balady -> baladi);
* dropping function words and generic words ("service", "platform", "app", خدمة, منصة, ...).

Two texts are compared word by word: a word has a counterpart on the other side when
rapidfuzz's `fuzz.ratio` of the two words is at least `WORD_MATCH_THRESHOLD` (a typo, a
suffix: absehr / absher 83, renew / renewal 83, رخصه / رخص 86; but تجديد / تحديد 80). The
score (0-100) is the share of the shorter text's words that have one, so word order and extra
words on the longer side do not count against a match. Whole-text scores were tried and left
out: `token_set_ratio` rates "birth certificate extract" / "death certificate extract" at 90
(the shared words dominate), `WRatio` rates the unrelated suggestions "add dark mode" / "add
english language support" at 85.
A description of fewer than `MIN_SUBSET_WORDS` significant words must also cover the other
one, so that a one-word description ("faster") does not match every longer one.
Among several matching earlier requests, the one with the highest score wins, then the one
closest as a whole (`token_sort_ratio`).

Known limits: a name whose words are all part of a longer name matches it ("Absher" /
"Absher Business"); names in different scripts (Absher / أبشر) do not match; one word split
in two ("Ab sher") does not match.

The caller passes only that person's earlier reports of the same type, as dicts, the
`PreviousRequest` dataclass or store `Report` rows (anything with `reference`,
`service_name`, `entity_name`, `platform`, `description` keys or attributes).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from rapidfuzz import fuzz, process

from bot.nlu.normalise import normalise_text

__all__ = [
    "DESCRIPTION_MATCH_THRESHOLD",
    "MIN_SUBSET_WORDS",
    "NAME_MATCH_THRESHOLD",
    "WORD_MATCH_THRESHOLD",
    "PreviousRequest",
    "description_similarity",
    "find_open_same_subject",
    "find_same_suggestion",
    "find_similar_transformation_request",
    "matching_text",
    "name_similarity",
]

# Two words are the same word from this fuzz.ratio on (a typo, a suffix; not تجديد / تحديد).
WORD_MATCH_THRESHOLD = 82.0
# Service, entity and platform names: every significant word of the shorter name (up to one
# in ten) has its counterpart in the other.
NAME_MATCH_THRESHOLD = 90.0
# Descriptions of a suggestion: at least 4 words in 5 of the shorter one are in the other.
DESCRIPTION_MATCH_THRESHOLD = 80.0
# Below this many significant words, a description must cover the other one as well.
MIN_SUBSET_WORDS = 3

_STOPWORDS_RAW = """
    the a an of to for in on at by via with and or is it be this that my our your please
    i me we us let can could should would will like as so there their them they its
    are was were has have been do does suggest suggestion request service services
    platform portal app application website site system online e-service eservice
    في من على الى إلى عن عبر مع و او أو ان أن هذا هذه ذلك التي الذي ثم يا
    خدمة خدمات منصة بوابة تطبيق موقع نظام الكتروني الكترونية إلكتروني إلكترونية
    ارجو أرجو اقترح أقترح اقتراح ابي أبي ياليت طلب
"""
_PUNCTUATION = re.compile(r"[^\w\s]|_")
_PREFIXES = ("وال", "بال", "فال", "كال", "لل", "ال")
_MIN_STEM = 3  # letters that must remain after a prefix is dropped
_LATIN_DOUBLE = re.compile(r"([a-z])\1+")
_LATIN_FINAL_Y = re.compile(r"(?<=[a-z])y$")


def _strip_prefix(word: str) -> str:
    for prefix in _PREFIXES:
        if word.startswith(prefix) and len(word) - len(prefix) >= _MIN_STEM:
            return word[len(prefix) :]
    return word


def _fold_latin(word: str) -> str:
    return _LATIN_FINAL_Y.sub("i", _LATIN_DOUBLE.sub(r"\1", word))


def _words(text: str) -> list[str]:
    cleaned = _PUNCTUATION.sub(" ", normalise_text(text).lower())
    words = (_strip_prefix(_fold_latin(word)) for word in cleaned.split())
    return [word for word in words if len(word) > 1]


_STOPWORDS = frozenset(_words(_STOPWORDS_RAW))


@lru_cache(maxsize=4096)
def matching_text(text: str | None) -> str:
    """The significant words of `text` in their compared form, space-separated.

    When every word is a stop word ("the service"), those words are kept rather than
    comparing an empty text.
    """
    words = _words(text or "")
    significant = [word for word in words if word not in _STOPWORDS]
    return " ".join(significant or words)


def _significant_words(text: str | None) -> list[str]:
    return sorted(set(matching_text(text).split()))


def _coverage(words: list[str], others: list[str]) -> float:
    """The share (0-100) of `words` that have a counterpart among `others`."""
    if not words or not others:
        return 0.0
    matched = sum(
        process.extractOne(word, others, scorer=fuzz.ratio, score_cutoff=WORD_MATCH_THRESHOLD)
        is not None
        for word in words
    )
    return 100.0 * matched / len(words)


def _shorter_coverage(first: list[str], second: list[str]) -> float:
    if len(first) == len(second):
        return max(_coverage(first, second), _coverage(second, first))
    shorter, longer = sorted((first, second), key=len)
    return _coverage(shorter, longer)


def name_similarity(first: str | None, second: str | None) -> float:
    """How alike two service, entity or platform names are, 0-100 (see the module docstring)."""
    return _shorter_coverage(_significant_words(first), _significant_words(second))


def description_similarity(first: str | None, second: str | None) -> float:
    """How alike two descriptions are, 0-100 (see the module docstring)."""
    a, b = _significant_words(first), _significant_words(second)
    if min(len(a), len(b)) < MIN_SUBSET_WORDS:
        return min(_coverage(a, b), _coverage(b, a))
    return _shorter_coverage(a, b)


def _closeness(first: str | None, second: str | None) -> float:
    """How close two texts are as a whole: the tie-break between equal matches."""
    return fuzz.token_sort_ratio(matching_text(first), matching_text(second))


@dataclass(frozen=True)
class PreviousRequest:
    """An earlier report of the same person, as far as duplicate detection needs it."""

    reference: str
    service_name: str | None = None
    entity_name: str | None = None
    platform: str | None = None
    description: str | None = None


def _field(item: Any, name: str) -> Any:
    if isinstance(item, Mapping):
        return item.get(name)
    return getattr(item, name, None)


def _same_name(new: str | None, old: str | None) -> bool:
    """Whether two names match; a name missing on either side does not tell them apart."""
    if not (new and new.strip() and old and old.strip()):
        return True
    return name_similarity(new, old) >= NAME_MATCH_THRESHOLD


Score = tuple[float, float]  # (similarity, closeness as a whole)


def _best_match(previous: Iterable[Any], score: Callable[[Any], Score | None]) -> str | None:
    """The reference of the earlier request with the highest score (None: not a match)."""
    best: tuple[Score, str] | None = None
    for item in previous:
        reference = _field(item, "reference")
        value = score(item)
        if reference and value is not None and (best is None or value > best[0]):
            best = (value, str(reference))
    return best[1] if best else None


def find_similar_transformation_request(
    service_name: str, entity_name: str | None, previous: Iterable[Any]
) -> str | None:
    """The reference of an earlier transformation request for the same paper service of the
    same entity (an entity missing on either side is not compared), or None."""
    if not service_name or not service_name.strip():
        return None

    def score(item: Any) -> Score | None:
        old_name = _field(item, "service_name")
        similarity = name_similarity(service_name, old_name)
        if similarity < NAME_MATCH_THRESHOLD:
            return None
        if not _same_name(entity_name, _field(item, "entity_name")):
            return None
        return similarity, _closeness(service_name, old_name)

    return _best_match(previous, score)


def find_same_suggestion(
    service_name: str,
    description: str,
    previous: Iterable[Any],
    platform: str | None = None,
) -> str | None:
    """The reference of an earlier suggestion with the same idea for the same service (and
    platform, when both give one), or None. Call it once the description is known."""
    if not (service_name and service_name.strip() and description and description.strip()):
        return None

    def score(item: Any) -> Score | None:
        if name_similarity(service_name, _field(item, "service_name")) < NAME_MATCH_THRESHOLD:
            return None
        if not _same_name(platform, _field(item, "platform")):
            return None
        old_description = _field(item, "description")
        similarity = description_similarity(description, old_description)
        if similarity < DESCRIPTION_MATCH_THRESHOLD:
            return None
        return similarity, _closeness(description, old_description)

    return _best_match(previous, score)


def find_open_same_subject(
    service_name: str | None,
    platform: str | None,
    entity_name: str | None,
    previous: Iterable[Any],
) -> str | None:
    """The reference of an earlier report about the same service (named on both sides) of
    the same platform and entity (a name missing on either side is not compared), or None.

    For a complaint escalation or an outage report, where the earlier complaint's number or
    the time tells two reports apart, this is a possible repeat to point out, not a refusal:
    the caller passes the person's reports still open."""
    if not service_name or not service_name.strip():
        return None

    def score(item: Any) -> Score | None:
        old_name = _field(item, "service_name")
        if not (old_name and str(old_name).strip()):
            return None
        similarity = name_similarity(service_name, old_name)
        if similarity < NAME_MATCH_THRESHOLD:
            return None
        if not _same_name(platform, _field(item, "platform")):
            return None
        if not _same_name(entity_name, _field(item, "entity_name")):
            return None
        return similarity, _closeness(service_name, old_name)

    return _best_match(previous, score)
