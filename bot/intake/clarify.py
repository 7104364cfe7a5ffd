"""What to say to a message NLU could not place (plain Python): "did you mean A or B?".

When the classifier is unsure (Rasa's `nlu_fallback`) but its two best guesses are things the
user can start here (two report types, a report type and a status question, …), the user is
asked which one they meant, with the two as buttons, rather than "please rephrase"
(issue #17, clarification). A second unplaced message in a row gets the menu of report types
with a person among the buttons, never the same "rephrase" again.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

__all__ = ["CHOICES", "Clarification", "clarify"]

# Intents the user can be offered to pick, with their button (Arabic, English) and payload.
CHOICES: dict[str, tuple[tuple[str, str], str]] = {
    "report_complaint": (
        ("تصعيد شكوى قدمتها لجهة", "Escalate a complaint I lodged"),
        '/choose_report_type{"report_type": "complaint_escalation"}',
    ),
    "request_transformation": (
        ("تحويل خدمة ورقية إلى رقمية", "Make a paper service digital"),
        '/choose_report_type{"report_type": "transformation_request"}',
    ),
    "suggest_development": (
        ("اقتراح تطوير لخدمة رقمية", "Suggest an improvement"),
        '/choose_report_type{"report_type": "development_suggestion"}',
    ),
    "report_outage": (
        ("بلاغ جهة حكومية عن تعطل خدماتها", "An entity reporting its outage"),
        '/choose_report_type{"report_type": "entity_outage"}',
    ),
    "check_status": (("معرفة حالة بلاغ", "Check a report's status"), "/check_status"),
    "human_handoff": (("التحدث إلى موظف", "Talk to a person"), "/human_handoff"),
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
    titles, payload = CHOICES[intent]
    return {"title": titles[1 if language == "en" else 0], "payload": payload}


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
