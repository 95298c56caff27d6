# The README's quick start: `make demo` renders the default scene, `make test` runs the suite.
# Both install what they need first (scripts/setup.sh is idempotent and fast when done).
VENV := .venv
EXPLAIN := $(VENV)/bin/explain
PYTHON := $(VENV)/bin/python

.PHONY: setup demo test lint bench

setup:
	@bash scripts/setup.sh

demo: setup
	$(EXPLAIN) render conv-stride
	$(EXPLAIN) render conv-stride --format gif

test: setup
	$(VENV)/bin/ruff check mlcore scenes tests bench
	$(VENV)/bin/mypy
	$(PYTHON) -m pytest -q -n 2

lint: setup
	$(VENV)/bin/ruff check mlcore scenes tests bench
	$(VENV)/bin/ruff format --check mlcore scenes tests bench
	$(VENV)/bin/mypy

bench: setup
	$(PYTHON) bench/run.py
