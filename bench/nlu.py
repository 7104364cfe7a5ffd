"""NLU quality benchmarks (not part of `make test`; `make bench` runs them).

    .venv/bin/python bench/nlu.py --check-overlap      # domain_test.yml vs nlu/*.yml
    .venv/bin/python bench/nlu.py --domain-test        # models/balagh.tar.gz, per language group
    .venv/bin/python bench/nlu.py --data banking77-en [--baseline] [--epochs N] [--limit N]
    .venv/bin/python bench/nlu.py --data banking77-ar [--baseline] [--epochs N] [--limit N]

`--domain-test` loads the already trained model (never retrains it) with
`rasa.core.agent.Agent.load` and reports intent accuracy per language group of
`bench/domain_test.yml` (for `faq`, the response key from `response_selector` must match
too). `--data` converts the Banking77 / ArBanking77 CSVs into Rasa NLU training data in a
temporary directory, trains only the NLU part with the `pipeline` of `config.yml`
(unchanged, unless `--epochs` overrides DIETClassifier/ResponseSelector epochs) or, with
`--baseline`, with Rasa's default pipeline, then reports accuracy, macro-F1 (sklearn) and
the training time. Accuracy counts the pipeline's final intent (`nlu_fallback` is wrong);
"top-1 without fallback" is the best-ranked real intent.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import logging
import os
import random
import re
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import yaml  # noqa: E402

DATA_DIR = Path(os.environ.get("BANKING77_DIR", ROOT.parent / "shared" / "data" / "banking77"))
DOMAIN_TEST = Path(__file__).resolve().parent / "domain_test.yml"
MODEL = ROOT / "models" / "balagh.tar.gz"
DATASETS = {
    # name: (train csv, test csv)
    "banking77-en": ("en_train.csv", "en_test.csv"),
    "banking77-ar": ("ar_train_msa_pal.csv", "ar_test_msa.csv"),
}
RASA_DEFAULT_CONFIG = (
    Path(__import__("rasa").__file__).parent / "engine" / "recipes" / "config_files"
    / "default_config.yml"
)


def quiet_logs() -> None:
    import warnings

    from rasa.utils.common import configure_logging_and_warnings
    from rasa.utils.log_utils import configure_structlog

    warnings.filterwarnings("ignore")
    configure_logging_and_warnings(logging.ERROR)
    configure_structlog(logging.ERROR)
    for name in ("rasa", "tensorflow", "absl", "sanic", "apscheduler"):
        logging.getLogger(name).setLevel(logging.ERROR)


# --------------------------------------------------------------------------- domain test


def load_domain_test() -> dict[str, list[dict[str, str]]]:
    return yaml.safe_load(DOMAIN_TEST.read_text(encoding="utf-8"))


def _key(text: str) -> str:
    from bot.nlu.normalise import normalise_text

    text = normalise_text(text).lower()
    return re.sub(r"[\W_]+", " ", text).strip()


def training_texts() -> set[str]:
    """Every example text of nlu/*.yml (entity annotations removed), normalised."""
    texts: set[str] = set()
    for path in sorted((ROOT / "nlu").glob("*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for item in data.get("nlu", []):
            for line in str(item.get("examples", "")).splitlines():
                line = line.strip()
                if not line.startswith("- "):
                    continue
                text = re.sub(r"\[([^\]]*)\](\{[^}]*\}|\([^)]*\))", r"\1", line[2:])
                texts.add(_key(text))
    return texts


def check_overlap() -> int:
    seen = training_texts()
    tests = load_domain_test()
    clashes = [
        (group, case["text"]) for group, cases in tests.items() for case in cases
        if _key(case["text"]) in seen
    ]
    duplicates = defaultdict(int)
    for cases in tests.values():
        for case in cases:
            duplicates[_key(case["text"])] += 1
    repeated = [k for k, n in duplicates.items() if n > 1]
    total = sum(len(c) for c in tests.values())
    print(f"domain test: {total} messages, {len(seen)} training texts in nlu/*.yml")
    for group, text in clashes:
        print(f"  IN TRAINING DATA ({group}): {text}")
    for text in repeated:
        print(f"  REPEATED IN TEST SET: {text}")
    print("overlap: none" if not clashes and not repeated else
          f"overlap: {len(clashes)} in training data, {len(repeated)} repeated")
    return 1 if clashes or repeated else 0


async def _domain_test(model: Path) -> int:
    from rasa.core.agent import Agent

    tests = load_domain_test()
    started = time.perf_counter()
    agent = Agent.load(str(model))
    print(f"model {model} loaded in {time.perf_counter() - started:.1f} s")
    print(f"{'group':8} {'n':>4} {'intent acc':>10} {'faq key acc':>11} {'overall':>8}")
    all_ok = all_n = 0
    for group, cases in tests.items():
        ok_intent = ok_all = faq_n = faq_ok = 0
        misses = []
        for case in cases:
            result = await agent.parse_message(case["text"])
            intent = (result.get("intent") or {}).get("name")
            good = intent == case["intent"]
            if case["intent"] == "faq":
                faq_n += 1
                selected = (result.get("response_selector", {}).get("faq", {})
                            .get("response", {}).get("intent_response_key"))
                key_ok = selected == f"faq/{case['response']}"
                faq_ok += good and key_ok
                if good and not key_ok:
                    misses.append(f"{case['text']!r}: faq/{case['response']} -> {selected}")
                good = good and key_ok
            ok_intent += intent == case["intent"]
            ok_all += good
            if intent != case["intent"]:
                conf = (result.get("intent") or {}).get("confidence", 0.0)
                misses.append(f"{case['text']!r}: {case['intent']} -> {intent} ({conf:.2f})")
        all_ok += ok_all
        all_n += len(cases)
        faq_acc = f"{faq_ok / faq_n:.3f}" if faq_n else "-"
        print(f"{group:8} {len(cases):4d} {ok_intent / len(cases):10.3f} {faq_acc:>11} "
              f"{ok_all / len(cases):8.3f}")
        for miss in misses:
            print(f"    miss: {miss}")
    print(f"{'all':8} {all_n:4d} {'':10} {'':11} {all_ok / all_n:8.3f}"
          "   (target >= 0.95 per group)")
    return 0


# --------------------------------------------------------------------------- banking77


def read_csv(path: Path) -> list[tuple[str, str]]:
    """(text, label) pairs; en files are text,category and ar files label,text."""
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    if "category" in rows[0]:
        return [(r["text"], r["category"]) for r in rows]
    return [(r["text"], r["label"]) for r in rows]


def limit_rows(rows: list[tuple[str, str]], limit: int, seed: int = 13) -> list[tuple[str, str]]:
    """About `limit` rows, the same share of every label."""
    if not limit or limit >= len(rows):
        return rows
    by_label: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for row in rows:
        by_label[row[1]].append(row)
    rng = random.Random(seed)
    share = limit / len(rows)
    picked = []
    for label_rows in by_label.values():
        rng.shuffle(label_rows)
        picked += label_rows[: max(1, round(len(label_rows) * share))]
    return picked


def write_nlu_yaml(rows: list[tuple[str, str]], intents: dict[str, str], path: Path) -> None:
    by_intent: dict[str, list[str]] = defaultdict(list)
    for text, label in rows:
        text = " ".join(text.split())
        if text:
            by_intent[intents[label]].append(text)
    lines = ['version: "3.1"', "nlu:"]
    for intent, texts in by_intent.items():
        lines.append(f"- intent: {intent}")
        lines.append("  examples: |")
        for text in dict.fromkeys(texts):
            lines.append(f"    - {text}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def write_config(baseline: bool, epochs: int | None, path: Path,
                 config_file: Path = ROOT / "config.yml") -> list[dict[str, Any]]:
    source = RASA_DEFAULT_CONFIG if baseline else config_file
    config = yaml.safe_load(source.read_text(encoding="utf-8"))
    pipeline = config["pipeline"]
    if epochs:
        for component in pipeline:
            if component["name"].endswith(("DIETClassifier", "ResponseSelector")):
                component["epochs"] = epochs
    out = {"recipe": "default.v1", "language": config.get("language", "en"),
           "assistant_id": "bench", "pipeline": pipeline, "policies": []}
    path.write_text(yaml.safe_dump(out, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return pipeline


def banking77(name: str, baseline: bool, epochs: int | None, limit: int, test_limit: int,
              config_file: Path = ROOT / "config.yml") -> int:
    from rasa.model_training import train_nlu
    from sklearn.metrics import accuracy_score, f1_score

    train_file, test_file = DATASETS[name]
    train_rows = limit_rows(read_csv(DATA_DIR / train_file), limit)
    test_rows = limit_rows(read_csv(DATA_DIR / test_file), test_limit)
    labels = sorted({label for _, label in train_rows} | {label for _, label in test_rows})
    intents = {label: f"c{i:02d}" for i, label in enumerate(labels)}
    with tempfile.TemporaryDirectory(prefix="bench-nlu-") as tmp:
        work = Path(tmp)
        write_nlu_yaml(train_rows, intents, work / "nlu.yml")
        pipeline = write_config(baseline, epochs, work / "config.yml", config_file)
        diet_epochs = next(c.get("epochs") for c in pipeline if c["name"] == "DIETClassifier")
        what = ("Rasa default pipeline (baseline)" if baseline
                else f"{config_file.name} pipeline")
        print(f"{name}: {what}, DIETClassifier epochs={diet_epochs}, "
              f"train {len(train_rows)} ({train_file}), test {len(test_rows)} ({test_file}), "
              f"{len(labels)} intents")
        # a cache of its own: Rasa would otherwise reuse components trained by an earlier run
        # (~/.rasa/cache) and the training time would not be the pipeline's
        os.environ["RASA_CACHE_DIRECTORY"] = str(work / "rasa-cache")
        started = time.perf_counter()
        model = train_nlu(str(work / "config.yml"), str(work / "nlu.yml"),
                          str(work / "models"), fixed_model_name="bench")
        train_s = time.perf_counter() - started
        if not model:
            print("training failed")
            return 1
        print(f"training: {train_s:.1f} s ({train_s / diet_epochs:.1f} s per DIET epoch, "
              "featurising included)", flush=True)
        predicted, predicted_top, started = asyncio.run(_predict(model, test_rows))
        predict_s = time.perf_counter() - started
    gold = [intents[label] for _, label in test_rows]
    accuracy = accuracy_score(gold, predicted)
    macro = f1_score(gold, predicted, average="macro", labels=sorted(set(gold)), zero_division=0)
    accuracy_top = accuracy_score(gold, predicted_top)
    macro_top = f1_score(gold, predicted_top, average="macro", labels=sorted(set(gold)),
                         zero_division=0)
    fallbacks = sum(p == "nlu_fallback" for p in predicted)
    print(f"RESULT {name} {'baseline' if baseline else 'project'} epochs={diet_epochs} "
          f"train_n={len(train_rows)} test_n={len(test_rows)}")
    print(f"  accuracy              {accuracy:.4f}")
    print(f"  macro-F1              {macro:.4f}")
    print(f"  nlu_fallback          {fallbacks} of {len(test_rows)}")
    print(f"  top-1 w/o fallback    accuracy {accuracy_top:.4f}, macro-F1 {macro_top:.4f}")
    print(f"  training seconds      {train_s:.1f}")
    print(f"  prediction            {predict_s:.1f} s ({1000 * predict_s / len(test_rows):.1f} ms"
          " per message)")
    return 0


async def _predict(model: str, rows: list[tuple[str, str]]) -> tuple[list, list, float]:
    from rasa.core.agent import Agent

    agent = Agent.load(model)
    started = time.perf_counter()
    predicted, predicted_top = [], []
    for text, _ in rows:
        result = await agent.parse_message(text)
        predicted.append((result.get("intent") or {}).get("name"))
        ranking = [r["name"] for r in result.get("intent_ranking", [])
                   if r["name"] != "nlu_fallback"]
        predicted_top.append(ranking[0] if ranking else None)
    return predicted, predicted_top, started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench/nlu.py", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    action = parser.add_mutually_exclusive_group(required=True)
    action.add_argument("--domain-test", action="store_true")
    action.add_argument("--check-overlap", action="store_true")
    action.add_argument("--data", choices=sorted(DATASETS))
    parser.add_argument("--model", type=Path, default=MODEL)
    parser.add_argument("--baseline", action="store_true", help="Rasa's default pipeline")
    parser.add_argument("--config", type=Path, default=ROOT / "config.yml",
                        help="the pipeline to train (default: the project's config.yml)")
    parser.add_argument("--epochs", type=int, help="override DIET/ResponseSelector epochs")
    parser.add_argument("--limit", type=int, default=0, help="about N training examples")
    parser.add_argument("--test-limit", type=int, default=0, help="about N test examples")
    args = parser.parse_args(argv)
    quiet_logs()
    if args.check_overlap:
        return check_overlap()
    if args.domain_test:
        if check_overlap():
            return 1
        return asyncio.run(_domain_test(args.model))
    return banking77(args.data, args.baseline, args.epochs, args.limit, args.test_limit,
                     args.config)


if __name__ == "__main__":
    sys.exit(main())
