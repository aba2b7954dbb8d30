#!/usr/bin/env bash
# Measures, on the release binary with SQLite: login latency (argon2id at m=19 MiB, t=2),
# and what verifying a bearer token costs per request (JWT signature + the per-user
# session check) against the same route called without one. Needs wrk and curl.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v wrk >/dev/null || { echo "install wrk (apt-get install wrk)"; exit 1; }
cargo build --release --quiet
bin="$PWD/target/release/kirana"
port="${PORT:-18081}"
work=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$work"' EXIT

(cd "$work" && KIRANA__SERVER__PORT=$port KIRANA__LOG__LEVEL=warn \
  KIRANA__RATE_LIMIT__PER_IP_PER_MINUTE=100000000 \
  KIRANA__RATE_LIMIT__AUTH_PER_IP_PER_MINUTE=100000000 \
  exec "$bin" serve) &
pid=$!
until curl -fs "http://127.0.0.1:$port/readyz" >/dev/null 2>&1; do sleep 0.01; done
base="http://127.0.0.1:$port"

curl -fs -o /dev/null -X POST "$base/api/v1/auth/register" -H 'content-type: application/json' \
  -d '{"email":"bench@example.in","password":"bench-password-2026","name":"Bench"}'
token=$(curl -fs -X POST "$base/api/v1/auth/login" -H 'content-type: application/json' \
  -d '{"email":"bench@example.in","password":"bench-password-2026"}' | sed -E 's/.*"access_token":"([^"]+)".*/\1/')

cat > "$work/login.lua" <<'LUA'
wrk.method = "POST"
wrk.body = '{"email":"bench@example.in","password":"bench-password-2026"}'
wrk.headers["Content-Type"] = "application/json"
LUA

report() { # name, wrk output
  local rps p50 p99
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$2")
  p50=$(awk '$1=="50%" {print $2}' <<<"$2")
  p99=$(awk '$1=="99%" {print $2}' <<<"$2")
  printf '%-34s %10s req/s   p50 %8s   p99 %8s\n' "$1" "$rps" "$p50" "$p99"
}

report "login (argon2id), 2 connections" "$(wrk -t2 -c2 -d5s --latency -s "$work/login.lua" "$base/api/v1/auth/login")"
report "GET /.well-known/jwks.json" "$(wrk -t2 -c16 -d5s --latency "$base/.well-known/jwks.json")"
report "GET /api/openapi.json anonymous" "$(wrk -t2 -c16 -d5s --latency "$base/api/openapi.json")"
report "GET /api/openapi.json with bearer" "$(wrk -t2 -c16 -d5s --latency -H "Authorization: Bearer $token" "$base/api/openapi.json")"
report "GET /api/v1/me with bearer" "$(wrk -t2 -c16 -d5s --latency -H "Authorization: Bearer $token" "$base/api/v1/me")"
printf 'RSS after load: %d kB\n' "$(awk '/VmRSS/ {print $2}' /proc/$pid/status)"
