"""The back office's catalogue reaches the running assistant (#19): a platform added with
`python -m bot catalogue import` is recognised in the next conversations, in Arabic and
English, with no restart and no retraining; importing the old catalogue again takes it away.

The shared assistant looks for a new version every second (BALAGH_CATALOGUE_REFRESH_S=1 in
tests/conftest.py; 15 s by default). The added platform is made up, so no other test of the
session can name it, and the shipped catalogue is imported back at the end.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bot.intake.catalogue import catalogue_content, load_catalogue
from bot.intake.catalogue_files import catalogue_csv
from tests.integration.test_live_intake import Chat
from tests.live import ROOT, AssistantProcess

pytestmark = pytest.mark.servers

MADE_UP = {
    "id": "zabarjad_test", "name_ar": "زبرجد", "name_en": "Zabarjad",
    "aliases": ["zabarjad", "زبرجد الرقمية"],
    "entity_ar": "هيئة الحكومة الرقمية", "entity_en": "Digital Government Authority",
    "channels": ["web", "app"],
    "services": [{"id": "zabarjad_permit", "name_ar": "إصدار تصريح زبرجد",
                  "name_en": "Zabarjad permit", "aliases": []}],
}


def catalogue_cli(assistant: AssistantProcess, *argv: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "bot", "catalogue", *argv], cwd=ROOT, env=assistant.env,
        capture_output=True, text=True, timeout=120, check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def proposal(assistant: AssistantProcess, text: str) -> str:
    return Chat(assistant).say(text)


def wait_for(check, seconds: float = 20.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.5)
    return False


def test_an_imported_platform_is_recognised_without_a_restart(
    assistant: AssistantProcess, tmp_path: Path
) -> None:
    english, arabic = "I have a suggestion to improve Zabarjad", "لدي اقتراح لتحسين منصة زبرجد"
    assert "Zabarjad" not in proposal(assistant, english)
    content = catalogue_content(load_catalogue())
    content["platforms"].append(MADE_UP)
    new = tmp_path / "with-zabarjad.json"
    new.write_text(json.dumps(content, ensure_ascii=False), encoding="utf-8")
    shipped = tmp_path / "shipped.csv"
    try:
        assert "Imported with-zabarjad.json as catalogue version" in catalogue_cli(
            assistant, "import", str(new))
        assert wait_for(lambda: "improvement to Zabarjad" in proposal(assistant, english))
        reply = proposal(assistant, arabic)
        assert "اقتراح تطوير لخدمة على زبرجد" in reply, reply
    finally:  # the shipped catalogue back, as a new version (CSV this time)
        shipped.write_text(catalogue_csv(load_catalogue()), encoding="utf-8")
        catalogue_cli(assistant, "import", str(shipped))
    assert wait_for(lambda: "Zabarjad" not in proposal(assistant, english))
    listed = json.loads(catalogue_cli(assistant, "versions", "--json"))
    assert [v["source"] for v in listed[:2]] == ["shipped.csv", "with-zabarjad.json"]
