"""Serving speed of the assistant against Rasa's stock `rasa init` bot, in one run.

    .venv/bin/python bench/serve.py [--users 1,20,100] [--runs 3] [--stock-dir DIR]
        [--tuning all/none] [--cluster N] [--think S]
        [--single-turns [--single-turn-seconds S | --single-turn-requests N]]

Starts the assistant (by default twice: with bot/runtime/rasa_tuning.py's changes and without,
`--tuning`) as the tests do (`tests/live.py`'s AssistantProcess: `python -m bot
serve` on free ports, its own var dir and SQLite store) and, as the baseline, a stock
`rasa init --no-prompt` bot (trained in a temporary directory, or reused from
`--stock-dir`) served with `rasa run --enable-api` on a free port, and the "Rasa floor":
the same bot with a pipeline that needs no TensorFlow (WhitespaceTokenizer,
CountVectorsFeaturizer, LogisticRegressionClassifier; MemoizationPolicy and RulePolicy),
what the engine allows (issue #21; `--skip-floor` leaves it out). Simulated users
(asyncio + httpx, no think time) talk to the REST webhook:

* assistant: greeting, a suggestion (Arabic and English users alternate, openings and
  answers as in tests/integration/test_live_intake.py), the form up to the summary,
  `/confirm_report`, then a status question about the filed reference;
* stock bot and floor bot: the same number of turns of its greet/mood conversation.

`--single-turns` measures single turns instead (issue #21 counts replies/s on them): each
user sends, in a loop, ONE message from a NEW sender id each time (a fresh conversation a
request, `action_session_start` included), for `--single-turn-seconds` (15 by default) or
`--single-turn-requests` N a user. The assistant gets opening messages, Arabic and English
alternating (SINGLE_TURNS: a greeting, "what is Balagh Raqmi?", an FAQ, a development
suggestion, a status question), and a reply that is the rephrase or default fallback
counts as an error; the stock and floor bots get single messages from their own NLU
examples ("hello", "hi", "I am sad", "great", ...). No report is filed in this mode: the
store check then checks that the store holds none.

By default a user sends its next message as soon as it has the reply (no think time);
`--think S` makes each user wait 0.5–1.5 × S seconds before each message, as people do
(not counted in the latency). `--cluster N` also runs `python -m bot cluster` (N Rasa
servers, one action server, PostgreSQL, Redis and the round-robin proxy) the same way.

At each concurrency level (N users at once; at least `--min-conversations` whole
conversations, or the single turns) it reports turns/s (with `--single-turns`: replies/s),
bot messages/s, p50/p95/p99 latency per turn and errors and the CPU time the server's
processes spent a turn (user + system, from /proc: steadier than the wall-clock numbers on
a shared machine), each the median of `--runs` runs; then each process's peak RSS (VmHWM)
and the start-up time, and checks in the store that every filed report is there exactly
once.
Not part of `make test`; `make bench` runs it.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402

from bot.intake.personal import luhn_valid  # noqa: E402
from bot.runtime.process import AssistantProcess, free_port, free_ports, last_code  # noqa: E402
from bot.runtime.scripted_user import AR_ANSWERS, EN_ANSWERS, VALID_ID  # noqa: E402

OPENINGS = {
    "ar": ("السلام عليكم", "لدي اقتراح لتحسين خدمة في منصة أبشر", "تجديد رخصة القيادة"),
    "en": ("hello", "I have a suggestion to improve Absher", "visit visa"),
}
STATUS_QUESTION = {"ar": "ما حالة البلاغ {ref}؟", "en": "what is the status of {ref}?"}
STOCK_TURNS = ["hello", "I am sad", "yes", "great", "are you a bot?", "bye",
               "hey", "very sad", "no", "perfect", "am I talking to a human?", "goodbye"]
SUMMARY = ("ملخص بلاغك", "summary of your report")
# --single-turns: the one message a new sender sends (request n sends [n % len]). The
# assistant's: openings, Arabic and English alternating (a greeting as in OPENINGS, "what is
# Balagh Raqmi?", an FAQ from tests/dev/messages.yml, a development suggestion as in
# test_live_intake.py, a status question as in test_live_after_filing.py); the stock and
# floor bots': examples of the stock bot's own NLU data (data/nlu.yml of `rasa init`).
SINGLE_TURNS = {
    "assistant": ("السلام عليكم", "hello",
                  "ما هو بلاغ رقمي؟", "what is Balagh Raqmi?",
                  "هل أستطيع تقييم خدمة بلاغ رقمي نفسها؟",
                  "is there a survey to rate the Balagh Raqmi service itself?",
                  "ابي اقدم اقتراح تطوير لتطبيق صحتي",
                  "I'd like to suggest adding dark mode to the Nafath app",
                  "ما حالة بلاغي؟", "what is the status of my report?"),
    "stock": ("hello", "hi", "I am sad", "great", "hey", "good morning", "very sad",
              "perfect", "are you a bot?", "goodbye"),
}
# the starts of the assistant's fallbacks (domain.yml's utter_rephrase and utter_default):
# a single turn answered with one of them counts as an error
FALLBACKS = ("عذرًا، لم أفهم", "عذرًا، لم أعرف كيف أتابع", "Sorry, I did not quite understand",
             "Sorry, I am not sure how to go on")
# the development sink (MESSAGE_SINK) of the server under test: where one-time codes go
SINK: dict[str, Path] = {}
MOBILE_TYPED = "0551234567"  # the tables' mobile; each simulated user gets one of their own


def mobile(n: int) -> tuple[str, str]:
    """A Saudi mobile of simulated user `n`, as typed and in E.164."""
    digits = f"{(n * 7919 + 1234567) % 10**7:07d}"
    return f"055{digits}", f"+96655{digits}"


def sent_code(to: str) -> str:
    """The one-time code the server just sent `to` (its development sink)."""
    try:
        return last_code(SINK["path"], to)
    except AssertionError as error:
        raise ConversationError(str(error)) from error


def national_id(n: int) -> str:
    """A valid (Luhn) national ID, different for every simulated user."""
    body = f"1{(n + 12345) % 10**8:08d}"
    for check in "0123456789":
        digits = body + check
        if luhn_valid(digits) and digits != VALID_ID:
            return digits
    raise AssertionError(body)


@dataclass
class Result:
    latencies: list[float] = field(default_factory=list)
    messages: int = 0
    errors: list[str] = field(default_factory=list)
    filed: list[tuple[str, str]] = field(default_factory=list)  # (reference, national id)
    conversations: int = 0


class ConversationError(Exception):
    pass


@dataclass(frozen=True)
class SingleTurns:
    """--single-turns: each request one message from a new sender; `requests` a user, or
    (0) as many as the users send in `seconds`."""

    requests: int
    seconds: float


# mean seconds a simulated user takes before each message (--think); 0: none
THINK_S = 0.0
_think = random.Random(7)


async def post(client: httpx.AsyncClient, url: str, sender: str, text: str,
               result: Result) -> list[dict[str, Any]]:
    if THINK_S:  # reading the reply and typing: 0.5x to 1.5x the mean, not timed
        await asyncio.sleep(_think.uniform(0.5, 1.5) * THINK_S)
    started = time.perf_counter()
    try:
        response = await client.post(url, json={"sender": sender, "message": text})
    except httpx.HTTPError as error:
        raise ConversationError(f"{type(error).__name__}: {error}") from error
    result.latencies.append(time.perf_counter() - started)
    if response.status_code != 200:
        raise ConversationError(f"HTTP {response.status_code}: {response.text[:200]}")
    messages = response.json()
    result.messages += len(messages)
    return messages


def text_of(messages: list[dict[str, Any]]) -> str:
    return "\n".join(m.get("text", "") for m in messages)


async def assistant_conversation(client: httpx.AsyncClient, url: str, n: int,
                                 result: Result) -> None:
    language = "ar" if n % 2 else "en"
    greeting, opening, service = OPENINGS[language]
    answers = AR_ANSWERS if language == "ar" else EN_ANSWERS
    person = national_id(n)
    typed_mobile, e164 = mobile(n)
    sender = f"bench-{uuid.uuid4().hex[:12]}"
    await post(client, url, sender, greeting, result)
    await post(client, url, sender, opening, result)
    reply = text_of(await post(client, url, sender, "/affirm", result))
    sent = [greeting, opening, "/affirm"]
    for _ in range(30):
        if any(marker in reply for marker in SUMMARY):
            break
        last_line = reply.split("\n")[-1]
        answer = next((a for marker, a in answers if marker in last_line), None)
        if answer is None:
            raise ConversationError(f"turn {len(sent) + 1}, after {sent[-1]!r}: "
                                    f"unexpected question: {reply[-200:]!r}")
        answer = answer.replace("{service}", service).replace("{prior_ref}", "")
        answer = person if answer == VALID_ID else answer
        answer = typed_mobile if answer == MOBILE_TYPED else answer
        answer = sent_code(e164) if answer == "{code}" else answer  # the SMS the user got
        sent.append(answer)
        reply = text_of(await post(client, url, sender, answer, result))
    else:
        raise ConversationError("no summary after 30 answers")
    reply = text_of(await post(client, url, sender, "/confirm_report", result))
    ref = next((word.strip("\u2066\u2069.,:()«»") for word in reply.split()
                if word.strip("\u2066\u2069.,:()«»").startswith("BR-")), None)
    if not ref:
        raise ConversationError(f"no reference after /confirm_report: {reply[:200]!r}")
    result.filed.append((ref, person))
    reply = text_of(await post(client, url, sender, STATUS_QUESTION[language].format(ref=ref),
                               result))
    if ref not in reply:
        raise ConversationError(f"status answer without {ref}: {reply[:200]!r}")


async def stock_conversation(client: httpx.AsyncClient, url: str, n: int, result: Result,
                             turns: int) -> None:
    sender = f"bench-{uuid.uuid4().hex[:12]}"
    for i in range(turns):
        await post(client, url, sender, STOCK_TURNS[i % len(STOCK_TURNS)], result)


async def single_turn(client: httpx.AsyncClient, url: str, n: int, kind: str,
                      result: Result) -> None:
    """One message from a new sender id: a fresh conversation, its first and only turn."""
    messages = SINGLE_TURNS["assistant" if kind == "assistant" else "stock"]
    text = messages[n % len(messages)]
    sender = f"bench-{uuid.uuid4().hex[:12]}"
    reply = text_of(await post(client, url, sender, text, result))
    if kind == "assistant" and (not reply.strip() or reply.startswith(FALLBACKS)):
        raise ConversationError(f"{text!r} answered with a fallback: {reply[:200]!r}")


async def run_level(base: str, users: int, conversations: int, kind: str, turns: int,
                    first_n: int, single: SingleTurns | None = None) -> tuple[Result, float]:
    """`conversations` among `users` (with `single`: that many single turns, or with
    `single.requests` 0, as many as they send in `single.seconds`)."""
    url = f"{base}/webhooks/rest/webhook"
    result = Result()
    queue: asyncio.Queue[int] = asyncio.Queue()
    window = single is not None and not single.requests
    for n in range(first_n, first_n + (0 if window else conversations)):
        queue.put_nowait(n)
    following = iter(range(first_n, 10**12))  # the time window's request numbers
    deadline = time.perf_counter() + (single.seconds if window and single else 0.0)
    limits = httpx.Limits(max_connections=users + 5, max_keepalive_connections=users + 5)
    async with httpx.AsyncClient(timeout=120.0, limits=limits) as client:

        async def user() -> None:
            while (time.perf_counter() < deadline) if window else not queue.empty():
                n = next(following) if window else queue.get_nowait()
                try:
                    if single:
                        await single_turn(client, url, n, kind, result)
                    elif kind == "assistant":
                        await assistant_conversation(client, url, n, result)
                    else:
                        await stock_conversation(client, url, n, result, turns)
                    result.conversations += 1
                except ConversationError as error:
                    result.errors.append(str(error))

        started = time.perf_counter()
        await asyncio.gather(*(user() for _ in range(users)))
        return result, time.perf_counter() - started


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


def process_tree(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            children.setdefault(ppid, []).append(int(entry))
    tree, todo = [], [pid]
    while todo:
        current = todo.pop()
        tree.append(current)
        todo += children.get(current, [])
    return tree


def process_name(pid: int) -> str:
    """A short name for a process: its command line's first words, without paths."""
    words = [w.decode(errors="replace")
             for w in Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0") if w]
    name = " ".join(w for w in words[1:5] if not w.startswith("/"))[:40]
    return name or (words[0] if words else str(pid))


def peak_rss(pid: int) -> list[tuple[str, float]]:
    """(command, VmHWM in MiB) for the process and its descendants."""
    rows = []
    for current in process_tree(pid):
        try:
            status = Path(f"/proc/{current}/status").read_text()
            name = process_name(current)
        except OSError:
            continue
        hwm = next((int(line.split()[1]) for line in status.splitlines()
                    if line.startswith("VmHWM:")), 0)
        rows.append((name, hwm / 1024))
    return rows


CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int | None) -> dict[tuple[int, str], float]:
    """CPU seconds (user + system) used so far by the process and each descendant.

    Divided by the turns of a run, this is the steadier number on a shared machine: a
    change that saves CPU shows there even when the run's wall-clock numbers swing.
    """
    if pid is None:
        return {}
    used = {}
    for current in process_tree(pid):
        try:
            fields = Path(f"/proc/{current}/stat").read_text().rsplit(")", 1)[1].split()
            used[(current, process_name(current))] = (
                (int(fields[11]) + int(fields[12])) / CLOCK_TICKS)
        except (OSError, IndexError, ValueError):
            continue
    return used


