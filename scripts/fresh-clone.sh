#!/usr/bin/env bash
# README's first command where a newcomer may run it: this checkout (its working tree, uncommitted changes
# included) cloned into a directory only its owner may enter (mode 700, like a `mktemp -d` or a clone under
# /root), then `make demo` there, then `make clean` there. Run as root this shows that the private Postgres,
# which runs as the `postgres` user, does not need to enter the checkout. Exits non-zero when any step fails.
#
# Settings (environment): FRESH_CLONE_CONFIG (debug|release, default release: what `make demo` builds),
# FRESH_CLONE_EVENTS (default 30000), FRESH_CLONE_PORT (default 55434, so the clone's Postgres never meets
# this checkout's).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd -P)
parent=$(mktemp -d)
clone="$parent/purchase-stream"
cleanup() {
  [ ! -d "$clone" ] || (cd "$clone" && scripts/services.sh clean >/dev/null 2>&1) || true
  rm -rf "$parent"
}
trap cleanup EXIT
chmod 700 "$parent"
if [ "$(id -u)" = 0 ] && runuser -u postgres -- test -x "$parent" 2>/dev/null; then
  echo "fresh-clone: the postgres user can enter $parent; this check would prove nothing" >&2
  exit 1
fi

echo "== cloning into $clone (mode 700)"
git clone -q --no-hardlinks "$root" "$clone"
# The working tree as it is: tracked changes and files not yet added (ignored ones excepted).
git diff HEAD --binary | git -C "$clone" apply --allow-empty
git ls-files --others --exclude-standard -z | xargs -0 -r cp --parents -t "$clone"

echo "== make demo in the clone"
(cd "$clone" && CONFIG="${FRESH_CLONE_CONFIG:-release}" DEMO_EVENTS="${FRESH_CLONE_EVENTS:-30000}" \
  PGPORT_LOCAL="${FRESH_CLONE_PORT:-55434}" make demo)

echo "== make demo in the clone with its Postgres port taken: it stops there, Postgres' own error last"
port="${FRESH_CLONE_PORT:-55434}"
python3 -c 'import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(); time.sleep(600)' "$port" &
holder=$!
sleep 0.5
status=0
(cd "$clone" && CONFIG="${FRESH_CLONE_CONFIG:-release}" PGPORT_LOCAL="$port" make demo) >"$parent/failing.log" 2>&1 || status=$?
kill "$holder"
# make's own lines (`make: ***`, or `make[1]: ***` and `make[1]: Leaving directory` when nested) aside.
last=$(grep -Ev '^make(\[[0-9]+\])?: ' "$parent/failing.log" | tail -1)
if [ "$status" = 0 ] || grep -q "== migrating" "$parent/failing.log" || ! grep -qxF -- "$last" "$clone/.local/pg/server.log"; then
  cat "$parent/failing.log" >&2
  echo "fresh-clone: with Postgres unable to start, make demo went on or hid Postgres' error (exit $status)" >&2
  exit 1
fi
echo "   stopped with: $last"

echo "== make clean in the clone"
key=$(printf '%s' "$clone" | sha256sum | cut -c1-12)
state="/var/tmp/purchase-stream-$(id -u)/$key"
[ -d "$state" ] || { echo "fresh-clone: the clone's Postgres was not in $state" >&2; exit 1; }
(cd "$clone" && make clean >/dev/null)
[ ! -e "$state" ] || { echo "fresh-clone: make clean left $state behind" >&2; exit 1; }
[ ! -e "$clone/.local" ] || { echo "fresh-clone: make clean left $clone/.local behind" >&2; exit 1; }
echo "fresh-clone: OK"
