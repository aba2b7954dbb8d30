#!/usr/bin/env bash
# The outbox dispatcher: events/s to three subscribers, and the drain time of events a
# dead instance had claimed. SQLite always; MariaDB too when KIRANA_BENCH_MYSQL_URL is set
# (e.g. mysql://root@127.0.0.1:3306).
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/kirana-target}"
cargo build --release --features mysql --example outbox_bench
bin="$CARGO_TARGET_DIR/release/examples/outbox_bench"
env -u KIRANA_BENCH_MYSQL_URL "$bin"
if [ -n "${KIRANA_BENCH_MYSQL_URL:-}" ]; then
  "$bin"
fi
