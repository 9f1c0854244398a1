# AOI Platform. `make run` serves the demo; `make test` runs the suite. See README.md.

SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3.11
VENV ?= .venv
HOST ?= 127.0.0.1
PORT ?= 8000
# The suite and the benchmarks need PostgreSQL and Redis; these are their defaults (README.md).
TEST_DATABASE_URL ?= $(or $(DATABASE_URL),postgres://postgres@127.0.0.1:5432/aoi)
TEST_REDIS_URL ?= $(or $(REDIS_URL),redis://127.0.0.1:6379/15)
PYTEST_ARGS ?=
BENCH_ARGS ?=

# The stamp's name carries a digest of requirements.txt: a changed file means a missing stamp,
# hence a reinstall; an unchanged one costs nothing.
REQUIREMENTS_DIGEST := $(shell cat requirements.txt requirements-nodeps.txt | sha256sum | cut -c1-16)
VENV_STAMP := $(VENV)/.requirements-$(REQUIREMENTS_DIGEST)

.PHONY: help venv run test lint bench

help:
	@echo "make run    serve the platform with demo data on http://$(HOST):$(PORT)/ (HOST, PORT overridable)"
	@echo "make test   run the test suite against PostgreSQL and Redis (DATABASE_URL, REDIS_URL)"
	@echo "make lint   ruff check, ruff format --check, mypy"
	@echo "make bench  run the benchmarks; JSON results in bench/results/"
	@echo "make venv   create or update $(VENV) from requirements.txt"

venv: $(VENV_STAMP)

$(VENV_STAMP): requirements.txt requirements-nodeps.txt
	@test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install --disable-pip-version-check -q -r requirements.txt
	$(VENV)/bin/python -m pip install --disable-pip-version-check -q --no-deps -r requirements-nodeps.txt
	@rm -f $(VENV)/.requirements-*
	@touch $@

run: venv
	HOST=$(HOST) PORT=$(PORT) VENV=$(VENV) scripts/run.sh

test: venv
	DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) $(VENV)/bin/pytest $(PYTEST_ARGS)

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy .

bench: venv
	DATABASE_URL=$(TEST_DATABASE_URL) $(VENV)/bin/python -m bench.run $(BENCH_ARGS)
