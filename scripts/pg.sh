#!/usr/bin/env bash
# Throw-away PostgreSQL for tests: scripts/pg.sh start|stop|url PORT DIR
# PostgreSQL refuses to run as root, so the cluster belongs to the `postgres` user when we are root.
set -euo pipefail
cmd=${1:?start|stop|url}; port=${2:-55432}; dir=${3:-/tmp/relief-pg-$port}
bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1 || true)
[ -n "$bindir" ] || { echo "no PostgreSQL server binaries under /usr/lib/postgresql" >&2; exit 2; }
as_pg() { if [ "$(id -u)" = 0 ]; then su postgres -s /bin/sh -c "$*"; else sh -c "$*"; fi; }
case $cmd in
  url) echo "postgresql+psycopg://postgres@127.0.0.1:$port/relief_test" ;;
  start)
    if [ ! -f "$dir/PG_VERSION" ]; then
      mkdir -p "$dir"; [ "$(id -u)" = 0 ] && chown postgres:postgres "$dir"
      as_pg "$bindir/initdb -D $dir -A trust -U postgres -E UTF8 --locale=C.UTF-8" >/dev/null
    fi
    if ! as_pg "$bindir/pg_ctl -D $dir status" >/dev/null 2>&1; then
      as_pg "$bindir/pg_ctl -D $dir -l $dir/server.log -w -o \"-k $dir -p $port -c listen_addresses=127.0.0.1 -c max_connections=60 -c fsync=on\" start" >/dev/null
    fi
    for _ in $(seq 1 30); do as_pg "$bindir/pg_isready -h 127.0.0.1 -p $port" >/dev/null 2>&1 && break; sleep 0.5; done
    as_pg "$bindir/psql -h 127.0.0.1 -p $port -U postgres -tAc \"SELECT 1 FROM pg_database WHERE datname='relief_test'\"" | grep -q 1 \
      || as_pg "$bindir/createdb -h 127.0.0.1 -p $port -U postgres relief_test"
    echo "postgresql+psycopg://postgres@127.0.0.1:$port/relief_test" ;;
  stop) as_pg "$bindir/pg_ctl -D $dir -m fast stop" >/dev/null 2>&1 || true ;;
  *) echo "unknown command $cmd" >&2; exit 2 ;;
esac
