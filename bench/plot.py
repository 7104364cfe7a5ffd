"""Plots of the benchmark data in bench/results/ (one each): `python bench/plot.py`.

* heldout.csv -> heldout.png: held-out accuracy per group, one panel per family, one line
  per step of #17;
* serve.csv -> serve.png: turns/s and CPU ms a turn of the assistant, the stock bot and the
  floor bot at 1 and 20 users.
"""

from __future__ import annotations

import csv
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

RESULTS = Path(__file__).resolve().parent / "results"
GROUPS = ["MSA", "dialect", "English", "mixed"]


def _rows(name: str) -> list[dict[str, str]]:
    with (RESULTS / name).open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def heldout() -> Path:
    rows = _rows("heldout.csv")
    families = list(dict.fromkeys(row["family"] for row in rows))
    steps = list(dict.fromkeys(row["step"] for row in rows))
    figure, axes = plt.subplots(1, len(families), figsize=(13, 4), sharey=True)
    for axis, family in zip(axes, families, strict=True):
        for step in steps:
            values = {r["group"]: float(r["accuracy"]) for r in rows
                      if r["family"] == family and r["step"] == step}
            axis.plot(GROUPS, [values[g] for g in GROUPS], marker="o", label=step)
        axis.axhline(0.95, color="grey", linestyle="--", linewidth=0.8)
        axis.set_title(family)
        axis.set_ylim(0.2, 1.02)
    axes[0].set_ylabel("accuracy (held-out set, 553 messages)")
    axes[-1].legend(loc="lower right", fontsize=8)
    figure.tight_layout()
    out = RESULTS / "heldout.png"
    figure.savefig(out, dpi=100)
    return out


def serve() -> Path:
    rows = _rows("serve.csv")
    servers = list(dict.fromkeys(row["server"] for row in rows))
    figure, (rate, cpu) = plt.subplots(1, 2, figsize=(10, 4))
    width = 0.35
    for offset, users in ((-width / 2, "1"), (width / 2, "20")):
        picked = {r["server"]: r for r in rows if r["users"] == users}
        positions = [i + offset for i in range(len(servers))]
        rate.bar(positions, [float(picked[s]["turns_per_s"]) for s in servers], width,
                 label=f"{users} user(s)")
        cpu.bar(positions, [float(picked[s]["cpu_ms_per_turn"]) for s in servers], width,
                label=f"{users} user(s)")
    for axis, title in ((rate, "turns/s (higher is better)"),
                        (cpu, "CPU ms a turn (lower is better)")):
        axis.set_xticks(range(len(servers)), servers, fontsize=8)
        axis.set_title(title)
        axis.legend(fontsize=8)
    figure.tight_layout()
    out = RESULTS / "serve.png"
    figure.savefig(out, dpi=100)
    return out


if __name__ == "__main__":
    for path in (heldout(), serve()):
        print(path)
