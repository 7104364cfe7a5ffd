"""The texts users read, Arabic and English, in one catalogue (`catalogue.yml`).

It owns every user-facing sentence and label the Python code shows: the notices
(`notify.*`), the values of the summary (`summary.*`), the status names (`status.*`), the
console's panel and lookup (`panel.*`, `lookup.*`), the Telegram menu (`telegram.*`), the
channels' fault messages (`faults.*`), the agent chat (`handoff.*`) and the buttons of the
intake and the actions (`repair.*`, `clarify.*`, `codes.*`, `verification.*`). A key is
namespaced by where it is used and holds `ar` and `en`; `text(key, language, **values)`
formats one (any language but "en" reads Arabic), `keys(prefix)` lists a namespace. The
catalogue is plain text: bidi isolation of values stays with the caller (`bot.texts.bidi`
applied before formatting) or, for fixed numbers, in the text itself (U+2066 … U+2069).
Beside it, what turns values into displayed text: `bidi` (the directional isolates around
references, dates and numbers inside Arabic), `status_names` (a status in the user's
language) and `notices` (a notification's whole text). The Rasa responses stay in
domain.yml, where Rasa's NLG reads them; tests/unit/test_texts.py checks both with the same
rules (Arabic and English, the same `{placeholders}`) and that every key of the catalogue is
used and every key the code uses exists. It imports only the standard library, PyYAML,
`bot.clock` and `bot.digits`, so every room (store, intake, notify, channels, agent,
actions) may import it.
"""

from __future__ import annotations

import functools
from pathlib import Path

import yaml

__all__ = ["CATALOGUE_PATH", "LANGUAGES", "catalogue", "has", "keys", "pair", "text"]

CATALOGUE_PATH = Path(__file__).with_name("catalogue.yml")
LANGUAGES = ("ar", "en")


@functools.cache
def catalogue() -> dict[str, dict[str, str]]:
    """Every key with its `ar` and `en` templates, read once."""
    with CATALOGUE_PATH.open(encoding="utf-8") as stream:
        loaded = yaml.safe_load(stream) or {}
    return {
        str(key): {language: str(entry[language]) for language in LANGUAGES}
        for key, entry in loaded.items()
    }


def _language(language: str | None) -> str:
    return "en" if language == "en" else "ar"


def text(key: str, language: str | None, /, **values: object) -> str:
    """The text of `key` in `language` ("en", else Arabic), its `{placeholders}` filled.

    An unknown key raises KeyError; without `values` the template is returned as it is.
    """
    template = catalogue()[key][_language(language)]
    return template.format(**values) if values else template


def pair(key: str) -> tuple[str, str]:
    """(Arabic, English) of `key`, unformatted."""
    entry = catalogue()[key]
    return entry["ar"], entry["en"]


def has(key: str) -> bool:
    """Whether the catalogue has `key`."""
    return key in catalogue()


def keys(prefix: str) -> list[str]:
    """The keys in the namespace `prefix` ("status." lists `status.received`, …), in order."""
    return [key for key in catalogue() if key.startswith(prefix)]
