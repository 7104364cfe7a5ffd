"""The NLG class Rasa builds from `nlg: type: bot.runtime.nlg.LiteralValuesNLG` in endpoints.yml.

Rasa's own response generator fills `{slot}` placeholders with `str.format` and then, if the
text it made contains `0[` anywhere, throws the whole result away and returns the response
unfilled (rasa/core/nlg/interpolator.py): a reporter whose description contains `0[` saw a
summary of bare `{summary_description}`, `{summary_full_name}` … placeholders. This class is
Rasa's templated generator (same response choice, conditions, channels) with its own filling:
each `{name}` is replaced by the value as text, `{{` and `}}` give `{` and `}` as before, and
nothing of a value is ever read as a template or a format string (`{0}`, `0[`, `%s` show as
typed). A placeholder with no value stays as written.
"""

from __future__ import annotations

import re
from typing import Any

from rasa.core.nlg.response import TemplatedNaturalLanguageGenerator
from rasa.shared.core.domain import Domain
from rasa.utils.endpoints import EndpointConfig

# `{{`, `}}`, or a placeholder as Rasa reads one (no line break or brace in its name)
_TOKEN = re.compile(r"\{\{|\}\}|\{([^\n{}]+?)\}")
# the response keys Rasa fills (rasa/core/nlg/response.py)
FILLED_KEYS = ("text", "image", "custom", "buttons", "attachment", "quick_replies")


def fill_text(template: str, values: dict[str, Any]) -> str:
    """`template` with its placeholders replaced by `values`, each inserted literally."""

    def replace(match: re.Match[str]) -> str:
        token = match.group(0)
        if token == "{{":
            return "{"
        if token == "}}":
            return "}"
        name = match.group(1)
        return str(values[name]) if name in values else token

    return _TOKEN.sub(replace, template)


def fill(response: Any, values: dict[str, Any]) -> Any:
    """Every string inside `response` (dicts and lists walked) filled with `values`."""
    if isinstance(response, str):
        return fill_text(response, values)
    if isinstance(response, dict):
        return {key: fill(value, values) for key, value in response.items()}
    if isinstance(response, list):
        return [fill(item, values) for item in response]
    return response


class LiteralValuesNLG(TemplatedNaturalLanguageGenerator):
    """Rasa's templated NLG, filling placeholders without `str.format` (see the module)."""

    def __init__(
        self, endpoint_config: EndpointConfig | None = None, domain: Domain | None = None
    ) -> None:
        super().__init__(domain.responses if domain is not None else {})

    def _fill_response(
        self,
        response: dict[str, Any],
        filled_slots: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> dict[str, Any]:
        values = self._response_variables(filled_slots, kwargs)
        if values:
            for key in FILLED_KEYS:
                if key in response:
                    response[key] = fill(response[key], values)
        return response
