"""Searching the assistant's own answers for the agent's `/faq` command (pure).

The domain's `utter_*` responses are the answers the assistant gives, in Arabic and in
English (the variation is chosen by the `language` slot). The console searches them in
the caller's language for the words the agent typed, so the command works today and
finds the FAQ answers (the retrieval responses `utter_faq/<question>`) as soon as they are
in the model: responses whose name starts with `utter_faq` rank first at equal score.
Responses that need slot values (`{report_ref}` …) are skipped: out of their conversation
they read wrong.

Matching uses the NLU's normalisation (alef/ya/ta-marbuta forms, diacritics, digits), case
folding and a light Arabic prefix strip (ال و ب ف ك ل), so «الشكوى» finds «شكوى».
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from bot.nlu.normalise import normalise_text

__all__ = ["Hit", "search", "texts_in_language"]

FAQ_PREFIX = "utter_faq"
# What the assistant says about itself and the service, outside any step.
GENERAL_INFORMATION = frozenset({"utter_help", "utter_report_types", "utter_out_of_scope"})
_WORD = re.compile(r"\w+", re.UNICODE)
_PLACEHOLDER = re.compile(r"\{[a-z_]+\}")
_PREFIXES = ("وال", "بال", "فال", "كال", "لل", "ال", "و")
_STOP = frozenset(
    {
        "the", "a", "an", "of", "to", "in", "on", "is", "are", "for", "and", "or", "how",
        "what", "can", "do", "i", "my", "me", "it", "be", "with",
        "في", "من", "على", "عن", "الى", "هل", "ما", "ماذا", "كيف", "او", "ان", "لا", "مع",
    }
)  # fmt: skip


@dataclass(frozen=True)
class Hit:
    name: str
    text: str
    score: int


def _stem(word: str) -> str:
    for prefix in _PREFIXES:
        if word.startswith(prefix) and len(word) - len(prefix) >= 3:
            return word[len(prefix) :]
    return word


def _terms(text: str) -> list[str]:
    words = _WORD.findall(normalise_text(text).lower())
    return [_stem(word) for word in words if word not in _STOP and len(word) > 1]


def _matches(term: str, words: set[str]) -> bool:
    if term in words:
        return True
    return len(term) >= 4 and any(word.startswith(term) for word in words)


def _language_of(variation: Mapping[str, Any]) -> str | None:
    for condition in variation.get("condition") or []:
        if condition.get("name") == "language":
            return str(condition.get("value"))
    return None


def texts_in_language(
    responses: Mapping[str, Sequence[Mapping[str, Any]]], language: str
) -> Iterable[tuple[str, str]]:
    """(response name, text) of every `utter_*` variation for `language` (or for any)."""
    for name, variations in responses.items():
        if not name.startswith("utter_"):
            continue
        for variation in variations:
            text = variation.get("text")
            wanted = _language_of(variation)
            if not text or (wanted is not None and wanted != language):
                continue
            if _PLACEHOLDER.search(text):
                continue
            yield name, str(text)


def _standing(name: str) -> int:
    """Among equally good matches: FAQ answers, then the general information an agent reads
    out, then the rest (a step's question or an error, which only fit their moment)."""
    if name.startswith(FAQ_PREFIX):
        return 2
    return 1 if name in GENERAL_INFORMATION else 0


def search(
    responses: Mapping[str, Sequence[Mapping[str, Any]]],
    query: str,
    language: str,
    limit: int = 3,
) -> list[Hit]:
    """The best answers for `query` in `language`: most query words found, FAQ first, then
    general information."""
    terms = list(dict.fromkeys(_terms(query)))
    if not terms:
        return []
    hits: list[tuple[int, int, str, str]] = []
    seen: set[str] = set()
    for name, text in texts_in_language(responses, language):
        if text in seen:
            continue
        seen.add(text)
        words = set(_terms(text))
        score = sum(1 for term in terms if _matches(term, words))
        if score:
            hits.append((score, _standing(name), name, text))
    hits.sort(key=lambda hit: (-hit[0], -hit[1], hit[2]))
    return [Hit(name, text, score) for score, _faq, name, text in hits[:limit]]
