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
# JSON logs: every line one object, the start line with the settings, and never the secret given in them.
"$bin/loader" --until-caught-up --batch-size 5000 --log-level info --log-format json \
  -X sasl.password=e2eSecret42 2>.local/e2e-loader.log
python3 - .local/e2e-loader.log <<'PY'
import json, sys
lines = open(sys.argv[1]).read().splitlines()
objects = [json.loads(line) for line in lines]  # raises on a line that is not one JSON object
assert all(list(o)[:5] == ["time", "level", "component", "message", "metadata"] for o in objects), "field order"
assert any(o["message"] == "loader starting" and "kafka.settings" in o["metadata"] for o in objects), "start line"
assert not any("e2eSecret42" in line for line in lines), "a secret in the log"
print(f"e2e: {len(objects)} JSON log lines parsed")
PY
# The loader stored every offset: `loader lag` (Kafka's watermarks against Postgres) says nothing is behind.
lag=$("$bin/loader" lag --json --log-level warning | python3 -c 'import json,sys; print(json.load(sys.stdin)["total_lag"])')
[ "$lag" = 0 ] || { echo "e2e: loader lag says $lag messages behind after a full load" >&2; exit 1; }
"$bin/rollup" run --log-level warning
# Late events: purchases from the last 20 minutes arriving after the first pass, most into windows already
# final (the watermark is 5 minutes behind). The next pass corrects those windows and counts the events.
"$bin/generator" --count 500 --rate unlimited --seed 99 --backfill 20m --summary-file .local/e2e-late.json \
  --log-level warning
"$bin/loader" --until-caught-up --log-level warning >/dev/null
"$bin/rollup" run --log-level warning
late=$(psql "$DATABASE_URL" -qAtc "select coalesce(sum(late_events), 0) from rollup_late_events where model = 'purchase_summary'")
[ "$late" -gt 0 ] || { echo "e2e: no late events counted after loading events into final windows" >&2; exit 1; }
"$bin/rollup" run --log-level warning
read -r expected_amount invalid < <(python3 - .local/e2e-summary.json .local/e2e-late.json <<'PY'
import decimal, json, sys
runs = [json.load(open(path)) for path in sys.argv[1:]]
print(sum(decimal.Decimal(r["valid_amount"]) for r in runs), sum(r["invalid"] for r in runs))
PY
)
echo "e2e: $late late events counted"
dead=$(psql "$DATABASE_URL" -qAtc "select count(*) from dead_letters")
[ "$dead" = "$invalid" ] || { echo "e2e: $dead dead letters, generator sent $invalid invalid messages" >&2; exit 1; }
"$bin/rollup" report --expect-amount "$expected_amount" >.local/e2e-report.txt || { cat .local/e2e-report.txt; exit 1; }
tail -4 .local/e2e-report.txt
# The totals over the loaded range (top countries and "other") add up to the whole summary, to the cent.
python3 - .local/e2e-report.txt <<'PY'
import decimal, re, sys
text = open(sys.argv[1]).read()
table = text.split("Totals over the loaded range")[1].split("\n\n")[0].splitlines()[2:]
total = sum(decimal.Decimal(line.split()[-1]) for line in table)
summary = decimal.Decimal(re.search(r"purchase_summary: .* amount ([0-9.]+)", text).group(1))
assert total == summary and len(table) >= 2, f"totals over the range {total}, summary {summary}"
PY
echo "e2e: OK"
