#!/usr/bin/env bash
# The cluster test (docs/scaling.md): two app servers, two task workers with two schedulers, PostgreSQL,
# PgBouncer and Redis as separate hosts in network namespaces of their own, on this one machine; then the
# checks of tests/cluster/drive.py. Needs root and the Debian packages postgresql, pgbouncer, redis-server
# (scripts/setup.sh installs them). Prints a JSON summary; exit status 0 when every check held.
#   scripts/cluster.sh [--keep]   (--keep: leave the logs in the temporary folder it names)
set -euo pipefail
cd "$(dirname "$0")/.."
exec .venv/bin/python -m tests.cluster.run "$@"
