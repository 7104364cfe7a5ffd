"""CPU time of reading every message for facts and corrections (issue #17), per message.

    .venv/bin/python bench/reading.py [--runs 5]

Each turn of a form now also runs `bot.intake.volunteered.read_facts` and
`bot.intake.corrections.read_correction` on the message. This times both over the
held-out messages (tests/heldout/messages.yml, all groups: the texts only, nothing is
learnt from them), several runs, and prints the median per message beside the baseline of
the same run: `bot.intake.answers.parse_answer` for a date, which every form already ran.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import date
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.intake import answers, corrections, volunteered  # noqa: E402
from bot.intake.flow import EDITABLE_FIELDS  # noqa: E402

TODAY = date(2026, 12, 7)
SLOTS = {"platform": "أبشر", "prior_complaint_date": "2026-11-10", "full_name": "Sara Ali",
         "mobile": "+966551234567", "service_name": "Passport renewal"}


def messages() -> list[str]:
    data = yaml.safe_load((ROOT / "tests" / "heldout" / "messages.yml").read_text("utf-8"))
    return [item["text"] for group in ("msa", "gulf", "en", "mixed") for item in data[group]]


def per_message_ms(work, texts: list[str]) -> float:
    started = time.process_time()
    for text in texts:
        work(text)
    return (time.process_time() - started) * 1000 / len(texts)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args(argv)
    texts = messages()
    editable = EDITABLE_FIELDS["complaint_escalation"]
    work = {
        "baseline: parse_answer(date)": lambda t: answers.parse_answer(
            "prior_complaint_date", t, today=TODAY),
        "read_facts": lambda t: volunteered.read_facts(t, TODAY, report_type=None),
        "read_correction": lambda t: corrections.read_correction(t, SLOTS, editable, TODAY),
    }
    for step in work.values():  # warm the caches (catalogue, holidays, compiled patterns)
        per_message_ms(step, texts[:20])
    print(f"{len(texts)} messages, {args.runs} runs, CPU ms per message (median, min-max)")
    for name, step in work.items():
        runs = [per_message_ms(step, texts) for _ in range(args.runs)]
        print(f"  {name:32} {statistics.median(runs):7.3f}  ({min(runs):.3f}-{max(runs):.3f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
