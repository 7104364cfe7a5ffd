#!/usr/bin/env bash
# The body of `make test` (set-up already done by make): lint, then every test.
set -euo pipefail
cd "$(dirname "$0")/.."
export PYTHONDONTWRITEBYTECODE=1 TF_CPP_MIN_LOG_LEVEL=2
echo ">> ruff"
.venv/bin/ruff check .
echo ">> pytest (unit, store on SQLite and PostgreSQL, CLI, Rasa data, conversation tests, live servers)"
.venv/bin/python -m pytest -p no:cacheprovider "$@"
