"""Choose the linear intent model's settings on the development set (issue #17).

    .venv/bin/python bench/linear_select.py [--dev tests/dev/messages.yml]

Trains bot.nlu.linear_intents.NgramIntentModel on the intent examples of nlu/*.yml (the
text normalised as the pipeline's ArabicNormaliser does; FAQ examples are the one intent
`faq`) for each C of a grid, and reports on the development set, per language group and
label family, the intent accuracy with FallbackClassifier's rule applied for each
`svm_scale` (confidence below THRESHOLD, or the two best within AMBIGUITY: nlu_fallback,
counted wrong). Only the intent: the FAQ answer key is the ResponseSelector's, measured by
bench/nlu.py on the trained model.

The development set (tests/dev/) is for choosing; the held-out set (tests/heldout/) is only
for reporting the choice, never read here.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from nlu import (  # noqa: E402
    HELDOUT_GROUPS,
    KNOWN_REPAIR_INTENTS,
    REPORT_INTENTS,
    load_heldout,
    quiet_logs,
)

DEV = ROOT / "tests" / "dev" / "messages.yml"
THRESHOLD = 0.45  # config.yml FallbackClassifier
AMBIGUITY = 0.05
FAMILIES = ("report types", "faq", "repair", "other", "all")


def training_examples(folder: Path = ROOT / "nlu") -> tuple[list[str], list[str]]:
    """(normalised texts, intents) of nlu/*.yml, as the pipeline trains on them."""
    from rasa.shared.nlu.constants import INTENT, TEXT
    from rasa.shared.nlu.training_data.loading import load_data

    from bot.nlu.normalise import normalise_text

    data = load_data(str(folder))
    pairs = [(normalise_text(e.get(TEXT)), e.get(INTENT)) for e in data.intent_examples
             if e.get(TEXT) and e.get(INTENT)]
    texts, intents = zip(*pairs, strict=True)
    return list(texts), list(intents)


def family_of(intent: str) -> str:
    if intent in REPORT_INTENTS:
        return "report types"
    if intent == "faq":
        return "faq"
    return "repair" if intent in KNOWN_REPAIR_INTENTS else "other"


def decide(row: np.ndarray, intents: list[str]) -> str:
    """The intent FallbackClassifier lets through, or nlu_fallback."""
    order = np.argsort(row)[::-1]
    best, second = row[order[0]], row[order[1]]
    if best < THRESHOLD or best - second < AMBIGUITY:
        return "nlu_fallback"
    return intents[int(order[0])]


def table(cases: list[dict], predicted: list[str]) -> dict[tuple[str, str], tuple[int, int]]:
    cells: dict[tuple[str, str], list[int]] = {}
    for case, said in zip(cases, predicted, strict=True):
        for fam in (family_of(case["intent"]), "all"):
            for group in (case["group"], "all"):
                hit_n = cells.setdefault((fam, group), [0, 0])
                hit_n[0] += said == case["intent"]
                hit_n[1] += 1
    return {key: (hits, n) for key, (hits, n) in cells.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dev", type=Path, default=DEV)
    parser.add_argument("--nlu", type=Path, default=ROOT / "nlu", help="training data folder")
    parser.add_argument("--c", type=float, nargs="+", default=[0.25, 0.5, 1.0, 2.0])
    parser.add_argument("--scale", type=float, nargs="+", default=[4.0, 8.0, 12.0, 16.0])
    parser.add_argument("--misses", action="store_true", help="list the misread messages "
                        "of the best setting")
    args = parser.parse_args(argv)
    quiet_logs()
    from bot.nlu.linear_intents import NgramIntentModel
    from bot.nlu.normalise import normalise_text

    texts, intents = training_examples(args.nlu)
    _, groups = load_heldout(args.dev)
    cases = [{**case, "group": group} for group, items in groups.items() for case in items]
    dev_texts = [normalise_text(case["text"]) for case in cases]
    dev = args.dev.relative_to(ROOT) if args.dev.is_relative_to(ROOT) else args.dev
    print(f"training: {len(texts)} examples, {len(set(intents))} intents (nlu/*.yml); "
          f"development set {dev}: {len(cases)} messages")
    columns = [g for g in HELDOUT_GROUPS if any(c["group"] == g for c in cases)] + ["all"]
    print(f"{'C':>5} {'scale':>5} {'family':13}" + "".join(f"{g:>12}" for g in columns))
    best: tuple[float, float, float, list[str]] | None = None
    for c in args.c:
        started = time.perf_counter()
        model = NgramIntentModel(c=c, scale=1.0).fit(texts, intents)
        fit_s = time.perf_counter() - started
        names = model.intents
        raw = model.classifier.decision_function(model._features(dev_texts))
        for scale in args.scale:
            scores = raw * scale
            scores = np.exp(scores - scores.max(axis=1, keepdims=True))
            rows = scores / scores.sum(axis=1, keepdims=True)
            predicted = [decide(row, names) for row in rows]
            cells = table(cases, predicted)
            for fam in FAMILIES:
                line = f"{c:5.2f} {scale:5.1f} {fam:13}"
                for group in columns:
                    hits, n = cells.get((fam, group), (0, 0))
                    line += f"  {hits / n:5.3f} {n:3d}" if n else f"{'-':>12}"
                print(line)
            score = cells[("all", "all")][0]
            if best is None or score > best[2]:
                best = (c, scale, score, predicted)
        print(f"      (C={c}: trained in {fit_s:.1f} s)")
    assert best is not None
    print(f"best on the development set: C={best[0]} svm_scale={best[1]} "
          f"({best[2]} of {len(cases)} right)")
    if args.misses:
        for case, said in zip(cases, best[3], strict=True):
            if said != case["intent"]:
                print(f"  [{case['group']}] {case['intent']} -> {said}: {case['text']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
