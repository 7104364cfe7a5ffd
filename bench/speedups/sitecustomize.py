"""Applies bench/speedups/rasa_speedups.py in every Python process started with
PYTHONPATH=bench/speedups (the Rasa server of `python -m bot serve` among them), as soon as
the Rasa module each patch changes is imported. BALAGH_BENCH_SPEEDUPS picks the patches
(comma-separated; default: all of rasa_speedups.ALL). Benchmarks only.
"""

from __future__ import annotations

import importlib.abc
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import rasa_speedups

_wanted = [name.strip() for name in os.environ.get(
    "BALAGH_BENCH_SPEEDUPS", ",".join(rasa_speedups.ALL)).split(",") if name.strip()]
_pending = {rasa_speedups.PATCHES[name][0]: [] for name in _wanted}
for _name in _wanted:
    _pending[rasa_speedups.PATCHES[_name][0]].append(rasa_speedups.PATCHES[_name][1])


class _AfterImport(importlib.abc.MetaPathFinder):
    """Runs the patches of a module right after the module is executed."""

    def find_spec(self, fullname, path, target=None):
        if fullname not in _pending:
            return None
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(fullname, path, target)
            if spec is not None:
                break
        else:
            return None
        loader = spec.loader
        execute = loader.exec_module
        patches = _pending.pop(fullname)

        def exec_module(module):
            execute(module)
            for patch in patches:
                patch()
            print(f"[bench speedups] {fullname}: {', '.join(p.__name__ for p in patches)}",
                  file=sys.stderr, flush=True)

        loader.exec_module = exec_module
        return spec


if _pending:
    sys.meta_path.insert(0, _AfterImport())
