#!/usr/bin/env bash
# Private local services for the demo and the tests: a Postgres cluster of this checkout's own and the dev
# broker (librdkafka's mock cluster). Nothing is installed system-wide and nothing listens beyond loopback.
#
#   scripts/services.sh up      start both (idempotent); prints the environment to use them
#   scripts/services.sh down    stop both
#   scripts/services.sh clean   stop both and delete their data (every services directory of this checkout)
#   scripts/services.sh env     print the environment (export lines) for running services
#
# Where Postgres lives: run as root, Postgres runs as the `postgres` user, which may not be able to enter the
# checkout (a clone under /root or in a `mktemp -d` directory is root's alone). So the cluster's data, socket
# and log live outside the checkout, in /var/tmp/purchase-stream-<uid>/<checkout key>/<services dir>, a
# directory the scripts create for this checkout and give to the user Postgres runs as; `.local/pg` (under
# SERVICES_DIR) is a link to it. The key is a hash of the checkout's path, so two checkouts never share a
# cluster. Run as another user, Postgres runs as that user, in the same place.
#
#   scripts/services.sh pg-stop|pg-start   stop Postgres (fast shutdown) / start it again (fault tests)
#
# Local connections (the socket) are trusted; TCP connections on 127.0.0.1 need a password (SCRAM), so
# wrong-password handling can be tested. Settings (environment): SERVICES_DIR (default .local),
# PGPORT_LOCAL (default 55432), BROKER_PARTITIONS (default 64), BIN_DIR (where
# dev-broker is built, default .build/debug), KAFKA_TOPIC (default purchases).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd -P)
local_dir="${SERVICES_DIR:-$root/.local}"
mkdir -p "$local_dir"
local_dir=$(cd "$local_dir" && pwd -P)
# Outside the checkout, reachable by the user Postgres runs as (see the top of this file).
state_root="/var/tmp/purchase-stream-$(id -u)"
checkout_dir="$state_root/$(printf '%s' "$root" | sha256sum | cut -c1-12)"
pg_dir="$checkout_dir/$(printf '%s' "${local_dir#"$root"/}" | tr -c 'A-Za-z0-9_-' '_')"
pg_link="$local_dir/pg"
pg_data="$pg_dir/data"
pg_socket="$pg_dir/socket"
pg_port="${PGPORT_LOCAL:-55432}"
broker_dir="$local_dir/broker"
bin_dir="${BIN_DIR:-$root/.build/debug}"
topic="${KAFKA_TOPIC:-purchases}"
partitions="${BROKER_PARTITIONS:-64}"
pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)

# Postgres refuses to run as root: when we are root, run its tools as the postgres user, from `/` (the
# postgres user may not be allowed into the current directory).
as_pg() {
  if [ "$(id -u)" = 0 ]; then (cd / && runuser -u postgres -- "$@"); else "$@"; fi
}

# The cluster's directory outside the checkout: the parents traversable (0755, ours), the cluster's own
# directory owned by the user Postgres runs as (0700), and the link in the services directory.
pg_prepare() {
  mkdir -p "$checkout_dir"
  chmod 0755 "$state_root" "$checkout_dir"
  printf '%s\n' "$root" >"$checkout_dir/checkout"
  mkdir -p "$pg_dir" "$pg_socket"
  chmod 0700 "$pg_dir"
  if [ "$(id -u)" = 0 ]; then chown -R postgres "$pg_dir"; fi
  if [ -L "$pg_link" ] || [ ! -e "$pg_link" ]; then
    ln -sfn "$pg_dir" "$pg_link"
  else
    echo "services: $pg_link is a directory from an older layout; stop it and remove it (make clean)" >&2
    exit 1
  fi
}

