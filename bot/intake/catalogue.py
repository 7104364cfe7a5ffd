"""The catalogue of Saudi government digital platforms and their services, and fuzzy matching.

The catalogue shipped with the code lives in `bot/intake/data/catalogue.yml` (names in Arabic
and English, spelling variants, the owning entity, channels, the services). It is loaded once
and checked (unique ids, both languages present, no alias shared by two platforms). The back
office replaces it without a redeploy: `python -m bot catalogue import FILE.csv|json` checks a
new one the same way and stores it as a new version (bot.store.catalogue); the processes that
talk to users (`use_store`) pick up the newest version within REFRESH_S seconds. Nothing here
is part of the trained model, so a new catalogue needs no retraining.

Matching works on folded forms: `normalise_text` (alef/ya/ta-marbuta forms, diacritics,
digits), lower case, punctuation dropped, and the words people put around a name ("منصة",
"تطبيق", "app", "platform", …) removed. `rapidfuzz` then scores every name and alias, so
أبشر / ابشر / absher / abshar, توكلنا / tawakalna / tawakkalna and "منصة قوى" all find their
platform, while an unknown name gets no confident match (the dialogue then asks the user to
confirm it).
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Any, TypeVar

import yaml
from rapidfuzz import fuzz, process

from bot.nlu.normalise import normalise_text

__all__ = [
    "CATALOGUE_PATH",
    "CHANNELS",
    "CONFIDENT_SCORE",
    "Catalogue",
    "CatalogueError",
    "Match",
    "Platform",
    "Service",
    "ServiceMatch",
    "catalogue_content",
    "catalogue_in_use",
    "counts",
    "current_catalogue",
    "find_platform_in_text",
    "find_platforms_in_text",
    "fold",
    "get_platform",
    "load_catalogue",
    "match_platform",
    "match_service",
    "platforms",
    "use_store",
]

logger = logging.getLogger(__name__)

CATALOGUE_PATH = Path(__file__).resolve().parent / "data" / "catalogue.yml"
CHANNELS = frozenset({"web", "app"})

# A match at or above this score (0-100) is taken without asking. 80 lets one wrong letter
# through in a 6-letter name (abshar for absher scores 83), and stays above what unrelated
# names reach against the catalogue (tests/unit/intake/test_catalogue.py keeps a list of them).
CONFIDENT_SCORE = 80.0
# The best match is confident only this far ahead of the runner-up (an exact match always is,
# unless another is exact too): two platforms scoring alike mean the user should choose.
AMBIGUITY_MARGIN = 5.0
# Below this a candidate is not worth listing at all.
MIN_SCORE = 50.0
# Queries this short match only exactly: fuzzy scores of 2-letter strings mean nothing.
MIN_FUZZY_LENGTH = 3
# Inside a sentence, forms this short must appear exactly (بلد is not بلدي).
MIN_FUZZY_IN_TEXT = 5

# Words around a platform name that carry no identity: "منصة قوى", "the Absher app".
_FILLER_WORDS = frozenset(
    {
        "منصه", "المنصه", "تطبيق", "التطبيق", "موقع", "الموقع", "بوابه", "البوابه", "برنامج",
        "نظام", "app", "application", "platform", "site", "website", "web", "portal",
        "system", "the", "online",
    }
)
# Next to one of these, an everyday word names a platform: "تطبيق صحتي", "Noor system".
_CONTEXT_WORDS = _FILLER_WORDS - {"the", "online", "web"}
_CLITICS = ("وب", "ول", "فب", "فل", "و", "ب", "ل", "ف")
# Set phrases that contain a platform name without meaning the platform.
_IDIOMS = ("توكلنا علي الله",)


class CatalogueError(ValueError):
    """The catalogue file is malformed (missing field, duplicate id or alias, …)."""


def _language_is_arabic(language: str | None) -> bool:
    """`ar`, `ar-SA`, … are Arabic; anything else (including None) reads as English."""
    return bool(language) and str(language).lower().startswith("ar")


@dataclass(frozen=True)
class Service:
    id: str
    name_ar: str
    name_en: str
    aliases: tuple[str, ...] = ()

    def name(self, language: str | None) -> str:
        return self.name_ar if _language_is_arabic(language) else self.name_en

    def forms(self) -> tuple[str, ...]:
        """Every way of writing the service: both names and the aliases."""
        return (self.name_ar, self.name_en, *self.aliases)


@dataclass(frozen=True)
class Platform:
    id: str
    name_ar: str
    name_en: str
    entity_ar: str
    entity_en: str
    aliases: tuple[str, ...] = ()
    channels: tuple[str, ...] = ()
    services: tuple[Service, ...] = ()
    # Aliases that are everyday words; see the catalogue file's header.
    common_words: tuple[str, ...] = ()

    def name(self, language: str | None) -> str:
        return self.name_ar if _language_is_arabic(language) else self.name_en

    def entity(self, language: str | None) -> str:
        return self.entity_ar if _language_is_arabic(language) else self.entity_en

    def forms(self) -> tuple[str, ...]:
        """Every way of writing the platform: both names and the aliases."""
        return (self.name_ar, self.name_en, *self.aliases)

    def service(self, service_id: str) -> Service | None:
        return next((s for s in self.services if s.id == service_id), None)


@dataclass(frozen=True)
class Match:
    """A platform found for a text: `score` 0-100, `matched` the catalogue form that won.

    `confident`: the match may be taken without asking the user (see `_mark_confident`).
    """

    platform: Platform
    score: float
    confident: bool
    matched: str


@dataclass(frozen=True)
class ServiceMatch:
    """A service found for a text; fields as in `Match`."""

    platform: Platform
    service: Service
    score: float
    confident: bool
    matched: str


@dataclass(frozen=True, eq=False)  # compared and hashed by identity: a cache key, cheap
class Catalogue:
    platforms: tuple[Platform, ...]
    _by_id: Mapping[str, Platform] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_id", {p.id: p for p in self.platforms})

    def get(self, platform_id: str) -> Platform | None:
        return self._by_id.get(platform_id)


# --- folding ----------------------------------------------------------------------------


def fold(text: str) -> str:
    """The matching form of `text`: normalised Arabic, lower case, no punctuation.

    Apostrophes vanish (e'timad = etimad); a dot stays only inside a word (gov.sa).
    """
    text = normalise_text(text or "").lower()
    text = re.sub(r"['\u2019\u2018\u02bc`]", "", text)
    text = re.sub(r"[^\w\s.]", " ", text)
    text = re.sub(r"(?<!\w)\.|\.(?!\w)", " ", text).replace("_", " ")
    return " ".join(text.split())


def _without_fillers(folded: str) -> str:
    """`folded` without the words around a name; unchanged if nothing else would be left."""
    words = [word for word in folded.split() if word not in _FILLER_WORDS]
    return " ".join(words) if words else folded


def _key(text: str) -> str:
    return _without_fillers(fold(text))


# --- loading and validation -------------------------------------------------------------


def _text(entry: Mapping[str, Any], name: str, where: str) -> str:
    value = entry.get(name)
    if not isinstance(value, str) or not value.strip():
        raise CatalogueError(f"{where}: `{name}` is missing or empty")
    return value.strip()


def _texts(entry: Mapping[str, Any], name: str, where: str) -> tuple[str, ...]:
    values = entry.get(name) or []
    if not isinstance(values, list) or not all(isinstance(v, str) and v.strip() for v in values):
        raise CatalogueError(f"{where}: `{name}` must be a list of non-empty strings")
    return tuple(str(v).strip() for v in values)


_ARABIC_LETTER = re.compile(r"[\u0621-\u064a]")
_LATIN_LETTER = re.compile(r"[A-Za-z]")


def _check_languages(name_ar: str, name_en: str, where: str) -> None:
    if not _ARABIC_LETTER.search(name_ar):
        raise CatalogueError(f"{where}: the Arabic name {name_ar!r} has no Arabic letter")
    if not _LATIN_LETTER.search(name_en):
        raise CatalogueError(f"{where}: the English name {name_en!r} has no Latin letter")


def _service(entry: Any, where: str) -> Service:
    if not isinstance(entry, Mapping):
        raise CatalogueError(f"{where}: a service must be a mapping")
    service_id = _text(entry, "id", where)
    where = f"{where} service {service_id}"
    name_ar, name_en = _text(entry, "name_ar", where), _text(entry, "name_en", where)
    _check_languages(name_ar, name_en, where)
    return Service(service_id, name_ar, name_en, _texts(entry, "aliases", where))


def _platform(entry: Any, index: int) -> Platform:
    if not isinstance(entry, Mapping):
        raise CatalogueError(f"platform #{index}: must be a mapping")
    platform_id = _text(entry, "id", f"platform #{index}")
    where = f"platform {platform_id}"
    platform = Platform(
        id=platform_id,
        name_ar=_text(entry, "name_ar", where),
        name_en=_text(entry, "name_en", where),
        entity_ar=_text(entry, "entity_ar", where),
        entity_en=_text(entry, "entity_en", where),
        aliases=_texts(entry, "aliases", where),
        channels=_texts(entry, "channels", where),
        services=tuple(_service(s, where) for s in entry.get("services") or []),
        common_words=_texts(entry, "common_words", where),
    )
    _check_languages(platform.name_ar, platform.name_en, where)
    _check_languages(platform.entity_ar, platform.entity_en, f"{where} entity")
    if not platform.channels or not set(platform.channels) <= CHANNELS:
        raise CatalogueError(f"{where}: channels must be a non-empty subset of {set(CHANNELS)}")
    _check_unique([s.id for s in platform.services], f"{where}: service id")
    forms = {fold(form) for form in platform.forms()}
    stray = [word for word in platform.common_words if fold(word) not in forms]
    if stray:
        raise CatalogueError(f"{where}: common_words {stray} are not names or aliases")
    return platform


def _check_unique(values: Iterable[str], what: str) -> None:
    seen: set[str] = set()
    for value in values:
        if value in seen:
            raise CatalogueError(f"{what} {value!r} appears twice")
        seen.add(value)


def _check_forms_unique(all_platforms: Iterable[Platform]) -> None:
    """A name or alias (folded) must point at one platform, or matching would be a coin toss."""
    owner: dict[str, str] = {}
    for platform in all_platforms:
        for form in platform.forms():
            key = _key(form)
            if owner.setdefault(key, platform.id) != platform.id:
                raise CatalogueError(
                    f"{form!r} names both {owner[key]!r} and {platform.id!r}"
                )


def parse_catalogue(data: Any) -> Catalogue:
    """Build and check a `Catalogue` from the YAML document's data."""
    if not isinstance(data, Mapping) or not isinstance(data.get("platforms"), list):
        raise CatalogueError("the catalogue must be a mapping with a `platforms` list")
    all_platforms = tuple(_platform(entry, i) for i, entry in enumerate(data["platforms"]))
    if not all_platforms:
        raise CatalogueError("the catalogue lists no platform")
    _check_unique([p.id for p in all_platforms], "platform id")
    _check_forms_unique(all_platforms)
    return Catalogue(all_platforms)


@lru_cache(maxsize=4)
def load_catalogue(path: Path | str = CATALOGUE_PATH) -> Catalogue:
    """The catalogue at `path`, read and checked once (cached)."""
    with open(path, encoding="utf-8") as handle:
        return parse_catalogue(yaml.safe_load(handle))


def catalogue_content(catalogue: Catalogue) -> dict[str, Any]:
    """The catalogue as data in the shape of the YAML file (what an import stores, what an
    export writes); `parse_catalogue` of it gives the same catalogue back."""

    def service(entry: Service) -> dict[str, Any]:
        return {"id": entry.id, "name_ar": entry.name_ar, "name_en": entry.name_en,
                "aliases": list(entry.aliases)}

    def platform(entry: Platform) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": entry.id, "name_ar": entry.name_ar, "name_en": entry.name_en,
            "aliases": list(entry.aliases), "entity_ar": entry.entity_ar,
            "entity_en": entry.entity_en, "channels": list(entry.channels),
            "services": [service(s) for s in entry.services],
        }
        if entry.common_words:
            data["common_words"] = list(entry.common_words)
        return data

    return {"version": 1, "platforms": [platform(p) for p in catalogue.platforms]}


