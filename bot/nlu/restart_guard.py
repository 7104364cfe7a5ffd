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
    r"\b(?:restart|restrat|reset|startover|"
    r"start\s+(?:(?:it\s+all|it|this|all|everything|the\s+whole\s+thing)\s+)?"
    r"(?:over|again|afresh|fresh)|"
    r"begin\s+again|redo\s+(?:it\s+all|everything|the\s+whole\s+thing)|"
    r"from\s+(?:scratch|the\s+(?:start|beginning|top)|question\s+(?:one|1))|"
    r"(?:back\s+)?to\s+the\s+beginning|new\s+(?:chat|conversation)|"
    r"clear\s+(?:everything|all|it\s+all))\b"
    r"|(?:^|\s)(?:نبدا|لنبدا|ابدء|ابتدي|نبتدي|البدء|من\s+جديد|من\s+الصفر|من\s+اول|"
    r"من\s+الاول|من\s+اوله|من\s+اولها|البدايه|للبدايه|لبدايه|نعيد|نعيدها|عيد|اعاده|اعد|"
    r"لنعد|امسح|ريستارت|رستارت|ريست)"
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
