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
"$bin/rollup" rates load data/exchange_rates.csv --log-level warning
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
# The generators' amounts per currency (added within a currency only), for the report's totals check.
read -r expected_amounts invalid < <(python3 - .local/e2e-summary.json .local/e2e-late.json <<'PY'
import collections, decimal, json, sys
runs = [json.load(open(path)) for path in sys.argv[1:]]
amounts = collections.defaultdict(decimal.Decimal)
for run in runs:
    for currency, amount in run["valid_amounts"].items():
        amounts[currency] += decimal.Decimal(amount)
print(json.dumps({c: str(a) for c, a in amounts.items()}, separators=(",", ":")), sum(r["invalid"] for r in runs))
PY
)
echo "e2e: $late late events counted"
dead=$(psql "$DATABASE_URL" -qAtc "select count(*) from dead_letters")
[ "$dead" = "$invalid" ] || { echo "e2e: $dead dead letters, generator sent $invalid invalid messages" >&2; exit 1; }
"$bin/rollup" report --expect-amounts "$expected_amounts" >.local/e2e-report.txt || { cat .local/e2e-report.txt; exit 1; }
tail -4 .local/e2e-report.txt
# The totals over the loaded range (top countries, their currencies, and "other") add up to the whole
# summary: every purchase once, and every converted minute once, to the cent of the reporting currency.
totals=$(psql "$DATABASE_URL" -qAtc "select sum(purchase_count), sum(converted_amount) from converted_purchase_minutes('-infinity', 'infinity')")
python3 - .local/e2e-report.txt "$totals" <<'PY'
import decimal, sys
text = open(sys.argv[1]).read()
purchases, converted = sys.argv[2].split("|")
table = text.split("Totals over the loaded range")[1].split("\n\n")[0].splitlines()[2:]
rows = [line.split() for line in table]
assert len(rows) >= 3 and rows[-1][0] == "other", "the range totals end with other"
assert sum(int(r[1] if r[0] == "other" else r[2]) for r in rows) == int(purchases), "purchases over the range"
shown = sum(decimal.Decimal(r[-1]) for r in rows)
assert shown == decimal.Decimal(converted), f"converted totals over the range {shown}, all minutes {converted}"
PY
echo "e2e: OK"