def counts(catalogue: Catalogue) -> tuple[int, int, int]:
    """(platforms, services, distinct owning entities)."""
    return (len(catalogue.platforms), sum(len(p.services) for p in catalogue.platforms),
            len({p.entity_en for p in catalogue.platforms}))


# --- the catalogue in use ---------------------------------------------------------------

# How often a process looks for a newer imported version (one small query), unless
# `use_store` is given another (BALAGH_CATALOGUE_REFRESH_S, bot.runtime.settings).
REFRESH_S = 15.0


@dataclass
class _InUse:
    url: str | None = None  # the store whose versions count; None: the shipped file only
    version: int | None = None  # the stored version in use; None: the shipped file
    catalogue: Catalogue | None = None
    checked_at: float = float("-inf")
    refresh_s: float = REFRESH_S


_in_use = _InUse()


def use_store(url: str | None, refresh_s: float = REFRESH_S) -> None:
    """Match against the newest catalogue imported into the store at `url`
    (`python -m bot catalogue import`), looked for every `refresh_s` seconds, and the shipped
    file until one is imported. The processes that run the actions call it at start (the
    Rasa server, and an action server, the agent console's included); None goes back to the
    shipped file only (the default: unit tests and tools)."""
    _in_use.url, _in_use.version, _in_use.catalogue = url, None, None
    _in_use.checked_at, _in_use.refresh_s = float("-inf"), refresh_s


