"""The policies' states, Rasa's replay against the kept one (bot/runtime/policy_states.py,
rasa_tuning `states`, #21), on the recorded conversations of tests/unit/data/.

    .venv/bin/python bench/policy_states.py [--runs 7]

Each conversation is grown event by event; after each event a policy predicts on, the two
policies ask for their states (MemoizationPolicy without the rule-only turns, RulePolicy with
all), as a turn does. Prints CPU ms per prediction and per conversation for each way, median
of --runs, the two interleaved run by run.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.runtime.policy_states import IncrementalStates  # noqa: E402
from tests.unit.test_policy_states import (  # noqa: E402  (the recorded data and the domain)
    CONVERSATIONS,
    DOMAIN,
    RASA,
    RULE_ONLY,
    events_of,
    new_tracker,
    predicts_after,
)


def one_run(states) -> tuple[float, int]:
    """CPU seconds spent in `states`, and the number of predictions."""
    spent, predictions = 0.0, 0
    for name in sorted(CONVERSATIONS):
        tracker = new_tracker(name)
        for event in events_of(name):
            tracker.update(event)
            if not predicts_after(event):
                continue
            started = time.process_time()
            states(DOMAIN, tracker, False, True, RULE_ONLY)
            states(DOMAIN, tracker, False, False, None)
            spent += time.process_time() - started
            predictions += 1
    return spent, predictions


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    rasa, kept = [], []
    predictions = 0
    for _ in range(args.runs):
        spent, predictions = one_run(RASA)
        rasa.append(spent)
        spent, _ = one_run(IncrementalStates(RASA))
        kept.append(spent)
    conversations = len(CONVERSATIONS)
    print(f"{conversations} recorded conversations, {predictions} predictions, "
          f"{sum(len(c) for c in CONVERSATIONS.values())} events; median of {args.runs} runs")
    for label, times in (("Rasa's replay", rasa), ("kept replay", kept)):
        total = statistics.median(times)
        print(f"  {label:<14} {1000 * total / predictions:6.2f} ms a prediction, "
              f"{1000 * total / conversations:7.1f} ms a conversation (CPU)")
    print(f"  saved: {100 * (1 - statistics.median(kept) / statistics.median(rasa)):.0f} %")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
