#!/usr/bin/env bash
# The gate: what must hold before any test runs (docs/architecture.md). Fast: well under a minute.
# Lint and format (ruff), the layers (import-linter), types (mypy), every dependency declared and used (deptry),
# models and migrations agree. Each check is single-threaded: mypy (the longest) runs beside the others, so both
# cores work. A failing check prints its own output; the gate fails when any check fails.
set -euo pipefail
cd "$(dirname "$0")/.."
V=.venv/bin
LOGS=$(mktemp -d)
trap 'rm -rf "$LOGS"' EXIT

check() {
  # check NAME COMMAND...: runs COMMAND quietly; on failure prints its output and returns 1.
  local name=$1
  shift
  echo "==> gate: $name"
  if ! "$@" >"$LOGS/$name" 2>&1; then
    echo "==> gate: $name FAILED" >&2
    cat "$LOGS/$name" >&2
    return 1
  fi
}
others() {
  check ruff sh -c "$V/ruff check --quiet . && $V/ruff format --check --quiet ." || return 1
  check "import contracts" $V/lint-imports --no-cache || return 1
  check "dependencies (deptry)" $V/deptry . || return 1
  check migrations env -u DATABASE_URL $V/python manage.py makemigrations --check --dry-run -v0 \
    || { echo "models and migrations differ: run manage.py makemigrations" >&2; return 1; }
}

check "types (mypy, the modules listed in pyproject.toml)" $V/mypy &
types=$!
rc=0
others || rc=1
wait "$types" || rc=1
exit "$rc"