def current_catalogue() -> Catalogue:
    """The catalogue in use (see `use_store`). A newer version is picked up within its
    `refresh_s` seconds, with no restart and no retraining; while the store cannot be read,
    the version in use is kept (and logged)."""
    if _in_use.url is None:
        return load_catalogue()
    now = time.monotonic()
    if now - _in_use.checked_at >= _in_use.refresh_s:
        _in_use.checked_at = now
        _refresh(_in_use.url)
    return _in_use.catalogue or load_catalogue()


def _refresh(url: str) -> None:
    from sqlalchemy.exc import SQLAlchemyError

    from bot.store import catalogue as versions

    try:
        newest = versions.latest_version(url)
        if newest == _in_use.version:
            return
        stored = versions.latest(url) if newest is not None else None
        catalogue = parse_catalogue(stored.content) if stored is not None else None
    except (SQLAlchemyError, CatalogueError) as error:
        logger.warning("catalogue: keeping %s (%s)", _in_use_label(), error)
        return
    _in_use.catalogue = catalogue
    _in_use.version = stored.version if stored is not None else None
    logger.info("catalogue: now %s", _in_use_label())


def _in_use_label() -> str:
    return ("the shipped file" if _in_use.version is None
            else f"imported version {_in_use.version}")


def catalogue_in_use() -> tuple[int | None, Catalogue]:
    """(the stored version in use, None for the shipped file; the catalogue)."""
    catalogue = current_catalogue()
    return _in_use.version, catalogue


