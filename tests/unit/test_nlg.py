"""bot/runtime/nlg.py: responses filled without str.format, the class Rasa builds from the
endpoints file `bot serve` writes."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from rasa.core.nlg import NaturalLanguageGenerator, TemplatedNaturalLanguageGenerator
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import SlotSet
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import read_endpoint_config

from bot.runtime import serve
from bot.runtime.nlg import LiteralValuesNLG, fill_text

ROOT = Path(__file__).resolve().parents[2]
HOSTILE = "Odd text {0} and 0[ and %s and %(x)s and {{7*7}} and {reference}"


@pytest.mark.parametrize(
    ("template", "values", "expected"),
    [
        ("Hi {name}!", {"name": "Sara"}, "Hi Sara!"),
        ("{a} and {b}", {"a": "0[", "b": "{0}"}, "0[ and {0}"),
        ('/choose{{"report_type": "{kind}"}}', {"kind": "x"}, '/choose{"report_type": "x"}'),
        ("{missing} stays", {}, "{missing} stays"),
        ("{n} items", {"n": 3}, "3 items"),
        ("{v}", {"v": HOSTILE}, HOSTILE),
    ],
)
def test_fill_text(template: str, values: dict, expected: str) -> None:
    assert fill_text(template, values) == expected


def _generate(nlg: NaturalLanguageGenerator, domain: Domain, **values: str) -> str:
    tracker = DialogueStateTracker.from_events(
        "nlg-test",
        [SlotSet("language", "en"), SlotSet("report_type", "development_suggestion")],
        domain.slots,
    )
    message = asyncio.run(nlg.generate("utter_summary", tracker, "rest", **values))
    return message["text"]


def _summary_values(description: str) -> dict[str, str]:
    names = ("platform", "service_name", "service_channel", "description", "full_name",
             "national_id", "mobile", "email")
    values = {f"summary_{name}": f"<{name}>" for name in names}
    values["summary_description"] = description
    return values


def test_a_value_holding_0_bracket_leaves_rasas_summary_unfilled(domain: Domain) -> None:
    """What the reporter saw before: Rasa's own generator returns the bare placeholders."""
    rasa_own = TemplatedNaturalLanguageGenerator(domain.responses)
    text = _generate(rasa_own, domain, **_summary_values(HOSTILE))
    assert "{summary_full_name}" in text


def test_the_summary_shows_the_value_as_typed(domain: Domain) -> None:
    text = _generate(LiteralValuesNLG(domain=domain), domain, **_summary_values(HOSTILE))
    assert HOSTILE in text and "<full_name>" in text and "{summary_" not in text


def test_rasa_builds_this_class_from_the_endpoints_file_bot_serve_writes(
    tmp_path: Path, domain: Domain, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ACTIONS_SECRET", "s")  # the file names it; bot serve sets it
    path = serve.write_endpoints(5055, tmp_path / "endpoints.yml")
    config = read_endpoint_config(str(path), "nlg")
    built = NaturalLanguageGenerator.create(config, domain)
    assert type(built) is LiteralValuesNLG
    root = read_endpoint_config(str(ROOT / "endpoints.yml"), "nlg")
    assert root is not None and root.type == serve.NLG_CLASS