def cpu_per_turn(before: dict[tuple[int, str], float], after: dict[tuple[int, str], float],
                 turns: int) -> dict[str, float]:
    """ms of CPU a turn per process name (and "total") between two `cpu_seconds` readings."""
    per_name: dict[str, float] = {}
    for key, seconds in after.items():
        per_name[key[1]] = per_name.get(key[1], 0.0) + seconds - before.get(key, 0.0)
    per_turn = {name: 1000 * s / max(1, turns) for name, s in per_name.items()}
    per_turn["total"] = sum(per_turn.values())
    return per_turn


def bench_server(label: str, base: str, kind: str, levels: list[int], runs: int,
                 min_conversations: int, turns: int, single_run_from: int = 10**9,
                 pid: int | None = None, single: SingleTurns | None = None,
                 ) -> tuple[dict[int, dict[str, Any]], Result]:
    """Every level `runs` times (medians); `pid`: the server, whose CPU a turn is counted;
    `single`: single turns (--single-turns) instead of whole conversations."""
    summary: dict[int, dict[str, Any]] = {}
    everything = Result()
    n = 0
    # one warm-up conversation (first TF calls, connection pools), with `single` each
    # message once; not measured
    if single:
        warm_up = len(SINGLE_TURNS["assistant" if kind == "assistant" else "stock"])
        warm, _ = asyncio.run(run_level(base, 1, warm_up, kind, turns, 10**7,
                                        SingleTurns(1, 0.0)))
    else:
        warm, _ = asyncio.run(run_level(base, 1, 1, kind, turns, 10**7))
    everything.filed += warm.filed
    everything.errors += [f"warm-up: {e}" for e in warm.errors]
    for users in levels:
        per_run = []
        for _ in range(runs if users < single_run_from else 1):
            conversations = (users * single.requests if single
                             else max(users, min_conversations))
            cpu_before = cpu_seconds(pid)
            result, wall = asyncio.run(run_level(base, users, conversations, kind, turns, n,
                                                 single))
            cpu = cpu_per_turn(cpu_before, cpu_seconds(pid), len(result.latencies))
            n += max(conversations, result.conversations + len(result.errors))  # window: sent
            everything.filed += result.filed
            everything.errors += result.errors
            everything.latencies += result.latencies
            everything.conversations += result.conversations
            per_run.append({
                "turns_s": len(result.latencies) / wall,
                "msgs_s": result.messages / wall,
                "p50": 1000 * percentile(result.latencies, 50),
                "p95": 1000 * percentile(result.latencies, 95),
                "p99": 1000 * percentile(result.latencies, 99),
                "errors": len(result.errors),
                "turns": len(result.latencies),
                "conversations": result.conversations,
                "wall": wall,
                "cpu_ms": cpu.get("total", float("nan")),
            })
            print(f"  {label:9} users={users:3d} turns={len(result.latencies):5d} "
                  f"wall={wall:6.1f}s turns/s={per_run[-1]['turns_s']:6.1f} "
                  f"p50={per_run[-1]['p50']:6.0f}ms p95={per_run[-1]['p95']:6.0f}ms "
                  f"p99={per_run[-1]['p99']:6.0f}ms errors={len(result.errors)}", flush=True)
            if cpu:
                print("      CPU ms a turn: " + ", ".join(
                    f"{name} {ms:.1f}" for name, ms in sorted(cpu.items(), key=lambda x: -x[1])
                    if ms >= 0.05 or name == "total"), flush=True)
            for error in result.errors[:3]:
                print(f"      error: {error}")
        summary[users] = {key: statistics.median(r[key] for r in per_run) for key in per_run[0]}
        summary[users]["errors_total"] = sum(r["errors"] for r in per_run)
    return summary, everything


