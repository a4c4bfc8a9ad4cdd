#!/usr/bin/env bash
# The gate, then the whole test suite on SQLite and then on PostgreSQL (started here if it is not
# running), across both cores (pytest-xdist). On each database the fast lane runs first; the slow
# lane (whole-demo builds, the crawl, real concurrency; browser tests on PostgreSQL) follows.
# Browser tests run once, against PostgreSQL: what they check (layout, scripts, media, whole flows through
# the live server) does not depend on the database, and there each live-server thread has its own
# connection as in production. On SQLite the live server's threads share the test's one in-memory
# connection, a known source of random failures (Django's documentation of LiveServerTestCase); the few
# flows whose issue asks for both databases (marker both_databases) run there too.
# Migrated databases and the demo county are built once per run and shared (tests/dbcache.py).
# Extra arguments go to pytest, e.g. scripts/test.sh -k roster
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
start=$(date +%s)
# Some machines set PYTHONDONTWRITEBYTECODE: every test process (two per lane and database, and each server
# a test starts) would then compile the project and rewrite every test module's asserts again, ~8 CPU-s each.
unset PYTHONDONTWRITEBYTECODE
scripts/gate.sh
scripts/ensure_redis.sh  # the Redis task-backend tests need a server (database 14, flushed by them)

WORKERS=${TEST_WORKERS:-2}
lanes() {
  # lanes SLOW-LANE-MARKERS COMMAND...
  local slow=$1
  shift
  # exit status 5 = "no tests collected": a lane may be empty when arguments select a few tests.
  # The fast lane makes fresh test databases and keeps them; the slow lane reuses them (on PostgreSQL
  # that spares each worker a second run of every migration; SQLite's are in memory, made each time).
  local rc=0 db=--reuse-db
  "$@" -n "$WORKERS" --dist loadgroup --create-db --reuse-db -m "not e2e and not slow" "${ARGS[@]}" || rc=$?
  [ "$rc" -eq 0 ] || [ "$rc" -eq 5 ] || return "$rc"
  [ "$rc" -eq 0 ] || db=--create-db  # the fast lane made none: no older database is trusted
  rc=0
  "$@" -n "$WORKERS" --dist loadgroup "$db" -m "$slow" "${ARGS[@]}" || rc=$?
  [ "$rc" -eq 0 ] || [ "$rc" -eq 5 ] || return "$rc"
}
ARGS=("$@")

PG_URL=${TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}
scripts/ensure_postgres.sh
if [ -z "${TEST_POSTGRES_URL:-}" ]; then
  # The local server is the tests' throwaway one: without durability every test database's creation and
  # every flush after a browser or concurrency test (a TRUNCATE of every table) writes nothing to disk.
  # All three are reloaded settings: no restart. A server given by TEST_POSTGRES_URL is left as it is.
  psql -q -h 127.0.0.1 -U postgres -d postgres -c "ALTER SYSTEM SET fsync = off" \
    -c "ALTER SYSTEM SET synchronous_commit = off" -c "ALTER SYSTEM SET full_page_writes = off" \
    -c "SELECT pg_reload_conf()" >/dev/null
fi

# The two databases' runs go side by side (TEST_SERIAL=1: one after the other). Alone, each leaves a third
# of the two cores idle: one process builds the migrated database or the demo county while the other waits
# for it, tests wait for servers, browsers and the SMS gateway, and each lane ends on its longest test.
# Each run has its own test databases, files and servers (free ports); PostgreSQL's output follows SQLite's.
PG_LOG=$(mktemp)
trap 'rm -f "$PG_LOG"' EXIT
pg_run() {
  lanes "e2e or slow" env DATABASE_URL="$PG_URL" .venv/bin/pytest --database-tests-only
}
pg_rc=0
if [ -n "${TEST_SERIAL:-}" ]; then
  echo "==> tests on SQLite"
else
  echo "==> tests on SQLite and, at the same time, on PostgreSQL (its output below when it ends)"
  pg_run >"$PG_LOG" 2>&1 &
  pg_pid=$!
fi
sqlite_rc=0
lanes "(slow and not e2e) or both_databases" env -u DATABASE_URL .venv/bin/pytest || sqlite_rc=$?
echo "==> tests on PostgreSQL (those that use the database: the others ran on SQLite), browser tests"
if [ -n "${TEST_SERIAL:-}" ]; then
  pg_run || pg_rc=$?
else
  wait "$pg_pid" || pg_rc=$?
  cat "$PG_LOG"
fi
echo "==> gate and both databases in $(( $(date +%s) - start )) s (SQLite: exit $sqlite_rc, PostgreSQL: exit $pg_rc)"
[ "$sqlite_rc" -eq 0 ] && [ "$pg_rc" -eq 0 ]
