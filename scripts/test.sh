#!/usr/bin/env bash
# Quick start, step 2 (and CI): install what is missing, then lint, type-check and test.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --tests
.venv/bin/ruff check mlcore scenes tests bench
.venv/bin/mypy
.venv/bin/python -m pytest -q -n 2 "$@"