# The "Rasa floor" (#21): the stock bot's data with a pipeline and policies that need no
# TensorFlow, the fastest Rasa serves this conversation.
FLOOR_CONFIG = """\
recipe: default.v1
language: en
assistant_id: floor
pipeline:
  - name: WhitespaceTokenizer
  - name: CountVectorsFeaturizer
  - name: LogisticRegressionClassifier
policies:
  - name: MemoizationPolicy
  - name: RulePolicy
"""


def start_stock(work: Path, reuse: bool,
                floor: bool = False) -> tuple[subprocess.Popen[bytes], str, float, float]:
    """`rasa init`'s bot served by `rasa run` (with `floor`: retrained with FLOOR_CONFIG)."""
    env = dict(os.environ, RASA_TELEMETRY_ENABLED="false", TF_CPP_MIN_LOG_LEVEL="2")
    env.pop("PYTHONPATH", None)
    rasa = [sys.executable, "-m", "rasa"]
    train_s = 0.0
    if not (reuse and list((work / "models").glob("*.tar.gz"))):
        work.mkdir(parents=True, exist_ok=True)
        what = "the floor model" if floor else "the stock model"
        print(f">> rasa init --no-prompt in {work} (trains {what}) ...", flush=True)
        started = time.perf_counter()
        with (work.parent / f"{work.name}-init.log").open("wb") as log:
            if floor:  # the stock files, then a model trained with the floor's config
                subprocess.run([*rasa, "init", "--no-prompt", "--init-dir", str(work)],
                               cwd=work, env=env, stdout=log, stderr=subprocess.STDOUT,
                               check=True)
                shutil.rmtree(work / "models", ignore_errors=True)
                (work / "config.yml").write_text(FLOOR_CONFIG, encoding="utf-8")
                started = time.perf_counter()
                subprocess.run([*rasa, "train"], cwd=work, env=env, stdout=log,
                               stderr=subprocess.STDOUT, check=True)
            else:
                subprocess.run([*rasa, "init", "--no-prompt", "--init-dir", str(work)],
                               cwd=work, env=env, stdout=log, stderr=subprocess.STDOUT,
                               check=True)
        train_s = time.perf_counter() - started
    port = free_port()
    log = (work / "run.log").open("wb")
    started = time.perf_counter()
    process = subprocess.Popen(
        [*rasa, "run", "--enable-api", "--port", str(port)], cwd=work, env=env,
        stdout=log, stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    while time.perf_counter() - started < 300:
        if process.poll() is not None:
            raise RuntimeError(f"stock rasa run exited {process.returncode}, see {work}/run.log")
        try:
            with urllib.request.urlopen(f"{base}/status", timeout=2) as response:
                if response.status == 200:
                    return process, base, time.perf_counter() - started, train_s
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.5)
    process.kill()
    raise RuntimeError("stock bot did not start in 300 s")


