#!/usr/bin/env bash
# The whole test suite, on SQLite and then on PostgreSQL (started here if it is not running).
# Extra arguments go to pytest, e.g. scripts/test.sh -k roster
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/ensure_redis.sh  # the Redis task-backend tests need a server (database 14, flushed by them)

echo "==> tests on SQLite"
env -u DATABASE_URL .venv/bin/pytest "$@"

echo "==> tests on PostgreSQL"
PG_URL=${TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}
scripts/ensure_postgres.sh
DATABASE_URL="$PG_URL" .venv/bin/pytest "$@"
