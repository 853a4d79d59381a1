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
mkdir -p .local
echo "== building ($config; the first build takes minutes, log in .local/build.log)"
# The build's own errors are the last thing printed when it fails (never a stale binary run instead).
if ! swift build -c "$config" >.local/build.log 2>&1; then
  grep -E "error:" .local/build.log >&2 || tail -30 .local/build.log >&2
  echo "demo: the build failed (full log: .local/build.log)" >&2
  exit 1
fi
bin=".build/$config"

export BIN_DIR="$bin"
loader_pid=""
# Cleanup is silent, so that a failing step's own error stays the last thing printed, and keeps its status.
cleanup() {
  [ -z "$loader_pid" ] || kill "$loader_pid" 2>/dev/null || true
  scripts/services.sh down >/dev/null 2>&1 || true
}
trap cleanup EXIT
scripts/services.sh down >/dev/null 2>&1 || true
echo "== starting a private Postgres and the dev broker"
# Not `eval "$(scripts/services.sh up)"`: eval would hide the failure of the substitution.
services_env=$(scripts/services.sh up)
eval "$services_env"
scripts/services.sh reset-db
echo "   postgres: $DATABASE_URL"
echo "   kafka:    $KAFKA_BOOTSTRAP_SERVERS (topic $KAFKA_TOPIC)"

echo "== migrating"
"$bin/rollup" migrate --log-level warning
"$bin/rollup" rates load data/exchange_rates.csv --log-level warning

echo "== loading while generating $events events"
"$bin/loader" --log-level warning &
loader_pid=$!
"$bin/generator" --count "$events" --rate unlimited --seed "$seed" --backfill "$backfill" \
  --late-fraction 0.05 --max-lateness 10m --duplicate-fraction 0.02 --invalid-fraction 0.01 \
  --summary-file .local/generator-summary.json --log-level warning
delivered=$(sed -E 's/.*"delivered":([0-9]+).*/\1/' .local/generator-summary.json)
expected_amounts=$(sed -E 's/.*"valid_amounts":(\{[^}]*\}).*/\1/' .local/generator-summary.json)
for _ in $(seq 1 600); do
  loaded=$(psql "$DATABASE_URL" -qAtc "select coalesce(sum(next_offset), 0) from loader_offsets")
  [ "$loaded" -ge "$delivered" ] && break
  # A loader that stopped on its own has printed why; end with its status, adding nothing after it.
  kill -0 "$loader_pid" 2>/dev/null || { status=0; wait "$loader_pid" || status=$?; loader_pid=""; exit $((status == 0 ? 1 : status)); }
  sleep 0.2
done
kill -TERM "$loader_pid"
wait "$loader_pid"
loader_pid=""
echo "   loaded $loaded of $delivered messages; loader stopped on SIGTERM"

echo "== rolling up"
"$bin/rollup" run --log-level warning
echo
"$bin/rollup" report --expect-amounts "$expected_amounts"
"$bin/rollup" report --html .local/report.html --log-level warning >/dev/null
echo
echo "The same story with charts, one self-contained page: $(pwd)/.local/report.html"
