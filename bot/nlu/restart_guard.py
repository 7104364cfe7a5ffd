"""Believe NLU's `restart` only where the message asks to start over in words.

Rasa runs `action_restart` for the `restart` intent whatever is going on, inside a form
too (RulePolicy's default rule), and a restart forgets the whole conversation. A long
answer NLU happens to read as `restart` («المشكلة إن الصفحة تعلق كل مرة وما اقدر اكمل
الطلب») would throw away every answer given. So `restart` stands only for a button
payload, or a message with a word for starting over ("start over", «من جديد», «ابدأ»);
any other message gets the next intent of the ranking instead.
"""

from __future__ import annotations

import re
from typing import Any

from rasa.engine.recipes.default_recipe import DefaultV1Recipe

from bot.nlu.normalise import normalise_text
from bot.nlu.reranking import RankingRule

RESTART = "restart"
# Words that ask to start over (normalised: ا for أ/إ/آ, ه for ة, ي for ى), as words.
_START_OVER = re.compile(
    r"\b(?:restart|reset|startover|start\s+(?:over|again|afresh|fresh)|begin\s+again|"
    r"from\s+(?:scratch|the\s+(?:start|beginning|top))|(?:back\s+)?to\s+the\s+beginning|"
    r"new\s+(?:chat|conversation)|clear\s+(?:everything|all))\b"
    r"|(?:^|\s)(?:نبدا|لنبدا|ابدء|ابتدي|نبتدي|البدء|من\s+جديد|من\s+الصفر|من\s+اول|"
    r"من\s+الاول|البدايه|للبدايه|لبدايه|نعيد|عيد|اعاده|اعد|لنعد|امسح|ريستارت|رستارت)"
    r"(?:\s|$|[،,.!؟?])",
    re.IGNORECASE,
)


# «ابدأ» (start) is «ابدا» once normalised, as is «أبدًا» (never): looked for as typed.
_START_AS_TYPED = re.compile(r"(?:^|\s)[اإأ]بد[أء](?:\s|$|[،,.!؟?])")


def asks_to_start_over(text: str) -> bool:
    """Whether the message says in words that the conversation should start over."""
    return bool(
        _START_OVER.search(normalise_text(text or "").lower())
        or _START_AS_TYPED.search(text or "")
    )


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class RestartGuard(RankingRule):
    """Replace `restart` by the next intent unless the message asks to start over."""

    def rerank(
        self, text: str, intent: dict[str, Any], ranking: list[dict[str, Any]]
    ) -> list[dict[str, Any]] | None:
        if intent.get("name") != RESTART or asks_to_start_over(text):
            return None
        return [entry for entry in ranking if entry.get("name") != RESTART] or None
