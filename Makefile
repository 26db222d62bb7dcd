# 粤复用 — one command for each job. See README.md.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test

.PHONY: run test lint bench assets services migrate seed clean help

help:
	@echo "make run     serve the store on http://127.0.0.1:8000 (SQLite, local files)"
	@echo "make test    install test tools and services, lint, run the suite on SQLite and PostgreSQL"
	@echo "make lint    ruff and mypy"
	@echo "make bench   the benchmarks (not part of the tests)"
	@echo "make assets  install front-end libraries into static/vendor"

$(BIN)/python:
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11+ is required"'
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
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

lint: $(TEST_STAMP)
	$(BIN)/ruff check store tests benchmarks scripts
	$(BIN)/ruff format --check store tests benchmarks scripts
	$(BIN)/mypy

test: $(TEST_STAMP)
	scripts/install-assets.sh
	scripts/install-services.sh
	scripts/ensure-postgres.sh
	$(MAKE) --no-print-directory lint
	$(BIN)/python -m pytest

bench: $(TEST_STAMP)
	scripts/install-services.sh seaweedfs meilisearch
	$(BIN)/python -m benchmarks

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
