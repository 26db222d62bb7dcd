# 粤复用 — one command for each job. See README.md.
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test

# The store needs CPython 3.12 or newer: under 3.11 the server segfaults under concurrent requests
# (README, "Which Python"). PYTHON=/path/to/python3.x chooses one; otherwise a 3.12 (what the
# suite runs on) or else a 3.13, on PATH or in pyenv (scripts/find-python.sh).
ifeq ($(origin PYTHON),undefined)
PYTHON := $(shell scripts/find-python.sh)
endif
# A .venv made with an older (or a since-removed) Python is made again.
VENV_OUTDATED := $(shell [ -e $(VENV)/pyvenv.cfg ] && ! $(BIN)/python -c 'import sys; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1 && echo yes)

.PHONY: run run-services test lint bench assets services migrate seed clean help FORCE

help:
	@echo "make run     serve the store on http://127.0.0.1:8000 (SQLite, local files)"
	@echo "make run-services  the same on real Meilisearch and SeaweedFS, without Docker (Linux/WSL)"
	@echo "make test    install test tools and services, lint, run the suite on SQLite and PostgreSQL"
	@echo "make lint    ruff and mypy"
	@echo "make bench   the benchmarks (not part of the tests)"
	@echo "make assets  install front-end libraries into static/vendor"

# pyvenv.cfg, not bin/python: a new venv's symlink carries the interpreter's old mtime, and the
# install stamps below must see the venv as newer than themselves to reinstall into it.
$(VENV)/pyvenv.cfg: $(if $(VENV_OUTDATED),FORCE)
	@if [ -z "$(PYTHON)" ]; then \
	  echo "error: no Python 3.12 or newer found (looked for python3.12, python3.13 and python3 on PATH" \
	    "and in ~/.pyenv/versions). The store does not run on 3.11 (it crashes under load)." \
	    "Install CPython 3.12+ or name one: make PYTHON=/path/to/python3.12" >&2; \
	  exit 1; \
	fi
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 12))' || { \
	  echo "error: PYTHON=$(PYTHON) is $$($(PYTHON) -V 2>&1); the store needs CPython 3.12 or newer" \
	    "(3.11 crashes under concurrent requests, see README)" >&2; \
	  exit 1; \
	}
	@if [ -e $(VENV) ]; then \
	  echo "$(VENV) was made with $$($(BIN)/python -V 2>/dev/null || echo 'a Python that is gone');" \
	    "the store needs 3.12+: making it again with $(PYTHON)"; \
	  rm -rf $(VENV); \
	fi
	$(PYTHON) -m venv $(VENV)

FORCE:

$(STAMP): pyproject.toml $(VENV)/pyvenv.cfg
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e .
	@touch $@

$(TEST_STAMP): pyproject.toml $(STAMP)
	$(BIN)/pip install --quiet -e ".[test]"
	@touch $@

assets:
	scripts/install-assets.sh

services:
	scripts/install-services.sh

migrate: $(STAMP)
	$(BIN)/store migrate

seed: migrate
	$(BIN)/store seed-demo

run: $(STAMP)
	@scripts/install-assets.sh || echo "warning: front-end assets could not be installed; pages will be unstyled"
	$(BIN)/store migrate
	$(BIN)/store seed-demo
	$(BIN)/store run

# The store on the real search engine and object storage, from the pinned binaries: a throw-away
# demo (scripts/run_services.py); Ctrl+C stops the store and both services.
run-services: $(STAMP)
	@scripts/install-assets.sh || echo "warning: front-end assets could not be installed; pages will be unstyled"
	scripts/install-services.sh seaweedfs meilisearch
	$(BIN)/python scripts/run_services.py

lint: $(TEST_STAMP)
	$(BIN)/ruff check store search tests benchmarks scripts
	$(BIN)/ruff format --check store search tests benchmarks scripts
	$(BIN)/mypy

test: $(TEST_STAMP)
	scripts/install-assets.sh --test
	scripts/install-services.sh
	scripts/ensure-postgres.sh
	$(MAKE) --no-print-directory lint
	$(BIN)/python -m pytest

bench: $(TEST_STAMP)
	scripts/install-services.sh seaweedfs meilisearch
	scripts/ensure-postgres.sh
	$(BIN)/python -m benchmarks

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
