#!/usr/bin/env bash
# Render the gallery on a Dask cluster of this machine: a scheduler and two workers that
# listen on 127.0.0.1 only, stopped again on exit whatever happens. The same
# `explain gallery --scheduler ADDRESS` works against any Dask cluster whose workers have
# this version of explain installed. Extra arguments go to `explain gallery`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
BIN="$PWD/.venv/bin"
RUN=$(mktemp -d -t explain-cluster-demo-XXXXXX)
pids=()

stop() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$RUN"
}
trap stop EXIT

# Port 0: the system picks a free port (no clash with another scheduler on this machine);
# the scheduler writes its address into the file that the workers and explain read.
"$BIN/dask" scheduler --host 127.0.0.1 --port 0 --no-dashboard \
  --scheduler-file "$RUN/scheduler.json" >"$RUN/scheduler.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do [[ -s "$RUN/scheduler.json" ]] && break; sleep 0.2; done
ADDRESS=$("$BIN/python" -c 'import json, sys; print(json.load(open(sys.argv[1]))["address"])' \
  "$RUN/scheduler.json")
echo "cluster-demo: scheduler at $ADDRESS, logs in $RUN" >&2
for n in 1 2; do
  # One thread each: a worker renders one scene at a time, like one local --jobs slot.
  "$BIN/dask" worker --scheduler-file "$RUN/scheduler.json" --host 127.0.0.1 --nthreads 1 \
    --no-dashboard --name "worker-$n" >"$RUN/worker-$n.log" 2>&1 &
  pids+=($!)
done

"$BIN/explain" gallery --scheduler "$ADDRESS" "$@"
