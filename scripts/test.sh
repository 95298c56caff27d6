#!/usr/bin/env bash
# Quick start, step 2 (and CI): install what is missing, then lint, type-check and test.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --tests
.venv/bin/ruff check mlcore scenes tests bench
.venv/bin/mypy
# --fast: the edit loop's tier, without the tests that draw frames or write files (the
# markers `frames` and `render`); CI runs everything.
if [[ "${1:-}" == "--fast" ]]; then
    shift
    set -- -m "not render and not frames" "$@"
fi
.venv/bin/python -m pytest -q -n 2 "$@"
