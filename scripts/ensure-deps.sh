#!/usr/bin/env bash
# Installs the Debian packages the pipeline builds, runs and is tested with, if any is missing (needs root or
# sudo).
set -euo pipefail
need=()
pkg-config --exists rdkafka 2>/dev/null && [ -f /usr/include/librdkafka/rdkafka_mock.h ] || need+=(librdkafka-dev)
pkg-config --exists libpq 2>/dev/null || need+=(libpq-dev)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
command -v psql >/dev/null 2>&1 || need+=(postgresql-client)
# The tests check the pipeline against tools we did not write: kcat as a foreign producer, Python's
# jsonschema for schemas/purchase.schema.json.
command -v kcat >/dev/null 2>&1 || need+=(kcat)
# The operations scenario checks the metrics with a real Prometheus server and promtool.
command -v promtool >/dev/null 2>&1 && command -v prometheus >/dev/null 2>&1 || need+=(prometheus)
# The HTML report is checked in a real browser.
command -v chromium >/dev/null 2>&1 || need+=(chromium)
python3 -c "import jsonschema; jsonschema.Draft202012Validator" >/dev/null 2>&1 || need+=(python3-jsonschema)
if [ "${WITH_BENCH_TOOLS:-}" = 1 ]; then
  [ -x /usr/bin/time ] || need+=(time)
fi
# scripts/compose_check.py reads docker-compose.yml with PyYAML.
python3 -c "import yaml" >/dev/null 2>&1 || python3 -m pip install --quiet pyyaml
[ ${#need[@]} -eq 0 ] && exit 0
echo "installing ${need[*]}" >&2
sudo=""
[ "$(id -u)" = 0 ] || sudo="sudo"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${need[@]}" >/dev/null
