"""Plots of the benchmark data in bench/results/ (one each): `python bench/plot.py`.

* heldout.csv -> heldout.png: held-out accuracy per group, one panel per family, one line
  per step of #17;
* serve.csv -> serve.png: turns/s and CPU ms a turn of the assistant, the stock bot and the
  floor bot at 1 and 20 users;
* every table of HISTORY.md -> history/NN-<section>.csv (its cells as written) and
  history/NN-<section>.png (each numeric column as bars, one bar a row; a cell "a → b" is
  drawn as b, the measure after the change the table is about).
"""

from __future__ import annotations

import csv
import re
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
    figure, (rate, cpu) = plt.subplots(1, 2, figsize=(12, 5))
    width = 0.35
    for offset, users in ((-width / 2, "1"), (width / 2, "20")):
        picked = {r["server"]: r for r in rows if r["users"] == users}
        positions = [i + offset for i in range(len(servers))]
        # a server measured at 20 users only has no bar at 1 user
        rate.bar(positions, [float(picked[s]["turns_per_s"]) if s in picked else 0.0
                             for s in servers], width, label=f"{users} user(s)")
        cpu.bar(positions, [float(picked[s]["cpu_ms_per_turn"]) if s in picked else 0.0
                            for s in servers], width, label=f"{users} user(s)")
    for axis, title in ((rate, "turns/s (higher is better)"),
                        (cpu, "CPU ms a turn (lower is better)")):
        axis.set_xticks(range(len(servers)), servers, fontsize=7, rotation=30, ha="right")
        axis.set_title(title)
        axis.legend(fontsize=8)
    figure.tight_layout()
    out = RESULTS / "serve.png"
    figure.savefig(out, dpi=100)
    return out


_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")


def history_tables() -> list[tuple[str, list[list[str]]]]:
    """(the section it is in, rows of cells) of every Markdown table of HISTORY.md."""
    tables: list[tuple[str, list[list[str]]]] = []
    section, rows = "history", []
    for line in [*(RESULTS / "HISTORY.md").read_text(encoding="utf-8").splitlines(), ""]:
        if line.startswith("## "):
            section = line[3:].strip()
        if line.startswith("|"):
            cells = [cell.strip().replace("**", "").replace("`", "")
                     for cell in line.strip().strip("|").split("|")]
            if not all(set(cell) <= set("-: ") for cell in cells):
                rows.append(cells)
        elif rows:
            tables.append((section, rows))
            rows = []
    return tables


def _value(cell: str) -> float | None:
    """The number a cell shows: the last one after an arrow, else the first."""
    part = cell.split("→")[-1]
    found = _NUMBER.search(part)
    return float(found.group(0)) if found else None


def history() -> list[Path]:
    folder = RESULTS / "history"
    folder.mkdir(exist_ok=True)
    written = []
    for number, (section, rows) in enumerate(history_tables(), start=1):
        slug = re.sub(r"[^a-z0-9]+", "-", section.lower()).strip("-")[:40]
        stem = folder / f"{number:02d}-{slug}"
        with stem.with_suffix(".csv").open("w", encoding="utf-8", newline="") as handle:
            csv.writer(handle).writerows(rows)
        header, body = rows[0], rows[1:]
        labels = [" · ".join(c for c in row[:2] if _value(c) is None or c.isalpha())
                  or row[0] for row in body]
        columns = [i for i in range(1, len(header))
                   if all(_value(row[i]) is not None for row in body if i < len(row))
                   and header[i] not in ("users", "errors")]
        if not columns:
            continue
        figure, axes = plt.subplots(1, len(columns), figsize=(3.2 * len(columns) + 2,
                                                              0.35 * len(body) + 1.6),
                                    sharey=True, squeeze=False)
        for axis, column in zip(axes[0], columns, strict=True):
            values = [_value(row[column]) or 0.0 for row in body]
            axis.barh(range(len(body)), values)
            axis.set_title(header[column], fontsize=8)
            axis.tick_params(labelsize=7)
        axes[0][0].set_yticks(range(len(body)),
                              [f"{label} ({row[1]})" if header[1] == "users" else label
                               for label, row in zip(labels, body, strict=True)],
                              fontsize=7)
        axes[0][0].invert_yaxis()
        figure.suptitle(f"HISTORY.md: {section} (table {number})", fontsize=9)
        figure.tight_layout()
        figure.savefig(stem.with_suffix(".png"), dpi=90)
        plt.close(figure)
        written.append(stem.with_suffix(".png"))
    return written


if __name__ == "__main__":
    for path in (heldout(), serve(), *history()):
        print(path)
