# Two commands for people: `make run` and `make test`. Everything else is set-up they do
# incrementally: the venv is rebuilt only when the lock or requirements change, the model
# only when its training inputs change (bot/model.py compares a fingerprint).
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

.PHONY: run test setup venv model db lint clean

run: setup
	$(PY) -m bot serve

test: setup
	bash scripts/run_tests.sh

setup: venv model db

venv: $(STAMP)

$(STAMP): constraints.txt pyproject.toml requirements/rasa-deps.txt requirements/project.txt requirements/nodeps.txt
	@echo ">> setting up $(VENV) (pinned by constraints.txt)"
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install $(PIP_FLAGS) pip==23.2.1 setuptools==70.3.0 wheel==0.45.1 2>&1 | $(QUIET_PIP)
	$(PIP) install $(PIP_FLAGS) -r requirements/rasa-deps.txt -r requirements/project.txt 2>&1 | $(QUIET_PIP)
	$(PIP) install $(PIP_FLAGS) --no-deps --ignore-requires-python -r requirements/nodeps.txt 2>&1 | $(QUIET_PIP)
	$(PIP) install $(PIP_FLAGS) --no-deps --no-build-isolation -e . 2>&1 | $(QUIET_PIP)
	@touch $(STAMP)

model: venv
	$(PY) -m bot.model

db: venv
	$(PY) -m bot db upgrade

lint: venv
	$(VENV)/bin/ruff check .

clean:
	rm -rf models var/*.db
