#!/usr/bin/env bash
# Install everything explain needs, idempotently: Debian's libraries for Manim,
# a virtual environment in .venv/, the CPU build of torch, and this project.
# A second run with nothing changed takes well under a second.
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=.venv
STAMP="$VENV/.explain-installed"
# The CPU build of torch. On Linux, PyPI's torch is the CUDA build (about 2.7 GB of
# wheels for a tool that never uses a GPU), so PyTorch's own CPU index is asked first;
# where it cannot be reached (a short timeout, no retries), the plain pin from the
# configured index is used (on machines that ship a local CPU wheel, that one).
# Override for a GPU or another platform, e.g.
#   EXPLAIN_TORCH="torch" EXPLAIN_TORCH_INDEX="https://download.pytorch.org/whl/cu124" make demo
EXPLAIN_TORCH="${EXPLAIN_TORCH:-torch==2.13.0}"
EXPLAIN_TORCH_INDEX="${EXPLAIN_TORCH_INDEX:-}"
CPU_INDEX="https://download.pytorch.org/whl/cpu"
PYTHON="${PYTHON:-python3}"

# python3-venv: Debian's python3 has no venv module without it.
APT_PACKAGES=(python3-venv libcairo2-dev libpango1.0-dev pkg-config ffmpeg fonts-dejavu-core fonts-wqy-microhei)
# Only for the tests (`setup.sh --tests`, as scripts/test.sh runs it): they drive the slides
# page in a real browser and open the PowerPoint deck with LibreOffice.
TEST_APT_PACKAGES=(chromium libreoffice-impress)
if [[ "${1:-}" == "--tests" ]]; then APT_PACKAGES+=("${TEST_APT_PACKAGES[@]}"); fi

log() { echo "setup: $*" >&2; }

# Bytecode for explain's own modules. pip does not compile an editable install, and
# where PYTHONDONTWRITEBYTECODE is set Python never writes it, so every command compiled
# all of them again (0.1 s of each render). compileall skips files that are up to date.
compile_bytecode() { "$VENV/bin/python" -m compileall -q explain/ mlcore scenes >/dev/null; }

missing_apt=()
if command -v dpkg-query >/dev/null 2>&1; then
  for pkg in "${APT_PACKAGES[@]}"; do
    status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
    [[ "$status" == "install ok installed" ]] || missing_apt+=("$pkg")
  done
fi
if ((${#missing_apt[@]})); then
  sudo=()
  if [[ $(id -u) -ne 0 ]]; then sudo=(sudo); fi
  log "installing system packages: ${missing_apt[*]}"
  "${sudo[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends \
    "${missing_apt[@]}" >/dev/null
fi

# The stamp records what was installed; when pyproject.toml or this script
# changes, the Python side is installed again.
want=$(cat pyproject.toml scripts/setup.sh | sha256sum | cut -d' ' -f1)
if [[ -x "$VENV/bin/explain" && -f "$STAMP" && "$(cat "$STAMP")" == "$want" ]]; then
  compile_bytecode
  exit 0
fi

if [[ ! -x "$VENV/bin/python" ]]; then
  log "creating $VENV"
  "$PYTHON" -m venv "$VENV"
fi
pip=("$VENV/bin/python" -m pip --disable-pip-version-check -q)
if ! "$VENV/bin/python" -c "import torch" >/dev/null 2>&1; then
  log "installing $EXPLAIN_TORCH"
  if [[ -n "$EXPLAIN_TORCH_INDEX" ]]; then
    "${pip[@]}" install "$EXPLAIN_TORCH" --index-url "$EXPLAIN_TORCH_INDEX"
  elif ! "${pip[@]}" install "$EXPLAIN_TORCH" --index-url "$CPU_INDEX" \
      --timeout 5 --retries 0 >/dev/null 2>&1; then
    log "PyTorch's CPU index is out of reach; installing $EXPLAIN_TORCH from the default index"
    "${pip[@]}" install "$EXPLAIN_TORCH"
  fi
fi
log "installing explain and its dependencies"
"${pip[@]}" install -e ".[dev]" 2> >(grep -v "is ignored: it is neither" >&2)
compile_bytecode
echo "$want" > "$STAMP"
log "done: $VENV/bin/explain is ready"