def platforms() -> tuple[Platform, ...]:
    return current_catalogue().platforms


def get_platform(platform_id: str) -> Platform | None:
    return current_catalogue().get(platform_id)


# --- matching ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Form:
    key: str  # folded, fillers removed
    text: str  # as written in the catalogue
    platform: Platform
    service: Service | None = None
    common_word: bool = False


@dataclass(frozen=True, eq=False)  # by identity: hashing hundreds of forms costs more than
class _Forms:  # scoring them
    """Forms to score a text against, with their keys in the same order (what rapidfuzz
    scores)."""

    forms: tuple[_Form, ...]
    keys: tuple[str, ...] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "keys", tuple(form.key for form in self.forms))


@lru_cache(maxsize=4)
def _platform_forms(catalogue: Catalogue) -> tuple[_Form, ...]:
    forms: dict[tuple[str, str], _Form] = {}
    for platform in catalogue.platforms:
        common = {fold(word) for word in platform.common_words}
        for text in platform.forms():
            key = _key(text)
            forms.setdefault((key, platform.id), _Form(key, text, platform, None, key in common))
    return tuple(forms.values())


@lru_cache(maxsize=4)
def _service_forms(catalogue: Catalogue) -> tuple[_Form, ...]:
    forms: dict[tuple[str, str, str], _Form] = {}
    for platform in catalogue.platforms:
        for service in platform.services:
            for text in service.forms():
                key = _key(text)
                form = _Form(key, text, platform, service)
                forms.setdefault((key, platform.id, service.id), form)
    return tuple(forms.values())


