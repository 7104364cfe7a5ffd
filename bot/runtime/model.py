"""Train the Rasa model only when its inputs changed (run: python -m bot.runtime.model).

The fingerprint covers what shapes the model: config, domain, training data, the
custom NLU components' code and the pinned dependency set. It is compared by content,
not by file times, so a fresh clone with a cached models/ folder does not retrain.
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
import time
from pathlib import Path

from bot.runtime.settings import MODELS_DIR, PROJECT_ROOT

MODEL_NAME = "balagh"
TRAINING_INPUTS = ("config.yml", "domain.yml", "nlu", "stories", "bot/nlu", "constraints.txt")
TRAINING_DATA = ("nlu", "stories")


def model_path() -> Path:
    return MODELS_DIR / f"{MODEL_NAME}.tar.gz"


def _fingerprint_file() -> Path:
    return MODELS_DIR / f"{MODEL_NAME}.fingerprint"


def _input_files(root: Path) -> list[Path]:
    files: list[Path] = []
    for name in TRAINING_INPUTS:
        path = root / name
        if path.is_dir():
            files += [p for p in path.rglob("*") if p.is_file() and "__pycache__" not in p.parts]
        elif path.is_file():
            files.append(path)
    return sorted(files)


def fingerprint(root: Path = PROJECT_ROOT) -> str:
    """sha256 over the training inputs' relative paths and contents."""
    digest = hashlib.sha256()
    for path in _input_files(root):
        digest.update(str(path.relative_to(root)).encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()


def is_up_to_date() -> bool:
    stamp = _fingerprint_file()
    return (
        model_path().exists() and stamp.exists() and stamp.read_text().strip() == fingerprint()
    )


def train() -> None:
    """Train with Rasa's CLI into models/balagh.tar.gz; raise on failure."""
    MODELS_DIR.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    wanted = fingerprint()
    command = [
        sys.executable, "-m", "rasa", "train",
        "--config", "config.yml", "--domain", "domain.yml",
        "--data", *TRAINING_DATA,
        "--out", str(MODELS_DIR), "--fixed-model-name", MODEL_NAME,
        "--force",
    ]  # fmt: skip
    result = subprocess.run(command, cwd=PROJECT_ROOT, check=False)
    if result.returncode != 0 or not model_path().exists():
        raise RuntimeError(f"rasa train failed (exit code {result.returncode}); see above")
    _fingerprint_file().write_text(wanted + "\n")
    print(f">> model trained in {time.monotonic() - started:.0f} s: {model_path()}", flush=True)


def ensure_model() -> Path:
    if is_up_to_date():
        print(f">> model up to date: {model_path().relative_to(PROJECT_ROOT)}", flush=True)
    else:
        print(">> training data, domain or config changed: training the model", flush=True)
        print("   (under a minute on 2 cores)", flush=True)
        train()
    return model_path()


def main() -> int:
    try:
        ensure_model()
    except RuntimeError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
