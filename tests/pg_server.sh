#!/bin/sh
# A throw-away PostgreSQL server for the board tests (ctest fixture `postgres`):
#   pg_server.sh start STATE   initdb + pg_ctl start in a fresh temporary folder, on a free
#                              port of 127.0.0.1; writes STATE/uri (postgresql://deteval@...)
#   pg_server.sh stop STATE    stops it (immediate) and deletes its folder
# Without Debian's postgresql package it writes STATE/skip with the reason and exits 77
# (ctest reports the fixture as skipped; the tests that need it skip themselves saying why).
# The tests' server does not fsync (fsync=off, synchronous_commit=off: nothing in it must
# survive a crash of the machine); DETEVAL_PG_DURABLE=1 keeps PostgreSQL's durable defaults
# (for bench/board_queue_bench). initdb refuses to run as root: as root the server runs as the `postgres` user that the
# package creates (runuser), its folder owned by that user.
set -u
cmd=${1:?start|stop}
state=${2:?state folder}
mkdir -p "$state"

if [ "$cmd" = stop ]; then
  [ -f "$state/datadir" ] || exit 0
  data=$(cat "$state/datadir")
  as=$(cat "$state/user" 2>/dev/null || true)
  if [ -n "$as" ]; then runuser -u "$as" -- "$(cat "$state/bindir")/pg_ctl" -D "$data" -m immediate -w stop >/dev/null 2>&1
  else "$(cat "$state/bindir")/pg_ctl" -D "$data" -m immediate -w stop >/dev/null 2>&1; fi
  cp "$data/server.log" "$state/server.log" 2>/dev/null  # kept for a look after a failure
  rm -rf "$(dirname "$data")"
  rm -f "$state/uri" "$state/datadir" "$state/user" "$state/bindir"
  exit 0
fi

rm -f "$state/uri" "$state/skip"
skip() {
  echo "$1" > "$state/skip"
  echo "SKIP: $1"
  exit 77
}
bindir=${DETEVAL_PG_BINDIR:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)}
[ -n "$bindir" ] && [ -x "$bindir/initdb" ] && [ -x "$bindir/pg_ctl" ] ||
  skip "PostgreSQL server binaries not found (initdb, pg_ctl in /usr/lib/postgresql/*/bin): install Debian's postgresql package (scripts/install-deps.sh --test)"
as=""
if [ "$(id -u)" = 0 ]; then
  id postgres >/dev/null 2>&1 || skip "running as root and there is no 'postgres' user to run the server as"
  as=postgres
fi
run() { if [ -n "$as" ]; then runuser -u "$as" -- "$@"; else "$@"; fi; }

top=$(mktemp -d /tmp/deteval-pg.XXXXXX)
chmod 755 "$top"
data="$top/data"
mkdir -m 700 "$data"
[ -n "$as" ] && chown "$as" "$data"
echo "$data" > "$state/datadir"
echo "$bindir" > "$state/bindir"
echo "$as" > "$state/user"
if ! run "$bindir/initdb" -D "$data" -U deteval --auth=trust -E UTF8 --no-locale --no-sync >"$top/initdb.log" 2>&1; then
  cat "$top/initdb.log"
  exit 1
fi
# A free port: bind port 0, read it back. Retried when another process takes it meanwhile.
for attempt in 1 2 3 4 5; do
  port=$(/usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  fast="-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
  [ "${DETEVAL_PG_DURABLE:-0}" = 1 ] && fast=""
  if run "$bindir/pg_ctl" -D "$data" -l "$data/server.log" -w -t 30 \
      -o "-p $port -k $data -c listen_addresses=127.0.0.1 $fast -c max_connections=300" \
      start >/dev/null 2>&1; then
    echo "postgresql://deteval@127.0.0.1:$port" > "$state/uri"
    echo "PostgreSQL $("$bindir/postgres" --version | awk '{print $3}') on 127.0.0.1:$port, data in $data"
    exit 0
  fi
done
cat "$data/server.log"
exit 1