@lru_cache(maxsize=4)
def _platforms_to_score(catalogue: Catalogue) -> _Forms:
    return _Forms(_platform_forms(catalogue))


def _ranked(query: str, to_score: _Forms) -> Iterator[tuple[_Form, float]]:
    """The forms scoring at least MIN_SCORE against `query` by `_score`, best first.

    rapidfuzz's own WRatio scores all the forms in C (a Python scorer costs a call a form);
    `_score`'s rule for short strings is applied to its results: a short query matches only
    a form equal to it, and a short form only a query equal to it.
    """
    forms, keys = to_score.forms, to_score.keys
    if len(query) < MIN_FUZZY_LENGTH:
        results = [(key, 100.0, index) for index, key in enumerate(keys) if key == query]
    else:
        results = [
            (key, score, index)
            for key, score, index in process.extract(
                query, keys, scorer=fuzz.WRatio, processor=None, limit=None,
                score_cutoff=MIN_SCORE)
            if len(key) >= MIN_FUZZY_LENGTH or key == query
        ]
    for _key_text, score, index in sorted(results, key=lambda r: (-r[1], r[2])):
        yield forms[index], float(score)


def match_platform(text: str, limit: int = 5) -> list[Match]:
    """Platforms named by `text` (a short answer such as "منصة قوى"), best first.

    Whole-text fuzzy scores are combined with `find_platforms_in_text`, so an answer with
    words around the name ("I used the Absher website") still finds it.
    """
    return list(_platform_matches(current_catalogue(), text)[:limit])


# The matches of a text are kept per catalogue (a new version is a new Catalogue object):
# a turn asks about the same words several times (the answer, then its platform for the
# service question, the corrections), and scoring hundreds of names costs milliseconds.
@lru_cache(maxsize=512)
def _platform_matches(catalogue: Catalogue, text: str) -> tuple[Match, ...]:
    query = _key(text)
    if not query:
        return ()
    best: dict[str, Match] = {}
    for form, score in _ranked(query, _platforms_to_score(catalogue)):
        if form.platform.id not in best:
            best[form.platform.id] = Match(form.platform, score, False, form.text)
    for found in _platforms_in_text(catalogue, text):
        current = best.get(found.platform.id)
        if current is None or found.score > current.score:
            best[found.platform.id] = found
    return tuple(_mark_confident(_sorted(catalogue, best.values())))


def _sorted(catalogue: Catalogue, matches: Iterable[Match]) -> list[Match]:
    order = {p.id: i for i, p in enumerate(catalogue.platforms)}
    return sorted(matches, key=lambda m: (-m.score, order[m.platform.id]))


M = TypeVar("M", Match, ServiceMatch)


def _mark_confident(ranked: list[M]) -> list[M]:
    """Only the best may be confident: at least CONFIDENT_SCORE, and clearly ahead of the
    runner-up (AMBIGUITY_MARGIN, or exact against inexact)."""
    if not ranked:
        return ranked
    top, runner_up = ranked[0].score, (ranked[1].score if len(ranked) > 1 else 0.0)
    clear = top - runner_up >= AMBIGUITY_MARGIN or (top == 100.0 and runner_up < 100.0)
    confident = top >= CONFIDENT_SCORE and clear
    return [replace(ranked[0], confident=confident)] + [
        replace(match, confident=False) for match in ranked[1:]
    ]


def match_service(
    text: str, platform_id: str | None = None, limit: int = 5
) -> list[ServiceMatch]:
    """Services named by `text`, best first; only `platform_id`'s services when given."""
    return list(_service_matches(current_catalogue(), text, platform_id)[:limit])


