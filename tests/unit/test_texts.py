"""The text catalogue (bot/texts/catalogue.yml) and the Rasa responses (domain.yml): every
text in Arabic and English with the same placeholders, and every key used and known."""

from __future__ import annotations

import ast
import re
import string
from collections import defaultdict
from functools import cache
from pathlib import Path

import pytest

from bot import texts
from bot.texts import catalogue, keys, text
from tests.yaml_files import domain_yaml

ROOT = Path(__file__).resolve().parents[2]
ARABIC = re.compile(r"[\u0621-\u064A]")
SOURCES = ("bot", "actions")


def _placeholders(template: str) -> set[str]:
    return {field for _, field, _, _ in string.Formatter().parse(template) if field is not None}


@pytest.mark.parametrize("key", list(catalogue()))
def test_every_key_has_arabic_and_english_with_the_same_placeholders(key: str) -> None:
    entry = catalogue()[key]
    assert entry["ar"].strip() and entry["en"].strip(), key
    assert ARABIC.search(entry["ar"]), f"{key}: the Arabic text has no Arabic letter"
    assert _placeholders(entry["ar"]) == _placeholders(entry["en"]), key


def test_keys_are_namespaced_and_the_api_falls_back_to_arabic() -> None:
    assert all(re.fullmatch(r"[a-z_]+(\.[a-z0-9_]+)+", key) for key in catalogue())
    assert keys("notify.status_changed.")
    key = keys("notify.")[0]
    assert text(key, "fr", reference="x", due_on="", phone="") == text(
        key, "ar", reference="x", due_on="", phone=""
    )
    with pytest.raises(KeyError):
        text("no.such_key", "ar")


def _imports_texts(tree: ast.Module) -> bool:
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "bot.texts":
            return True
        if isinstance(node, ast.ImportFrom) and node.module == "bot" and any(
            alias.name == "texts" for alias in node.names
        ):
            return True
    return False


KEY = re.compile(r"[a-z_]+(\.[a-z0-9_]+)+")
PREFIX = re.compile(r"[a-z_]+(\.[a-z0-9_]+)*\.")


@cache
def _references() -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """Keys the code names, in the modules that import bot.texts: every string that looks
    like a key of a catalogue namespace (`"notify.note"`), and the start of every f-string
    that builds one (`f"notify.status_changed.{status}"` names `notify.status_changed.`)."""
    namespaces = {key.split(".")[0] for key in catalogue()}
    literal: dict[str, list[str]] = defaultdict(list)
    prefixes: dict[str, list[str]] = defaultdict(list)
    for folder in SOURCES:
        for path in sorted((ROOT / folder).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            if not _imports_texts(tree):
                continue
            where = str(path.relative_to(ROOT))
            for node in ast.walk(tree):
                if isinstance(node, ast.JoinedStr):
                    head = node.values[0] if node.values else None
                    start = str(head.value) if isinstance(head, ast.Constant) else ""
                    if PREFIX.fullmatch(start) and start.split(".")[0] in namespaces:
                        prefixes[start].append(where)
                elif isinstance(node, ast.Constant) and isinstance(node.value, str):
                    if KEY.fullmatch(node.value) and node.value.split(".")[0] in namespaces:
                        literal[node.value].append(where)
                elif (
                    isinstance(node, ast.Call)
                    and isinstance(node.func, ast.Name | ast.Attribute)
                    and getattr(node.func, "id", getattr(node.func, "attr", "")) == "keys"
                    and node.args
                    and isinstance(node.args[0], ast.Constant)
                ):
                    prefixes[str(node.args[0].value)].append(where)
    return literal, prefixes


def test_every_key_the_code_uses_exists() -> None:
    literal, prefixes = _references()
    assert literal, "no key found in the code"
    assert {key: where for key, where in literal.items() if key not in catalogue()} == {}
    assert [prefix for prefix in prefixes if not keys(prefix)] == []
    assert all(prefix.endswith(".") for prefix in prefixes), prefixes


def test_every_key_is_used() -> None:
    literal, prefixes = _references()
    unused = [
        key
        for key in catalogue()
        if key not in literal and not any(key.startswith(prefix) for prefix in prefixes)
    ]
    assert unused == []


def test_the_catalogue_is_packaged() -> None:
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert '"texts/*.yml"' in pyproject
    assert texts.CATALOGUE_PATH.parent == ROOT / "bot" / "texts"


# -- the Rasa responses (domain.yml), checked by the same rules ------------------------------

DOMAIN = domain_yaml()


def _language(variation: dict) -> str | None:
    for condition in variation.get("condition") or []:
        if condition.get("name") == "language":
            return condition.get("value")
    return None


def _variation_placeholders(variation: dict) -> set[str]:
    """Its placeholders; a value the action gives in both languages (`{opens_day_ar}` in
    Arabic, `{opens_day_en}` in English) counts as one, `{opens_day}`."""
    found = _placeholders(variation.get("text") or "")
    for button in variation.get("buttons") or []:
        found |= _placeholders(button.get("title") or "")
    suffix = f"_{_language(variation)}"
    return {name.removesuffix(suffix) for name in found}


@pytest.mark.parametrize("name", sorted(DOMAIN["responses"]))
def test_every_response_uses_the_same_placeholders_in_both_languages(name: str) -> None:
    by_language: dict[str | None, set[str]] = defaultdict(set)
    for variation in DOMAIN["responses"][name]:
        by_language[_language(variation)] |= _variation_placeholders(variation)
    assert by_language["ar"] == by_language["en"], name


def test_statuses_the_guide_names_carry_its_words() -> None:
    """Seed 003 quotes two statuses: «إلى "جارٍ العمل"» (a notice) and «حالة البلاغ إلى "نقص
    البيانات"» (its FAQ). Replies, notices, the console and exports name them so."""
    from bot.texts.status_names import status_label

    assert status_label("in_progress", "ar") == "جارٍ العمل"
    assert status_label("missing_data", "ar") == "نقص البيانات"
    assert status_label("missing_data", "en") == "Missing data"
