"""CPU time of one turn's save in the tracker store: Rasa's SQLTrackerStore.save (counts the
stored events in SQL) against CachedSQLTrackerStore's save of a tracker that continues the
kept one (no count), in one run, on SQLite.

    .venv/bin/python bench/tracker_save.py [--turns 150] [--runs 3]

Each run: one conversation of `--turns` turns (a user message, an action, a slot, a bot
message, action_listen), each retrieved, extended and saved; the median CPU ms of a save
(the first 20 turns left out) for each way, side by side.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    BotUttered,
    SessionStarted,
    SlotSet,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker

from bot.runtime.tracker_store import CachedSQLTrackerStore

DOMAIN = Domain.from_dict(
    {"slots": {"language": {"type": "text", "mappings": [{"type": "custom"}]}}}
)
T0 = 1.7e9


def median_save_ms(count_in_sql: bool, turns: int) -> float:
    store = CachedSQLTrackerStore(DOMAIN, dialect="sqlite", db=f"{tempfile.mkdtemp()}/t.db")
    if count_in_sql:  # never a continuation: Rasa's own save every time
        store._stored_prefix = lambda tracker, entry: None  # type: ignore[method-assign]

    async def conversation() -> list[float]:
        tracker = DialogueStateTracker.from_events(
            "a", [SessionStarted(timestamp=T0), ActionExecuted("action_listen", timestamp=T0)],
            DOMAIN.slots,
        )
        await store.save(tracker)
        times = []
        for turn in range(turns):
            tracker = await store.retrieve("a")
            at = T0 + turn + 1
            for event in (
                UserUttered(f"message {turn}", {"name": "affirm", "confidence": 0.9},
                            timestamp=at),
                ActionExecuted("validate_form", timestamp=at + 0.1),
                SlotSet("language", "ar", timestamp=at + 0.2),
                BotUttered("a question " * 5, {"buttons": []}, timestamp=at + 0.3),
                ActionExecuted("action_listen", timestamp=at + 0.4),
            ):
                tracker.update(event)
            started = time.process_time()
            await store.save(tracker)
            times.append(time.process_time() - started)
        return times

    return statistics.median(asyncio.run(conversation())[20:]) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--turns", type=int, default=150)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    rasa, kept = [], []
    for run in range(args.runs):
        rasa.append(median_save_ms(True, args.turns))
        kept.append(median_save_ms(False, args.turns))
        print(f"run {run + 1}: Rasa's save {rasa[-1]:.2f} ms, continuation save {kept[-1]:.2f} ms")
    print(f"median of {args.runs} runs, CPU ms a save: Rasa's (count in SQL) "
          f"{statistics.median(rasa):.2f}, continuation (no count) {statistics.median(kept):.2f}")


if __name__ == "__main__":
    main()
