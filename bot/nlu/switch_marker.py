"""Believe "switch the report type" when the message says "instead" and names a type.

Mid-form, "actually I want to suggest an improvement instead" is both a switch and a report
type's own words: the classifier splits its belief between `switch_report_type` and the
type (0.47 and 0.51), and FallbackClassifier's ambiguity rule then makes it `nlu_fallback`,
so the form asks its question again as if nothing was said. Here, when those two are the
best two guesses and the message has a word that marks a change of mind ("instead",
"rather", «بدل», «بدال», «عوضًا») the switch is put first with both their shares: the form
offers the switch (actions/switch.py), which asks before dropping anything.
"""

from __future__ import annotations

import re
from typing import Any

from rasa.engine.recipes.default_recipe import DefaultV1Recipe

from bot.nlu.normalise import normalise_text
from bot.nlu.reranking import RankingRule

SWITCH = "switch_report_type"
REPORT_INTENTS = frozenset(
    {"report_complaint", "request_transformation", "suggest_development", "report_outage"}
)
# Words of a change of mind (normalised: ا for أ/إ/آ, ه for ة, ي for ى).
_CHANGE_OF_MIND = re.compile(
    r"\b(?:instead|rather)\b|(?:^|\s)(?:بدل|بدلا|بدال|بدالها|عوضا|عوض|بالاحري)(?:\s|$|[،,.!؟?])",
    re.IGNORECASE,
)


# The switch's own share below which it is not promoted: a suggestion that merely says
# "instead" ("let us upload them all at once instead of one by one") stays a suggestion.
MIN_SWITCH_SHARE = 0.2


def marks_a_change_of_mind(text: str) -> bool:
    return bool(_CHANGE_OF_MIND.search(normalise_text(text or "").lower()))


def promoted(ranking: list[dict[str, Any]]) -> list[dict[str, Any]] | None:
    """The ranking with the switch first, when the best two are the switch and a report
    type; None when it stays as it is."""
    if len(ranking) < 2:
        return None
    first, second = ranking[0], ranking[1]
    names = {first.get("name"), second.get("name")}
    if SWITCH not in names or not names - {SWITCH} <= REPORT_INTENTS:
        return None
    switch = first if first.get("name") == SWITCH else second
    other = second if switch is first else first
    shares = float(first.get("confidence") or 0), float(second.get("confidence") or 0)
    if float(switch.get("confidence") or 0) < MIN_SWITCH_SHARE:
        return None
    # the type keeps the smaller share: FallbackClassifier's ambiguity rule (the best two
    # closer than 0.05) must not undo the promotion
    return [{**switch, "confidence": min(1.0, sum(shares))},
            {**other, "confidence": min(shares)}, *ranking[2:]]


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class SwitchMarker(RankingRule):
    """Put `switch_report_type` first when the message marks a change of mind."""

    def rerank(
        self, text: str, intent: dict[str, Any], ranking: list[dict[str, Any]]
    ) -> list[dict[str, Any]] | None:
        return promoted(ranking) if marks_a_change_of_mind(text) else None
