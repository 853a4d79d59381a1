#!/usr/bin/env bash
# The embedded default, end to end: private Postgres + dev broker, migrate, generate purchases (with late,
# duplicate and invalid ones) while the loader loads them, roll up, print the result and the totals check,
# stop the services.
#
# Settings (environment): DEMO_EVENTS (default 300000), DEMO_SEED (default 42), DEMO_BACKFILL (default 30m),
# CONFIG (debug|release, default release).
set -euo pipefail
cd "$(dirname "$0")/.."
# Swift lives in /opt/swift on the machines this project runs on; find it even when PATH does not.
command -v swift >/dev/null 2>&1 || export PATH="/opt/swift/usr/bin:$PATH"
events="${DEMO_EVENTS:-300000}"
seed="${DEMO_SEED:-42}"
backfill="${DEMO_BACKFILL:-30m}"
config="${CONFIG:-release}"

scripts/ensure-deps.sh
echo "== building ($config)"
swift build -c "$config" 2>&1 | grep -E "error|warning: unre|Compiling|Build complete" | grep -v Compiling || true
bin=".build/$config"
[ -x "$bin/loader" ] || { echo "demo: build failed" >&2; exit 1; }

export BIN_DIR="$bin"
scripts/services.sh down >/dev/null 2>&1 || true
trap 'kill "$loader_pid" 2>/dev/null || true; scripts/services.sh down' EXIT
echo "== starting a private Postgres and the dev broker"
eval "$(scripts/services.sh up)"
scripts/services.sh reset-db
echo "   postgres: $DATABASE_URL"
echo "   kafka:    $KAFKA_BOOTSTRAP_SERVERS (topic $KAFKA_TOPIC)"

echo "== migrating"
"$bin/rollup" migrate --log-level warning

echo "== loading while generating $events events"
"$bin/loader" --log-level warning &
loader_pid=$!
"$bin/generator" --count "$events" --rate unlimited --seed "$seed" --backfill "$backfill" \
  --late-fraction 0.05 --max-lateness 10m --duplicate-fraction 0.02 --invalid-fraction 0.01 \
  --summary-file .local/generator-summary.json --log-level warning
delivered=$(sed -E 's/.*"delivered":([0-9]+).*/\1/' .local/generator-summary.json)
expected_amount=$(sed -E 's/.*"valid_amount":"([0-9.]+)".*/\1/' .local/generator-summary.json)
for _ in $(seq 1 600); do
  loaded=$(psql "$DATABASE_URL" -qAtc "select coalesce(sum(next_offset), 0) from loader_offsets")
  [ "$loaded" -ge "$delivered" ] && break
  sleep 0.2
done
kill -TERM "$loader_pid"
wait "$loader_pid"
echo "   loaded $loaded of $delivered messages; loader stopped on SIGTERM"

echo "== rolling up"
"$bin/rollup" run --log-level warning
echo
"$bin/rollup" report --expect-amount "$expected_amount"