def verify_store(database_url: str, filed: list[tuple[str, str]],
                 single: SingleTurns | None = None) -> tuple[bool, str]:
    """Every filed report in the store once, nothing else (`single`: single turns file
    none, so the store must hold none)."""
    from bot.store.reports.reads import ReportReads

    reports = ReportReads(database_url).list_reports()
    by_ref: dict[str, int] = {}
    by_person: dict[str, int] = {}
    for report in reports:
        by_ref[report.reference] = by_ref.get(report.reference, 0) + 1
        person = report.reporter.national_id if report.reporter else None
        by_person[person] = by_person.get(person, 0) + 1
    lost = [ref for ref, _ in filed if by_ref.get(ref, 0) == 0]
    duplicated = [ref for ref, n in by_ref.items() if n > 1]
    twice = [person for _, person in filed if by_person.get(person, 0) != 1]
    extra = len(reports) - len(filed)
    ok = not lost and not duplicated and not twice and extra == 0
    mode = "single turns (no report is filed in this mode): " if single else ""
    return ok, (f"{mode}{len(filed)} filed in conversations, {len(reports)} in the store: "
                f"{len(lost)} lost, {len(duplicated)} duplicated references, "
                f"{len(twice)} people with != 1 report, {extra} unexpected")


def print_table(results: dict[str, dict[int, dict[str, Any]]], levels: list[int]) -> None:
    width = max(10, *(len(label) for label in results))
    print(f"\n{'server':{width}} {'users':>5} {'turns/s':>8} {'msgs/s':>7} {'p50 ms':>7} "
          f"{'p95 ms':>7} {'p99 ms':>7} {'errors':>6} {'CPU ms/turn':>11}")
    for label, summary in results.items():
        for users in levels:
            s = summary[users]
            print(f"{label:{width}} {users:5d} {s['turns_s']:8.1f} {s['msgs_s']:7.1f} "
                  f"{s['p50']:7.0f} {s['p95']:7.0f} {s['p99']:7.0f} {s['errors_total']:6d} "
                  f"{s['cpu_ms']:11.1f}")
    for label in results:
        if label in ("stock", "floor") or "stock" not in results:
            continue
        for users in levels:
            ratio = results[label][users]["turns_s"] / results["stock"][users]["turns_s"]
            print(f"{label}/stock turns/s at {users} users: {ratio:.2f}x (target >= 3x)")
            if "floor" in results:
                floor = results[label][users]["turns_s"] / results["floor"][users]["turns_s"]
                print(f"{label}/floor turns/s at {users} users: {floor:.2f}x")


