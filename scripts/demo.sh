#!/usr/bin/env bash
# Set everything up and start the demo: SQLite database, demo county, web server and task worker.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
PORT=${PORT:-8000}
# Every link that leaves the page (texts, e-mails, PDFs, QR codes, calendar files, certificates) is
# built from SITE_URL: the web server, the worker and seed_demo must all see the demo's own port.
export SITE_URL="${SITE_URL:-http://127.0.0.1:$PORT}"
PY=.venv/bin/python
echo "==> preparing the database"
$PY manage.py migrate -v0  # also makes the cache table (core migration 0003)
$PY manage.py seed_demo
echo "==> starting the task worker, the scheduler, the mail receiver and the web server"
$PY manage.py task_worker >data/worker.log 2>&1 &
worker=$!
# Periodic jobs (notification retries, later deadline checks): enqueued every minute, run by the worker.
$PY manage.py scheduler >data/scheduler.log 2>&1 &
scheduler=$!
# Missing application materials sent by e-mail arrive here (SMTP on 127.0.0.1:2525, docs/applications.md).
$PY manage.py applications_mail_receiver >data/mail-receiver.log 2>&1 &
mail=$!
trap 'kill $worker $scheduler $mail 2>/dev/null || true' EXIT INT TERM
echo
echo "    Open http://127.0.0.1:$PORT/ and log in with one of the accounts above. Ctrl-C stops."
echo
PORT=$PORT scripts/web.sh --access-logfile - --error-logfile -
