"""What to say to a message NLU could not place (plain Python): "did you mean A or B?".

When the classifier is unsure (Rasa's `nlu_fallback`) but its two best guesses are things the
user can start here (two report types, a report type and a status question, …), the user is
asked which one they meant, with the two as buttons, rather than "please rephrase"
(issue #17, clarification). A second unplaced message in a row gets the menu of report types
with a person among the buttons, never the same "rephrase" again. The same for a question
of the FAQ whose two best answers are close (`faq_pair`): both are offered as buttons.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import yaml

from bot.texts import text

__all__ = ["CHOICES", "Clarification", "clarify", "faq_button", "faq_pair", "faq_titles"]

# Intents the user can be offered to pick, with their button's payload; the button's title
# is the text catalogue's clarify.<intent>.
CHOICES: dict[str, str] = {
    "report_complaint": '/choose_report_type{"report_type": "complaint_escalation"}',
    "request_transformation": '/choose_report_type{"report_type": "transformation_request"}',
    "suggest_development": '/choose_report_type{"report_type": "development_suggestion"}',
    "report_outage": '/choose_report_type{"report_type": "entity_outage"}',
    "check_status": "/check_status",
    "human_handoff": "/human_handoff",
}
# The two guesses must carry at least this much of the classifier's belief between them,
# and the second at least MIN_SECOND, or they are no better than any other two.
MIN_TOGETHER = 0.3
MIN_SECOND = 0.08


@dataclass(frozen=True)
class Clarification:
    """`response` to say, with `buttons` (title/payload dicts) when it offers a choice."""

    response: str
    buttons: tuple[dict[str, str], ...] = ()


def _button(intent: str, language: str | None) -> dict[str, str]:
    return {"title": text(f"clarify.{intent}", language), "payload": CHOICES[intent]}


def clarify(
    ranking: Iterable[tuple[str, float]], language: str | None, *, misses_in_a_row: int
) -> Clarification:
    """The reply to an unplaced message: two guesses to pick from, the rephrase prompt, or
    (from the second in a row) the menu of types with a person."""
    if misses_in_a_row >= 2:
        return Clarification(
            "utter_clarify_menu",
            tuple(_button(intent, language) for intent in CHOICES if intent != "check_status"),
        )
    guesses = [(name, score) for name, score in ranking if name in CHOICES][:2]
    if len(guesses) == 2:
        (first, first_score), (second, second_score) = guesses
        if first_score + second_score >= MIN_TOGETHER and second_score >= MIN_SECOND:
            return Clarification(
                "utter_clarify_two", (_button(first, language), _button(second, language))
            )
    return Clarification("utter_rephrase")


# -- two FAQ answers close together ---------------------------------------------------------

# The answer chosen is believed unless it has less than FAQ_SURE of the selector's belief
# and the next one is within FAQ_MARGIN of it: then both are offered. Set by reasoning
# about the selector's softmax (a clear winner takes most of it), not fitted to any set.
FAQ_SURE = 0.6
FAQ_MARGIN = 0.2
FAQ_PICK_ENTITY = "faq_pick"
_FAQ_FILES = {"ar": ("faq.yml",), "en": ("faq_en.yml",)}


def faq_pair(ranking: Iterable[tuple[str, float]]) -> tuple[str, str] | None:
    """The two FAQ keys to offer when the best one is not clearly ahead, else None.

    `ranking`: (key, confidence) from the response selector, best first; keys are given as
    `faq/<key>` or `<key>`."""
    best = [(key.removeprefix("faq/"), score) for key, score in ranking][:2]
    if len(best) < 2:
        return None
    (first, first_score), (second, second_score) = best
    if first_score >= FAQ_SURE or first_score - second_score > FAQ_MARGIN:
        return None
    return first, second


def faq_titles(nlu_dir: Path) -> dict[str, dict[str, str]]:
    """A button title for each FAQ key in each language: its first training question."""
    titles: dict[str, dict[str, str]] = {}
    for language, names in _FAQ_FILES.items():
        for name in names:
            data = yaml.safe_load((nlu_dir / name).read_text(encoding="utf-8")) or {}
            for item in data.get("nlu") or []:
                intent = str(item.get("intent") or "")
                if not intent.startswith("faq/"):
                    continue
                lines = [
                    line.strip()[2:].strip()
                    for line in str(item.get("examples") or "").splitlines()
                    if line.strip().startswith("- ")
                ]
                if lines:
                    titles.setdefault(intent.removeprefix("faq/"), {}).setdefault(
                        language, lines[0]
                    )
    return titles


def faq_button(key: str, language: str | None, titles: dict[str, dict[str, str]]) -> dict[str, str]:
    """The button that asks the FAQ `key` (its answer comes without NLU in between)."""
    by_language = titles.get(key) or {}
    title = by_language.get("en" if language == "en" else "ar") or next(
        iter(by_language.values()), key
    )
    return {"title": title, "payload": f'/faq{{"{FAQ_PICK_ENTITY}": "{key}"}}'}
