#!/usr/bin/env bash
# The catalog under load, on the release binary with SQLite and a generated catalog of
# PRODUCTS products (default 100,000): a product list page (20 items, one category),
# full-text search, product detail and the scanner's barcode lookup, each for 10 s at
# 32 connections. Needs wrk and curl. Prints requests/s, p50 and p99, and the RSS.
# PAGE_CACHE_MS=0 measures the database path alone (anonymous pages are otherwise served
# from the page cache after the first request).
set -euo pipefail
cd "$(dirname "$0")/.."
command -v wrk >/dev/null || { echo "install wrk (apt-get install wrk)"; exit 1; }
products="${PRODUCTS:-100000}"
duration="${DURATION:-10s}"
cargo build --release --quiet
bin="$PWD/target/release/kirana"
port="${PORT:-18082}"
work=$(mktemp -d)
pid=
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$work"' EXIT

seeded=$(cd "$work" && KIRANA__LOG__LEVEL=warn "$bin" seed --products "$products")
echo "$seeded" | tail -1
password=$(awk '/^password of the demo accounts:/ {print $NF}' <<<"$seeded")

(cd "$work" && KIRANA__SERVER__PORT=$port KIRANA__LOG__LEVEL=warn \
  KIRANA__CATALOG__PAGE_CACHE_MS="${PAGE_CACHE_MS:-5000}" \
  KIRANA__RATE_LIMIT__PER_IP_PER_MINUTE=100000000 \
  KIRANA__RATE_LIMIT__AUTH_PER_IP_PER_MINUTE=100000000 \
  exec "$bin" serve) &
pid=$!
until curl -fs "http://127.0.0.1:$port/readyz" >/dev/null 2>&1; do sleep 0.01; done
base="http://127.0.0.1:$port"

token=$(curl -fs -X POST "$base/api/v1/auth/login" -H 'content-type: application/json' \
  -d "{\"email\":\"admin@demo.kirana.in\",\"password\":\"$password\"}" \
  | sed -E 's/.*"access_token":"([^"]+)".*/\1/')
# A leaf category ("Aisle 3-4"), a product from its first page, and that product's barcode.
category=$(curl -fs "$base/api/v1/catalog/categories" \
  | grep -o '"id":"[^"]*","parent_id":"[^"]*","name":"Aisle 3-4"' | sed -E 's/"id":"([^"]+)".*/\1/')
slug=$(curl -fs "$base/api/v1/catalog/products?category=$category&limit=1" \
  | sed -E 's/.*"slug":"([^"]+)".*/\1/')
barcode=$(curl -fs "$base/api/v1/catalog/products/$slug" \
  | sed -E 's/.*"barcode":"([0-9]+)".*/\1/')
echo "category $category, product $slug, barcode $barcode"

report() { # name, wrk output
  local rps p50 p99
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$2")
  p50=$(awk '$1=="50%" {print $2}' <<<"$2")
  p99=$(awk '$1=="99%" {print $2}' <<<"$2")
  printf '%-44s %10s req/s   p50 %8s   p99 %8s\n' "$1" "$rps" "$p50" "$p99"
}
load() { wrk -t2 -c32 -d"$duration" --latency "$@"; }

report "list: 20 in one category" "$(load "$base/api/v1/catalog/products?category=$category&limit=20")"
report "list: 20 in one category, by price" "$(load "$base/api/v1/catalog/products?category=$category&limit=20&sort=price_asc")"
report "search: q=organic+kerala" "$(load "$base/api/v1/catalog/products?q=organic+kerala&limit=20")"
report "search: q=masala (common word)" "$(load "$base/api/v1/catalog/products?q=masala&limit=20")"
report "detail by slug" "$(load "$base/api/v1/catalog/products/$slug")"
report "barcode lookup (bearer)" "$(load -H "Authorization: Bearer $token" "$base/api/v1/catalog/lookup?code=$barcode")"
printf 'RSS after load: %d kB\n' "$(awk '/VmRSS/ {print $2}' /proc/$pid/status)"
