#!/usr/bin/env bash
# Quick start, step 1: install what is missing, then render the default scene into renders/.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/explain render conv-stride
.venv/bin/explain render conv-stride --format gif