VARIANT_LABELS = {"all": "assistant", "none": "untuned", "all@0": "no tracker cache"}


def single_turns(args: argparse.Namespace) -> SingleTurns | None:
    """--single-turns' requests a user or time window; None: whole conversations."""
    if not args.single_turns:
        return None
    return SingleTurns(args.single_turn_requests, args.single_turn_seconds)


def bench_assistant(work: Path, label: str, tuning: str, levels: list[int],
                    args: argparse.Namespace) -> tuple[dict[int, dict[str, Any]],
                                                       list[tuple[str, float]], float, int,
                                                       bool, str]:
    """One assistant (`python -m bot serve`, BALAGH_RASA_TUNING=tuning) through every level."""
    var_dir = work / "var"
    var_dir.mkdir(parents=True)
    live = AssistantProcess(var_dir, f"sqlite:///{var_dir / 'reports.db'}")
    SINK["path"] = var_dir / "messages.jsonl"
    tuning, _, cache = tuning.partition("@")  # "all@0": tuned, no tracker cache
    live.env["BALAGH_RASA_TUNING"] = tuning
    # "inprocess" among the changes: the actions in the Rasa server (`bot serve`'s default
    # since stop 30); without it, an action server over HTTP, as the earlier runs measured
    in_process = "inprocess" in tuning.split(",")
    live.env["BALAGH_ACTIONS"] = "in-process" if in_process else "server"
    if cache:
        live.env["BALAGH_TRACKER_CACHE"] = cache
    print(f">> starting the assistant (python -m bot serve, BALAGH_RASA_TUNING={tuning}, "
          f"BALAGH_ACTIONS={live.env['BALAGH_ACTIONS']}"
          f"{f', BALAGH_TRACKER_CACHE={cache}' if cache else ''}) ...", flush=True)
    started = time.perf_counter()
    live.start()
    startup = time.perf_counter() - started
    try:
        summary, everything = bench_server(label, live.base, "assistant", levels, args.runs,
                                           args.min_conversations, 0, args.single_run_from,
                                           live.process.pid, single_turns(args))
        turns = round(len(everything.latencies) / max(1, everything.conversations))
        memory = peak_rss(live.process.pid)
    finally:
        live.stop()
    if everything.errors:
        for log in sorted((var_dir / "logs").glob("*.log")):
            lines = log.read_text(encoding="utf-8", errors="replace").splitlines()
            bad = [line for line in lines if "ERROR" in line or "Exception" in line]
            print(f"  {log.name}: {len(bad)} error lines" + "".join(
                f"\n    {line[:300]}" for line in bad[-5:]))
    store_ok, store_line = verify_store(live.env["DATABASE_URL"], everything.filed,
                                        single_turns(args))
    print(f"store check ({label}): {'OK' if store_ok else 'FAILED'}: {store_line}")
    return summary, memory, startup, turns, store_ok and not everything.errors, store_line