pg_up() {
  [ -n "$pg_bin" ] || { echo "services: PostgreSQL server binaries not found (apt-get install postgresql)" >&2; exit 1; }
  pg_prepare
  if [ ! -f "$pg_data/PG_VERSION" ]; then
    as_pg "$pg_bin/initdb" -D "$pg_data" -U postgres --auth-local=trust --auth-host=scram-sha-256 -E UTF8 --locale=C >"$pg_dir/initdb.log" 2>&1 \
      || { cat "$pg_dir/initdb.log" >&2; exit 1; }
  fi
  if ! as_pg "$pg_bin/pg_ctl" -D "$pg_data" status >/dev/null 2>&1; then
    as_pg "$pg_bin/pg_ctl" -D "$pg_data" -l "$pg_dir/server.log" -w -t 60 \
      -o "-p $pg_port -k $pg_socket -c listen_addresses=127.0.0.1 -c shared_buffers=256MB -c max_connections=200 -c max_wal_size=4GB" \
      start >/dev/null || { tail -20 "$pg_dir/server.log" >&2; exit 1; }
  fi
}

pg_down() {
  if [ -n "$pg_bin" ] && [ -f "$pg_data/PG_VERSION" ] && as_pg "$pg_bin/pg_ctl" -D "$pg_data" status >/dev/null 2>&1; then
    as_pg "$pg_bin/pg_ctl" -D "$pg_data" -m fast -w stop >/dev/null
  fi
}

# Stops every cluster of this checkout (the fault suite's included) and deletes them and the services
# directory.
clean() {
  broker_down
  for data in "$checkout_dir"/*/data; do
    if [ -n "$pg_bin" ] && [ -f "$data/PG_VERSION" ] && as_pg "$pg_bin/pg_ctl" -D "$data" status >/dev/null 2>&1; then
      as_pg "$pg_bin/pg_ctl" -D "$data" -m fast -w stop >/dev/null
    fi
  done
  rm -rf "$checkout_dir" "$local_dir"
}

broker_up() {
  mkdir -p "$broker_dir"
  if [ -f "$broker_dir/pid" ] && kill -0 "$(cat "$broker_dir/pid")" 2>/dev/null; then return; fi
  [ -x "$bin_dir/dev-broker" ] || { echo "services: $bin_dir/dev-broker is not built (swift build)" >&2; exit 1; }
  rm -f "$broker_dir/bootstrap"
  nohup "$bin_dir/dev-broker" --topic "$topic" --partitions "$partitions" --bootstrap-file "$broker_dir/bootstrap" \
    --log-level warning >"$broker_dir/broker.log" 2>&1 &
  echo $! >"$broker_dir/pid"
  for _ in $(seq 1 100); do
    [ -s "$broker_dir/bootstrap" ] && return
    sleep 0.1
  done
  echo "services: the dev broker did not start; see $broker_dir/broker.log" >&2
  exit 1
}

broker_down() {
  if [ -f "$broker_dir/pid" ]; then
    kill "$(cat "$broker_dir/pid")" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$(cat "$broker_dir/pid")" 2>/dev/null || break; sleep 0.1; done
    rm -f "$broker_dir/pid" "$broker_dir/bootstrap"
  fi
}

print_env() {
  echo "export DATABASE_URL='host=$pg_socket port=$pg_port user=postgres dbname=purchases'"
  echo "export TEST_DATABASE_URL='host=$pg_socket port=$pg_port user=postgres dbname=postgres'"
  [ -s "$broker_dir/bootstrap" ] && echo "export KAFKA_BOOTSTRAP_SERVERS='$(cat "$broker_dir/bootstrap")'"
  echo "export KAFKA_TOPIC='$topic'"
}

case "${1:-}" in
  up)
    pg_up
    as_pg "$pg_bin/psql" -h "$pg_socket" -p "$pg_port" -U postgres -d postgres -qAtc \
      "select 1 from pg_database where datname = 'purchases'" | grep -q 1 \
      || as_pg "$pg_bin/createdb" -h "$pg_socket" -p "$pg_port" -U postgres purchases
    broker_up
    print_env
    ;;
  down) broker_down; pg_down ;;
  clean) clean ;;
  env) print_env ;;
  reset-db)
    as_pg "$pg_bin/dropdb" -h "$pg_socket" -p "$pg_port" -U postgres --if-exists purchases
    as_pg "$pg_bin/createdb" -h "$pg_socket" -p "$pg_port" -U postgres purchases
    ;;
  restart-broker) broker_down; broker_up; print_env ;;
  pg-stop) pg_down ;;
  pg-start) pg_up ;;
  *) echo "usage: scripts/services.sh up|down|clean|env|reset-db|restart-broker|pg-stop|pg-start" >&2; exit 2 ;;
esac
