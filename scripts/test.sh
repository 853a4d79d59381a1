#!/usr/bin/env bash
# The test suite: unit and integration tests (real Postgres, real Kafka-protocol broker), then the
# command-line end-to-end check against the dev broker process. This is what `make test` and CI run.
set -euo pipefail
cd "$(dirname "$0")/.."
# Swift lives in /opt/swift on the machines this project runs on; find it even when PATH does not.
command -v swift >/dev/null 2>&1 || export PATH="/opt/swift/usr/bin:$PATH"
scripts/ensure-deps.sh
# Style first: it takes seconds, and a red lint should not wait for the suite.
swift format lint --strict --recursive Sources Tests Package.swift Benchmarks/Package.swift Benchmarks/Benchmarks
swift build --build-tests
export BIN_DIR=.build/debug
# docker-compose.yml and the Dockerfile against the executables' real flags (no Docker engine here).
python3 scripts/compose_check.py
# Cleanup is silent, so that a failing step's own error stays the last thing printed.
trap 'scripts/services.sh down >/dev/null 2>&1 || true' EXIT
# Not `eval "$(scripts/services.sh up)"`: eval would hide the failure of the substitution.
services_env=$(scripts/services.sh up)
eval "$services_env"
swift test --skip-build
CONFIG=debug DEMO_EVENTS=60000 scripts/e2e.sh
# e2e restarted the broker: take its new address.
services_env=$(scripts/services.sh env)
eval "$services_env"
# Every dashboard panel's SQL, expanded as Grafana does, as a read-only login on the database e2e loaded.
python3 scripts/dashboards.py
# `rollup report --html` in headless Chromium: the charts drawn, a hostile category shown as text.
python3 scripts/report_check.py
# The fault suite (scripts/faults.py): its own Postgres (.local/faults, port 55433) and dev brokers, stopped
# when it ends; figures in .local/faults/results.json.
python3 scripts/faults.py --bin "$BIN_DIR"
# README's first command in a clone only its owner may enter (mode 700), with its own Postgres and broker.
scripts/fresh-clone.sh
