#!/usr/bin/env bash
# Command-line end to end against running services (scripts/services.sh up): the executables, a fresh
# topic and database, and the totals checks. Exits non-zero when any check fails.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=".build/${CONFIG:-debug}"
events="${DEMO_EVENTS:-60000}"
services_env=$(scripts/services.sh restart-broker)
eval "$services_env"
scripts/services.sh reset-db
"$bin/rollup" migrate --log-level warning
"$bin/generator" --count "$events" --rate unlimited --backfill 20m --late-fraction 0.05 \
  --duplicate-fraction 0.02 --invalid-fraction 0.01 --summary-file .local/e2e-summary.json --log-level warning
"$bin/loader" --until-caught-up --batch-size 5000 --log-level warning
"$bin/rollup" run --log-level warning
"$bin/rollup" run --log-level warning
expected_amount=$(sed -E 's/.*"valid_amount":"([0-9.]+)".*/\1/' .local/e2e-summary.json)
invalid=$(sed -E 's/.*"invalid":([0-9]+).*/\1/' .local/e2e-summary.json)
dead=$(psql "$DATABASE_URL" -qAtc "select count(*) from dead_letters")
[ "$dead" = "$invalid" ] || { echo "e2e: $dead dead letters, generator sent $invalid invalid messages" >&2; exit 1; }
"$bin/rollup" report --expect-amount "$expected_amount" >.local/e2e-report.txt || { cat .local/e2e-report.txt; exit 1; }
tail -4 .local/e2e-report.txt
echo "e2e: OK"
