#!/usr/bin/env bash
# Measures the release binary: size, time from exec to /readyz = 200 on an empty
# directory (SQLite), idle resident memory, and (if wrk is installed) request throughput
# and memory under load. Numbers vary with the machine; compare ratios within one run.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
bin="$PWD/target/release/kirana"
port="${PORT:-18080}"
work=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$work"' EXIT

printf 'binary size: %.1f MB\n' "$(echo "$(stat -c %s "$bin") / 1048576" | bc -l)"

start_ns=$(date +%s%N)
(cd "$work" && KIRANA__SERVER__PORT=$port KIRANA__LOG__LEVEL=warn exec "$bin" serve) &
pid=$!
until curl -fs "http://127.0.0.1:$port/readyz" >/dev/null 2>&1; do sleep 0.002; done
ready_ns=$(date +%s%N)
printf 'exec to ready (fresh database, migrations applied): %d ms\n' $(((ready_ns - start_ns) / 1000000))

sleep 2
printf 'idle RSS: %d kB\n' "$(awk '/VmRSS/ {print $2}' /proc/$pid/status)"

if command -v wrk >/dev/null; then
  for path in /healthz /readyz /api/openapi.json /; do
    rps=$(wrk -t2 -c32 -d5s "http://127.0.0.1:$port$path" | awk '/Requests\/sec/ {print $2}')
    printf 'GET %-18s %10s req/s\n' "$path" "$rps"
  done
  printf 'RSS after load: %d kB (peak %d kB)\n' \
    "$(awk '/VmRSS/ {print $2}' /proc/$pid/status)" "$(awk '/VmHWM/ {print $2}' /proc/$pid/status)"
else
  echo "(install wrk for throughput: apt-get install wrk)"
fi

kill -TERM "$pid"
wait "$pid" 2>/dev/null || true

# Restart on the now-existing database: the everyday start.
start_ns=$(date +%s%N)
(cd "$work" && KIRANA__SERVER__PORT=$port KIRANA__LOG__LEVEL=warn exec "$bin" serve) &
pid=$!
until curl -fs "http://127.0.0.1:$port/readyz" >/dev/null 2>&1; do sleep 0.002; done
ready_ns=$(date +%s%N)
printf 'exec to ready (existing database): %d ms\n' $(((ready_ns - start_ns) / 1000000))
