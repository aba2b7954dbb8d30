#!/usr/bin/env bash
# Reports over a year of sales on the release build: ORDERS (default 100,000) invoices
# and a credit note for every twentieth over 365 days, loaded into a fresh SQLite store's
# report facts; then the 12-month sales report (by month and by day), the breakdown by
# variant and a month's GST summary, each asked RUNS (default 30) times over HTTP.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_INCREMENTAL="${CARGO_INCREMENTAL:-0}"
cargo run --quiet --release --example reports_bench
