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
	$(PY) -c "import emp_theory, numba, torch, jupyter_book, playwright, numpydoc, kan, sentence_transformers, safetensors"
	touch $(STAMP)

install: $(STAMP)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

# Unit tests and every docstring example of the package (doctests)
unit: install
	$(PY) -m pytest -q -n $(JOBS) -m "not slow and not browser" \
	  --doctest-modules --ignore-glob='*/__main__.py' tests emp_theory

test-slow: install
	$(PY) -m pytest -q -m slow

test: lint unit book-build browser-test
	@echo "make test: lint, unit tests, book build and browser test passed"

# The streaming benchmark runs at 0.5 GB here; `$(PY) benchmarks/bench_stream.py` alone uses >= 4 GB.
bench: install
	@for f in benchmarks/bench_*.py; do \
	  echo "== $$f"; \
	  if [ "$$f" = benchmarks/bench_stream.py ]; then $(PY) $$f --gb 0.5 || exit 1; \
	  else $(PY) $$f || exit 1; fi; \
	done

figures: install
	$(PY) -m emp_theory.viz.paper_figures --out figures

# ---------------------------------------------------------------------------
# The book (Jupyter Book 1.x; offline: plotly.js and MathJax 3 are served by the site)
# ---------------------------------------------------------------------------
.PHONY: browser-test
NODE_STAMP := node_modules/.installed

# MathJax 3 and plotly.js's partial bundles from the npm registry, pinned by
# package-lock.json (installed once; later builds reuse node_modules)
$(NODE_STAMP): package.json package-lock.json
	@command -v npm >/dev/null || (apt-get update && apt-get install -y npm)
	npm ci --no-audit --no-fund --prefer-offline --loglevel=error
	touch $(NODE_STAMP)

# The build itself is offline: no CDN, no intersphinx, no model download (the
# Transformer's weights come from a pip package); the published site is _build/html
# (.github/workflows/book.yml runs this target and deploys it to GitHub Pages).
book-build: $(STAMP) $(NODE_STAMP)
	HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 \
	  $(VENV)/bin/jupyter-book build . --all -n -W --keep-going

book: book-build
	@echo "The book is at http://127.0.0.1:$(PORT)/ (serving _build/html; Ctrl-C to stop)"
	$(PY) -m http.server --bind 127.0.0.1 -d _build/html $(PORT)

book-serve:
	@test -f _build/html/index.html || { echo "no built book: run \`make book-build\` first"; exit 1; }
	@echo "The book is at http://127.0.0.1:$(PORT)/ (serving _build/html; Ctrl-C to stop)"
	$(PY) -m http.server --bind 127.0.0.1 -d _build/html $(PORT)

# Debian's Chromium, driven by the playwright Python package (no browser download)
browser-deps:
	@command -v chromium >/dev/null || (apt-get update && apt-get install -y chromium)

# Needs a built book (`make book-build`; `make test` builds it first). Writes screenshots
# (1366 and 390 px) to artifacts/screenshots/ and the page weights to artifacts/page_weights.md
browser-test: $(STAMP) browser-deps
	$(PY) -m pytest -q -n $(JOBS) -m browser tests/book

clean:
	rm -rf _build .pytest_cache .ruff_cache artifacts