@lru_cache(maxsize=256)
def _services_of(catalogue: Catalogue, platform_id: str | None) -> _Forms:
    return _Forms(tuple(
        form
        for form in _service_forms(catalogue)
        if platform_id is None or form.platform.id == platform_id
    ))


@lru_cache(maxsize=512)
def _service_matches(
    catalogue: Catalogue, text: str, platform_id: str | None
) -> tuple[ServiceMatch, ...]:
    query = _key(text)
    if not query:
        return ()
    best: dict[tuple[str, str], ServiceMatch] = {}
    for form, score in _ranked(query, _services_of(catalogue, platform_id)):
        assert form.service is not None
        key = (form.platform.id, form.service.id)
        if key not in best:
            best[key] = ServiceMatch(form.platform, form.service, score, False, form.text)
    return tuple(_mark_confident(list(best.values())))


# --- platforms inside a sentence --------------------------------------------------------


def _without_clitic(word: str) -> Iterator[str]:
    """`word`, and `word` without a leading و / ب / ل / ف (بأبشر -> أبشر)."""
    yield word
    for clitic in _CLITICS:
        if word.startswith(clitic) and len(word) - len(clitic) >= 3:
            yield word[len(clitic) :]


def _is_context(word: str | None) -> bool:
    return word is not None and any(w in _CONTEXT_WORDS for w in _without_clitic(word))


@lru_cache(maxsize=4)
def _forms_by_length(catalogue: Catalogue) -> dict[int, tuple[_Form, ...]]:
    by_length: dict[int, list[_Form]] = {}
    for form in _platform_forms(catalogue):
        by_length.setdefault(len(form.key.split()), []).append(form)
    return {length: tuple(forms) for length, forms in by_length.items()}


def _ngram_score(ngram: str, form: _Form) -> float:
    if ngram == form.key:
        return 100.0
    if form.common_word or min(len(ngram), len(form.key)) < MIN_FUZZY_IN_TEXT:
        return 0.0
    return fuzz.ratio(ngram, form.key)


def find_platforms_in_text(text: str) -> list[Match]:
    """Every platform mentioned in `text` ("the Absher site kept failing"), best first, then
    in the order they are mentioned.

    Each one returned is really mentioned (score >= CONFIDENT_SCORE, confident), so a
    sentence naming two platforms gives two. Word n-grams are compared with every name and
    alias of as many words. Aliases that are everyday words (see the catalogue) count only
    next to a word such as منصة / app.
    """
    return list(_platforms_in_text(current_catalogue(), text))


@lru_cache(maxsize=512)
def _platforms_in_text(catalogue: Catalogue, text: str) -> tuple[Match, ...]:
    folded = fold(text)
    for idiom in _IDIOMS:
        folded = folded.replace(idiom, " ")
    words = folded.split()
    best: dict[str, tuple[Match, int]] = {}
    for length, forms in _forms_by_length(catalogue).items():
        for start in range(len(words) - length + 1):
            first, *rest = words[start : start + length]
            before = words[start - 1] if start > 0 else None
            after = words[start + length] if start + length < len(words) else None
            in_context = _is_context(before) or _is_context(after)
            for head in _without_clitic(first):
                ngram = " ".join([head, *rest])
                for form in forms:
                    if form.common_word and not in_context:
                        continue
                    score = _ngram_score(ngram, form)
                    if score < CONFIDENT_SCORE:
                        continue
                    current = best.get(form.platform.id)
                    if current is None or (score, -start) > (current[0].score, -current[1]):
                        best[form.platform.id] = (
                            Match(form.platform, score, True, form.text),
                            start,
                        )
    ranked = sorted(best.values(), key=lambda found: (-found[0].score, found[1]))
    return tuple(match for match, _start in ranked)


def find_platform_in_text(text: str) -> Match | None:
    """The platform a sentence is about: the best-scoring mention, the first one on a tie;
    None when no platform is mentioned."""
    found = find_platforms_in_text(text)
    return found[0] if found else None
