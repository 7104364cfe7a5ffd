"""Load run: many concurrent conversations for a fixed time against the running assistant.

    .venv/bin/python bench/load.py [--users 200] [--minutes 10] [--sample-s 15]

Starts the assistant as the tests do (`python -m bot serve`, its own var dir and SQLite
store), then keeps `--users` simulated users busy for `--minutes`: each one goes through
whole conversations of bench/serve.py (greeting, a suggestion in Arabic or English, the
form, the summary, /confirm_report, a status question), one after another, with no think
time. Prints every `--sample-s` seconds the turns so far, the errors and the resident memory
(VmRSS) of each process, then the totals: error rate, p50/p95/p99 per turn, memory at the
start, after the first minute and at the end (growth, to spot a leak), and whether every
filed report is in the store exactly once. Not part of `make test`.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from itertools import count
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import httpx  # noqa: E402
from serve import (  # noqa: E402
    SINK,
    ConversationError,
    Result,
    assistant_conversation,
    percentile,
    process_tree,
    verify_store,
)

from bot.runtime.process import AssistantProcess  # noqa: E402


def rss_mib(pid: int) -> dict[str, float]:
    """VmRSS in MiB of the process and its descendants, by a short name."""
    rows: dict[str, float] = {}
    for current in process_tree(pid):
        try:
            status = Path(f"/proc/{current}/status").read_text()
            words = Path(f"/proc/{current}/cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        rss = next((int(line.split()[1]) for line in status.splitlines()
                    if line.startswith("VmRSS:")), 0)
        args = [w.decode(errors="replace") for w in words if w]
        name = " ".join(a for a in args[1:5] if not a.startswith("/"))[:32] or str(current)
        rows[f"{name} [{current}]"] = rss / 1024
    return rows


async def load(base: str, pid: int, users: int, seconds: float, sample_s: float) -> dict:
    url = f"{base}/webhooks/rest/webhook"
    result = Result()
    numbers = count(1)
    deadline = time.monotonic() + seconds
    samples: list[tuple[float, int, int, dict[str, float]]] = []
    limits = httpx.Limits(max_connections=users + 5, max_keepalive_connections=users + 5)
    async with httpx.AsyncClient(timeout=300.0, limits=limits) as client:

        async def user() -> None:
            while time.monotonic() < deadline:
                try:
                    await assistant_conversation(client, url, next(numbers), result)
                    result.conversations += 1
                except ConversationError as error:
                    result.errors.append(str(error))

        async def sampler(started: float) -> None:
            while time.monotonic() < deadline:
                memory = rss_mib(pid)
                elapsed = time.monotonic() - started
                samples.append((elapsed, len(result.latencies), len(result.errors), memory))
                print(f"  t={elapsed:6.0f}s turns={len(result.latencies):6d} "
                      f"conversations={result.conversations:5d} errors={len(result.errors):3d} "
                      f"rss={sum(memory.values()):7.0f} MiB", flush=True)
                await asyncio.sleep(sample_s)

        started = time.monotonic()
        await asyncio.gather(sampler(started), *(user() for _ in range(users)))
        wall = time.monotonic() - started
    samples.append((wall, len(result.latencies), len(result.errors), rss_mib(pid)))
    return {"result": result, "wall": wall, "samples": samples}


def report_memory(samples: list[tuple[float, int, int, dict[str, float]]]) -> None:
    first = samples[0][3]
    after_minute = next((s[3] for s in samples if s[0] >= 60), samples[-1][3])
    last = samples[-1][3]
    print(f"\n{'process':44} {'start':>8} {'1 min':>8} {'end':>8} {'growth':>8}  (MiB)")
    for name in last:
        start, minute, end = first.get(name, 0.0), after_minute.get(name, 0.0), last[name]
        print(f"{name:44} {start:8.0f} {minute:8.0f} {end:8.0f} {end - minute:+8.0f}")
    total = [sum(s[3].values()) for s in samples]
    print(f"{'all':44} {total[0]:8.0f} "
          f"{sum(after_minute.values()):8.0f} {total[-1]:8.0f} "
          f"{total[-1] - sum(after_minute.values()):+8.0f}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench/load.py", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--sample-s", type=float, default=15.0)
    args = parser.parse_args(argv)

    var = Path(tempfile.mkdtemp(prefix="balagh-load-"))
    assistant = AssistantProcess(var, f"sqlite:///{var / 'reports.db'}")
    SINK["path"] = var / "messages.jsonl"
    print(f">> starting the assistant (var: {var}) ...", flush=True)
    started = time.perf_counter()
    assistant.start()
    print(f">> up in {time.perf_counter() - started:.0f} s; {args.users} users for "
          f"{args.minutes:g} min", flush=True)
    try:
        assert assistant.process is not None
        run = asyncio.run(load(assistant.base, assistant.process.pid, args.users,
                               60 * args.minutes, args.sample_s))
    finally:
        assistant.stop()
    result: Result = run["result"]
    turns = len(result.latencies)
    failed = len(result.errors)
    print(f"\nconversations completed: {result.conversations}, failed: {failed} "
          f"(error rate {failed / max(1, result.conversations + failed):.2%}), "
          f"turns answered: {turns} in {run['wall']:.0f} s ({turns / run['wall']:.1f}/s)")
    print(f"per turn: p50 {1000 * percentile(result.latencies, 50):.0f} ms, "
          f"p95 {1000 * percentile(result.latencies, 95):.0f} ms, "
          f"p99 {1000 * percentile(result.latencies, 99):.0f} ms")
    for error in result.errors[:5]:
        print(f"  error: {error}")
    report_memory(run["samples"])
    ok, line = verify_store(assistant.env["DATABASE_URL"], result.filed)
    print(f"store: {line} -> {'OK' if ok else 'NOT OK'}")
    return 0 if ok and not failed else 1


if __name__ == "__main__":
    raise SystemExit(main())
