#!/usr/bin/env bash
# Render the gallery on a Dask cluster of this machine: a scheduler and two workers on
# 127.0.0.1 only (nothing listens on other interfaces), stopped again on exit, whatever
# happens. The same `explain gallery --scheduler ADDRESS` works against any Dask cluster
# whose workers have this version of explain installed.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
BIN="$PWD/.venv/bin"
PORT="${EXPLAIN_DASK_PORT:-8786}"
ADDRESS="tcp://127.0.0.1:$PORT"
LOGS=$(mktemp -d -t explain-cluster-demo-XXXXXX)
pids=()

stop() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$LOGS"
}
trap stop EXIT

"$BIN/dask" scheduler --host 127.0.0.1 --port "$PORT" --no-dashboard \
  >"$LOGS/scheduler.log" 2>&1 &
pids+=($!)
for n in 1 2; do
  # One thread each: a worker renders one scene at a time, like one local --jobs slot.
  "$BIN/dask" worker "$ADDRESS" --host 127.0.0.1 --nthreads 1 --no-dashboard \
    --name "worker-$n" >"$LOGS/worker-$n.log" 2>&1 &
  pids+=($!)
done

"$BIN/explain" gallery --scheduler "$ADDRESS" "$@"
