#!/usr/bin/env bash
# Checkout under load, on the release binary: SQLite, then MariaDB, each with a generated
# catalog of PRODUCTS products (default 100,000) and 300 variants stocked at one location.
# CONCURRENCY workers (default 16) each loop for DURATION (default 20s): add one line to a
# fresh guest cart, check it out. Prints checkouts/s, latency percentiles of the checkout
# request and of add + checkout, errors, and SQL statements per checkout (measured alone
# on a quiet server, and the whole statement count under load divided by checkouts).
# Knobs: BACKENDS="sqlite mysql", MYSQL_HOST/MYSQL_PORT/MYSQL_USER (127.0.0.1, 3306, root;
# MYSQL_PWD as the mysql client reads it), MYSQL_DB (kirana_bench_checkout, dropped first
# and afterwards unless KEEP_DB=1), PAGE_CACHE_MS, POOL_SIZE, PORT. Needs curl; the MariaDB
# run needs a server and libmariadb-dev (installed with apt when missing, as scripts/test).
set -euo pipefail
cd "$(dirname "$0")/.."
products="${PRODUCTS:-100000}"
concurrency="${CONCURRENCY:-16}"
duration="${DURATION:-20s}"
duration_secs="${duration%s}"
backends="${BACKENDS:-sqlite mysql}"
port="${PORT:-18083}"
mysql_host="${MYSQL_HOST:-127.0.0.1}"
mysql_port="${MYSQL_PORT:-3306}"
mysql_user="${MYSQL_USER:-root}"
mysql_db="${MYSQL_DB:-kirana_bench_checkout}"
mysql_url="mysql://${mysql_user}${MYSQL_PWD:+:$MYSQL_PWD}@${mysql_host}:${mysql_port}/${mysql_db}"

if [[ " $backends " == *" mysql "* ]]; then
  missing=()
  for pkg in libmariadb-dev libmariadb-dev-compat pkg-config; do
    dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
  done
  if ((${#missing[@]})); then
    echo "installing ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
fi

# One build with both backends, the server and the driver together, so the library is
# compiled once for both.
cargo build --release --quiet --features mysql --bin kirana --example checkout_load
target="${CARGO_TARGET_DIR:-$PWD/target}"
bin="$target/release/kirana"
driver="$target/release/examples/checkout_load"

work=
pid=
cleanup() {
  if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  if [ -n "$work" ]; then rm -rf "$work"; fi
}
drop_mysql_db() {
  mysql -h "$mysql_host" -P "$mysql_port" -u "$mysql_user" \
    -e "DROP DATABASE IF EXISTS \`$mysql_db\`"
}
trap 'cleanup; if [[ " $backends " == *" mysql "* && -z "${KEEP_DB:-}" ]]; then drop_mysql_db || true; fi' EXIT

# Replaces the (sub)shell with `env VARS... COMMAND`, adding the database URL (none: SQLite
# under ./data) and the optional pool size; exec, so $! of a backgrounded call is the server.
with_env() { # url, VAR=value..., command...
  local url=$1
  shift
  local extra=()
  if [ -n "$url" ]; then extra+=("KIRANA__DATABASE__URL=$url"); fi
  if [ -n "${POOL_SIZE:-}" ]; then extra+=("KIRANA__DATABASE__POOL_SIZE=$POOL_SIZE"); fi
  exec env ${extra[@]+"${extra[@]}"} "$@"
}

run() { # backend
  local backend=$1 url=""
  work=$(mktemp -d)
  if [ "$backend" = mysql ]; then
    drop_mysql_db
    url="$mysql_url"
  fi
  local seeded
  seeded=$(cd "$work" && with_env "$url" KIRANA__LOG__LEVEL=warn "$bin" seed --products "$products")
  echo "$backend: $(tail -1 <<<"$seeded")"
  local password
  password=$(awk '/^password of the demo accounts:/ {print $NF}' <<<"$seeded")

  (cd "$work" && with_env "$url" KIRANA__SERVER__PORT="$port" KIRANA__LOG__LEVEL=warn \
    KIRANA__CATALOG__PAGE_CACHE_MS="${PAGE_CACHE_MS:-5000}" \
    KIRANA__RATE_LIMIT__PER_IP_PER_MINUTE=100000000 \
    KIRANA__RATE_LIMIT__AUTH_PER_IP_PER_MINUTE=100000000 \
    KIRANA__RATE_LIMIT__WRITES_PER_USER_PER_MINUTE=100000000 \
    "$bin" serve) &
  pid=$!
  until curl -fs "http://127.0.0.1:$port/readyz" >/dev/null 2>&1; do
    kill -0 "$pid" 2>/dev/null || { echo "$backend: the server did not start"; exit 1; }
    sleep 0.05
  done

  local result
  result=$(KIRANA_BENCH_ADMIN_PASSWORD="$password" "$driver" --base "http://127.0.0.1:$port" \
    --concurrency "$concurrency" --duration-secs "$duration_secs" --label "$backend")
  printf '%s RSS after load: %d kB\n' "$backend" "$(awk '/VmRSS/ {print $2}' /proc/$pid/status)"
  echo "$result"
  cleanup
  pid=
  work=
}

for backend in $backends; do
  run "$backend"
done
