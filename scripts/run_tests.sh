#!/usr/bin/env bash
# The body of `make test` (set-up already done by make): lint, then every test, in two runs:
#   tests/unit/        no servers, no model: spread over the cores (pytest-xdist)
#   tests/integration/ and tests/live/: two workers, whole files each (--dist loadfile), each
#     worker with one shared assistant (tests/conftest.py). These tests mostly wait on the
#     servers they talk to (one core busy of two); two workers take 4.5 minutes instead of 8.
# Extra arguments go to both runs (e.g. `bash scripts/run_tests.sh -k store`); a run that
# selects nothing is no failure.
set -uo pipefail
cd "$(dirname "$0")/.."
# compiled modules are cached (git-ignores __pycache__): collection is a third faster
export PYTHONDONTWRITEBYTECODE= TF_CPP_MIN_LOG_LEVEL=2
PYTEST=(.venv/bin/python -m pytest -p no:cacheprovider)

run() {
  "${PYTEST[@]}" "$@"
  local code=$?
  [ "$code" -eq 5 ] && code=0  # no test selected
  return "$code"
}

echo ">> ruff"
.venv/bin/ruff check . || exit 1
echo ">> pytest tests/unit (rules, parsers, NLU components, actions in process, store on SQLite and PostgreSQL)"
run -n auto tests/unit "$@" || exit 1
echo ">> pytest tests/integration tests/live (Rasa data and conversation tests, the running assistant, browser, Telegram stand-in, faults, cluster)"
run -n "${BALAGH_TEST_WORKERS:-2}" --dist loadfile tests/integration tests/live "$@"