def bench_cluster(work: Path, servers: int, levels: list[int], args: argparse.Namespace,
                  ) -> tuple[dict[int, dict[str, Any]], list[tuple[str, float]], float, bool,
                             str]:
    """`python -m bot cluster`: `servers` Rasa servers, `--cluster-action-servers` action
    servers (0: the actions in each Rasa server's process), the proxy."""
    work.mkdir(parents=True)
    for folder in (work, *work.parents):  # PostgreSQL runs as `postgres`: let it reach it
        if folder == Path("/"):
            break
        folder.chmod(folder.stat().st_mode | 0o055)
    proxy, rasa, actions, redis, postgres = (
        free_port(), free_ports(servers), free_port(), free_port(), free_port())
    env = dict(os.environ, BALAGH_VAR_DIR=str(work), ATTACHMENTS_DIR=str(work / "attachments"),
               PYTHONUNBUFFERED="1", TF_CPP_MIN_LOG_LEVEL="2")
    SINK["path"] = work / "messages.jsonl"
    for name in ("DATABASE_URL", "TRACKER_STORE_URL", "REDIS_URL", "TELEGRAM_TOKEN",
                 "TELEGRAM_WEBHOOK_URL", "REST_CALLBACK_URL"):
        env.pop(name, None)
    print(f">> starting the cluster (python -m bot cluster --rasa-servers {servers} "
          f"--action-servers {args.cluster_action_servers}: PostgreSQL, Redis, the proxy) ...",
          flush=True)
    output = work / "cluster.out"
    started = time.perf_counter()
    with output.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "bot", "cluster", "--port", str(proxy),
             "--rasa-servers", str(servers), "--action-servers", str(args.cluster_action_servers),
             "--rasa-port", str(rasa), "--actions-port", str(actions),
             "--redis-port", str(redis), "--postgres-port", str(postgres),
             "--postgres-dir", str(work / "postgres")],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )
    try:
        while "cluster is running" not in output.read_text(errors="replace"):
            if process.poll() is not None or time.perf_counter() - started > 600:
                raise RuntimeError("the cluster did not start:\n"
                                   + output.read_text(errors="replace")[-3000:])
            time.sleep(1)
        startup = time.perf_counter() - started
        label = f"cluster x{servers}" + ("" if args.cluster_action_servers else " in-process")
        summary, everything = bench_server(label, f"http://127.0.0.1:{proxy}", "assistant",
                                           levels, args.runs, args.min_conversations, 0,
                                           args.single_run_from, process.pid,
                                           single_turns(args))
        memory = peak_rss(process.pid)
        # the cluster's PostgreSQL wants its password (generated into the var dir)
        password = (os.environ.get("POSTGRES_PASSWORD") or "").strip() or (
            work / "cluster_postgres_password").read_text(encoding="utf-8").strip()
        database_url = (f"postgresql+psycopg2://postgres:{quote(password, safe='')}"
                        f"@127.0.0.1:{postgres}/balagh")
        store_ok, store_line = verify_store(database_url, everything.filed,
                                            single_turns(args))
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(150)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
    print(f"store check ({label}): {'OK' if store_ok else 'FAILED'}: {store_line}")
    return summary, memory, startup, store_ok and not everything.errors, store_line


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench/serve.py", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", default="1,20,100", help="concurrency levels")
    parser.add_argument("--runs", type=int, default=3, help="runs per level (median reported)")
    parser.add_argument("--min-conversations", type=int, default=5,
                        help="whole conversations per run at least (1 user runs them in turn)")
    parser.add_argument("--stock-dir", type=Path,
                        help="reuse/keep the stock and floor bots here (DIR/stock, DIR/floor)")
    parser.add_argument("--single-run-from", type=int, default=100,
                        help="levels with this many users or more run once (time)")
    parser.add_argument("--skip-stock", action="store_true")
    parser.add_argument("--skip-floor", action="store_true",
                        help="leave out the Rasa floor bot (stock data, no TensorFlow)")
    parser.add_argument(
        "--cluster", type=int, default=0, metavar="N",
        help="also run `python -m bot cluster` with N Rasa servers (and one action server, "
             "PostgreSQL, Redis, the proxy) the same way; 0: not (the default)")
    parser.add_argument(
        "--cluster-action-servers", type=int, default=0, metavar="M",
        help="the cluster's action servers (0, `bot cluster`'s default: each Rasa server "
             "runs the actions in its own process)")
    parser.add_argument(
        "--tuning", default="all/none",
        help="run the assistant once per BALAGH_RASA_TUNING value (bot/runtime/rasa_tuning.py), "
             "values separated by '/': 'all/none' (default) runs it tuned, then untuned; "
             "'all/validator,keepalive' compares with two of the changes; a value may end in "
             "'@N' for BALAGH_TRACKER_CACHE=N ('all/all@0': with and without the tracker cache)")
    parser.add_argument(
        "--think", type=float, default=0.0, metavar="S",
        help="mean seconds each user waits before each message (0.5x-1.5x, not timed); "
             "0 (the default): none, each user sends as soon as it has the reply")
    parser.add_argument(
        "--single-turns", action="store_true",
        help="single turns instead of whole conversations: each request one message from a "
             "new sender id (a fresh conversation), turns/s = replies/s (issue #21)")
    parser.add_argument(
        "--single-turn-seconds", type=float, default=15.0, metavar="S",
        help="with --single-turns: each run lasts S seconds (the users start no request "
             "after; 15 by default)")
    parser.add_argument(
        "--single-turn-requests", type=int, default=0, metavar="N",
        help="with --single-turns: N requests a user a run instead of a time window "
             "(0, the default: --single-turn-seconds)")
    args = parser.parse_args(argv)
    if args.single_turns and not (args.single_turn_requests > 0 or args.single_turn_seconds > 0):
        parser.error("--single-turns needs --single-turn-seconds or --single-turn-requests > 0")
    global THINK_S
    THINK_S = args.think
    variants: list[tuple[str, str]] = []
    for tuning in (t for t in args.tuning.split("/") if t):  # a repeated one: "label #2"
        label = VARIANT_LABELS.get(tuning, tuning)
        repeats = sum(1 for _, earlier in variants if earlier == tuning)
        variants.append((f"{label} #{repeats + 1}" if repeats else label, tuning))
    levels = [int(u) for u in args.users.split(",") if u]
    results: dict[str, dict[int, dict[str, Any]]] = {}
    memory: dict[str, list[tuple[str, float]]] = {}
    startup: dict[str, float] = {}
    ok = True

    with tempfile.TemporaryDirectory(prefix="bench-serve-") as tmp:
        turns = 0
        store_lines = {}
        for i, (label, tuning) in enumerate(variants):
            (results[label], memory[label], startup[label], turns, store_ok,
             store_lines[label]) = bench_assistant(Path(tmp) / f"assistant-{i}", label, tuning,
                                                   levels, args)
            ok = ok and store_ok
        if args.cluster:
            label = f"cluster x{args.cluster}" + (
                "" if args.cluster_action_servers else " in-process")
            (results[label], memory[label], startup[label], store_ok,
             store_lines[label]) = bench_cluster(Path(tmp) / "cluster", args.cluster, levels,
                                                 args)
            ok = ok and store_ok

        baselines = [("stock", False)] * (not args.skip_stock)
        baselines += [("floor", True)] * (not args.skip_floor)
        for label, floor in baselines:
            given = args.stock_dir / label if args.stock_dir else None
            work_dir = given or Path(tmp) / label
            process, base, startup[label], train_s = start_stock(work_dir, given is not None,
                                                                 floor)
            if train_s:
                print(f"   {label} bot trained in {train_s:.0f} s")
            try:
                results[label], everything = bench_server(
                    label, base, "stock", levels, args.runs, args.min_conversations,
                    turns or 14, args.single_run_from, process.pid, single_turns(args))
                memory[label] = peak_rss(process.pid)
            finally:
                process.terminate()
                try:
                    process.wait(30)
                except subprocess.TimeoutExpired:
                    process.kill()
            ok = ok and not everything.errors
            if given is None:
                shutil.rmtree(work_dir, ignore_errors=True)

    single = single_turns(args)
    if single:
        print("\nsingle turns: each request one message from a new sender id (a fresh "
              "conversation), so turns/s are replies/s; "
              + (f"{single.requests} requests a user a run" if single.requests
                 else f"each run {single.seconds:g} s"))
    else:
        print(f"\nturns per assistant conversation: {turns}; stock and floor conversations "
              "use the same number")
    print_table(results, levels)
    print("\nstart-up (process start until it answers with the model loaded):")
    for label, seconds in startup.items():
        print(f"  {label:10} {seconds:6.1f} s")
    print("peak RSS (VmHWM) per process:")
    for label, rows in memory.items():
        for name, mib in rows:
            print(f"  {label:10} {mib:8.0f} MiB  {name}")
        print(f"  {label:10} {sum(m for _, m in rows):8.0f} MiB  total")
    for label, line in store_lines.items():
        print(f"store ({label}): {line}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
