#!/usr/bin/env bash
# The gate: what must hold before any test runs (docs/architecture.md). Fast: about a minute.
# Lint and format (ruff), the layers (import-linter), types (mypy), every dependency declared and used (deptry),
# models and migrations agree.
set -euo pipefail
cd "$(dirname "$0")/.."
V=.venv/bin
echo "==> gate: ruff"
$V/ruff check --quiet .
$V/ruff format --check --quiet .
echo "==> gate: import contracts"
$V/lint-imports --no-cache >/dev/null || { $V/lint-imports --no-cache; exit 1; }
echo "==> gate: types (mypy, the modules listed in pyproject.toml)"
$V/mypy >/dev/null 2>&1 || { $V/mypy; exit 1; }
echo "==> gate: dependencies (deptry)"
$V/deptry . >/dev/null 2>&1 || { $V/deptry .; exit 1; }
echo "==> gate: migrations"
env -u DATABASE_URL $V/python manage.py makemigrations --check --dry-run -v0 \
  || { echo "models and migrations differ: run manage.py makemigrations" >&2; exit 1; }
