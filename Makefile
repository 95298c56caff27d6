# Shortcuts for the README's quick start (scripts/demo.sh, scripts/test.sh), which work
# without make on a fresh Debian machine. Both install what they need first.
VENV := .venv

.PHONY: setup demo test test-fast lint bench

setup:
	@bash scripts/setup.sh

demo:
	@bash scripts/demo.sh

test:
	@bash scripts/test.sh

test-fast:
	@bash scripts/test.sh --fast

lint: setup
	$(VENV)/bin/ruff check mlcore scenes tests bench
	$(VENV)/bin/ruff format --check mlcore scenes tests bench
	$(VENV)/bin/mypy

bench: setup
	$(VENV)/bin/python bench/run.py
