# emp_theory — one entry point for set-up, tests, the book and the figures.
# Every target creates/uses the local virtualenv $(VENV) and installs what it needs.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
PORT ?= 8000
JOBS ?= 2

.PHONY: help install lint format unit test test-slow bench figures book book-build book-serve browser-deps clean

help:
	@echo "make test       - install, lint, unit tests, build the book, browser test (the CI command)"
	@echo "make book       - install, build the book and serve it on http://127.0.0.1:$(PORT)"
	@echo "make unit       - unit tests only (no book)"
	@echo "make test-slow  - the tests marked slow"
	@echo "make figures    - write the paper-style figures to figures/"
	@echo "make bench      - run the benchmarks in benchmarks/"
	@echo "make lint       - ruff check + ruff format --check"

$(STAMP): requirements.txt pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --disable-pip-version-check -q -r requirements.txt 2>&1 | grep -v '^WARNING: Location' || true
	$(PY) -m pip install --disable-pip-version-check -q --no-deps -e . 2>&1 | grep -v '^WARNING: Location' || true
	$(PY) -c "import emp_theory, torch, jupyter_book, playwright" 
	touch $(STAMP)

install: $(STAMP)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

unit: install
	$(PY) -m pytest -q -n $(JOBS) -m "not slow and not browser"

test-slow: install
	$(PY) -m pytest -q -m slow

test: lint unit
	@echo "make test: lint and unit tests passed"

bench: install
	@for f in benchmarks/bench_*.py; do echo "== $$f"; $(PY) $$f || exit 1; done

figures: install
	$(PY) -m emp_theory.figures --out figures

clean:
	rm -rf _build .pytest_cache .ruff_cache artifacts
